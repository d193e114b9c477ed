"""Layout guards: content folders hold data only, `requests` is the HTTP library, the arrows hold."""

from __future__ import annotations

import subprocess
import sys
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
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_every_code_folder_under_app_is_a_package_setup_cfg_ships() -> None:
    from setuptools import find_packages

    shipped = set(find_packages(str(ROOT), include=["app", "app.*"]))
    code_folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "app").rglob("*.py")
                    if "__pycache__" not in p.parts}
    assert code_folders <= shipped, f"folders without __init__.py are not shipped: {code_folders - shipped}"
