"""Response windows with a frozen clock: the organisation reminded at 2 days, expiry at 7 with an
apology, the renewal question 7 days before a commitment ends; each sent once, however many ticks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.db import utcnow
from app.volunteers.claims import jobs, services
from app.volunteers.models import Claim
from tests.factories import make_claim, make_request, make_volunteer
from tests.helpers import audit_actions, emails_to, fresh, notification_kinds, timeline_kinds

pytestmark = pytest.mark.usefixtures("english")


def waiting_claim(db, project, volunteer, age: timedelta) -> Claim:
    claim = make_claim(project.help_request, volunteer, created_at=utcnow() - age)
    db.session.commit()
    return claim


def test_the_organisation_is_reminded_of_a_claim_waiting_two_days_once(db, project, volunteer):
    claim = waiting_claim(db, project, volunteer, timedelta(days=1, hours=23))
    assert jobs.remind_pending_claims() == 0  # not two days yet

    later = utcnow() + timedelta(hours=2)
    assert jobs.remind_pending_claims(now=later) == 1
    assert jobs.remind_pending_claims(now=later) == 0
    assert jobs.remind_pending_claims(now=later + timedelta(days=1)) == 0

    [email] = emails_to(project.staff)
    assert email.subject == "A volunteer is waiting for your answer on “Map of food donors and families”"
    assert "If nobody answers by" in email.body_text
    assert notification_kinds(project.staff) == ["claim_reminder"]
    assert fresh(Claim, claim.id).reminded_at is not None
    assert emails_to(volunteer) == []


def test_an_answered_claim_is_not_reminded(db, project, volunteer):
    claim = waiting_claim(db, project, volunteer, timedelta(days=3))
    services.decline_claim(claim, project.staff)
    assert jobs.remind_pending_claims() == 0
    assert notification_kinds(project.staff) == []


def test_a_claim_nobody_answers_in_a_week_expires_with_an_apology(db, project, volunteer):
    claim = waiting_claim(db, project, volunteer, timedelta(days=6, hours=20))
    assert jobs.expire_pending_claims() == 0

    later = utcnow() + timedelta(hours=5)
    assert jobs.expire_pending_claims(now=later) == 1
    assert jobs.expire_pending_claims(now=later) == 0

    claim = fresh(Claim, claim.id)
    assert claim.status == "expired" and claim.closed_at == later
    [email] = emails_to(volunteer)
    assert email.subject == "Sorry: your claim on “Map of food donors and families” expired without an answer"
    assert "We are sorry" in email.body_text
    assert notification_kinds(volunteer) == ["claim_expired"]
    assert timeline_kinds(project.help_request) == ["claim_expired"]
    assert audit_actions("claim.") == ["claim.expired"]
    assert project.reload().seats_taken == 0


def test_expiry_frees_the_volunteer_to_claim_again(db, project, volunteer):
    waiting_claim(db, project, volunteer, timedelta(days=8))
    jobs.expire_pending_claims()
    assert services.create_claim(project.help_request, volunteer, hours_per_week=4).status == "pending"


def test_accepted_claims_never_expire(db, project, volunteer):
    make_claim(project.help_request, volunteer, status="accepted", created_at=utcnow() - timedelta(days=30))
    db.session.commit()
    assert jobs.expire_pending_claims() == 0


def accepted_claim(db, project, volunteer, ends_in: timedelta, months: int = 3) -> Claim:
    project.help_request.status = "in_progress"
    claim = make_claim(project.help_request, volunteer, status="accepted", commitment_months=months)
    claim.ends_on = (utcnow() + ends_in).date()
    db.session.commit()
    return claim


def test_a_volunteer_is_asked_to_renew_or_conclude_a_week_before_the_end(db, project, volunteer):
    claim = accepted_claim(db, project, volunteer, ends_in=timedelta(days=9))
    assert jobs.ask_renewals() == 0

    assert jobs.ask_renewals(now=utcnow() + timedelta(days=3)) == 1
    assert jobs.ask_renewals(now=utcnow() + timedelta(days=4)) == 0

    [email] = emails_to(volunteer)
    assert email.subject == ("Your commitment to “Map of food donors and families” ends soon: "
                             "renew or conclude")
    assert f"/claims/{claim.id}" in email.body_text
    assert notification_kinds(volunteer) == ["claim_renewal"]
    assert emails_to(project.staff) == []


def test_renewing_asks_again_before_the_new_end(db, project, volunteer):
    claim = accepted_claim(db, project, volunteer, ends_in=timedelta(days=2), months=1)
    assert jobs.ask_renewals() == 1
    services.renew_claim(fresh(Claim, claim.id), volunteer)
    assert jobs.ask_renewals() == 0  # a month to go

    new_end = fresh(Claim, claim.id).ends_on
    assert jobs.ask_renewals(now=utcnow() + (new_end - utcnow().date()) - timedelta(days=6)) == 1
    assert notification_kinds(volunteer) == ["claim_renewal", "claim_renewal"]


def test_a_concluded_commitment_is_not_asked_about(db, project, volunteer):
    claim = accepted_claim(db, project, volunteer, ends_in=timedelta(days=3))
    services.conclude_claim(claim, volunteer, "Done and documented.")
    assert jobs.ask_renewals() == 0


def test_the_tick_command_runs_the_claim_duties(db, runner, project):
    old = make_volunteer()
    make_claim(make_request(status="open"), old, created_at=utcnow() - timedelta(days=8))
    db.session.commit()

    result = runner.invoke(args=["jobs", "tick"])

    assert "claims.expire_pending: 1" in result.output
    assert "claims.remind_pending: 0" in result.output and "claims.ask_renewal: 0" in result.output
    assert notification_kinds(old) == ["claim_expired"]
