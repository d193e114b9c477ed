"""Declarative API field schemas: written once, they validate input and describe it in OpenAPI."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from app.core.cleaning import NUL_MESSAGE, has_nul
from app.core.errors import Invalid

TITLE_MAX = 200  # the contract: titles hold at most 200 characters...
TEXT_MAX = 20_000  # ...and every other free-text field at most 20,000
EMAIL_MAX = 254  # the longest address SMTP carries (RFC 5321); users.email is VARCHAR(254)
PASSWORD_MAX = 256
# What an integer column holds on every database we run on (PostgreSQL's integer): a whole number
# field without its own bounds gets these, so 10**20 is a 422 instead of an overflow in the driver.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "array", "object")
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


@dataclass(frozen=True)
class Field:
    """One named value of a JSON body or query string, with the rules it must satisfy.

    `items` declares each element of an array (its name is unused); `schema` declares the
    members of an object. Strings without an explicit `max_length` get the free-text limit, and
    integers the bounds of a database integer where they declare none (see `bounds`).
    """

    name: str
    type: str = "string"
    required: bool = False
    nullable: bool = False
    default: Any = None
    max_length: int | None = None
    min_length: int | None = None
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_items: int | None = None
    format: str | None = None  # "email" or "uri" for strings
    items: Field | None = None
    schema: Schema | None = None
    description: str = ""
    write_only: bool = False
    strip: bool = True  # passwords keep their spaces

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown field type {self.type!r} for {self.name!r}")
        if self.type == "string" and self.max_length is None:
            object.__setattr__(self, "max_length", TEXT_MAX)
        if self.type == "array" and self.items is None:
            raise ValueError(f"array field {self.name!r} needs `items`")
        if self.type == "object" and self.schema is None:
            raise ValueError(f"object field {self.name!r} needs `schema`")

    def bounds(self) -> tuple[float | None, float | None]:
        """(minimum, maximum) as enforced: an integer's unset bounds are a database integer's."""
        if self.type != "integer":
            return self.minimum, self.maximum
        return (INTEGER_MIN if self.minimum is None else self.minimum,
                INTEGER_MAX if self.maximum is None else self.maximum)

    def json_schema(self) -> dict[str, Any]:
        """This field as a JSON Schema (OpenAPI 3.1 dialect)."""
        out: dict[str, Any]
        if self.type == "date":
            out = {"type": "string", "format": "date"}
        elif self.type == "datetime":
            out = {"type": "string", "format": "date-time"}
        elif self.type == "array":
            assert self.items is not None
            out = {"type": "array", "items": self.items.json_schema()}
            if self.max_items is not None:
                out["maxItems"] = self.max_items
        elif self.type == "object":
            assert self.schema is not None
            out = self.schema.json_schema()
        else:
            out = {"type": self.type}
        if self.type == "string" and self.choices is None:
            out["maxLength"] = self.max_length
            if self.min_length:
                out["minLength"] = self.min_length
            if self.format:
                out["format"] = self.format
        minimum, maximum = self.bounds()
        if minimum is not None:
            out["minimum"] = minimum
        if maximum is not None:
            out["maximum"] = maximum
        if self.choices is not None:
            out["enum"] = list(self.choices) + ([None] if self.nullable else [])
        if self.nullable:
            out["type"] = [out["type"], "null"]
        if self.default is not None:
            out["default"] = self.default.isoformat() if isinstance(self.default, date) else self.default
        if self.description:
            out["description"] = str(self.description)
        if self.write_only:
            out["writeOnly"] = True
        return out


class Schema:
    """A named list of fields: validates a JSON object and names its component in OpenAPI.

    A partial schema (for PATCH) accepts any subset of the fields; the ones sent still follow
    their rules, and a required field may not be sent empty.
    """

    def __init__(self, name: str, *fields: Field, partial: bool = False, description: str = ""):
        self.name = name
        self.fields = tuple(fields)
        self.partial = partial
        self.description = description
        self.by_name = {f.name: f for f in fields}

    def __repr__(self) -> str:
        return f"<Schema {self.name} {[f.name for f in self.fields]}>"

    def as_partial(self, name: str | None = None) -> Schema:
        """The same fields, all optional: the body of a PATCH."""
        return Schema(name or f"{self.name}Patch", *self.fields, partial=True,
                      description=self.description)

    def validate(self, data: Any) -> dict[str, Any]:
        """The cleaned values (defaults filled in), or Invalid naming every bad field at once."""
        cleaned, errors = self.check(data)
        if errors:
            raise Invalid(fields=errors)
        return cleaned

    def check(self, data: Any, prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
        """Validate without raising: (cleaned values, {field path: message}). Unknown keys are ignored."""
        if not isinstance(data, Mapping):
            return {}, {prefix.rstrip(".") or "body": _("Send a JSON object with named fields.")}
        cleaned: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for spec in self.fields:
            path = f"{prefix}{spec.name}"
            if spec.name not in data or (data[spec.name] is None and not spec.nullable):
                if spec.required and (not self.partial or spec.name in data):
                    errors[path] = _("This field is required.")
                elif spec.default is not None and not self.partial:
                    cleaned[spec.name] = spec.default
                continue
            value, error = check_value(spec, data[spec.name], path, errors)
            if error:
                errors[path] = error
            elif value is not MISSING:
                cleaned[spec.name] = value
        return cleaned, errors

    def json_schema(self) -> dict[str, Any]:
        """This schema as a JSON Schema object."""
        out: dict[str, Any] = {
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.fields},
        }
        required = [f.name for f in self.fields if f.required]
        if required and not self.partial:
            out["required"] = required
        if self.description:
            out["description"] = str(self.description)
        return out


MISSING = object()


def check_value(spec: Field, value: Any, path: str, errors: dict[str, str]) -> tuple[Any, str | None]:
    """Check one value against its field: (cleaned value, None) or (MISSING, message).

    Errors inside arrays and objects are added to `errors` under their own paths
    (`skills[0].level`, `contact.email`) and the value itself reports no message.
    """
    if value is None:
        return None, None  # only reached for nullable fields
    checker = _CHECKERS[spec.type]
    return checker(spec, value, path, errors)


def _check_string(spec: Field, value: Any, path: str, errors: dict[str, str]):
    if not isinstance(value, str):
        return MISSING, _("Enter text.")
    if has_nul(value):
        return MISSING, str(NUL_MESSAGE)
    if spec.strip:
        value = value.strip()
    if spec.required and not value:
        return MISSING, _("This field is required.")
    if spec.choices is not None:
        if value not in spec.choices:
            return MISSING, _("Choose one of: %(choices)s.", choices=", ".join(map(str, spec.choices)))
        return value, None
    if spec.max_length is not None and len(value) > spec.max_length:
        return MISSING, _("Use at most %(n)d characters.", n=spec.max_length)
    if spec.min_length and len(value) < spec.min_length:
        return MISSING, _("Use at least %(n)d characters.", n=spec.min_length)
    if value and spec.format == "email":
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return MISSING, _("Enter a valid e-mail address, like name@example.org.")
    if value and spec.format == "uri" and not _URL.match(value):
        return MISSING, _("Enter a web address starting with https://.")
    return value, None


def _range_message(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return _("Enter a number from %(min)s to %(max)s.", min=_plain(minimum), max=_plain(maximum))
    if minimum is not None:
        return _("Enter a number of at least %(min)s.", min=_plain(minimum))
    return _("Enter a number of at most %(max)s.", max=_plain(maximum))


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_number(spec: Field, value: Any, path: str, errors: dict[str, str]):
    # bool is an int in Python, but `true` is not a number in JSON
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MISSING, _("Enter a whole number.") if spec.type == "integer" else _("Enter a number.")
    if isinstance(value, float):
        if not math.isfinite(value):
            return MISSING, _("Enter a number.")
        if spec.type == "integer":
            if not value.is_integer():
                return MISSING, _("Enter a whole number.")
            value = int(value)
    if (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum):
        return MISSING, _range_message(spec.minimum, spec.maximum)
    minimum, maximum = spec.bounds()
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return MISSING, _range_message(minimum, maximum)  # beyond what the database can store
    if spec.choices is not None and value not in spec.choices:
        return MISSING, _("Choose one of: %(choices)s.", choices=", ".join(map(str, spec.choices)))
    return value, None


def _check_boolean(spec: Field, value: Any, path: str, errors: dict[str, str]):
    if not isinstance(value, bool):
        return MISSING, _("Enter true or false.")
    return value, None


def _check_date(spec: Field, value: Any, path: str, errors: dict[str, str]):
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip()), None
        except ValueError:
            pass
    return MISSING, _("Enter a date as YYYY-MM-DD, like 2025-06-30.")


def _check_datetime(spec: Field, value: Any, path: str, errors: dict[str, str]):
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed, None
    return MISSING, _("Enter a date and time with a time zone, like 2025-06-30T19:00:00+08:00.")


def _check_array(spec: Field, value: Any, path: str, errors: dict[str, str]):
    if not isinstance(value, list):
        return MISSING, _("Enter a list.")
    if spec.max_items is not None and len(value) > spec.max_items:
        return MISSING, _("List at most %(n)d items.", n=spec.max_items)
    assert spec.items is not None
    cleaned, failed = [], False
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if item is None and not spec.items.nullable:
            errors[item_path] = _("This field is required.")
            failed = True
            continue
        item_value, error = check_value(spec.items, item, item_path, errors)
        if error:
            errors[item_path] = error
        if error or item_value is MISSING:
            failed = True
        else:
            cleaned.append(item_value)
    if failed:
        return MISSING, None
    return cleaned, None


def _check_object(spec: Field, value: Any, path: str, errors: dict[str, str]):
    assert spec.schema is not None
    if not isinstance(value, Mapping):
        return MISSING, _("Send an object with named fields.")
    cleaned, nested = spec.schema.check(value, prefix=f"{path}.")
    if nested:
        errors.update(nested)
        return MISSING, None
    return cleaned, None


_CHECKERS = {
    "string": _check_string,
    "integer": _check_number,
    "number": _check_number,
    "boolean": _check_boolean,
    "date": _check_date,
    "datetime": _check_datetime,
    "array": _check_array,
    "object": _check_object,
}


def coerce_query_value(spec: Field, raw: str) -> Any:
    """Turn a query-string value into the JSON value its field expects (left as is if it can't be)."""
    raw = raw.strip()
    if spec.type == "integer" and _INTEGER.match(raw):
        return int(raw)
    if spec.type == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if spec.type == "boolean":
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
    if spec.type == "array":
        assert spec.items is not None
        return [coerce_query_value(spec.items, part) for part in raw.split(",") if part.strip()]
    return raw
