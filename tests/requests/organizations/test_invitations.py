"""Inviting colleagues by e-mail: the message and its link, joining, and links that are used or expired."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict
from app.core.models import AuditEvent, EmailMessage, User
from app.requests.models import Membership, OrganizationInvitation
from app.requests.organizations import invitations
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import EN, sign_in, text_of

LINK = re.compile(r"https?://[^/\s]+/invitations/([A-Za-z0-9_-]+)")


def invite(client, organization, email: str):
    return client.post(f"/organizations/{organization.id}/invitations", data={"email": email}, headers=EN)


def last_invitation_link(db) -> tuple[EmailMessage, str, str]:
    """(the e-mail, the link in it, the token in the link)."""
    message = db.session.scalars(sa.select(EmailMessage).order_by(EmailMessage.id.desc())).first()
    match = LINK.search(message.body_text)
    assert match, message.body_text
    assert match.group(0) in message.body_html
    return message, f"/invitations/{match.group(1)}", match.group(1)


def memberships(db, user) -> list[int]:
    return list(db.session.scalars(
        sa.select(Membership.organization_id).where(Membership.user_id == user.id)))


def test_staff_invite_a_colleague_who_gets_an_email_with_a_link(app, db, staff):
    owner, organization = staff
    client = sign_in(app.test_client(), owner)

    response = invite(client, organization, "Colleague@Example.org")

    assert response.status_code == 302
    assert "We e-mailed an invitation to colleague@example.org" in text_of(
        client.get(response.headers["Location"], headers=EN))
    message, _path, token = last_invitation_link(db)
    assert message.to_address == "colleague@example.org"
    assert message.kind == "organization_invitation"
    assert organization.name in message.subject and owner.name in message.subject
    assert "14 days" in message.body_text
    invitation = db.session.scalar(sa.select(OrganizationInvitation))
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "organization.member_invited"))
    assert event.detail == {"email": "colleague@example.org"}
    page = text_of(client.get(f"/organizations/{organization.id}/members", headers=EN))
    assert "colleague@example.org" in page and "Invitations waiting for an answer" in page


def test_a_signed_in_colleague_accepts_and_the_link_then_stops_working(app, db, staff):
    owner, organization = staff
    colleague = make_user("nonprofit", email="colleague@example.org")
    db.session.commit()
    invite(sign_in(app.test_client(), owner), organization, "colleague@example.org")
    _message, path, _token = last_invitation_link(db)
    client = sign_in(app.test_client(), colleague)

    page = text_of(client.get(path, headers=EN))
    assert f"Join {organization.name}" in page
    response = client.post(path, headers=EN)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/organizations/{organization.id}"
    assert memberships(db, colleague) == [organization.id]
    assert db.session.scalar(sa.select(OrganizationInvitation.accepted_at)) is not None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organization.member_joined"))

    reused = client.get(path, headers=EN)
    assert reused.status_code == 410
    assert "This invitation has already been used" in text_of(reused)
    stranger = sign_in(app.test_client(), make_user("nonprofit"))
    db.session.commit()
    assert stranger.post(path, headers=EN).status_code == 410


def test_an_invitee_without_an_account_signs_up_on_the_invitation_page(app, db, staff):
    owner, organization = staff
    invite(sign_in(app.test_client(), owner), organization, "newcomer@example.org")
    _message, path, _token = last_invitation_link(db)
    client = app.test_client()

    page = text_of(client.get(path, headers=EN))
    assert "newcomer@example.org" in page and "Create account and join" in page
    weak = client.post(path, data={"name": "Chen Jing", "password": "short", "locale": "zh_CN"}, headers=EN)
    assert weak.status_code == 422 and "Use at least 8 characters." in text_of(weak)
    response = client.post(path, data={"name": "Chen Jing", "password": DEFAULT_PASSWORD, "locale": "zh_CN"},
                           headers=EN)

    assert response.status_code == 302
    newcomer = db.session.scalar(sa.select(User).where(User.email == "newcomer@example.org"))
    assert (newcomer.role, newcomer.name, newcomer.locale) == ("nonprofit", "Chen Jing", "zh_CN")
    assert memberships(db, newcomer) == [organization.id]
    assert response.headers["Location"] == f"/organizations/{organization.id}"
    dashboard = client.get("/dashboard")  # signed in as the new account
    assert dashboard.status_code == 200 and organization.name in text_of(dashboard)


def test_an_invitee_whose_address_has_an_account_is_sent_to_sign_in(app, db, staff):
    owner, organization = staff
    make_user("nonprofit", email="known@example.org")
    db.session.commit()
    invite(sign_in(app.test_client(), owner), organization, "known@example.org")
    _message, path, token = last_invitation_link(db)

    response = app.test_client().post(path, data={"name": "Known", "password": DEFAULT_PASSWORD,
                                                  "locale": "en"}, headers=EN)

    page = text_of(response)
    assert response.status_code == 422
    assert "An account with this e-mail already exists" in page
    assert re.search(r'href="/sign-in\?next=(%2F|/)invitations(%2F|/)' + token, page)


def test_an_expired_invitation_is_refused_with_a_clear_sentence(app, db, staff):
    owner, organization = staff
    colleague = make_user("nonprofit")
    db.session.commit()
    invite(sign_in(app.test_client(), owner), organization, colleague.email)
    _message, path, _token = last_invitation_link(db)
    invitation = db.session.scalar(sa.select(OrganizationInvitation))
    invitation.created_at = invitation.created_at - timedelta(days=14, minutes=1)
    db.session.commit()
    client = sign_in(app.test_client(), colleague)

    response = client.post(path, headers=EN)

    assert response.status_code == 410
    assert "This invitation expired 14 days after it was sent. Ask your colleague to invite you again." in \
        text_of(response).replace("&#39;", "'")
    assert memberships(db, colleague) == []


def test_an_unknown_link_is_not_found(client):
    response = client.get("/invitations/not-a-real-token", headers=EN)

    assert response.status_code == 404
    assert "This invitation link is not valid" in text_of(response)


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_only_nonprofit_staff_accounts_can_join(app, db, staff, role):
    owner, organization = staff
    other = make_user(role)
    db.session.commit()
    invite(sign_in(app.test_client(), owner), organization, other.email)
    _message, path, _token = last_invitation_link(db)
    client = sign_in(app.test_client(), other)

    assert "Only nonprofit staff accounts can join" in text_of(client.get(path, headers=EN))
    assert client.post(path, headers=EN).status_code == 403
    assert memberships(db, other) == []


def test_inviting_again_replaces_the_earlier_link(app, db, staff):
    owner, organization = staff
    client = sign_in(app.test_client(), owner)
    invite(client, organization, "twice@example.org")
    _message, first_path, _token = last_invitation_link(db)

    invite(client, organization, "twice@example.org")
    _message, second_path, _token = last_invitation_link(db)

    assert first_path != second_path
    assert client.get(first_path, headers=EN).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(OrganizationInvitation.id))) == 1


def test_bad_or_member_addresses_are_named_on_the_form(app, db, staff):
    owner, organization = staff
    client = sign_in(app.test_client(), owner)

    bad = invite(client, organization, "not an address")
    member = invite(client, organization, owner.email)

    assert bad.status_code == 422 and "e-mail address, like name@example.org" in text_of(bad)
    assert member.status_code == 422 and "is already a member of this organisation" in text_of(member)
    assert db.session.scalar(sa.select(sa.func.count(EmailMessage.id))) == 0


@pytest.mark.parametrize("role", ["nonprofit", "volunteer", "coordinator"])
def test_outsiders_cannot_invite(app, db, staff, role):
    _owner, organization = staff
    client = sign_in(app.test_client(), make_user(role))
    db.session.commit()

    assert invite(client, organization, "someone@example.org").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(OrganizationInvitation.id))) == 0


def test_invitations_through_the_api(client, db, api_token, staff):
    owner, organization = staff
    colleague = make_user("nonprofit")
    db.session.commit()
    forwarded_to = make_user("nonprofit")
    db.session.commit()

    response = client.post(f"/api/v1/organizations/{organization.id}/invitations",
                           json={"email": colleague.email}, headers=api_token(owner))
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == colleague.email and "token" not in body
    _message, _path, token = last_invitation_link(db)

    other = client.post("/api/v1/invitations/accept", json={"token": token}, headers=api_token(forwarded_to))
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "invitation_for_another_address"
    accepted = client.post("/api/v1/invitations/accept", json={"token": token}, headers=api_token(colleague))
    assert accepted.status_code == 200
    assert accepted.get_json()["role"] == "member"
    again = client.post("/api/v1/invitations/accept", json={"token": token}, headers=api_token(colleague))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invitation_used"
    unknown = client.post("/api/v1/invitations/accept", json={"token": "nope"}, headers=api_token(colleague))
    assert unknown.status_code == 404


def test_a_link_used_between_reading_and_joining_is_still_used_only_once(app, db, staff, monkeypatch):
    """The same link accepted twice at once (two tabs): the second conditional update finds it used."""
    owner, organization = staff
    invitee = make_user("nonprofit", email="shared@example.org")
    db.session.commit()
    with app.test_request_context():  # the e-mail's link is built for this site
        _invitation, token = invitations.invite_member(organization, owner, "shared@example.org")
    invitations.accept_invitation(token, invitee)
    db.session.execute(sa.delete(Membership).where(Membership.user_id == invitee.id))
    db.session.commit()
    checked = []
    real_problem = invitations.invitation_problem

    def stale_read(invitation):
        checked.append(invitation.id)
        return None if len(checked) == 1 else real_problem(invitation)  # the first check saw it unused

    monkeypatch.setattr(invitations, "invitation_problem", stale_read)

    with pytest.raises(Conflict) as refused:
        invitations.accept_invitation(token, invitee)

    assert refused.value.code == "invitation_used"
    assert memberships(db, invitee) == []


def test_another_account_holding_the_link_cannot_join(app, db, staff):
    """A forwarded or leaked link: the account must have the invited address, so nobody else joins."""
    owner, organization = staff
    other_nonprofit = make_user("nonprofit", email="someone.else@example.org")
    db.session.commit()
    invite(sign_in(app.test_client(), owner), organization, "invitee@example.org")
    _message, path, _token = last_invitation_link(db)
    client = sign_in(app.test_client(), other_nonprofit)

    page = client.get(path, headers=EN)
    assert "This invitation was sent to invitee@example.org, and you are signed in with another address." \
        in text_of(page)
    assert "Join the organisation</button>" not in page.get_data(as_text=True)
    refused = client.post(path, headers=EN)

    assert refused.status_code == 403
    assert memberships(db, other_nonprofit) == []
    assert client.get(f"/organizations/{organization.id}/members").status_code in (403, 404)
    assert db.session.scalar(sa.select(OrganizationInvitation.accepted_at)) is None  # still the invitee's


def test_the_invitee_address_matches_whatever_its_case(app, db, staff):
    owner, organization = staff
    colleague = make_user("nonprofit", email="colleague@example.org")
    db.session.commit()
    with app.test_request_context():
        _invitation, token = invitations.invite_member(organization, owner, "Colleague@Example.org")

    invitations.accept_invitation(token, colleague)

    assert memberships(db, colleague) == [organization.id]
