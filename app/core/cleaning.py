"""User input made ready to store: free text cleaned and checked, phone numbers.

Every service and form that keeps text a user typed goes through these, so the same text is refused
with the same words wherever it is typed.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.errors import Invalid

# PostgreSQL can't store or compare text holding a NUL character: kept, it is a server error later.
NUL = "\x00"
NUL_MESSAGE = _l("Remove the invisible NUL characters from this text.")
PHONE_MIN_DIGITS = 5
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]*$")


def has_nul(value: Any) -> bool:
    """Whether `value` (text, or a list or tuple of texts) holds a NUL character anywhere."""
    values = value if isinstance(value, list | tuple) else [value]
    return any(isinstance(item, str) and NUL in item for item in values)


def normalise_text(value: Any) -> str:
    """Text as typed, with the line endings a browser sends (CRLF) made plain, trimmed; None is empty."""
    text = "" if value is None else str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_problem(text: str, max_length: int | None = None) -> str | None:
    """Why `text` can't be stored (a NUL character, or more than `max_length` characters), or None."""
    if NUL in text:
        return str(NUL_MESSAGE)
    if max_length is not None and len(text) > max_length:
        return _("Use at most %(n)d characters.", n=max_length)
    return None


def clean_text(value: Any, field: str, *, max_length: int | None = None,
               required: str | None = None) -> str:
    """`value` normalised (see normalise_text) and checked, ready to store.

    Raises Invalid naming `field`: with `required` as the message when the text is empty and
    `required` is given, else with text_problem's message. Empty text that is not required is "".
    """
    text = normalise_text(value)
    if not text and required:
        raise Invalid(field, required)
    problem = text_problem(text, max_length)
    if problem:
        raise Invalid(field, problem)
    return text


def clean_text_into(errors: dict[str, str], value: Any, field: str, *, max_length: int | None = None,
                    required: str | None = None) -> str | None:
    """clean_text for a form of many fields: a refusal goes into `errors[field]` and gives None."""
    try:
        return clean_text(value, field, max_length=max_length, required=required)
    except Invalid as error:
        errors.update(error.fields)
        return None


def phone_problem(text: str) -> str | None:
    """Why `text` is not a phone number we can call, or None.

    Digits, spaces, brackets and dashes with an optional leading +, and at least PHONE_MIN_DIGITS digits.
    """
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < PHONE_MIN_DIGITS:
        return _("Enter a phone number with digits, spaces, brackets or dashes, like +86 138 0000 0000.")
    return None
