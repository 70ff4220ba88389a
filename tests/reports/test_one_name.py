"""One thing called "reports": the app. No other app has a module or package of that name, and the app's
command (`rollup_reports`) lives in it."""

from pathlib import Path

from django.core.management import get_commands

from tests.support import project_paths

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = {".venv", "tests", "node_modules", "static", "templates", "docs", "reports"}


def test_no_module_outside_the_reports_app_is_called_reports():
    clashes = [
        str(path.relative_to(ROOT)) for path in project_paths("reports*")
        if path.stem == "reports" and (path.is_dir() or path.suffix == ".py")
        and not OUTSIDE.intersection(path.relative_to(ROOT).parts[:1])
    ]
    assert not clashes


def test_the_rollup_command_belongs_to_the_reports_app():
    assert get_commands()["rollup_reports"] == "reports"
