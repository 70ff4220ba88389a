"""`make bench`: runs every bench/bench_*.py in turn. Each prints its own side-by-side figures.

Benchmarks use PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/callpool_bench)
because that is what production runs; they never run in the test suite.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    env = dict(os.environ)
    env.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/callpool_bench")
    env.setdefault("SECRET_KEY", "bench-only")
    env["DATABASE_URL"] = env["BENCH_DATABASE_URL"]
    selected = sys.argv[1:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.stem for name in selected)]
    failed = 0
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script)], env=env, cwd=HERE.parent) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
