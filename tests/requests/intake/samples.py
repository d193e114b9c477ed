"""Sample inputs for the intake tests: a food bank's answers, and sample files of every kind."""

from __future__ import annotations

import io
import zipfile

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

# Answers a food bank might give, one per intake question.
FOOD_BANK = {
    "title": "A map of surplus food and the families who need it",
    "problem": "Supermarkets call us with surplus food, but by the time we find a driver it has gone off.",
    "current_process": "A retired volunteer writes each donation in a notebook and phones around.",
    "users": "3 staff, about 40 volunteer drivers and 25 supermarkets that donate.",
    "data_kept": "donors, recipients and their addresses, food donations, pick-ups",
    "must_do": ["Staff see donors and recipients as dots on a map",
                "Volunteers get a route for the day's pick-ups",
                "Donors see where their food went, like tracking a parcel"],
    "rhythm": "Every two weeks",
    "constraints": "No hosting budget\nMost volunteers only have phones.",
}


def zip_bytes(content_types: str | None, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip package, with `[Content_Types].xml` when given (XLSX and DOCX are such packages)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        if content_types is not None:
            package.writestr("[Content_Types].xml", content_types)
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()


def content_types(main: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>')


XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

SAMPLES = {
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64,
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
    "gif": b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 32,
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32,
    "pdf": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
    "xlsx": zip_bytes(content_types(XLSX_MAIN), {"xl/workbook.xml": b"<workbook/>"}),
    "docx": zip_bytes(content_types(DOCX_MAIN), {"word/document.xml": b"<document/>"}),
    "xls": OLE2 + "Workbook\x00".encode("utf-16-le") + b"\x00" * 64,
    "doc": OLE2 + "WordDocument\x00".encode("utf-16-le") + b"\x00" * 64,
    "csv": "姓名,电话,地址\n王敏,138,上海\n".encode(),
    "txt": b"Visit form, filled on paper:\n- name\n- village\n",
}
EXECUTABLE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
              + b"This program cannot be run in DOS mode")


def upload(data: bytes, name: str) -> dict:
    """Multipart form data holding one file in the field `file`."""
    return {"file": (io.BytesIO(data), name)}


def big_upload(data: bytes, name: str) -> dict:
    """Keyword arguments posting one large file, encoded in memory.

    The test client would spool a large multipart body to a temporary file it never closes
    (a ResourceWarning, an error in this suite); a server never does that.
    """
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
