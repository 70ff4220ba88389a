"""One error-code registry (core.error_codes): every code the product answers with is listed there. The scan
reads the product's source (not the tests) for codes written as strings: `DomainError("...")` (or `code="..."`),
`json_error(status, "...")` and `{"code": "..."}`, and fails on any the registry doesn't list."""

import ast
from pathlib import Path

from core import error_codes
from tests.support import project_paths

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "tests", "migrations", "node_modules", "bench", "docs", "static", "wordpress"}
REGISTRY = {value for name, value in vars(error_codes).items() if name.isupper() and isinstance(value, str)}


def _product_files():
    return project_paths("*.py", skip=SKIP_DIRS)


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _code_literals(tree: ast.AST):
    """(line, code) for every error code written as a string literal."""
    for node in ast.walk(tree):
        candidates = []
        if isinstance(node, ast.Call) and _callee(node) in ("DomainError", "json_error"):
            position = 0 if _callee(node) == "DomainError" else 1
            if len(node.args) > position:
                candidates.append(node.args[position])
            candidates += [keyword.value for keyword in node.keywords if keyword.arg == "code"]
        elif isinstance(node, ast.Dict):
            candidates += [value for key, value in zip(node.keys, node.values, strict=True)
                           if isinstance(key, ast.Constant) and key.value == "code"]
        for candidate in candidates:
            if isinstance(candidate, ast.Constant) and isinstance(candidate.value, str):
                yield candidate.lineno, candidate.value


def _unregistered(source: str) -> list[tuple[int, str]]:
    return [(line, code) for line, code in _code_literals(ast.parse(source)) if code not in REGISTRY]


def test_every_error_code_written_in_the_product_is_in_the_registry():
    missing = [f"{path.relative_to(ROOT)}:{line} {code!r}"
               for path in _product_files() for line, code in _unregistered(path.read_text())]
    assert not missing, "add these to core/error_codes.py:\n" + "\n".join(missing)


def test_the_registry_spells_each_code_once():
    names = [name for name, value in vars(error_codes).items() if name.isupper() and isinstance(value, str)]
    values = [getattr(error_codes, name) for name in names]
    assert len(values) == len(set(values))


def test_the_scan_finds_an_unregistered_code_in_each_form():
    source = '''
raise DomainError("no_such_code", "x")
raise DomainError(code="also_missing", message="x")
json_error(400, "missing_too", "x")
body = {"error": {"code": "and_this", "message": "x"}}
raise DomainError("invalid", "registered")
'''
    assert [code for _, code in _unregistered(source)] == ["no_such_code", "also_missing", "missing_too", "and_this"]


def test_conflict_codes_are_registered_codes():
    assert error_codes.CONFLICT_CODES <= REGISTRY
