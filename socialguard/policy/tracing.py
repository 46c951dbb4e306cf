"""policy-trace: each clause, the code that enforces it and the tests that name it."""

import ast
from importlib import import_module
from pathlib import Path

from .pack import get_pack
from .trace import enforcement_map

_APP_MODULES = ("services", "rules", "checks", "views", "api", "tasks", "permissions", "vault")
_APPS = (
    "audit",
    "policy",
    "people",
    "web",
    "casework",
    "publishing",
    "consent",
    "contact",
    "declarations",
)


def _import_enforcing_code() -> None:
    for app in _APPS:
        for module in _APP_MODULES:
            name = f"socialguard.{app}.{module}"
            try:
                import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise


def _clause_ids_in(node) -> list[str]:
    found = []
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "clause"
        ):  # @pytest.mark.clause("IMG-1", "IMG-3") names both
            found += [
                arg.value
                for arg in sub.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
    return found


def _visit(body, where: str, prefix: str, inherited: list, result: dict) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef):
            marks = inherited + [c for d in node.decorator_list for c in _clause_ids_in(d)]
            _visit(node.body, where, f"{prefix}{node.name}::", marks, result)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            ids = inherited + [c for d in node.decorator_list for c in _clause_ids_in(d)]
            for cid in dict.fromkeys(ids):
                result.setdefault(cid, []).append(f"{where}::{prefix}{node.name}")


def tests_by_clause(tests_dir: Path) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    root = tests_dir.parent
    for path in sorted(tests_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module_marks = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
            ):
                module_marks += _clause_ids_in(node.value)
        _visit(tree.body, path.relative_to(root).as_posix(), "", module_marks, result)
    return result


def find_tests_dir() -> Path | None:
    for candidate in (Path(__file__).resolve().parents[2] / "tests", Path.cwd() / "tests"):
        if candidate.is_dir():
            return candidate
    return None


def policy_trace() -> list[dict]:
    _import_enforcing_code()
    code = enforcement_map()
    tests_dir = find_tests_dir()
    tests = tests_by_clause(tests_dir) if tests_dir else {}
    return [
        {
            "id": c.id,
            "kind": c.kind,
            "code": sorted(code.get(c.id, [])),
            "tests": tests.get(c.id, []),
        }
        for c in get_pack().clauses.values()
    ]
