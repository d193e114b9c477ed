"""The matching engine's reasons as sentences in the reader's language.

The engine (`app.volunteers.events.board.matching`) stores reasons as codes with their figures, e.g.
`{"code": "skills", "matched": [{"skill": "python", "level": 4}]}`; here they become "matches Python
4/5" or "匹配 Python 4/5" at read time. Skills show their translated name from the taxonomy (by slug,
or by id for reasons made without slugs), requests their title. Names are looked up once per app
context and kept on `flask.g`, so a board with hundreds of reasons costs a query or two. Unknown
codes and old free-text reasons (the demo file's) are shown without failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from babel.lists import format_list
from flask import g
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from app.core.models import Skill
from app.extensions import db
from app.requests.models import HelpRequest
from app.volunteers.profiles.queries import language_name


def _locale() -> str:
    return str(get_locale() or "zh_CN")


def _skills() -> dict[object, Skill]:
    """Every skill by slug and by id (the taxonomy is small: one query per app context)."""
    cached = g.get("_event_reason_skills")
    if cached is None:
        cached = {}
        for skill in db.session.scalars(sa.select(Skill)):
            cached[skill.slug] = skill
            cached[skill.id] = skill
        g._event_reason_skills = cached
    return cached


def _titles(request_ids: Iterable[int]) -> dict[int, str | None]:
    """Request titles by id (None for one that is gone), reading only ids this app context has not seen."""
    cached: dict[int, str | None] = g.setdefault("_event_reason_titles", {})
    missing = {i for i in request_ids if isinstance(i, int) and i not in cached}
    if missing:
        cached.update(dict.fromkeys(missing))
        statement = sa.select(HelpRequest.id, HelpRequest.title).where(HelpRequest.id.in_(missing))
        cached.update({row.id: row.title for row in db.session.execute(statement)})
    return cached


def _join(items: list[str]) -> str:
    return format_list(items, locale=_locale()) if items else ""


def skill_name(skill: object) -> str:
    """A skill's name in the reader's language, by slug or id; an unknown one is shown as it is."""
    found = _skills().get(skill)
    return found.display_name(_locale()) if found is not None else str(skill)


def _skill_list(skills: Iterable[object]) -> str:
    return _join([skill_name(s) for s in skills])


def _projects(ids: Iterable[Any]) -> str:
    ids = [i for i in ids if isinstance(i, int)]
    titles = _titles(ids)
    return _join([_("“%(title)s”", title=titles[i]) if titles.get(i) else f"#{i}" for i in ids])


def _languages(reason: dict) -> str:
    return _join([language_name(code) for code in reason.get("languages", [])])


def _rank(rank: int) -> str:
    if rank == 1:
        return _("your 1st choice")
    if rank == 2:
        return _("your 2nd choice")
    if rank == 3:
        return _("your 3rd choice")
    return _("your choice no. %(rank)d", rank=rank)


def _hours(reason: dict) -> str:
    figures = {key: reason.get(key, 0) for key in ("hours", "needed", "weeks")}
    if reason["code"] == "hours_fit":
        if reason.get("assumed_weeks"):
            return _("%(hours)s h/week fits a %(weeks)s-week plan (about %(needed)s h/week each; no deadline "
                     "is set, so %(weeks)s weeks are assumed)", **figures)
        return _("%(hours)s h/week fits the %(weeks)s-week plan (about %(needed)s h/week each)", **figures)
    if reason.get("assumed_weeks"):
        return _("%(hours)s h/week is short of the %(needed)s h/week each person needs over a %(weeks)s-week "
                 "plan (no deadline is set, so %(weeks)s weeks are assumed)", **figures)
    return _("%(hours)s h/week is short of the %(needed)s h/week each person needs over the "
             "%(weeks)s-week plan", **figures)


def _skills_text(reason: dict) -> str:
    matched = [m for m in reason.get("matched", []) if isinstance(m, dict)]
    if not matched:
        return _("has none of the skills the project lists")
    listed = _join([_("%(skill)s %(level)s/5", skill=skill_name(m.get("skill")), level=m.get("level"))
                    for m in matched])
    text = _("matches %(skills)s", skills=listed)
    adds = reason.get("adds") or []
    if adds:
        text = _("%(matches)s (new to the team: %(skills)s)", matches=text, skills=_skill_list(adds))
    return text


def _timezone(reason: dict) -> str:
    apart = float(reason.get("hours_apart", 0) or 0)
    if apart == 0:
        return _("same time zone")
    shown = f"{apart:g}"
    return _("time zones %(hours)s hours apart", hours=shown)


def _lead(reason: dict) -> str:
    if reason.get("skill") is None or reason.get("level") is None:
        return _("leads the team")
    return _("leads the team (%(skill)s %(level)s/5)", skill=skill_name(reason["skill"]),
             level=reason["level"])


def _seats_taken(reason: dict) -> str:
    projects = reason.get("projects") or []
    return ngettext("the seat that fits went to a closer fit: %(projects)s",
                    "every seat that fits went to a closer fit: %(projects)s",
                    len(projects), projects=_projects(projects))


def _no_skill_fit(reason: dict) -> str:
    if reason.get("excluded"):
        return _("no featured request needs their skills, apart from ones they may not join (%(projects)s)",
                 projects=_projects(reason["excluded"]))
    return _("no featured request needs their skills")


_TEXTS: dict[str, Callable[[dict], str]] = {
    # A proposal.
    "locked": lambda r: _("locked by the coordinator"),
    "skills": _skills_text,
    "skills_open": lambda r: _("the project lists no particular skills"),
    "preference": lambda r: _rank(int(r.get("rank", 0) or 0)),
    "unranked": lambda r: _("not among your ranked choices"),
    "hours_fit": _hours,
    "hours_short": _hours,
    "hours_unknown": lambda r: _("%(hours)s h/week free; the project has no effort estimate yet",
                                 hours=r.get("hours", 0)),
    "language": lambda r: _("works in %(languages)s", languages=_languages(r)),
    "language_gap": lambda r: _("no shared language (the organisation works in %(languages)s)",
                                languages=_languages(r)),
    "timezone": _timezone,
    "lead": _lead,
    # A volunteer nobody placed.
    "no_projects": lambda r: _("no featured request has a free seat"),
    "no_hours": lambda r: _("no weekly hours free: live claims already take them all"),
    "excluded_everywhere": lambda r: _("may not join any featured request (already on it, staff of its "
                                        "organisation, or a blocked account)"),
    "no_skill_fit": _no_skill_fit,
    "seats_taken": _seats_taken,
    # A request left with free seats.
    "seats_left": lambda r: ngettext("%(num)d of %(seats)d seats stays free",
                                     "%(num)d of %(seats)d seats stay free",
                                     int(r.get("free", 0) or 0), seats=r.get("seats", 0)),
    "nobody_attending": lambda r: _("nobody has checked in yet"),
    "no_skill_fit_people": lambda r: _("nobody attending has %(skills)s", skills=_skill_list(r["skills"])),
    "nobody_has_skill": lambda r: _("nobody attending has %(skills)s", skills=_skill_list(r["skills"])),
    "few_fitting": lambda r: ngettext("only %(num)d attending person fits its skills, for %(seats)d seats",
                                      "only %(num)d attending people fit its skills, for %(seats)d seats",
                                      int(r.get("fitting", 0) or 0), seats=r.get("seats", 0)),
    "fits_went_elsewhere": lambda r: ngettext(
        "the %(num)d person who fits was placed where they fit better",
        "the %(num)d people who fit were placed where they fit better", int(r.get("fitting", 0) or 0)),
    "not_ranked": lambda r: _("nobody ranked it"),
    "no_lead": lambda r: _("nobody attending is at level %(level)s or above in its skills to lead",
                           level=r.get("level", 4)),
}


def reason_text(reason: Any) -> str:
    """One reason as a sentence; free text is shown as it is, an unknown code named plainly."""
    if isinstance(reason, str):
        return reason
    if not isinstance(reason, dict):
        return str(reason)
    code = reason.get("code")
    render = _TEXTS.get(code) if isinstance(code, str) else None
    if render is None:
        return _("other reason (%(code)s)", code=code)
    try:
        return render(reason)
    except (KeyError, TypeError, ValueError):  # figures missing or of the wrong kind
        return _("other reason (%(code)s)", code=code)


def reason_texts(reasons: list[dict]) -> list[str]:
    """The reasons as sentences in the reader's language, in the order given."""
    _titles([i for r in reasons or [] if isinstance(r, dict)
             for key in ("projects", "excluded") for i in (r.get(key) or []) if isinstance(i, int)])
    return [reason_text(r) for r in reasons or []]
