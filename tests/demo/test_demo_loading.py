"""Loading the demo: once only, without mail, the command's output, and demo files the loader refuses.

Every test here loads the demo itself (or fails to), so none of them reads the shared load.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_request_context

from app.core.accounts import passwords
from app.core.models import AuditEvent, EmailMessage, Notification, OutboxJob, User
from app.demo import DemoDataError, load_demo
from app.requests.models import HelpRequest
from app.volunteers.events.board import matching
from app.volunteers.models import EventMatch, EventRegistration, MatchingEvent


def _table_counts(db) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


# --- Loading once --------------------------------------------------------------------------------

def test_running_the_load_twice_changes_nothing(db) -> None:
    first = load_demo()
    before = _table_counts(db)
    again = load_demo()
    assert again.created_count == 0
    assert again.counts == first.counts
    assert _table_counts(db) == before
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "demo.loaded")) == 1


def test_loading_sends_no_mail_and_needs_no_request_context(db) -> None:
    assert not has_request_context()
    load_demo()
    for model in (EmailMessage, Notification):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model.__name__
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxJob.queue == "mail")) == 0


def test_the_demo_password_is_hashed_once(db, monkeypatch) -> None:
    calls = []
    real = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda p: calls.append(p) or real(p))
    load_demo()
    assert len(calls) == 1


def test_demo_load_command_prints_one_summary_line_and_the_accounts(runner, app) -> None:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Demo data: 11 organisations, 45 requests, 60 volunteers, 1 coordinator,")
    assert re.search(r", 2 matching events, 27 event registrations, \d+ event matches,", lines[0])
    assert lines[0].endswith("new on this run)") and "(0 new" not in lines[0]
    assert f"password: {app.config['DEMO_PASSWORD']}" in result.stdout
    for email in ("coordinator@codebridge.demo", "liu.fang@codebridge.demo", "li.na@codebridge.demo"):
        assert email in result.stdout
    again = runner.invoke(args=["demo", "load"])
    assert again.stdout.splitlines()[0].endswith("(0 new on this run)")


# --- Demo files that tell a story the services would refuse ---------------------------------------

def _edit_requests(demo_copy: Path, change) -> None:
    path = demo_copy / "requests" / "demo" / "requests.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    change({entry["title"]: entry for entry in entries})
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def _nothing_loaded(db) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HelpRequest)) == 0


@pytest.mark.parametrize(("title", "change", "message"), [
    ("尘肺病患者救助申请与审批系统",
     lambda e: e["spec_edits"].append({"days_ago": 100, "note": "late", "changes": {"effort_hours": 500}}),
     "only in intake or open"),
    ("纸质台账录入与库存管理",
     lambda e: e.setdefault("messages", []).append({"author": "staff", "days_ago": 50, "body": "谢谢！"}),
     "until the request closes"),
    ("社区图书借还扫码登记",
     lambda e: e["messages"].pop(0),
     "without the coordinator's questions"),
    ("Accessible job board for disabled job seekers",
     lambda e: e["spec_edits"][-1]["changes"].update(team_size=1),
     "claims holding seats"),
    ("Volunteer shift sign-up for sorting days",
     lambda e: e["spec_edits"][0]["changes"].update(budget=0),
     "unknown sections"),
])
def test_a_demo_story_the_services_would_refuse_is_named_and_nothing_is_loaded(
        db, demo_copy, title, change, message) -> None:
    _edit_requests(demo_copy, lambda entries: change(entries[title]))
    with pytest.raises(DemoDataError, match=re.escape(message)) as error:
        load_demo()
    assert title in str(error.value)
    assert _nothing_loaded(db)


def test_the_past_event_s_matches_are_what_the_engine_proposes_for_its_registrations(db, monkeypatch) -> None:
    runs = []
    real = matching.propose
    monkeypatch.setattr(matching, "propose", lambda *args: runs.append(args) or real(*args))
    load_demo()
    event = db.session.scalar(sa.select(MatchingEvent).where(MatchingEvent.status == "closed"))
    assert len(runs) == 1  # once, for the past event; the upcoming one is the coordinator's to run
    candidates, projects, locked = runs[0]
    # The engine was given the engineers who came, with their stored rankings, and the featured requests.
    came = {r.volunteer_id: r.preferences for r in db.session.scalars(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.attended_at.is_not(None)))}
    assert {c.user_id: list(c.preferences) for c in candidates} == came
    assert {p.request_id for p in projects} == {r.id for r in event.help_requests}
    assert all(p.seats_free == p.team_size for p in projects)  # nobody held a seat before the event
    assert locked == []
    # A fresh run of the engine on that input gives exactly the stored matches, reasons and all.
    proposal = real(candidates, projects, locked)
    stored = db.session.scalars(sa.select(EventMatch).where(EventMatch.event_id == event.id)).all()
    engine = [(p.user_id, p.request_id, p.role, round(p.score, 9), [dict(r) for r in p.reasons])
              for p in proposal.placements]
    kept = [(m.volunteer_id, m.request_id, m.role, round(m.score, 9), m.reasons) for m in stored]
    assert sorted(kept) == sorted(engine)
    notes = event.matching_notes
    assert {int(u) for u in notes["unmatched"]} == set(proposal.unmatched) != set()


def test_a_check_in_by_someone_the_engine_did_not_place_is_named_and_nothing_is_loaded(db, demo_copy) -> None:
    path = demo_copy / "volunteers" / "demo" / "progress.json"
    progress = json.loads(path.read_text(encoding="utf-8"))
    for registration in progress["events"][0]["registrations"]:
        if registration["volunteer"] == "song.yu@codebridge.demo":
            registration["attended"] = False  # then nobody at the event could have put them on the team
    path.write_text(json.dumps(progress, ensure_ascii=False), encoding="utf-8")
    message = "song.yu@codebridge.demo posts check-ins, but the engine placed"
    with pytest.raises(DemoDataError, match=re.escape(message)):
        load_demo()
    assert _nothing_loaded(db)


def test_an_unknown_skill_in_the_demo_data_is_named_and_nothing_is_loaded(db, demo_copy) -> None:
    path = demo_copy / "volunteers" / "demo" / "volunteers.json"
    volunteers = json.loads(path.read_text(encoding="utf-8"))
    volunteers[3]["skills"][0]["slug"] = "cobol-mainframes"
    path.write_text(json.dumps(volunteers, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DemoDataError, match="cobol-mainframes"):
        load_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_missing_demo_file_fails_the_command_with_its_path(runner, demo_copy) -> None:
    (demo_copy / "requests" / "demo" / "requests.json").unlink()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "requests.json: demo file is missing" in result.output
