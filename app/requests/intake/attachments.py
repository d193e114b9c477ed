"""Uploaded files: checked by content, size-limited, kept outside the web root, served only to those allowed.

The API for every feature that takes files (intake examples and sketches, verification documents):

    attachment = save_attachment(request.files["file"], uploaded_by=user, help_request=hr,
                                 purpose="intake")
    path = open_attachment(attachment, user)          # NotFound unless the user may see it
    delete_attachment(attachment, user)

A file's type is decided by its content (`file_types.sniff`), never by its name or the browser's
claim. Files are stored under UPLOAD_DIR (in the instance folder) with a random storage key; the
original name is kept only for the download's Content-Disposition.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import unicodedata
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import Response, current_app, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.core.audit import services as audit
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from app.core.models import User
from app.extensions import db
from app.requests.intake.file_types import sniff
from app.requests.models import ATTACHMENT_PURPOSES, Attachment, HelpRequest, Organization
from app.requests.policy import can_view_request, is_member, is_signed_in
from app.requests.status import FINAL_STATUSES
from app.requests.timeline.services import add_entry

MAX_ATTACHMENTS_PER_REQUEST = 10
NAME_MAX = 255  # attachments.original_name


class TooLarge(DomainError):
    """The file is over UPLOAD_MAX_BYTES (HTTP 413)."""

    status = 413
    code = "too_large"

    def default_message(self) -> str:
        return _("That file is too large. Attachments may be at most %(size)s MiB each.",
                 size=upload_limit_mib())


def upload_limit_mib() -> int:
    """UPLOAD_MAX_BYTES in whole MiB, for sentences."""
    return max(current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024), 1)


def accepted_types_sentence() -> str:
    """The sentence telling people which files they can attach."""
    return _("Images (PNG, JPEG, GIF, WebP), PDF, Excel (XLSX, XLS), Word (DOCX, DOC), CSV or plain "
             "text, up to %(size)s MiB each.", size=upload_limit_mib())


def upload_dir() -> Path:
    """Where files are stored: UPLOAD_DIR, under the instance folder and outside the static folder."""
    return Path(current_app.config["UPLOAD_DIR"])


def stored_path(attachment: Attachment) -> Path:
    """The file of an attachment on disk (two-character fan-out keeps directories small)."""
    key = attachment.storage_key
    return upload_dir() / key[:2] / key


def clean_name(filename: str | None) -> str:
    """A display name for the download: no directories, no control characters, at most 255 characters.

    Invisible format characters go too: a right-to-left override (U+202E) would show
    "report\u202etxt.exe" as "reportexe.txt", hiding what the file really is.
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name
                   if ord(char) >= 32 and char != "\x7f" and unicodedata.category(char) != "Cf").strip()
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[:NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX]
    return name or "attachment"


def _receive(file_storage: FileStorage, limit: int) -> tuple[Path, int]:
    """Copy the upload into a temporary file beside the store, counting bytes; TooLarge past `limit`."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="incoming-", dir=directory)
    path, size = Path(name), 0
    try:
        with os.fdopen(handle, "wb") as target:
            source: IO[bytes] = file_storage.stream
            while chunk := source.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise TooLarge()
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size


def _check_room(help_request: HelpRequest) -> None:
    """Conflict when the request already holds the most attachments it may."""
    count = db.session.scalar(sa.select(sa.func.count(Attachment.id))
                              .where(Attachment.request_id == help_request.id)) or 0
    if count >= MAX_ATTACHMENTS_PER_REQUEST:
        raise Conflict(_("This request already has %(n)d attachments, the most it can hold. "
                         "Remove one before adding another.", n=MAX_ATTACHMENTS_PER_REQUEST),
                       code="too_many_attachments")


def _check_upload_rights(user: User, help_request: HelpRequest | None,
                         organization: Organization | None, purpose: str) -> None:
    if purpose not in ATTACHMENT_PURPOSES:
        raise ValueError(f"unknown attachment purpose {purpose!r}")
    if (help_request is None) == (organization is None):
        raise ValueError("an attachment belongs to exactly one help request or one organisation")
    if help_request is not None:
        if not can_view_request(user, help_request):
            raise NotFound()
        if not is_member(user, help_request.organization_id):
            raise NotAllowed(_("Only the organisation's staff can attach files to its request."))
        if help_request.status in FINAL_STATUSES:
            raise Conflict(_("This request is closed, so files can no longer be attached to it."),
                           code="request_closed")
        _check_room(help_request)
    elif not (user.is_coordinator or is_member(user, organization)):
        raise NotAllowed(_("Only the organisation's staff can add its documents."))


def save_attachment(file_storage: FileStorage | None, *, uploaded_by: User,
                    help_request: HelpRequest | None = None, organization: Organization | None = None,
                    purpose: str = "intake") -> Attachment:
    """Store an uploaded file for a help request or an organisation and commit its Attachment row.

    Guarantees: the type is judged by content (PNG, JPEG, GIF, WebP, PDF, XLSX, DOCX, XLS, DOC,
    UTF-8 CSV or text); the file is at most UPLOAD_MAX_BYTES; it is stored under UPLOAD_DIR with a
    random key; an audit event (and, for a request, a private timeline entry) is written.
    Raises NotFound (the request is not visible to the uploader), NotAllowed (not the
    organisation's staff), Conflict (closed request, or already 10 attachments), Invalid naming
    `file` (no file, empty, or a type we do not accept) and TooLarge (413).
    """
    if not is_signed_in(uploaded_by):
        raise NotAllowed()
    _check_upload_rights(uploaded_by, help_request, organization, purpose)
    if file_storage is None or not (file_storage.filename or "").strip():
        raise Invalid("file", _("Choose a file to attach."))
    name = clean_name(file_storage.filename)
    temporary, size = _receive(file_storage, current_app.config["UPLOAD_MAX_BYTES"])
    try:
        if size == 0:
            raise Invalid("file", _("That file is empty. Choose another one."))
        kind = sniff(temporary, name)
        if kind is None:
            raise Invalid("file", _("We can't accept this kind of file. Attach %(types)s",
                                    types=accepted_types_sentence()))
        attachment = Attachment(request_id=help_request.id if help_request else None,
                                organization_id=organization.id if organization else None,
                                uploaded_by_id=uploaded_by.id, original_name=name,
                                content_type=kind.content_type, size_bytes=size,
                                storage_key=secrets.token_hex(20), purpose=purpose)
        final = stored_path(attachment)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:
        if help_request is not None:
            # Checked before the upload was read, and again under the request's row lock (the first
            # write), so two uploads at once cannot pass the limit together.
            db.session.execute(sa.update(HelpRequest).where(HelpRequest.id == help_request.id)
                               .values(updated_at=utcnow()).execution_options(synchronize_session=False))
            _check_room(help_request)
        db.session.add(attachment)
        db.session.flush()
        _record(attachment, "attachment.added", uploaded_by, help_request or organization)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        final.unlink(missing_ok=True)
        raise
    return attachment


def _record(attachment: Attachment, action: str, actor: User,
            owner: HelpRequest | Organization) -> None:
    """Audit the change; a request's staff and coordinators also see it on its (private) timeline."""
    detail = {"attachment_id": attachment.id, "name": attachment.original_name,
              "purpose": attachment.purpose, "size_bytes": attachment.size_bytes}
    audit.record(action, owner, actor=actor, **detail)
    if isinstance(owner, HelpRequest):
        summary = "File attached." if action == "attachment.added" else "Attachment removed."
        add_entry(owner, action.replace(".", "_"), actor=actor, summary=summary,
                  detail={"name": attachment.original_name}, is_public=False)


def can_see_attachment(user: User | None, attachment: Attachment) -> bool:
    """Request files: whoever may see the request. Organisation documents: its staff and coordinators."""
    if attachment.help_request is not None:
        return can_view_request(user, attachment.help_request)
    if not is_signed_in(user):
        return False
    return user.is_coordinator or is_member(user, attachment.organization_id)


def get_attachment(attachment_id: int, user: User | None) -> Attachment:
    """The attachment if `user` may see it; NotFound otherwise (never reveal that it exists)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_see_attachment(user, attachment):
        raise NotFound()
    return attachment


def open_attachment(attachment: Attachment, user: User | None) -> Path:
    """The path of the attachment's file, for a download. Raises NotFound when the user may not see it
    or the file is gone from the store.
    """
    if not can_see_attachment(user, attachment):
        raise NotFound()
    path = stored_path(attachment)
    if not path.is_file():
        raise NotFound()
    return path


def download_response(attachment: Attachment, user: User | None) -> Response:
    """The HTTP response serving the file as a download under its original name.

    The one place files leave the store, so every feature serves them alike: Content-Disposition
    attachment (with an RFC 5987 UTF-8 name), the type found at upload, nosniff, and no caching
    by shared proxies. Raises NotFound as `open_attachment` does.
    """
    path = open_attachment(attachment, user)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=clean_name(attachment.original_name), max_age=0, conditional=False,
                         etag=False)
    # The stored type already names its charset; werkzeug would append a second one to text types.
    response.headers["Content-Type"] = attachment.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def upload_body_limit() -> int:
    """The request-body limit for upload routes: one file at UPLOAD_MAX_BYTES plus the form around it.

    Upload views set `request.max_content_length` to this before reading the form; every other
    route keeps the app's 1 MiB MAX_CONTENT_LENGTH.
    """
    return current_app.config["UPLOAD_MAX_BYTES"] + 64 * 1024


def list_attachments(help_request: HelpRequest) -> list[Attachment]:
    """The request's attachments, oldest first (the caller has checked the request is visible)."""
    return list(db.session.scalars(sa.select(Attachment).where(Attachment.request_id == help_request.id)
                                   .order_by(Attachment.created_at, Attachment.id)))


def delete_attachment(attachment: Attachment, user: User) -> None:
    """Remove an attachment and its file, recorded in the audit trail (and the request's timeline).

    The organisation's staff may remove files of a request that is not closed, and documents of
    their organisation; coordinators may remove organisation documents. Raises NotFound (not
    visible), NotAllowed or Conflict (closed request). The file is deleted after the commit.
    """
    if not can_see_attachment(user, attachment):
        raise NotFound()
    help_request = attachment.help_request
    organization_id = help_request.organization_id if help_request else attachment.organization_id
    if not (is_member(user, organization_id) or (help_request is None and user.is_coordinator)):
        raise NotAllowed(_("Only the organisation's staff can remove its files."))
    if help_request is not None and help_request.status in FINAL_STATUSES:
        raise Conflict(_("This request is closed, so its files can no longer change."),
                       code="request_closed")
    path = stored_path(attachment)
    _record(attachment, "attachment.removed", user, help_request or attachment.organization)
    db.session.delete(attachment)
    db.session.commit()
    path.unlink(missing_ok=True)
