"""Layout guards: content folders hold data only, `requests` is the HTTP library, no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTENT_FOLDERS = ("requests", "volunteers", "search")


@pytest.mark.parametrize("folder", CONTENT_FOLDERS)
def test_content_folder_holds_no_python(folder: str) -> None:
    path = ROOT / folder
    assert path.is_dir(), f"the top-level {folder}/ content folder is missing"
    assert (path / "README.md").is_file(), f"{folder}/README.md should say what the folder holds"
    python_files = sorted(str(p.relative_to(ROOT)) for p in path.rglob("*.py"))
    assert python_files == [], f"content folders hold data only, found {python_files}"


def test_import_requests_is_the_http_library_not_our_folder() -> None:
    # Run from the project root, where a package named `requests` would shadow the library.
    code = "import requests, sys; print(requests.__file__ or ''); print(hasattr(requests, 'get'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    location, has_get = result.stdout.splitlines()
    assert location, "`import requests` found a namespace package (our content folder?)"
    assert not Path(location).resolve().is_relative_to(ROOT / "requests"), location
    assert "site-packages" in Path(location).parts, location
    assert has_get == "True"


def test_app_is_the_only_python_package_at_the_top() -> None:
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))
    assert packages == ["app", "tests"]


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--config", "setup.cfg", "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = (ROOT / "setup.cfg").read_text(encoding="utf-8").count("[importlinter:contract:")
    assert f"Contracts: {contracts} kept, 0 broken." in result.stdout


def test_every_code_folder_under_app_is_a_package_setup_cfg_ships() -> None:
    from setuptools import find_packages

    shipped = set(find_packages(str(ROOT), include=["app", "app.*"]))
    code_folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "app").rglob("*.py")
                    if "__pycache__" not in p.parts}
    assert code_folders <= shipped, f"folders without __init__.py are not shipped: {code_folders - shipped}"


def app_modules() -> dict[str, Path]:
    """Every module under app/ by its dotted name (a package by its own name, not `.__init__`)."""
    modules = {}
    for path in (ROOT / "app").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def is_type_checking_block(node: ast.stmt) -> bool:
    """`if TYPE_CHECKING:` imports never run, so they make no arrow."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Each import statement of a module and whether it runs when the module loads (not in a function)."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking_block(child):
                yield from walk(ast.Module(body=child.orelse, type_ignores=[]), in_function)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                yield child, not in_function
            else:
                functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
                yield from walk(child, in_function or isinstance(child, functions))

    yield from walk(tree, False)


def import_arrows(modules: dict[str, Path]) -> dict[str, dict[str, tuple[int, bool]]]:
    """module -> {imported app module: (line, whether at module level)}.

    An import inside a function is an arrow too: it only postpones the cycle it closes. Importing a
    module's own parent package is no arrow (Python imports the parents first anyway).
    """

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    arrows: dict[str, dict[str, tuple[int, bool]]] = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found: dict[str, tuple[int, bool]] = {}
        for node, at_module_level in imports_of(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            for name in names:
                target = resolve(name) if name == "app" or name.startswith("app.") else None
                if target and target != module and not module.startswith(target + "."):
                    line, earlier_at_module_level = found.get(target, (node.lineno, False))
                    found[target] = (min(line, node.lineno), earlier_at_module_level or at_module_level)
        arrows[module] = found
    return arrows


def import_cycles(arrows: dict[str, dict[str, tuple[int, bool]]]) -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan), each sorted, smallest first."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for target in arrows.get(module, {}):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(arrows):
        if module not in order:
            visit(module)
    return sorted(groups, key=lambda group: (len(group), group))


def test_import_cycle_finder_sees_a_cycle_hidden_in_a_function() -> None:
    arrows = {"app.a": {"app.b": (3, True)}, "app.b": {"app.a": (9, False)}, "app.c": {"app.a": (1, True)}}
    assert import_cycles(arrows) == [["app.a", "app.b"]]


def test_app_has_no_import_cycles() -> None:
    arrows = import_arrows(app_modules())
    report = []
    for group in import_cycles(arrows):
        members = set(group)
        lines = [f"  {module} -> {target} (line {line}{'' if at_module_level else ', inside a function'})"
                 for module in group for target, (line, at_module_level) in sorted(arrows[module].items())
                 if target in members]
        report.append(" <-> ".join(group) + "\n" + "\n".join(lines))
    assert not report, "import cycles inside app/ (move the shared piece down a layer):\n" + "\n".join(report)
