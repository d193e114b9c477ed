"""Which files we accept, judged by their content: the first bytes, never the name or the browser's claim.

Office files are told apart by the package's `[Content_Types].xml` (XLSX, DOCX) or by the main
stream named in a compound file's directory (XLS, DOC); text must be UTF-8 throughout.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 4096  # enough for every signature below, and for a text sample
TEXT_CHUNK_BYTES = 256 * 1024
CONTENT_TYPES_MAX = 1024 * 1024  # a real [Content_Types].xml is a few KiB; refuse zip bombs


@dataclass(frozen=True)
class FileKind:
    """A file type we accept: the MIME type it is served as and a human label."""

    content_type: str
    label: str


PNG = FileKind("image/png", "PNG")
JPEG = FileKind("image/jpeg", "JPEG")
GIF = FileKind("image/gif", "GIF")
WEBP = FileKind("image/webp", "WebP")
PDF = FileKind("application/pdf", "PDF")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word")
XLS = FileKind("application/vnd.ms-excel", "Excel")
DOC = FileKind("application/msword", "Word")
CSV = FileKind("text/csv; charset=utf-8", "CSV")
TEXT = FileKind("text/plain; charset=utf-8", "Text")

# NUL and the C0 controls except tab, line feed, form feed and carriage return; DEL too.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (compound file)


def sniff(path: Path, original_name: str) -> FileKind | None:
    """The kind of the file at `path` judged by its content, or None if it is not one we accept.

    The name is consulted only to label valid UTF-8 text as CSV rather than plain text.
    """
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _office_package_kind(path)
    if head.startswith(_OLE2_MAGIC):
        return _legacy_office_kind(path)
    if _is_utf8_text(path):
        return CSV if original_name.lower().endswith(".csv") else TEXT
    return None


def _office_package_kind(path: Path) -> FileKind | None:
    """XLSX or DOCX when the zip declares the matching main part in [Content_Types].xml."""
    try:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX:
                return None
            declared = package.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError):
        return None
    if "spreadsheetml.sheet.main+xml" in declared:
        return XLSX
    if "wordprocessingml.document.main+xml" in declared:
        return DOCX
    return None


_OLE2_STREAMS = (("Workbook\x00".encode("utf-16-le"), XLS), ("Book\x00".encode("utf-16-le"), XLS),
                 ("WordDocument\x00".encode("utf-16-le"), DOC))


def _legacy_office_kind(path: Path) -> FileKind | None:
    """XLS or DOC: a compound file whose directory (anywhere in the file) names its main stream."""
    overlap = max(len(name) for name, _kind in _OLE2_STREAMS)
    tail = b""
    with path.open("rb") as stream:
        while chunk := stream.read(256 * 1024):
            window = tail + chunk
            for name, kind in _OLE2_STREAMS:
                if name in window:
                    return kind
            tail = window[-overlap:]
    return None


def _is_utf8_text(path: Path) -> bool:
    """Whether the whole file is UTF-8 text: not blank, no NUL, no control characters but layout ones."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen_text = False
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(TEXT_CHUNK_BYTES):
                text = decoder.decode(chunk)
                if _CONTROL_CHARACTERS.search(text):
                    return False
                seen_text = seen_text or bool(text.strip())
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return seen_text
