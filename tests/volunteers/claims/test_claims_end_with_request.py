"""A request that closes for good (withdrawn, delivered) ends its waiting claims at once, with a notice,
instead of leaving them to expire a week later while they hold the volunteers' weekly hours."""

from __future__ import annotations

import pytest

from app.requests.intake.services import withdraw_request
from app.volunteers.claims import services
from app.volunteers.delivery.services import accept_delivery, submit_delivery
from app.volunteers.models import Claim
from tests.factories import make_claim, make_request, make_volunteer
from tests.helpers import audit_actions, emails_to, fresh, notification_kinds, timeline_kinds

pytestmark = pytest.mark.usefixtures("english")


def test_withdrawing_a_request_ends_its_waiting_claims_and_frees_the_hours(db, project):
    volunteer = make_volunteer(name="Zhang Wei", hours_per_week=4)
    waiting = make_claim(project.help_request, volunteer, hours=4)
    other_request = make_request(status="open")
    db.session.commit()

    withdraw_request(project.help_request, project.staff, reason="We found a volunteer elsewhere.")

    claim = fresh(Claim, waiting.id)
    assert claim.status == "declined"
    assert claim.decided_by_id is None  # Codebridge ended it, not a person
    assert claim.decision_note == "The organisation withdrew this request, so your claim ended."
    assert notification_kinds(volunteer) == ["claim_request_closed"]
    mail = emails_to(volunteer)
    assert [m.subject for m in mail] == [
        "“Map of food donors and families” is closed, so your claim on it ended"]
    assert "withdrew" in mail[0].body_text
    assert "claim_declined" in timeline_kinds(project.reload())
    assert "claim.declined" in audit_actions("claim.")
    # The 4 hours it held are free at once: the volunteer can claim another project.
    assert services.create_claim(other_request, volunteer, hours_per_week=4).status == "pending"


def test_a_delivered_request_ends_the_claims_still_waiting_but_review_does_not(db, delivery_team):
    hopeful = make_volunteer(name="Late Comer")
    waiting = make_claim(delivery_team.help_request, hopeful)
    db.session.commit()

    submit_delivery(delivery_team.help_request, delivery_team.lead,
                    repository_url="https://git.example.org/food-map", handover_notes="Run make.")
    assert fresh(Claim, waiting.id).status == "pending"  # in review can still go back to work

    accept_delivery(delivery_team.help_request, delivery_team.staff)

    claim = fresh(Claim, waiting.id)
    assert claim.status == "declined"
    assert "delivered" in claim.decision_note
    assert notification_kinds(hopeful) == ["claim_request_closed"]
    assert "was delivered" in emails_to(hopeful)[0].body_text
    assert {c.status for c in delivery_team.claims if fresh(Claim, c.id)} == {"completed"}


def test_claims_already_answered_are_left_as_they_were(db, project):
    accepted = make_claim(project.help_request, make_volunteer(), status="accepted")
    withdrawn = make_claim(project.help_request, make_volunteer(), status="withdrawn")
    project.help_request.status = "in_progress"
    db.session.commit()

    withdraw_request(project.help_request, project.staff)

    assert fresh(Claim, accepted.id).status == "accepted"
    assert fresh(Claim, withdrawn.id).status == "withdrawn"
