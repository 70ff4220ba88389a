"""Knowledge flows down only (STYLE §(e)): a lower app never tests a higher app's words by string, e.g.
`pool.kind != "manual"` in trackers. The scan finds comparisons of an attribute with a string that is a choice
value of a field of that name, and fails when only apps above the comparing one define that choice."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
# Bottom first (README, import-linter layers); the faces share the top layer.
LAYERS = [{"core"}, {"accounts"}, {"telephony", "attribution"}, {"trackers"}, {"pools"}, {"calls"}, {"reports"},
          {"dni_snippet", "dashboard", "api", "integrations"}]
LEVEL = {app: level for level, group in enumerate(LAYERS) for app in group}


def _choice_owners() -> dict[tuple[str, str], set[str]]:
    """(field name, choice value) → apps whose models define it."""
    owners: dict[tuple[str, str], set[str]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in LEVEL:
            continue
        for field in model._meta.get_fields():
            for value, _ in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str):
                    owners.setdefault((field.name, value), set()).add(model._meta.app_label)
    return owners


def _string_comparisons(source: str):
    """(line, attribute name, string) for `x.attr ==/!=/in "..."` (either side, tuples and lists too)."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        attributes = [side.attr for side in sides if isinstance(side, ast.Attribute)]
        strings = []
        for side in sides:
            elements = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
            strings += [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        for attr in attributes:
            for value in strings:
                yield node.lineno, attr, value


def _higher_words(app: str, source: str, owners) -> list[str]:
    found = []
    for line, attr, value in _string_comparisons(source):
        owning = owners.get((attr, value))
        if owning and app not in owning and all(LEVEL[other] > LEVEL[app] for other in owning):
            found.append(f"{line}: .{attr} vs {value!r} (a word of {', '.join(sorted(owning))})")
    return found


def test_no_app_tests_a_higher_apps_words_by_string():
    owners = _choice_owners()
    problems = []
    for app in LEVEL:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                problems += [f"{path.relative_to(ROOT)}:{found}" for found in _higher_words(app, path.read_text(), owners)]
    assert not problems, "\n".join(problems)


def test_the_scan_finds_a_pool_kind_tested_in_trackers():
    owners = _choice_owners()
    assert _higher_words("trackers", 'if pool.kind != "manual":\n    pass\n', owners)
    assert not _higher_words("dashboard", 'if pool.kind != "manual":\n    pass\n', owners)
