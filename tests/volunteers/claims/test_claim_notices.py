"""Claim notices: who hears of each event, by e-mail (in their language) and in the app."""

from __future__ import annotations

import pytest

from app.core.errors import Conflict
from app.requests.models import Membership
from app.volunteers.claims import services
from tests.factories import make_claim, make_user, make_volunteer
from tests.helpers import emails_to, notification_kinds

pytestmark = pytest.mark.usefixtures("english")


def test_staff_hear_of_a_new_claim_and_the_volunteer_of_the_answer(db, project, volunteer, sent_mail):
    colleague = make_user("nonprofit")
    project.organization.memberships.append(Membership(user=colleague))
    db.session.commit()

    claim = services.create_claim(project.help_request, volunteer, hours_per_week=4, message="Hello!")

    for staff in (project.staff, colleague):
        [email] = emails_to(staff)
        assert email.kind == "claims" and email.status == "sent"
        assert email.subject == "A volunteer asks to join “Map of food donors and families”"
        assert "Zhang Wei claimed a seat" in email.body_text and "Hello!" in email.body_text
        assert f"/claims/{claim.id}" in email.body_text
        assert notification_kinds(staff) == ["claim_received"]
    assert emails_to(volunteer) == [] and notification_kinds(volunteer) == []
    assert len(sent_mail) == 2  # really sent by the mail job

    services.accept_claim(claim, project.staff, "Welcome aboard.")

    [email] = emails_to(volunteer)
    assert email.subject == "You are on the team of “Map of food donors and families”"
    assert "Welcome aboard." in email.body_text and "Your commitment runs until" in email.body_text
    assert notification_kinds(volunteer) == ["claim_accepted"]


@pytest.mark.parametrize(("event", "audience", "subject"), [
    ("declined", "volunteer", "Your claim on “Map of food donors and families” was declined"),
    ("withdrawn", "staff", "A volunteer withdrew from “Map of food donors and families”"),
    ("released", "volunteer", "Your seat on “Map of food donors and families” was released"),
    ("completed", "staff", "A volunteer concluded their commitment to “Map of food donors and families”"),
])
def test_each_answer_reaches_the_other_side(db, project, volunteer, event, audience, subject):
    status = "pending" if event == "declined" else "accepted"
    claim = make_claim(project.help_request, volunteer, status=status)
    db.session.commit()
    act = {"declined": lambda: services.decline_claim(claim, project.staff, "Team is full."),
           "withdrawn": lambda: services.withdraw_claim(claim, volunteer, "Moving city."),
           "released": lambda: services.release_claim(claim, project.coordinator, "No news for a month."),
           "completed": lambda: services.conclude_claim(claim, volunteer, "All handed over.")}[event]

    act()

    told, untold = (volunteer, project.staff) if audience == "volunteer" else (project.staff, volunteer)
    [email] = emails_to(told)
    assert email.subject == subject
    assert notification_kinds(told) == [f"claim_{event}"]
    assert emails_to(untold) == []


def test_auto_accept_tells_staff_someone_joined_and_the_volunteer_they_are_in(db, project, volunteer):
    project.help_request.auto_accept = True
    db.session.commit()
    services.create_claim(project.help_request, volunteer, hours_per_week=4)
    assert notification_kinds(project.staff) == ["claim_joined"]
    assert notification_kinds(volunteer) == ["claim_accepted"]
    assert emails_to(project.staff)[0].subject.startswith("A volunteer joined the team")


def test_a_refused_claim_sends_nothing(db, project, volunteer):
    project.help_request.status = "delivered"
    db.session.commit()
    with pytest.raises(Conflict):
        services.create_claim(project.help_request, volunteer, hours_per_week=4)
    assert emails_to(project.staff) == [] and notification_kinds(project.staff) == []


def test_notices_are_written_in_each_recipients_language(db, project):
    chinese_volunteer = make_volunteer(locale="zh_CN", name="王芳")
    claim = make_claim(project.help_request, chinese_volunteer)
    db.session.commit()
    services.decline_claim(claim, project.staff)
    [email] = emails_to(chinese_volunteer)
    assert "婉拒" in email.subject or "拒绝" in email.subject
    assert "Map of food donors and families" in email.subject


def test_staff_who_turned_off_claim_emails_still_see_the_notification(db, project, volunteer):
    project.staff.email_preferences = {"claims": False}
    db.session.commit()
    services.create_claim(project.help_request, volunteer, hours_per_week=4)
    assert emails_to(project.staff) == []
    assert notification_kinds(project.staff) == ["claim_received"]
