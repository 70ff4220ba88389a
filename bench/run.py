"""`make bench`: every bench/bench_*.py, one after another, then one table of their headline figures.

`make bench BENCH=dni` (or `python bench/run.py dni voice`) runs only the benches whose file name contains a
word given. Benchmarks are commands, never tests; they use PostgreSQL because production does.

Nothing two benches use is shared, so none sees another's rows, keys or servers:
- Database: bench_<name>.py gets DATABASE_URL (and BENCH_DATABASE_URL) = BENCH_DATABASE_URL's database with
  `_<name>` before its `_bench` suffix: callpool_bench (the default, postgres://postgres@127.0.0.1:5432/
  callpool_bench) → callpool_dni_bench, callpool_dashboard_bench, … (benchdb.own_database_url; a bench that
  asks for its own database again gets the same one back). Each bench creates (or recreates) it itself.
  Several people on one machine: give each their own prefix, e.g. BENCH_DATABASE_URL=…/cp_<you>_bench.
- Redis: a redis-server of this run's own on a spare port (started here, stopped at the end, nothing saved);
  bench number i of the run gets database i on it, as REDIS_URL and BENCH_REDIS_URL, so the benches that run
  in the production configuration do, and none touches a Redis someone else uses. BENCH_REDIS_URL set by the
  caller instead: every bench gets exactly that URL.
- Ports: every bench asks the OS for free ones (port 0); none is fixed.
- One after another: a bench starts when the previous one has ended, so none measures another's load.

The summary line. Each bench ends by printing one line per headline figure, in this format (one line, no
other text on it; `BENCH` at the start of the line):

    BENCH <name> <figure> ratio=<ratio> goal=<goal> <verdict>

    <name>     the figure's name, no spaces: `<bench>.<what>`, e.g. `dni.heartbeat`, `voice.webhook`
    <figure>   free text without a newline: the measured figure with its units, e.g.
               `assign 403 req/s p99 31.1 ms vs bare 581 req/s p99 22.2 ms`
    <ratio>    the side-by-side ratio as a plain number (`0.69`, `6.90`), or `-` when there is no baseline
    <goal>     what must hold, no spaces: `>=1.0`, `<=3`, `<=50ms`, `<1s`, or `-` for none
    <verdict>  PASS (the goal holds), FAIL (it does not), INFO (no goal), SKIP (not measured, say why in
               <figure>)

for example, at the end of main():

    print(f"BENCH voice.webhook full {full['p50']:.1f} ms p50 vs bare {bare['p50']:.1f} ms ratio={ratio:.2f} "
          f"goal=<=3 {'PASS' if ratio <= 3 else 'FAIL'}")

This collects those lines (matched with SUMMARY below) and prints them as one table at the end, with the
benches that printed none. It exits 1 when a bench exited non-zero or printed FAIL, else 0.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from benchdb import own_database_url  # noqa: E402

SUMMARY = re.compile(r"^BENCH (?P<name>\S+) (?P<figure>.+?) ratio=(?P<ratio>\S+) goal=(?P<goal>\S+) "
                     r"(?P<verdict>PASS|FAIL|INFO|SKIP)\s*$")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/callpool_bench"
REDIS_DATABASES = 16  # redis-server's default number of databases
FIGURE_WIDTH = 100  # the table cuts longer figures (the bench's own output above has them whole)


def bench_name(script: Path) -> str:
    return script.stem.removeprefix("bench_")


def bench_env(base: dict, script: Path, redis_url: str) -> dict:
    database_url = own_database_url(base["BENCH_DATABASE_URL"], bench_name(script))
    return {**base, "DATABASE_URL": database_url, "BENCH_DATABASE_URL": database_url, "REDIS_URL": redis_url,
            "BENCH_REDIS_URL": redis_url}


def run_one(script: Path, env: dict) -> tuple[int, list[dict]]:
    """Runs the bench with its output shown as it comes; returns its exit code and its summary lines."""
    summaries = []
    process = subprocess.Popen([sys.executable, "-u", str(script)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        match = SUMMARY.match(line.rstrip("\n"))
        if match:
            summaries.append(match.groupdict())
    return process.wait(), summaries


def table(results: list[tuple[Path, int, list[dict]]]) -> list[str]:
    rows = [("figure", "measured", "ratio", "goal", "verdict")]
    for script, code, summaries in results:
        for summary in summaries:
            verdict = summary["verdict"] if code == 0 or summary["verdict"] != "PASS" else f"PASS (exit {code})"
            figure = summary["figure"] if len(summary["figure"]) <= FIGURE_WIDTH else summary["figure"][:FIGURE_WIDTH - 1] + "…"
            rows.append((summary["name"], figure, summary["ratio"], summary["goal"], verdict))
        if not summaries:
            rows.append((bench_name(script), "(printed no BENCH line)", "-", "-",
                         "exit 0" if code == 0 else f"FAIL (exit {code})"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def main() -> int:
    base = dict(os.environ)
    base.setdefault("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    base.setdefault("SECRET_KEY", "bench-only")
    selected = sys.argv[1:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.stem for name in selected)]
    given_redis = base.get("BENCH_REDIS_URL")
    redis = None
    if not given_redis:
        if not shutil.which("redis-server"):
            print("bench: redis-server is not installed (apt-get install redis-server); or set BENCH_REDIS_URL")
            return 1
        from tests.support import OwnRedis

        redis = OwnRedis(Path(tempfile.mkdtemp(prefix="bench-redis-")))
        redis.start()
    results = []
    try:
        for index, script in enumerate(scripts):
            redis_url = given_redis or f"{redis.url}/{index % REDIS_DATABASES}"  # type: ignore[union-attr]
            env = bench_env(base, script, redis_url)
            print(f"\n=== {script.stem} (database {env['DATABASE_URL'].rsplit('/', 1)[1]}, Redis {redis_url}) ===",
                  flush=True)
            code, summaries = run_one(script, env)
            results.append((script, code, summaries))
    finally:
        if redis is not None:
            redis.stop()
            shutil.rmtree(redis.dir, ignore_errors=True)
    print("\n=== summary (one run each, side by side: ratios are what compare on a loaded machine) ===")
    for line in table(results):
        print(line)
    failed = [s.stem for s, code, summaries in results
              if code != 0 or any(summary["verdict"] == "FAIL" for summary in summaries)]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
