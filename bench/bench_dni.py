"""Assign endpoint (heartbeat path) vs a bare "lease one row" view, side by side in one run; then a 16-way hammer.

The website is shaped like the demo one: a visitor pool AND a source pool, so every heartbeat renews a lease and
reads the source pool's number (one statement, trackers.heartbeat); the assign servers run with the rate limit on
and Redis as the cache (BENCH_REDIS_URL, default redis://127.0.0.1:6379/0), as in production. gunicorn (2 sync
workers) on PostgreSQL, wrk at 8 connections. Targets: assign ≥ 85 % of the bare view's req/s (aim: parity) and
p99 ≤ 1.5 × the bare view's p99; the hammer must show 0 duplicate open leases and 0 sessions that silently lost
their number. Two more workloads side by side, the paths real traffic takes most: NEW SESSIONS (first page views
without ids: visitor, classified visit, page view, lease and source number — one statement on PostgreSQL, see
trackers.new_session) against a bare view that locks a free tracker and inserts a lease (target ≥ 0.70 of it), and
PAGE LOADS of running sessions (`page_load: true`: renewal and page view in one statement) against the bare renewal
(informational). All bench requests come from one address, so the assign servers run with
DNI_CLIENT_LEASES_SHARE=1.0 (the per-client cap is still computed, it just never bites). It recreates its own database, BENCH_DATABASE_URL's name with `_dni_bench` in place of `_bench`
(the other benchmarks keep their seeded data). Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_b_bench make bench BENCH=dni
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import own_database_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


DB_URL = own_database_url(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_b_bench"), "dni")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TARGET_RATIO, TARGET_P99, TARGET_NEW_RATIO = 0.85, 1.5, 0.70
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = 8
SESSIONS = 64
TRACKERS = 120
FRESH_TRACKERS = 2000  # new sessions: freed before every measured run, more than a run can take
NEW_SECONDS = int(os.environ.get("BENCH_NEW_SECONDS", "3"))
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
ORIGIN = "https://bench.example.com"
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")


def env(**extra) -> dict:
    base = dict(os.environ, DATABASE_URL=DB_URL, DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost",
                DNI_RATE_LIMIT="0", SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"), LOG_LEVEL="WARNING",
                REDIS_URL=REDIS_URL)
    base.update(extra)
    return base


def reset_database() -> None:
    parts = urlsplit(DB_URL)
    name = parts.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"refusing to recreate {name!r}: the bench database name must end with 'bench'")
    import psycopg

    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([PY, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env(), check=True)
    subprocess.run([PY, "manage.py", "createcachetable"], cwd=ROOT, env=env(REDIS_URL=""), check=True)


def django_setup():
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def seed(key: str, trackers: int, sessions: int, lease_minutes: int = 30, source_pool: bool = False) -> list[str]:
    """A website with one visitor pool of `trackers` numbers and `sessions` sessions each holding a lease.

    `source_pool`: also a source pool like the demo's "Service line" (a tracker for the sessions' source).
    """
    from django.utils import timezone

    from accounts.models import Account, Website
    from attribution.services import VisitInput, new_id, visit_record
    from pools.models import Pool
    from trackers.leasing import lease_acquire
    from trackers.models import CallTracker

    account, _ = Account.objects.get_or_create(name=f"Bench {key}")
    website = Website.objects.create(account=account, name=key, key=key, domains=["bench.example.com"],
                                     allowed_origins=[ORIGIN])
    pool = Pool.objects.create(account=account, website=website, name=f"{key} pool", tracking="visitor",
                               original_number="+12025550100", size=trackers, lease_minutes=lease_minutes)
    base = {"bench": 300, "hammer": 400, "fresh": 500}[key]
    CallTracker.objects.bulk_create(
        CallTracker(pool=pool, tracking_number=f"+1{base + n // 100}5550{100 + n % 100}", status="active",
                    original_number=pool.original_number)
        for n in range(trackers)
    )
    if source_pool:
        service = Pool.objects.create(account=account, website=website, name=f"{key} service line", tracking="source",
                                      original_number="+12025550150", size=3)
        CallTracker.objects.bulk_create(
            CallTracker(pool=service, tracking_number=f"+1{base + 90}5550{150 + n}", status="active", source=source,
                        medium=medium, original_number=service.original_number)
            for n, (source, medium) in enumerate([("google", "cpc"), ("(direct)", "(none)"), ("bing", "organic")])
        )
    now = timezone.now()
    ids = []
    for _ in range(sessions):
        session = new_id()
        visit = visit_record(website=website, visitor_uid=new_id(), session_uid=session,
                             data=VisitInput(page_url="https://bench.example.com/"), now=now, is_new=True)
        assert lease_acquire(pool=pool, visit=visit, now=now, is_new_visit=True)
        ids.append(session)
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, settings_module: str, **extra_env):
        self.port = free_port()
        self.settings = settings_module
        self.extra_env = extra_env

    def __enter__(self):
        cmd = [GUNICORN, "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{self.port}", "--chdir", str(ROOT),
               "--pythonpath", f"{ROOT},{ROOT / 'bench'}", "--log-level", "warning", "--no-control-socket"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env(DJANGO_SETTINGS_MODULE=self.settings, **self.extra_env))
        # gunicorn binds before its workers have booted Django (slow on a busy machine): wait for an answer.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5).close()
                return self
            except urllib.error.HTTPError:
                return self  # any HTTP answer means a worker is up
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def heartbeat_bodies(sessions: list[str], **extra) -> list[str]:
    return [json.dumps({"page_url": "https://bench.example.com/", "session_id": s, **extra}) for s in sessions]


NEW_SESSION_BODIES = [json.dumps({"page_url": f"https://bench.example.com/landing{n}?utm_source=google&utm_medium=cpc",
                                  "referrer": "https://www.google.com/", "page_load": True}) for n in range(16)]


def lua_script(path: str, bodies: list[str]) -> str:
    quoted = ",\n".join(json.dumps(body) for body in bodies)
    return f"""
local bodies = {{ {quoted} }}
local i = 0
local headers = {{ ["Content-Type"] = "application/json", ["Origin"] = "{ORIGIN}", ["User-Agent"] = "{UA}" }}
request = function()
  i = i + 1
  return wrk.format("POST", "{path}", headers, bodies[(i % #bodies) + 1])
end
"""


def wrk(port: int, path: str, bodies: list[str], seconds: int = SECONDS, before=None) -> dict:
    """`before`: called between the warm-up and the measured run (new sessions free the pool there)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(path, bodies))
    # warm-up: connections, caches, the workers' imports
    subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", "-s", f.name, f"http://127.0.0.1:{port}"],
                   capture_output=True, text=True)
    if before is not None:
        before()
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", f.name,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {"rps": rps, "p99": float(p99.group(1)) * scale, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(0) if errors else ""}


def free_fresh_pool() -> int:
    """End every open lease of the new-session website, so each measured run starts with every tracker free.
    Returns how many leases the run before had opened."""
    from django.db import connection
    from django.utils import timezone

    from trackers.models import Lease

    ended = Lease.objects.filter(tracker__pool__website__key="fresh", ended_at__isnull=True).update(
        ended_at=timezone.now())
    connection.close()
    return ended


def check_one(port: int, path: str, session: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST",
                                 data=json.dumps({"page_url": "https://bench.example.com/", "session_id": session}).encode(),
                                 headers={"Content-Type": "application/json", "Origin": ORIGIN, "User-Agent": UA})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def hammer(port: int, threads: int = 16, sessions_per_thread: int = 4, beats: int = 6) -> dict:
    """16 threads open new sessions and heartbeat them against a pool smaller than the crowd."""
    from django.db import connection

    from attribution.models import Visit
    from trackers.models import Lease

    told: dict[str, str | None] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def post(body):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/dni/hammer/assign", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Origin": ORIGIN, "User-Agent": UA})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def worker():
        try:
            mine = []
            for _ in range(sessions_per_thread):
                first = post({"page_url": "https://bench.example.com/?utm_source=hammer&utm_medium=cpc"})
                mine.append(first)
                with lock:
                    told[first["session_id"]] = first["numbers"][0]["tracking"] if first["numbers"] else None
            for _ in range(beats):
                for s in mine:
                    r = post({"page_url": "https://bench.example.com/", "visitor_id": s["visitor_id"],
                              "session_id": s["session_id"]})
                    now_told = r["numbers"][0]["tracking"] if r["numbers"] else None
                    with lock:
                        if told[s["session_id"]] and now_told != told[s["session_id"]]:
                            errors.append(f"session {s['session_id']} was moved from {told[s['session_id']]} to {now_told}")
                        told[s["session_id"]] = now_told
        except Exception as exc:  # counted, never hidden
            with lock:
                errors.append(repr(exc))

    pool_threads = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool_threads:
        t.start()
    for t in pool_threads:
        t.join()
    open_leases = list(Lease.objects.filter(ended_at__isnull=True, is_shared=False, visit__website__key="hammer")
                       .values_list("tracker__tracking_number", "visit__session_uid"))
    numbers = [n for n, _ in open_leases]
    duplicates = len(numbers) - len(set(numbers))
    held_by = dict((s, n) for n, s in open_leases)
    lost = sum(1 for session, number in told.items() if number and held_by.get(session) != number)
    connection.close()
    return {"sessions": len(told), "with_number": sum(1 for v in told.values() if v), "duplicates": duplicates,
            "lost": lost, "errors": errors, "visits": Visit.objects.filter(website__key="hammer").count()}


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk)")
        return 1
    reset_database()
    django_setup()
    sessions = seed("bench", TRACKERS, SESSIONS, source_pool=True)
    seed("hammer", 24, 0)
    seed("fresh", FRESH_TRACKERS, 1, source_pool=True)  # one visit: the bare new lease's stand-in
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as a database in service has them
        cursor.execute("ANALYZE")
    connection.close()
    results: dict[str, list] = {"bare": [], "assign": [], "assign_db": [], "bare_new": [], "assign_new": [],
                                "assign_page_load": []}
    leased: dict[str, list] = {"bare_new": [], "assign_new": []}
    # One client address for every bench request: the per-client cap must not bite (it is still computed).
    production = {"REDIS_URL": REDIS_URL, "DNI_RATE_LIMIT": "1000000000", "DNI_CLIENT_LEASES_SHARE": "1.0"}
    heartbeats = heartbeat_bodies(sessions)
    page_loads = heartbeat_bodies(sessions, page_load=True)
    with Gunicorn("config.settings", **production) as assign_server, Gunicorn("bare_settings") as bare_server, \
            Gunicorn("config.settings", REDIS_URL="") as db_cache_server:
        a = check_one(assign_server.port, "/dni/bench/assign", sessions[0])
        b = check_one(bare_server.port, "/bare/bench/lease", sessions[0])
        assert a["numbers"][0]["tracking"] == b["tracking"], (a, b)
        assert [n["original"] for n in a["numbers"]] == ["+12025550100", "+12025550150"], a
        for _ in range(ROUNDS):  # alternate so all see the same machine load
            results["bare"].append(wrk(bare_server.port, "/bare/bench/lease", heartbeats))
            results["assign"].append(wrk(assign_server.port, "/dni/bench/assign", heartbeats))
            results["assign_db"].append(wrk(db_cache_server.port, "/dni/bench/assign", heartbeats))
            results["assign_page_load"].append(wrk(assign_server.port, "/dni/bench/assign", page_loads))
            for label, server, path in (("bare_new", bare_server, "/bare/fresh/new"),
                                        ("assign_new", assign_server, "/dni/fresh/assign")):
                results[label].append(wrk(server.port, path, NEW_SESSION_BODIES, seconds=NEW_SECONDS,
                                          before=free_fresh_pool))
                leased[label].append(free_fresh_pool())
        hammered = hammer(assign_server.port)

    def best(runs):
        return max(runs, key=lambda r: r["rps"])

    bare, assign, db_cache = best(results["bare"]), best(results["assign"]), best(results["assign_db"])
    print(f"gunicorn -w 2, PostgreSQL, wrk {CONNECTIONS} connections, {SECONDS}s x {ROUNDS} rounds (best round shown); "
          f"website with a visitor pool and a source pool")
    print(f"{'':44}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}")
    rows = (("bare lease view", bare), ("assign heartbeat (Redis, rate limit on)", assign),
            ("assign heartbeat (no Redis, rate limit off)", db_cache),
            ("assign page load", best(results["assign_page_load"])),
            ("bare new lease", best(results["bare_new"])), ("assign new session", best(results["assign_new"])))
    for label, r in rows:
        print(f"{label:44}{r['rps']:>10.0f}{r['p99']:>10.1f}{r['non2xx']:>10}  {r['socket_errors']}")
    for label, runs in results.items():
        print(f"  all rounds {label}: " + ", ".join(f"{r['rps']:.0f} req/s p99 {r['p99']:.1f} ms" for r in runs))
    ratio, p99_ratio = assign["rps"] / bare["rps"], assign["p99"] / bare["p99"]
    print(f"throughput ratio assign/bare: {ratio:.0%} (target >= {TARGET_RATIO:.0%}, aim 100%)")
    print(f"p99 ratio assign/bare: {p99_ratio:.2f}x (target <= {TARGET_P99}x)")
    print(f"without Redis (website lookup from the database, 2 round trips): {db_cache['rps'] / bare['rps']:.0%} of bare, "
          f"p99 {db_cache['p99'] / bare['p99']:.2f}x (informational)")
    new_ratios = [a["rps"] / b["rps"] for a, b in zip(results["assign_new"], results["bare_new"], strict=True)]
    new_ratio = sorted(new_ratios)[len(new_ratios) // 2]
    print(f"new sessions (first page view, {NEW_SECONDS}s runs, pool of {FRESH_TRACKERS} freed before each): "
          f"assign/bare new lease {new_ratio:.2f} (median of rounds {', '.join(f'{r:.2f}' for r in new_ratios)}; "
          f"target >= {TARGET_NEW_RATIO:.2f}); leases opened per run: bare {leased['bare_new']}, "
          f"assign {leased['assign_new']}")
    page_ratios = [a["rps"] / b["rps"] for a, b in zip(results["assign_page_load"], results["bare"], strict=True)]
    print(f"page loads (renewal + page view, one statement): assign/bare lease renewal "
          f"{', '.join(f'{r:.2f}' for r in page_ratios)} (informational)")
    print(f"hammer: 16 threads, {hammered['sessions']} sessions ({hammered['with_number']} with a number, pool of 24), "
          f"{hammered['duplicates']} duplicate open leases, {hammered['lost']} sessions lost their number, "
          f"{len(hammered['errors'])} errors")
    for line in hammered["errors"][:5]:
        print("  ", line)
    new_ok = all(r["non2xx"] == 0 for r in results["assign_new"] + results["assign_page_load"])
    ok = (ratio >= TARGET_RATIO and p99_ratio <= TARGET_P99 and hammered["duplicates"] == 0 and hammered["lost"] == 0
          and not hammered["errors"] and assign["non2xx"] == 0 and new_ratio >= TARGET_NEW_RATIO and new_ok)
    print("PASS" if ok else "FAIL")
    print(f"BENCH dni.heartbeat assign {assign['rps']:.0f} req/s p99 {assign['p99']:.1f} ms vs bare {bare['rps']:.0f} req/s "
          f"p99 {bare['p99']:.1f} ms ratio={ratio:.2f} goal=>={TARGET_RATIO} {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
