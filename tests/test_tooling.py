"""Reproducible installs and the development loop: uv.lock, mypy in `make lint`, `make test-fast`."""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("cp311", "cp312", "cp313")


def _make_recipe(target: str) -> str:
    recipe = re.search(rf"^{target}:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.S | re.M)
    assert recipe, f"no {target} target in the Makefile"
    return recipe.group(0)


def _binary_wheel_for(package: dict, python: str) -> bool:
    """A manylinux x86_64 wheel (the deploy guide's Debian machines) for that CPython, or an abi3 one below it."""
    for wheel in package.get("wheels", []):
        name = wheel["url"].rsplit("/", 1)[1]
        tag = re.search(r"-cp(\d+)-(cp\d+|abi3)-", name)
        if not tag or "manylinux" not in name or "x86_64" not in name:
            continue
        if tag.group(2) == python or (tag.group(2) == "abi3" and int(tag.group(1)) <= int(python[2:])):
            return True
    return False


@pytest.mark.slow  # a subprocess (make itself refuses a stale lock: uv sync --locked)
def test_uv_lock_matches_pyproject():
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert uv, "uv is installed into .venv by `make install-dev`"
    done = subprocess.run([uv, "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_lock_has_wheels_for_python_3_11_to_3_13():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert lock["requires-python"] == ">=3.11"
    compiled = [p for p in lock["package"] if any(re.search(r"-cp\d+-(cp\d+|abi3)-", w["url"]) for w in p.get("wheels", []))]
    assert {"psycopg-binary", "cryptography"} <= {p["name"] for p in compiled}
    for python in PYTHONS:
        assert [p["name"] for p in compiled if not _binary_wheel_for(p, python)] == [], python


def test_installs_sync_from_the_lock():
    for target in ("$(VENV)/.installed", "$(VENV)/.installed-dev"):
        recipe = _make_recipe(re.escape(target))
        assert "uv.lock" in recipe.splitlines()[0] and "$(UV_SYNC)" in recipe
    assert "uv sync --locked" in (ROOT / "Makefile").read_text()


def test_make_lint_runs_mypy_with_the_django_and_drf_stubs():
    assert "$(BIN)/mypy" in _make_recipe("lint")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert {"mypy_django_plugin.main", "mypy_drf_plugin.main"} <= set(config["tool"]["mypy"]["plugins"])


def test_make_test_fast_skips_slow_browser_and_fuzz_tests():
    recipe = _make_recipe("test-fast")
    assert '-m "not browser and not fuzz and not slow"' in recipe
    assert "-n $(FAST_WORKERS)" in recipe  # pytest-xdist: each worker its own test database and Redis db
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    assert any(marker.startswith("slow:") for marker in markers)


PROCESS_CALLS = ("subprocess.", "start_gunicorn(", "running_gunicorn(", 'call_command("seed_demo"', "MigrationExecutor(")


def _marks(decorators: list) -> set[str]:
    return {ast.unparse(d).split("pytest.mark.")[-1].split("(")[0] for d in decorators if "pytest.mark." in ast.unparse(d)}


def test_every_test_that_starts_a_process_or_seeds_the_demo_is_marked_slow():
    unmarked = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module_marks = {mark for node in tree.body if isinstance(node, ast.Assign)
                        and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
                        for mark in re.findall(r"pytest\.mark\.(\w+)", ast.unparse(node.value))}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                body = ast.unparse(node)
                marks = module_marks | _marks(node.decorator_list)
                if any(call in body for call in PROCESS_CALLS) and not marks & {"slow", "browser"}:
                    unmarked.append(f"{path.relative_to(ROOT)}::{node.name}")
    assert unmarked == []
