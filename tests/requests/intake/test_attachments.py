"""Attachments: judged by content, size-limited, stored outside the web root, served only to those allowed."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app import create_app
from app.core.errors import Conflict, Invalid, NotAllowed, NotFound
from app.core.models import AuditEvent, User
from app.requests.intake import attachments
from app.requests.models import Attachment, HelpRequest, TimelineEntry
from tests.factories import make_request, make_user
from tests.helpers import EN, sign_in
from tests.requests.intake.samples import EXECUTABLE, SAMPLES, big_upload, content_types, upload, zip_bytes

ACCEPTED = {
    "png": ("sketch.png", "image/png"),
    "jpeg": ("paper-form.jpg", "image/jpeg"),
    "gif": ("flow.gif", "image/gif"),
    "webp": ("photo.webp", "image/webp"),
    "pdf": ("annual-report.pdf", "application/pdf"),
    "xlsx": ("donations.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ("process.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": ("old-sheet.xls", "application/vnd.ms-excel"),
    "doc": ("old-letter.doc", "application/msword"),
    "csv": ("patients.csv", "text/csv; charset=utf-8"),
    "txt": ("notes.txt", "text/plain; charset=utf-8"),
}
REFUSED = {
    "an .exe renamed .png": (EXECUTABLE, "wireframe.png"),
    "an ELF binary named .pdf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "report.pdf"),
    "a zip that is no Office file": (zip_bytes(None, {"a.txt": b"hello"}), "sheet.xlsx"),
    "a zip declaring something else": (zip_bytes(content_types("application/x-other+xml")), "x.docx"),
    "Latin-1 text": ("Café, crème brûlée".encode("latin-1"), "menu.csv"),
    "text with control bytes": (b"name\x1b[31m,red\n", "colours.csv"),
    "a compound file that is neither sheet nor letter": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
                                                         "mystery.xls"),
}


def file_storage(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/png")


def downloaded(client, attachment_id: int) -> int:
    """The status of a download (the response, holding the file open, is closed at once)."""
    with client.get(f"/attachments/{attachment_id}") as response:
        return response.status_code


@pytest.fixture
def open_request(db, staff):
    """A published request of the staff member's organisation (visible to everyone)."""
    help_request = make_request(staff.organization, status="open")
    db.session.commit()
    return help_request


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_every_accepted_kind_is_recognised_by_its_content(db, staff, draft, kind):
    name, content_type = ACCEPTED[kind]
    # The browser's claim ("image/png" for everything here) is ignored.
    attachment = attachments.save_attachment(file_storage(SAMPLES[kind], name), uploaded_by=staff.user,
                                             help_request=draft, purpose="intake")
    assert attachment.content_type == content_type
    assert attachment.original_name == name
    assert attachment.size_bytes == len(SAMPLES[kind])
    assert attachments.stored_path(attachment).read_bytes() == SAMPLES[kind]


@pytest.mark.parametrize("label", sorted(REFUSED))
def test_files_we_cannot_trust_are_refused_whatever_their_name(db, staff, draft, label):
    data, name = REFUSED[label]
    with pytest.raises(Invalid) as error:
        attachments.save_attachment(file_storage(data, name), uploaded_by=staff.user, help_request=draft)
    assert "file" in error.value.fields
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert [p.name for p in Path(attachments.upload_dir()).rglob("*") if p.is_file()] == []


def test_an_empty_file_and_no_file_are_refused(db, staff, draft):
    with pytest.raises(Invalid):
        attachments.save_attachment(file_storage(b"", "empty.txt"), uploaded_by=staff.user,
                                    help_request=draft)
    with pytest.raises(Invalid):
        attachments.save_attachment(None, uploaded_by=staff.user, help_request=draft)


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(app, db, staff, draft, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    with pytest.raises(attachments.TooLarge) as error:
        attachments.save_attachment(file_storage(SAMPLES["png"] + b"\x00" * 1024, "big.png"),
                                    uploaded_by=staff.user, help_request=draft)
    assert error.value.status == 413
    assert [p for p in Path(attachments.upload_dir()).rglob("*") if p.is_file()] == []


def test_files_are_stored_outside_the_web_root_under_random_keys(app, test_config, db, staff, draft,
                                                                  monkeypatch):
    # The folder a real app stores into (the suite's own fixture sends each test to a temporary one).
    monkeypatch.setitem(app.config, "UPLOAD_DIR", create_app(test_config).config["UPLOAD_DIR"])
    attachment = attachments.save_attachment(file_storage(SAMPLES["pdf"], "../../static/evil.pdf"),
                                             uploaded_by=staff.user, help_request=draft)
    path = attachments.stored_path(attachment).resolve()
    assert path.is_relative_to(Path(app.instance_path).resolve())
    assert not path.is_relative_to(Path(app.static_folder).resolve())
    assert "evil" not in path.name and len(attachment.storage_key) >= 32
    assert attachment.original_name == "evil.pdf"


def test_a_request_holds_at_most_ten_files(db, staff, draft):
    for number in range(attachments.MAX_ATTACHMENTS_PER_REQUEST):
        attachments.save_attachment(file_storage(SAMPLES["txt"], f"note-{number}.txt"),
                                    uploaded_by=staff.user, help_request=draft)
    with pytest.raises(Conflict) as error:
        attachments.save_attachment(file_storage(SAMPLES["txt"], "one-too-many.txt"), uploaded_by=staff.user,
                                    help_request=draft)
    assert error.value.code == "too_many_attachments"


def test_only_the_organisations_staff_attach_files(db, draft, other_staff, open_request, coordinator):
    with pytest.raises(NotFound):
        attachments.save_attachment(file_storage(SAMPLES["png"], "x.png"), uploaded_by=other_staff.user,
                                    help_request=draft)
    with pytest.raises(NotAllowed):
        attachments.save_attachment(file_storage(SAMPLES["png"], "x.png"), uploaded_by=other_staff.user,
                                    help_request=open_request)
    with pytest.raises(NotAllowed):
        attachments.save_attachment(file_storage(SAMPLES["png"], "x.png"), uploaded_by=coordinator,
                                    help_request=open_request)


def test_verification_documents_belong_to_the_organisation(db, staff, other_staff, coordinator):
    document = attachments.save_attachment(file_storage(SAMPLES["pdf"], "certificate.pdf"),
                                           uploaded_by=staff.user, organization=staff.organization,
                                           purpose="verification")
    assert attachments.can_see_attachment(staff.user, document)
    assert attachments.can_see_attachment(coordinator, document)
    assert not attachments.can_see_attachment(other_staff.user, document)
    assert not attachments.can_see_attachment(None, document)


def test_adding_and_removing_is_audited_and_on_the_private_timeline(db, staff, draft):
    attachment = attachments.save_attachment(file_storage(SAMPLES["png"], "sketch.png"),
                                             uploaded_by=staff.user, help_request=draft)
    path = attachments.stored_path(attachment)
    attachments.delete_attachment(attachment, staff.user)
    assert not path.exists()
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["attachment.added", "attachment.removed"]
    entries = db.session.scalars(sa.select(TimelineEntry).where(TimelineEntry.kind.like("attachment%"))
                                 .order_by(TimelineEntry.id)).all()
    assert [(e.kind, e.is_public) for e in entries] == [("attachment_added", False),
                                                        ("attachment_removed", False)]


# --- through the pages ------------------------------------------------------------------------------

def test_staff_attach_a_file_on_the_files_step_and_download_it(db, staff, draft, client):
    sign_in(client, staff.user)
    response = client.post(f"/requests/{draft.id}/attachments", data=upload(SAMPLES["xlsx"], "捐赠记录.xlsx"),
                           content_type="multipart/form-data", headers=EN)
    assert response.status_code == 302
    page = client.get(f"/requests/{draft.id}/intake/attachments", headers=EN).get_data(as_text=True)
    assert "捐赠记录.xlsx" in page
    attachment = db.session.scalars(sa.select(Attachment)).one()
    with client.get(f"/attachments/{attachment.id}") as download:
        assert download.status_code == 200
        assert download.data == SAMPLES["xlsx"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%E6%8D%90%E8%B5%A0%E8%AE%B0%E5%BD%95.xlsx" in disposition
        assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_renamed_executable_is_refused_on_the_page_with_the_reason(db, staff, draft, client):
    sign_in(client, staff.user)
    response = client.post(f"/requests/{draft.id}/attachments", data=upload(EXECUTABLE, "wireframe.png"),
                           content_type="multipart/form-data", headers=EN)
    assert response.status_code == 422
    assert "We can&#39;t accept this kind of file." in response.get_data(as_text=True)


def test_a_file_over_10_mib_is_refused_with_413_on_the_page(db, staff, draft, client):
    sign_in(client, staff.user)
    big = SAMPLES["png"] + b"\x00" * (10 * 1024 * 1024)
    response = client.post(f"/requests/{draft.id}/attachments", headers=EN, **big_upload(big, "huge.png"))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_a_body_far_over_the_limit_is_stopped_before_it_is_read(db, staff, draft, client):
    sign_in(client, staff.user)
    huge = b"\x00" * (11 * 1024 * 1024)
    response = client.post(f"/requests/{draft.id}/attachments", headers=EN, **big_upload(huge, "huge.bin"))
    assert response.status_code == 413
    assert "Attachments may be at most 10 MiB" in response.get_data(as_text=True)


def test_other_pages_keep_the_1_mib_limit(db, staff, draft, client):
    sign_in(client, staff.user)
    response = client.post(f"/requests/{draft.id}/intake/problem", data={"problem": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413


def test_draft_files_are_not_found_for_anyone_but_staff_and_coordinators(db, staff, draft, other_staff,
                                                                          coordinator, client, app):
    attachment = attachments.save_attachment(file_storage(SAMPLES["pdf"], "plan.pdf"), uploaded_by=staff.user,
                                             help_request=draft)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404  # anonymous
    sign_in(client, other_staff.user)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert client.post(f"/requests/{draft.id}/attachments/{attachment.id}/delete").status_code == 404
    coordinator_client = sign_in(app.test_client(), coordinator)
    assert downloaded(coordinator_client, attachment.id) == 200


def test_files_of_a_published_request_are_public_like_the_request(db, staff, open_request, client):
    attachment = attachments.save_attachment(file_storage(SAMPLES["png"], "map.png"), uploaded_by=staff.user,
                                             help_request=open_request)
    assert downloaded(client, attachment.id) == 200


def test_verification_documents_are_served_only_to_staff_and_coordinators(db, staff, other_staff, client):
    document = attachments.save_attachment(file_storage(SAMPLES["pdf"], "licence.pdf"),
                                           uploaded_by=staff.user, organization=staff.organization,
                                           purpose="verification")
    assert client.get(f"/attachments/{document.id}").status_code == 404
    sign_in(client, other_staff.user)
    assert client.get(f"/attachments/{document.id}").status_code == 404
    sign_in(client, staff.user)
    assert downloaded(client, document.id) == 200


def test_a_file_missing_from_the_store_is_not_found(db, staff, draft, client):
    attachment = attachments.save_attachment(file_storage(SAMPLES["png"], "gone.png"), uploaded_by=staff.user,
                                             help_request=draft)
    attachments.stored_path(attachment).unlink()
    sign_in(client, staff.user)
    assert client.get(f"/attachments/{attachment.id}").status_code == 404


def test_staff_remove_a_file_from_the_files_step(db, staff, draft, client):
    attachment = attachments.save_attachment(file_storage(SAMPLES["png"], "old.png"), uploaded_by=staff.user,
                                             help_request=draft)
    sign_in(client, staff.user)
    response = client.post(f"/requests/{draft.id}/attachments/{attachment.id}/delete", headers=EN)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_volunteers_cannot_attach_to_a_published_request(db, open_request, client):
    volunteer = make_user("volunteer")
    db.session.commit()
    sign_in(client, volunteer)
    response = client.post(f"/requests/{open_request.id}/attachments", data=upload(SAMPLES["png"], "x.png"),
                           content_type="multipart/form-data")
    assert response.status_code == 403


def test_two_uploads_at_once_never_pass_the_limit(app, db, staff, draft):
    for number in range(attachments.MAX_ATTACHMENTS_PER_REQUEST - 1):
        attachments.save_attachment(file_storage(SAMPLES["txt"], f"{number}.txt"), uploaded_by=staff.user,
                                    help_request=draft)
    request_id, user_id = draft.id, staff.user.id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def upload_one(name: str) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            help_request = db.session.get(HelpRequest, request_id)
            barrier.wait()
            try:
                attachments.save_attachment(file_storage(SAMPLES["txt"], name), uploaded_by=user,
                                            help_request=help_request)
                outcomes.append("saved")
            except Conflict:
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=upload_one, args=(f"last-{n}.txt",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full", "saved"]
    total = db.session.scalar(sa.select(sa.func.count(Attachment.id)))
    assert total == attachments.MAX_ATTACHMENTS_PER_REQUEST


def test_a_text_download_names_its_charset_once(db, staff, draft, client):
    sign_in(client, staff.user)
    client.post(f"/requests/{draft.id}/attachments", data=upload(SAMPLES["csv"], "patients.csv"),
                content_type="multipart/form-data", headers=EN)
    attachment = db.session.scalars(sa.select(Attachment)).one()

    with client.get(f"/attachments/{attachment.id}") as download:
        assert download.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_invisible_direction_marks_are_taken_out_of_file_names(db, staff, draft, client):
    sign_in(client, staff.user)
    client.post(f"/requests/{draft.id}/attachments", data=upload(SAMPLES["txt"], "report\u202etxt.exe"),
                content_type="multipart/form-data", headers=EN)
    attachment = db.session.scalars(sa.select(Attachment)).one()

    assert attachment.original_name == "reporttxt.exe"
    page = client.get(f"/requests/{draft.id}/intake/attachments", headers=EN).get_data(as_text=True)
    assert "\u202e" not in page
    with client.get(f"/attachments/{attachment.id}") as download:
        assert "%E2%80%AE" not in download.headers["Content-Disposition"]


def test_names_stored_before_the_rule_are_cleaned_when_downloaded(db, staff, draft, client):
    sign_in(client, staff.user)
    client.post(f"/requests/{draft.id}/attachments", data=upload(SAMPLES["txt"], "notes.txt"),
                content_type="multipart/form-data", headers=EN)
    attachment = db.session.scalars(sa.select(Attachment)).one()
    attachment.original_name = "invoice\u202efdp.exe"
    db.session.commit()

    with client.get(f"/attachments/{attachment.id}") as download:
        assert "%E2%80%AE" not in download.headers["Content-Disposition"]
