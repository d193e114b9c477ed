"""Fixtures for the demo data tests: the demo loaded once per module, and a scratch copy of the content.

Loading the demo takes seconds, so the tests that only read it share one load per module
(`summary`), and the suite's per-test table cleanup is skipped for them: the tables are emptied
once, when the module is done. Tests of loading itself call `load_demo()` in their body and
get the usual cleanup; they live in their own module (test_demo_loading.py), because a module that
mixes both would have its shared load emptied under it.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.models import User
from app.demo import DemoSummary, load_demo
from app.requests.intake.content import forget_content
from tests.helpers import empty_all_tables

# Everything `flask demo load` reads: the demo files, the skills, the intake questions and (in
# requests/intake/drafting/) the drafting rules.
CONTENT = ("requests/demo", "volunteers/demo", "requests/intake")
FILES = ("volunteers/skills.json", "requests/organizations/causes.json")


@dataclasses.dataclass(frozen=True)
class SharedDemo:
    """One load's summary, without its accounts: they belonged to the loading session."""

    summary: DemoSummary
    account_ids: dict[str, int]


@pytest.fixture(scope="module")
def shared_demo(app) -> Iterator[SharedDemo]:
    """The demo loaded once for the module; every table is emptied when the module is done (or fails)."""
    try:
        with app.app_context():
            summary = load_demo()
            account_ids = {role: user.id for role, user in summary.accounts.items()}
        yield SharedDemo(dataclasses.replace(summary, accounts={}), account_ids)
    finally:
        with app.app_context():
            empty_all_tables()


@pytest.fixture
def summary(db, shared_demo: SharedDemo) -> DemoSummary:
    """The module's shared demo load, for tests that only read it; its accounts in this test's session."""
    accounts = {role: db.session.get(User, user_id) for role, user_id in shared_demo.account_ids.items()}
    return dataclasses.replace(shared_demo.summary, accounts=accounts)


def pytest_collection_modifyitems(config, items) -> None:
    """Refuse a module whose tests do not all read the shared demo, or all not (see above)."""
    here = Path(__file__).parent
    readers: dict[Path, set[bool]] = {}
    for item in items:
        if item.path.parent == here:
            readers.setdefault(item.path, set()).add("shared_demo" in item.fixturenames)
    mixed = sorted(path.name for path, kinds in readers.items() if len(kinds) > 1)
    if mixed:
        raise pytest.UsageError(f"{', '.join(mixed)}: every test or none must read the shared demo load")


@pytest.fixture(autouse=True)
def app_context(app, request) -> Iterator[None]:
    """Overrides the suite's fixture: tables are emptied after each test, unless it reads the shared demo."""
    with app.app_context():
        yield
        if "shared_demo" not in request.fixturenames:
            empty_all_tables()


@pytest.fixture
def demo_copy(app, tmp_path: Path):
    """A scratch CONTENT_DIR holding a copy of the real content, for tests that break it."""
    root = Path(app.config["CONTENT_DIR"])
    for folder in CONTENT:
        shutil.copytree(root / folder, tmp_path / folder)
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / name, tmp_path / name)
    previous = app.config["CONTENT_DIR"]
    app.config["CONTENT_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["CONTENT_DIR"] = previous
    forget_content()
