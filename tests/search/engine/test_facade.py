"""The engine stands alone: only app/search/engine/ imports whoosh, and the rest of the app reaches
the engine through its public face, never its modules."""

from __future__ import annotations

import ast
from pathlib import Path

import app
from app.search import engine

APP = Path(app.__file__).parent
ENGINE = APP / "search" / "engine"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, at any depth (inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def outside_the_engine() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if ENGINE not in path.parents)


def test_only_the_engine_imports_whoosh():
    offenders = [f"{path.relative_to(APP.parent)}:{line} imports {module}"
                 for path in outside_the_engine() for line, module in imported_modules(path)
                 if module == "whoosh" or module.startswith("whoosh.")]

    assert offenders == []


def test_the_rest_of_the_app_calls_the_engine_through_its_public_face():
    offenders = [f"{path.relative_to(APP.parent)}:{line} imports {module}"
                 for path in outside_the_engine() for line, module in imported_modules(path)
                 if module.startswith("app.search.engine.")
                 and module.removeprefix("app.search.engine.") not in engine.__all__]

    assert offenders == []


def test_the_public_face_is_small():
    face = {"search", "index_documents", "remove_documents", "rebuild", "check", "status"}
    assert face <= set(engine.__all__)
    assert len(engine.__all__) <= 15
