"""The engine's reasons as sentences in the reader's language (app.volunteers.events.board.reasons)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.volunteers.events.board.matching import propose
from app.volunteers.events.board.reasons import reason_texts
from app.volunteers.events.board.scoring import Candidate, Project
from tests.factories import make_request, make_skill
from tests.helpers import EN, ZH, count_statements


@contextmanager
def reading(app, headers) -> Iterator[None]:
    """A request in one language, in its own app context (the language and names are kept per context)."""
    with app.app_context(), app.test_request_context(headers=headers):
        yield


def skills(db):
    python = make_skill("python", "Python", "Python")
    postgres = make_skill("postgresql", "PostgreSQL", "PostgreSQL 数据库")
    maps = make_skill("map-apis", "Map APIs", "地图接口")
    db.session.commit()
    return python, postgres, maps


def test_a_proposal_reads_as_the_issue_describes_it(app, db):
    python, postgres, _maps = skills(db)
    zh = frozenset({"zh"})
    ann = Candidate(user_id=1, skills={python.id: 4, postgres.id: 3}, hours_free=6, languages=zh,
                    utc_offset_hours=8.0, preferences=(5, 10), excluded=frozenset())
    donors = Project(request_id=10, skills=(python.id, postgres.id), covered=frozenset(), seats_free=2,
                     needs_lead=True, effort_hours=96, weeks=8, languages=zh, utc_offset_hours=8.0,
                     skill_slugs=("python", "postgresql"), team_size=2)
    (placement,) = propose([ann], [donors]).placements

    with reading(app, EN):
        assert reason_texts(list(placement.reasons)) == [
            "matches Python 4/5 and PostgreSQL 3/5 (new to the team: Python and PostgreSQL)",
            "your 2nd choice",
            "6 h/week fits the 8-week plan (about 6 h/week each)",
            "works in Mandarin Chinese",
            "same time zone",
            "leads the team (Python 4/5)",
        ]
    with reading(app, ZH):
        chinese = reason_texts(list(placement.reasons))
    # Skill and language names come from the taxonomy and the catalogue in the reader's language.
    assert "PostgreSQL 数据库" in chinese[0] and "普通话" in chinese[3]


def test_reasons_without_slugs_name_skills_by_id_and_an_assumed_plan_is_said(app, db):
    _python, _postgres, maps = skills(db)
    reasons = [{"code": "skills", "matched": [{"skill": maps.id, "level": 5}], "adds": []},
               {"code": "hours_short", "hours": 2, "needed": 10, "weeks": 13, "assumed_weeks": True},
               {"code": "timezone", "hours_apart": 5.5}, {"code": "preference", "rank": 4}]
    with reading(app, EN):
        assert reason_texts(reasons) == [
            "matches Map APIs 5/5",
            "2 h/week is short of the 10 h/week each person needs over a 13-week plan (no deadline is set, "
            "so 13 weeks are assumed)",
            "time zones 5.5 hours apart",
            "your choice no. 4",
        ]
    with reading(app, ZH):
        assert "地图接口" in reason_texts(reasons)[0]


def test_unmatched_and_short_reasons_name_projects_and_skills(app, db):
    skills(db)
    donors = make_request(status="open", title="Map of food donors")
    db.session.commit()
    unmatched = [{"code": "seats_taken", "fitting": 2, "projects": [donors.id, 999_999]}]
    short = [{"code": "seats_left", "free": 1, "seats": 3},
             {"code": "nobody_has_skill", "skills": ["map-apis"]},
             {"code": "few_fitting", "fitting": 1, "seats": 3}, {"code": "not_ranked"},
             {"code": "no_lead", "level": 4}]
    with reading(app, EN):
        with count_statements() as statements:
            assert reason_texts(unmatched) == [
                "every seat that fits went to a closer fit: “Map of food donors” and #999999"]
            assert reason_texts(short) == [
                "1 of 3 seats stays free", "nobody attending has Map APIs",
                "only 1 attending person fits its skills, for 3 seats", "nobody ranked it",
                "nobody attending is at level 4 or above in its skills to lead"]
            reason_texts(unmatched + short)  # names already read are not read again
        assert len(statements) == 2
    with reading(app, ZH):
        assert "地图接口" in reason_texts(short)[1]


def test_unknown_codes_old_free_text_and_broken_figures_do_not_fail(app, db):
    with reading(app, EN):
        assert reason_texts([{"code": "from_the_future", "x": 1}, "First choice", {"code": "lead"},
                             {"no": "code"}, {"code": "skills", "matched": []}]) == [
            "other reason (from_the_future)", "First choice", "leads the team", "other reason (None)",
            "has none of the skills the project lists"]
