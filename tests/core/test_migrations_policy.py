"""Migrations a large install can run (deploy/README.md "Migrations"):

- no app code is imported: a migration runs the code it was written with, forever; app code changes. Allowed are
  the standard library, Django and `cryptography` (the frozen copy of the secrets format). Django's own
  serialized references to a field's validators/defaults (`core.phones.validate_e164`) are field state, never
  run by the migration, and are the one exception;
- a backfill on Visit or Call that works row by row runs in per-chunk transactions (`atomic = False`)."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "accounts", "telephony", "attribution", "trackers", "pools", "calls", "transcripts", "automation", "reports", "dni_snippet",
        "dashboard", "api", "integrations", "notifications"]
ALLOWED_TOP_LEVEL = set(sys.stdlib_module_names) | {"django", "cryptography"}
FIELD_STATE_KEYWORDS = {"validators", "default"}
BIG_TABLES = {("attribution", "Visit"), ("calls", "Call")}


def _migrations():
    for app in APPS:
        yield from sorted((ROOT / app / "migrations").glob("[0-9]*.py"))


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def _field_state_references(tree) -> set[int]:
    """ids of the attribute nodes that sit in a `validators=`/`default=` keyword argument."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in FIELD_STATE_KEYWORDS:
            inside |= {id(child) for child in ast.walk(node.value)}
    return inside


def app_code_imports(source: str) -> list[str]:
    tree = ast.parse(source)
    state = _field_state_references(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] not in ALLOWED_TOP_LEVEL):
            problems.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import …")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ALLOWED_TOP_LEVEL:
                    continue
                uses = [use for use in ast.walk(tree) if isinstance(use, ast.Attribute)
                        and _dotted(use).startswith(alias.name + ".") and _dotted(use).count(".") == alias.name.count(".") + 1]
                if alias.asname or not uses or any(id(use) not in state for use in uses):
                    problems.append(f"line {node.lineno}: import {alias.name} (used as code, not as field state)")
    return problems


def row_by_row_backfills_in_one_transaction(source: str) -> list[str]:
    tree = ast.parse(source)
    models = {(call.args[0].value, call.args[1].value) for call in ast.walk(tree)  # type: ignore[attr-defined]
              if isinstance(call, ast.Call) and _dotted(call.func).endswith("get_model") and len(call.args) == 2
              and all(isinstance(arg, ast.Constant) for arg in call.args)}
    # Row by row: a loop that writes rows one at a time or a chunk at a time (a set-based UPDATE per website is not).
    row_by_row = any(isinstance(node, (ast.For, ast.While)) and any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in ("save", "bulk_update")
        for call in ast.walk(node)) for node in ast.walk(tree))
    non_atomic = any(isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "atomic" for t in node.targets)
                     and isinstance(node.value, ast.Constant) and node.value.value is False for node in ast.walk(tree))
    touched = sorted(models & BIG_TABLES)
    return [f"{app}.{model} backfilled row by row in one transaction" for app, model in touched] \
        if row_by_row and not non_atomic else []


def test_no_migration_imports_app_code():
    problems = [f"{path.relative_to(ROOT)} {problem}" for path in _migrations() for problem in app_code_imports(path.read_text())]
    assert not problems, "\n".join(problems)


def test_row_by_row_backfills_on_visit_and_call_commit_per_chunk():
    problems = [f"{path.relative_to(ROOT)}: {problem}" for path in _migrations()
                for problem in row_by_row_backfills_in_one_transaction(path.read_text())]
    assert not problems, "\n".join(problems)


def test_the_import_scan_tells_code_from_field_state():
    assert app_code_imports("from attribution.classification import page_key\n")
    assert app_code_imports("def f(apps, editor):\n    from telephony.crypto import encrypt_secret\n")
    assert app_code_imports("import core.phones\nx = core.phones.parse_phone('1')\n")
    assert not app_code_imports("import core.phones\nf = models.CharField(validators=[core.phones.validate_e164])\n")
    assert not app_code_imports("import re\nfrom django.db import migrations\nfrom cryptography.fernet import Fernet\n")


def test_the_backfill_scan_wants_atomic_false_for_a_loop_over_calls():
    loop = "def f(apps, e):\n    Call = apps.get_model('calls', 'Call')\n    for c in Call.objects.all():\n        c.save()\n"
    assert row_by_row_backfills_in_one_transaction(loop)
    assert not row_by_row_backfills_in_one_transaction(loop + "class Migration:\n    atomic = False\n")
    set_based = "Call = apps.get_model('calls', 'Call')\nfor w in ws:\n    Call.objects.filter(w=w).update(x=1)\n"
    assert not row_by_row_backfills_in_one_transaction(set_based)
