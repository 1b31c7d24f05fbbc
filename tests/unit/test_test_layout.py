"""The tests' own layout: what several test modules share lives in tests/helpers (or, for a fixture,
in the conftest.py of the directory that uses it). No module imports from a `test_*` module (pytest
would collect an imported test twice, and a private helper of one file would become another's
contract) or from a conftest module (pytest loads conftests itself; importing one runs it twice)."""
import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parents[1]


def _imported_modules(node: ast.AST, package: list[str]) -> list[str]:
    """The dotted module names an import statement reads from (`from x import y` also reads x.y;
    a relative import is resolved against the file's package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = package[:len(package) - node.level + 1] if node.level else []
    module = ".".join(base + ([node.module] if node.module else []))
    return [module] + [f"{module}.{alias.name}" for alias in node.names]


def _forbidden(module: str) -> bool:
    parts = module.split(".")
    if parts[0] != "tests":
        return False
    return any(part.startswith("test_") or part == "conftest" for part in parts[1:])


def layout_faults(root: pathlib.Path) -> list[str]:
    faults = []
    for path in sorted(root.rglob("*.py")):
        package = list(path.relative_to(root.parent).parent.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            bad = [m for m in _imported_modules(node, package) if _forbidden(m)]
            if bad:
                faults.append(f"{path.relative_to(root.parent)}:{node.lineno}: imports {bad[0]}")
    return faults


def test_no_module_imports_from_a_test_module_or_a_conftest():
    faults = layout_faults(TESTS)
    assert not faults, "move what is shared into tests/helpers (fixtures: the directory's conftest.py):\n" + \
        "\n".join(faults)
