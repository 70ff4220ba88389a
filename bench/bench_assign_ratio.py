"""The shared measure of the DNI endpoint (../shared/perf/assign_ratio, described in its README) run on this
checkout in the production configuration, with issue 25's goals; its verdict lines as BENCH summary lines.

    ASSIGN_PRODUCT_ENV="REDIS_URL=<this bench's Redis> DNI_RATE_LIMIT=100000" ASSIGN_BAR_RATIO=1.0 \\
      ASSIGN_NEW_BAR_RATIO=0.7 ../shared/perf/assign_ratio .

The tool runs one at a time machine-wide (/tmp/perf-assign-ratio.lock) on fixed database names; when another
run holds the lock this waits for it (up to BENCH_ASSIGN_WAIT_SECONDS, default 3600) instead of failing.
ASSIGN_PRODUCT_ENV / ASSIGN_BAR_RATIO / ASSIGN_NEW_BAR_RATIO already set are kept; BENCH_ASSIGN_ARGS adds
options (e.g. "--rounds 16"). Where ../shared/perf is absent (a checkout elsewhere) it says so and is skipped.
The figures to quote come from the tool's own lines, printed in full above the summary.
"""

import fcntl
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = Path(os.environ.get("ASSIGN_RATIO_TOOL", ROOT.parent / "shared" / "perf" / "assign_ratio"))
LOCK = "/tmp/perf-assign-ratio.lock"
WAIT_SECONDS = float(os.environ.get("BENCH_ASSIGN_WAIT_SECONDS", "3600"))
P99_FACTOR = 1.5  # the tool's own p99 bar: the product's p99 ≤ 1.5 × the bare view's
HEARTBEAT = re.compile(r"^assign (?P<rps>\d+) req/s p99 (?P<p99>[\d.]+) ms = (?P<ratio>[\d.]+) of bare lease "
                       r"(?P<bare_rps>\d+) req/s p99 (?P<bare_p99>[\d.]+) ms")
NEW_SESSIONS = re.compile(r"^new sessions \(.*\): assign (?P<rps>\d+) req/s p99 (?P<p99>[\d.]+) ms = "
                          r"(?P<ratio>[\d.]+) of bare lease (?P<bare_rps>\d+) req/s p99 (?P<bare_p99>[\d.]+) ms")


def lock_is_free() -> bool:
    with open(LOCK, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True


def run_tool(env: dict) -> tuple[int, list[str]]:
    command = [str(TOOL), str(ROOT), *shlex.split(os.environ.get("BENCH_ASSIGN_ARGS", ""))]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    return process.wait(), lines


def summary(name: str, match: re.Match | None, bar: float, why: str, *, p99_bar: bool) -> str:
    if match is None:
        return f"BENCH {name} not measured: {why} ratio=- goal=>={bar:g} FAIL"
    ratio, p99, bare_p99 = float(match["ratio"]), float(match["p99"]), float(match["bare_p99"])
    holds = ratio >= bar and (not p99_bar or p99 <= P99_FACTOR * bare_p99)
    goal, verdict = (f">={bar:g}", "PASS" if holds else "FAIL") if bar else ("-", "INFO")
    return (f"BENCH {name} assign {match['rps']} req/s p99 {p99:.1f} ms vs bare {match['bare_rps']} req/s "
            f"p99 {bare_p99:.1f} ms ratio={ratio:.2f} goal={goal} {verdict}")


def main() -> int:
    if not TOOL.exists():
        why = f"{TOOL} is not here (the shared perf tool sits next to the checkout as ../shared/perf)"
        print(f"bench_assign_ratio: skipped: {why}")
        print(f"BENCH assign_ratio.heartbeat skipped: {why} ratio=- goal=>=1.0 SKIP")
        return 0
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env = dict(os.environ)
    env.setdefault("ASSIGN_PRODUCT_ENV", f"REDIS_URL={redis_url} DNI_RATE_LIMIT=100000")
    env.setdefault("ASSIGN_BAR_RATIO", "1.0")
    env.setdefault("ASSIGN_NEW_BAR_RATIO", "0.7")
    print(f"production configuration: ASSIGN_PRODUCT_ENV={env['ASSIGN_PRODUCT_ENV']!r} "
          f"ASSIGN_BAR_RATIO={env['ASSIGN_BAR_RATIO']} ASSIGN_NEW_BAR_RATIO={env['ASSIGN_NEW_BAR_RATIO']}", flush=True)
    started = time.monotonic()
    deadline, said = started + WAIT_SECONDS, False
    while True:
        if not lock_is_free():
            if time.monotonic() > deadline:
                print(f"BENCH assign_ratio.heartbeat not measured: {LOCK} stayed busy {WAIT_SECONDS:.0f} s "
                      f"ratio=- goal=>={env['ASSIGN_BAR_RATIO']} FAIL")
                return 1
            if not said:
                print(f"bench_assign_ratio: another assign_ratio run holds {LOCK}; waiting for it", flush=True)
                said = True
            time.sleep(20)
            continue
        if said:
            print(f"bench_assign_ratio: the lock is free after {time.monotonic() - started:.0f} s", flush=True)
        code, lines = run_tool(env)
        if lines and "another run holds" in lines[-1] and time.monotonic() < deadline:
            continue  # it was taken between the check and the start
        break
    heartbeat = next((m for m in map(HEARTBEAT.match, lines) if m), None)
    new = next((m for m in map(NEW_SESSIONS.match, lines) if m), None)
    why = lines[-1] if lines else f"the tool printed nothing (exit {code})"
    print(f"\nassign_ratio's last line: {why}")
    print(summary("assign_ratio.heartbeat", heartbeat, float(env["ASSIGN_BAR_RATIO"]), why, p99_bar=True))
    new_bar = float(env["ASSIGN_NEW_BAR_RATIO"])
    if new_bar or new:
        print(summary("assign_ratio.new_session", new, new_bar, why, p99_bar=False))
    return code


if __name__ == "__main__":
    sys.exit(main())
