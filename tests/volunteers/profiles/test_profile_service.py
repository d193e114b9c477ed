"""The profile service on its own: who may save, the race of two first saves, what the audit trail keeps."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict, NotAllowed
from app.core.models import AuditEvent
from app.volunteers.models import VolunteerProfile
from app.volunteers.profiles import services
from tests.factories import make_user


def test_only_a_volunteer_can_save_a_volunteer_profile(db):
    staff = make_user("nonprofit")

    with pytest.raises(NotAllowed):
        services.update_profile(staff, hours_per_week=5)


def test_two_first_saves_at_once_end_in_a_conflict_not_an_error_page(db, volunteer_user, monkeypatch):
    # The other save's row landed (from another connection) after this one looked and found none.
    with db.engine.begin() as connection:
        connection.execute(sa.insert(VolunteerProfile.__table__).values(user_id=volunteer_user.id,
                                                                         hours_per_week=9))
    monkeypatch.setattr(services, "get_profile", lambda user: None)

    with pytest.raises(Conflict) as refused:
        services.update_profile(volunteer_user, hours_per_week=5)

    assert refused.value.code == "profile_conflict"
    assert db.session.get(VolunteerProfile, volunteer_user.id).hours_per_week == 9


def test_a_save_without_changes_is_still_recorded_with_nothing_changed(db, volunteer_user):
    services.update_profile(volunteer_user, hours_per_week=5)
    services.update_profile(volunteer_user, hours_per_week=5)

    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "volunteer_profile.updated")
                                .order_by(AuditEvent.id)).all()
    assert [(e.detail["created"], e.detail["changed"]) for e in events] == [
        (True, ["hours_per_week"]), (False, [])]
