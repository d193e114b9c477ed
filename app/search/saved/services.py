"""Saved searches: a volunteer keeps a search (words and filters) by name, with digests of new matches."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.audit import services as audit
from app.core.cleaning import clean_text_into
from app.core.errors import Invalid, NotFound
from app.core.models import User
from app.core.policy import require_role
from app.extensions import db
from app.search.find.params import SearchParams
from app.search.models import DIGEST_FREQUENCIES, SavedSearch

NAME_MAX = 120
QUERY_MAX = 500  # SavedSearch.query's width
SAVED_SEARCHES_MAX = 20  # per volunteer: enough for every interest, few enough to read the digests


def saved_searches_of(user: User) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    return list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())))


def save_search(user: User, *, name: str | None, params: SearchParams, frequency: str | None) -> SavedSearch:
    """Keep `params`' words and filters under `name` for `user`, with digests `frequency`; commits.

    The first digest covers what is published after now. Raises Unauthenticated/NotAllowed unless
    the user is a volunteer, and Invalid naming `name` (empty, too long, or past the limit of
    SAVED_SEARCHES_MAX) or `frequency` (not daily or weekly).
    """
    require_role(user, "volunteer")
    errors: dict[str, str] = {}
    clean_name = clean_text_into(errors, " ".join((name or "").split()), "name", max_length=NAME_MAX,
                                 required=_("Give the search a name, like “Flask projects in education”."))
    if frequency not in DIGEST_FREQUENCIES:
        errors["frequency"] = _("Choose daily or weekly.")
    count = db.session.scalar(sa.select(sa.func.count()).where(SavedSearch.user_id == user.id)) or 0
    if count >= SAVED_SEARCHES_MAX and "name" not in errors:
        errors["name"] = _("You already keep %(max)d saved searches. Delete one you no longer need first.",
                           max=SAVED_SEARCHES_MAX)
    if errors:
        raise Invalid(fields=errors)
    saved_search = SavedSearch(user_id=user.id, name=clean_name, query=params.words[:QUERY_MAX],
                               filters=params.saved_filters(), frequency=frequency)
    db.session.add(saved_search)
    db.session.flush()
    audit.record("saved_search.created", saved_search, actor=user, frequency=frequency)
    db.session.commit()
    return saved_search


def get_saved_search(user: User, saved_search_id: int) -> SavedSearch:
    """The user's own saved search; NotFound for another's or a missing one."""
    saved_search = db.session.get(SavedSearch, saved_search_id)
    if saved_search is None or saved_search.user_id != user.id:
        raise NotFound()
    return saved_search


def delete_saved_search(user: User, saved_search_id: int) -> None:
    """Delete one of the user's saved searches (no more digests); commits. NotFound if it is not theirs."""
    saved_search = get_saved_search(user, saved_search_id)
    audit.record("saved_search.deleted", saved_search, actor=user)
    db.session.delete(saved_search)
    db.session.commit()
