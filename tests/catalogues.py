"""A pytest plugin for the message catalogues: where each language's .po lives, compiling it as
`make translations` does, and `compiled_catalogues`, for every test that reads a page in Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from flask import Flask
from flask_babel import get_babel

from app.config import Config

TRANSLATIONS = Path(__file__).resolve().parents[1] / "app" / "translations"
LOCALES = Config.LANGUAGES


def catalogue(locale: str) -> Path:
    """The .po Flask-Babel reads for a configured language code.

    Babel expands zh_CN to zh_Hans_CN (language, script, territory) and looks for a folder of that
    name, so the Chinese catalogue lives in zh_Hans_CN/ (ckan/ckan#4413 hit the same wall).
    """
    return TRANSLATIONS / str(Locale.parse(locale)) / "LC_MESSAGES" / "messages.po"


def compile_catalogue(locale: str, mo: Path | None = None) -> None:
    """`pybabel compile` one catalogue (to its .mo beside the .po unless told), as `make translations`
    does; any error or warning fails the caller."""
    po = catalogue(locale)
    mo = mo or po.with_suffix(".mo")
    partial = mo.with_name(f".messages.{os.getpid()}.mo")
    pybabel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run([str(pybabel), "compile", "-l", str(Locale.parse(locale)), "-i", str(po),
                             "-o", str(partial)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    problems = [line for line in result.stderr.splitlines() if not line.startswith("compiling catalog")]
    assert not problems, "\n".join(problems)
    # Another test run may be reading the catalogue right now: swap the new file in atomically.
    os.replace(partial, mo)


@pytest.fixture(scope="session")
def compiled_catalogues(app: Flask) -> None:
    """Compile every catalogue whose .mo is missing or older than its .po (CI runs `make translations`,
    but a test run alone must not depend on it)."""
    stale = [locale for locale in LOCALES
             if not catalogue(locale).with_suffix(".mo").exists()
             or catalogue(locale).with_suffix(".mo").stat().st_mtime < catalogue(locale).stat().st_mtime]
    for locale in stale:
        compile_catalogue(locale)
    if stale:
        # Flask-Babel caches each locale's translations for the life of the app, possibly loaded by an
        # earlier test before the .mo existed.
        with app.app_context():
            get_babel(app).instance.domain_instance.cache.clear()
