"""i18n fixtures: every test here reads the compiled catalogues (tests/catalogues.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def chinese_catalogue(compiled_catalogues) -> None:
    """Every test here reads Chinese: the catalogues are compiled before the first one runs."""
