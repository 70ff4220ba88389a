"""`make bench` (bench/run.py): every bench ends with a summary line run.py can read, and no two benches share a
database or a Redis database. `make soak` (bench/soak.py): its lease bookkeeping tells a duplicate from a
number that was lent again after its lease lapsed."""

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = sorted((ROOT / "bench").glob("bench_*.py"))


def _module(name: str):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}_under_test", ROOT / "bench" / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "bench"))


def test_the_summary_format_reads_the_documented_examples():
    summary = _module("run").SUMMARY
    line = "BENCH dni.heartbeat assign 403 req/s p99 31.1 ms vs bare 581 req/s p99 22.2 ms ratio=0.69 goal=>=1.0 FAIL"
    assert summary.match(line).groupdict() == {
        "name": "dni.heartbeat", "figure": "assign 403 req/s p99 31.1 ms vs bare 581 req/s p99 22.2 ms",
        "ratio": "0.69", "goal": ">=1.0", "verdict": "FAIL"}
    assert summary.match("BENCH leave.trackers 40 vs 90 trackers ratio=- goal=- INFO")["verdict"] == "INFO"
    assert summary.match("BENCH voice.webhook 3.1 ms ratio=1.2 goal=<=3 OK") is None  # not a verdict
    assert summary.match("  BENCH voice.webhook 3.1 ms ratio=1.2 goal=<=3 PASS") is None  # not at the start


def test_every_bench_prints_a_summary_line():
    for script in BENCHES:
        assert re.search(r'print\(f?"BENCH \S+ ', script.read_text()), f"{script.name} prints no BENCH summary line"


def test_each_bench_gets_its_own_database_and_redis_database():
    run = _module("run")
    base = {"BENCH_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cp_x_bench"}
    envs = [run.bench_env(base, script, f"redis://127.0.0.1:7000/{n}") for n, script in enumerate(BENCHES)]
    databases = [env["DATABASE_URL"] for env in envs]
    assert len(set(databases)) == len(BENCHES)
    assert "postgres://postgres@127.0.0.1:5432/cp_x_dni_bench" in databases
    assert len({env["REDIS_URL"] for env in envs}) == len(BENCHES)
    # A bench asking benchdb for its own database again gets the one run.py gave it.
    benchdb = _module("benchdb")
    assert benchdb.own_database_url("postgres://h/cp_x_dni_bench", "dni") == "postgres://h/cp_x_dni_bench"
    assert benchdb.own_database_url("postgres://h/cp_x_bench", "dni") == "postgres://h/cp_x_dni_bench"


def test_soak_counts_two_holders_at_once_but_not_a_number_lent_again_after_it_was_freed():
    soak = _module("soak")
    told = {"a": soak.Told(spans=[["+1", 10.0, 20.0]]), "b": soak.Told(spans=[["+1", 25.0, 30.0]])}
    assert soak.overlapping_holders(told) == []
    told["c"] = soak.Told(spans=[["+1", 12.0, 13.0]])
    assert soak.overlapping_holders(told) == ["+1: a and c"]
    # A long holder is caught even when a short span lies between them.
    told = {"a": soak.Told(spans=[["+1", 0.0, 100.0]]), "a2": soak.Told(spans=[["+2", 1.0, 2.0]]),
            "b": soak.Told(spans=[["+1", 50.0, 60.0]])}
    assert soak.overlapping_holders(told) == ["+1: a and b"]
