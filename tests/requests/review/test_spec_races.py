"""Two coordinators save one spec at the same moment: one new version, one 409, never a 500 or a lost edit.

Each racer has its own app context and database session (a thread), loads the request as a page or
an API call would, waits at a barrier, then saves. Before the compare-and-set on the request's
current version, most pairs failed with a 500 (the spec_versions unique constraint broken during an
autoflush) and the rest saved both, the later one built on the stale version (issue #11, item 6).
Runs against the suite's database: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict
from app.core.models import User
from app.extensions import db
from app.requests.models import HelpRequest, SpecVersion
from app.requests.review import services as review
from tests.factories import make_user
from tests.helpers import EN, race

TRIALS = 10


def save_outcome(request_id: int, coordinator_id: int, changes: dict, base_version: int | None,
                 wait: Callable[[], object]) -> tuple:
    """Load the request and its spec (as the editor page does), wait for the other, save."""
    try:
        help_request = db.session.get(HelpRequest, request_id)
        coordinator = db.session.get(User, coordinator_id)
        _ = help_request.current_spec  # the editor showed this version, as the API call loads it
        wait()
        saved = review.save_spec(help_request, coordinator, changes=changes, base_version=base_version)
        return ("saved", saved.version, coordinator_id)
    except Conflict as error:
        return ("conflict", error.code, coordinator_id)
    except Exception as error:  # reported to the test, which fails on it
        return ("error", repr(error), coordinator_id)
    finally:
        db.session.remove()


@pytest.mark.parametrize("sends_base_version", [True, False], ids=["with_base_version", "without"])
def test_two_saves_at_once_make_one_version_and_one_conflict(app, db, intake_request, sends_base_version):
    first, second = make_user("coordinator"), make_user("coordinator")
    db.session.commit()
    request_id = intake_request.id
    # Each coordinator changes a different section, so a save built on a stale version shows as a
    # lost change in the other's section.
    changes = {first.id: "summary", second.id: "background"}
    tally: Counter = Counter()
    for trial in range(TRIALS):
        version = 1 + trial
        def save(racer: int, wait: Callable[[], object], trial: int = trial, version: int = version) -> tuple:
            return save_outcome(request_id, racer, {changes[racer]: f"Trial {trial} by {racer}."},
                                version if sends_base_version else None, wait)

        outcomes = race(app, save, [first.id, second.id])

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert sorted(o[:2] for o in outcomes) == [("conflict", "stale_version"), ("saved", version + 1)]
        tally.update(o[:2] for o in outcomes)
        winner = next(o[2] for o in outcomes if o[0] == "saved")
        db.session.expire_all()
        spec = db.session.get(HelpRequest, request_id).current_spec
        assert spec.version == version + 1 and spec.author_id == winner
        assert spec.content[changes[winner]] == f"Trial {trial} by {winner}."
        db.session.remove()

    assert tally == {("saved", 2): 1, **{("saved", n): 1 for n in range(3, TRIALS + 2)},
                     ("conflict", "stale_version"): TRIALS}
    assert db.session.scalars(sa.select(SpecVersion.version).where(SpecVersion.request_id == request_id)
                              .order_by(SpecVersion.version)).all() == list(range(1, TRIALS + 2))


def test_two_api_puts_at_once_never_answer_500_nor_lose_a_change(app, db, api_token, intake_request):
    """Through the API without base_version: both may succeed one after the other, never on a stale spec."""
    first, second = make_user("coordinator"), make_user("coordinator")
    db.session.commit()
    request_id = intake_request.id
    path = f"/api/v1/requests/{request_id}/spec"
    headers = {first.id: {**api_token(first), **EN}, second.id: {**api_token(second), **EN}}
    sections = {first.id: "summary", second.id: "background"}
    statuses: Counter = Counter()
    for trial in range(TRIALS):
        def put(racer: int, wait: Callable[[], object], trial: int = trial) -> tuple:
            client = app.test_client()
            wait()
            response = client.put(path, headers=headers[racer],
                                  json={sections[racer]: f"API trial {trial} by {racer}."})
            return (response.status_code, racer, response.get_json())

        outcomes = race(app, put, [first.id, second.id])
        codes = sorted(o[0] for o in outcomes)
        assert codes in ([200, 200], [200, 409]), outcomes
        statuses.update(codes)
        db.session.expire_all()
        spec = db.session.get(HelpRequest, request_id).current_spec
        for status, racer, body in outcomes:
            if status == 409:
                assert body["error"]["code"] == "stale_version"
            else:  # every success is still in the current version: nothing was silently overwritten
                assert spec.content[sections[racer]] == f"API trial {trial} by {racer}."
        db.session.remove()

    assert statuses[200] >= TRIALS and statuses[500] == 0
