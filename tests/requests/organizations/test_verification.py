"""Verification in the browser: documents, the coordinators' queue, decisions the nonprofit reads."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.core.models import AuditEvent, EmailMessage
from app.requests.models import Attachment, Organization
from tests.factories import make_org, make_user
from tests.helpers import EN, sign_in, text_of

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(client, organization, content: bytes, name: str):
    return client.post(f"/organizations/{organization.id}/verification/documents",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                       headers=EN)


def decide(client, organization, decision: str, note: str = ""):
    return client.post(f"/organizations/{organization.id}/verification/decision",
                       data={"decision": decision, "note": note}, headers=EN)


def test_the_queue_lists_pending_organisations_for_coordinators_only(app, db, coordinator_client):
    waiting = make_org(verified=False, name="Waiting Food Bank", members=[make_user("nonprofit")])
    make_org(verified=True, name="Already Verified Fund")
    db.session.commit()

    page = text_of(coordinator_client.get("/organizations/verification-queue", headers=EN))

    assert "Waiting Food Bank" in page and "Already Verified Fund" not in page
    assert f'href="/organizations/{waiting.id}/verification"' in page
    verified_tab = text_of(coordinator_client.get("/organizations/verification-queue?state=verified",
                                                  headers=EN))
    assert "Already Verified Fund" in verified_tab
    for role in ("nonprofit", "volunteer"):
        client = sign_in(app.test_client(), make_user(role))
        db.session.commit()
        assert client.get("/organizations/verification-queue", headers=EN).status_code == 403


def test_coordinator_verifies_and_the_staff_are_told(app, db, coordinator_client, coordinator_user, staff):
    member, organization = staff

    response = decide(coordinator_client, organization, "verified", "Registration checked with the bureau.")

    assert response.status_code == 302
    assert response.headers["Location"] == "/organizations/verification-queue"
    db.session.expire_all()
    organization = db.session.get(Organization, organization.id)
    assert organization.verification == "verified" and organization.verified_by_id == coordinator_user.id
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organization.verified"))
    assert event.actor_id == coordinator_user.id
    [message] = db.session.scalars(sa.select(EmailMessage))
    assert message.to_address == member.email
    assert message.subject == f"{organization.name} is verified on Codebridge"
    assert "Registration checked with the bureau." in message.body_text
    page = text_of(sign_in(app.test_client(), member).get(f"/organizations/{organization.id}", headers=EN))
    assert "badge-verified" in page


def test_a_rejection_note_reaches_the_nonprofit_on_its_page_and_by_email(app, db, coordinator_client, staff):
    member, organization = staff
    note = "The registration number does not match the certificate. Upload a clearer scan."

    response = decide(coordinator_client, organization, "rejected", note)

    assert response.status_code == 302
    [message] = db.session.scalars(sa.select(EmailMessage))
    assert message.to_address == member.email and note in message.body_text
    assert "not verified yet" in message.subject
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organization.rejected")) \
        .detail["note"] == note
    member_client = sign_in(app.test_client(), member)
    for path in (f"/organizations/{organization.id}", f"/organizations/{organization.id}/verification"):
        page = text_of(member_client.get(path, headers=EN))
        assert note in page and "Not verified yet" in page
    assert "Not verified: read the coordinator" in text_of(member_client.get("/dashboard", headers=EN))


def test_rejecting_without_a_note_is_refused_and_the_choice_kept(db, coordinator_client, staff):
    _member, organization = staff

    response = decide(coordinator_client, organization, "rejected", "  ")

    page = text_of(response)
    assert response.status_code == 422
    assert "Tell the nonprofit why, and what to send or change to be verified." in page
    assert re.search(r'<input checked[^>]*value="rejected"', page)
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).verification == "pending"


def test_deciding_the_same_state_twice_explains_itself(db, coordinator_client):
    organization = make_org(verified=True)
    db.session.commit()

    response = decide(coordinator_client, organization, "verified")

    assert response.status_code == 302
    page = text_of(coordinator_client.get(response.headers["Location"], headers=EN))
    assert "This organisation is already verified." in page


@pytest.mark.parametrize("role", ["nonprofit", "volunteer"])
def test_only_coordinators_decide(app, db, staff, role):
    member, organization = staff
    client = sign_in(app.test_client(), member if role == "nonprofit" else make_user(role))
    db.session.commit()

    assert decide(client, organization, "verified").status_code == 403
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).verification == "pending"


def test_staff_ask_for_verification_again_after_a_rejection(app, db, staff):
    member, organization = staff
    organization.verification = "rejected"
    organization.verification_note = "Add the certificate."
    db.session.commit()
    client = sign_in(app.test_client(), member)

    response = client.post(f"/organizations/{organization.id}/verification/request", headers=EN)

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).verification == "pending"
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "is back in the verification queue" in page
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "organization.verification_requested"))


def test_staff_add_documents_that_coordinators_open_and_outsiders_cannot(app, db, staff, coordinator_client):
    member, organization = staff
    client = sign_in(app.test_client(), member)

    response = upload(client, organization, PDF, "登记证书.pdf")

    assert response.status_code == 302
    document = db.session.scalar(sa.select(Attachment))
    assert (document.purpose, document.organization_id, document.content_type) == (
        "verification", organization.id, "application/pdf")
    queue = text_of(coordinator_client.get("/organizations/verification-queue", headers=EN))
    assert "1 document" in queue
    page = text_of(coordinator_client.get(f"/organizations/{organization.id}/verification", headers=EN))
    assert "登记证书.pdf" in page
    download = coordinator_client.get(f"/attachments/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()  # send_file streams from an open file
    for role in ("volunteer", "nonprofit"):
        outsider = sign_in(app.test_client(), make_user(role))
        db.session.commit()
        assert outsider.get(f"/attachments/{document.id}").status_code == 404
        assert outsider.get(f"/organizations/{organization.id}/verification").status_code == 403
    assert app.test_client().get(f"/attachments/{document.id}").status_code == 404


def test_a_document_of_the_wrong_type_is_refused_with_a_sentence(app, db, staff):
    member, organization = staff
    client = sign_in(app.test_client(), member)

    response = upload(client, organization, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "certificate.pdf")

    assert response.status_code == 422
    assert "We can&#39;t accept this kind of file" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_staff_remove_a_document(app, db, staff):
    member, organization = staff
    client = sign_in(app.test_client(), member)
    upload(client, organization, PDF, "old.pdf")
    document_id = db.session.scalar(sa.select(Attachment.id))

    response = client.post(f"/organizations/{organization.id}/verification/documents/{document_id}/delete",
                           headers=EN)

    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_coordinator_dashboard_counts_organisations_waiting(app, db, coordinator_client):
    page = text_of(coordinator_client.get("/dashboard", headers=EN))
    assert "No organisation is waiting" in page

    for _ in range(2):
        make_org(verified=False)
    make_org(verified=True)
    db.session.commit()

    page = text_of(coordinator_client.get("/dashboard", headers=EN))
    assert "2 organisations waiting for verification" in page
    assert 'href="/organizations/verification-queue"' in page
