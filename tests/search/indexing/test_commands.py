"""`flask search reindex|rebuild|check`: rebuild from the database with a one-line summary, and
report (or fix) requests missing from, stale in or extra in the index."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.requests.models import HelpRequest
from app.search import engine
from tests.factories import make_request


@pytest.fixture
def listed(db) -> list[int]:
    ids = [make_request(title=f"Food bank route {n}").id for n in range(3)]
    make_request(status="draft", title="A draft")
    db.session.commit()
    return ids


@pytest.mark.parametrize("command", ["reindex", "rebuild"])
def test_reindex_rebuilds_from_the_database_and_says_so_in_one_line(runner, listed, command):
    result = runner.invoke(args=["search", command])

    assert result.exit_code == 0, result.output
    assert "Search index rebuilt: 3 request(s) indexed" in result.output
    assert sorted(engine.search("").ids) == sorted(listed)


def test_check_passes_when_the_index_matches(runner, listed):
    engine.rebuild()

    result = runner.invoke(args=["search", "check"])

    assert result.exit_code == 0
    assert "matches the database" in result.output


def test_check_finds_a_missing_document(runner, listed):
    engine.rebuild()
    engine.remove_documents([listed[1]])

    result = runner.invoke(args=["search", "check"])

    assert result.exit_code == 1
    assert f"1 request(s) missing from the index: {listed[1]}" in result.output


def test_check_finds_stale_and_extra_documents(db, runner, listed):
    engine.rebuild()
    # Changes that bypassed the services (and so their index jobs).
    db.session.execute(sa.update(HelpRequest).where(HelpRequest.id == listed[0]).values(title="Renamed"))
    db.session.execute(sa.update(HelpRequest).where(HelpRequest.id == listed[2]).values(status="withdrawn"))
    db.session.commit()

    result = runner.invoke(args=["search", "check"])

    assert result.exit_code == 1
    assert f"1 request(s) stale in the index: {listed[0]}" in result.output
    assert f"1 request(s) in the index but not listed: {listed[2]}" in result.output


def test_check_fix_repairs_what_it_finds(db, runner, listed):
    engine.rebuild()
    engine.remove_documents([listed[0]])
    db.session.execute(sa.update(HelpRequest).where(HelpRequest.id == listed[1]).values(title="Renamed"))
    db.session.commit()

    fixed = runner.invoke(args=["search", "check", "--fix"])
    again = runner.invoke(args=["search", "check"])

    assert fixed.exit_code == 1
    assert "2 difference(s) fixed" in fixed.output
    assert again.exit_code == 0
    assert engine.search("renamed").ids == [listed[1]]


def test_check_without_an_index_says_how_to_build_one(runner, listed):
    result = runner.invoke(args=["search", "check"])

    assert result.exit_code == 1
    assert "flask --app app search reindex" in result.output


@pytest.mark.parametrize("processes", [1, 3])
def test_reindex_in_several_processes_answers_like_one(corpus, runner, processes):
    """Sub-processes write a segment each: the same documents, found and ranked the same."""
    queries = ["尘肺", "databases", "小程序 地图", "food bank"]
    before = {text: engine.search(text).ids for text in queries}

    result = runner.invoke(args=["search", "reindex", "--processes", str(processes)])

    assert result.exit_code == 0, result.output
    assert engine.check().is_true
    assert {text: engine.search(text).ids for text in queries} == before
