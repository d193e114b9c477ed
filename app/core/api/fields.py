"""Shorthand field declarations for the kinds of value API bodies and query strings carry most."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.core.api.schema import EMAIL_MAX, PASSWORD_MAX, TEXT_MAX, TITLE_MAX, Field, Schema


def title(name: str, **kw: Any) -> Field:
    """A title: one line, at most 200 characters."""
    return Field(name, "string", max_length=kw.pop("max_length", TITLE_MAX), **kw)


def text(name: str, **kw: Any) -> Field:
    """Free text: at most 20,000 characters."""
    return Field(name, "string", max_length=kw.pop("max_length", TEXT_MAX), **kw)


def email_address(name: str, **kw: Any) -> Field:
    """An e-mail address, checked for its shape: at most 254 characters."""
    return Field(name, "string", format="email", max_length=kw.pop("max_length", EMAIL_MAX), **kw)


def web_address(name: str, max_length: int, *, scheme_optional: bool = False, **kw: Any) -> Field:
    """A web address starting with http:// or https://, at most `max_length` characters.

    `scheme_optional` is for services that accept "example.org" and add https:// themselves:
    the field then checks only the length, and OpenAPI claims no `uri` format for it.
    """
    return Field(name, "string", max_length=max_length, format=None if scheme_optional else "uri", **kw)


def password(name: str, **kw: Any) -> Field:
    """A password: kept exactly as typed (spaces count), never sent back, at most 256 characters."""
    return Field(name, "string", max_length=PASSWORD_MAX, strip=False, write_only=True, **kw)


def choice(name: str, choices: tuple[str, ...] | list[str], **kw: Any) -> Field:
    """One of a fixed set of strings."""
    return Field(name, "string", choices=tuple(choices), **kw)


def integer(name: str, minimum: int | None = None, maximum: int | None = None, **kw: Any) -> Field:
    """A whole number, optionally within bounds."""
    return Field(name, "integer", minimum=minimum, maximum=maximum, **kw)


def boolean(name: str, **kw: Any) -> Field:
    """true or false."""
    return Field(name, "boolean", **kw)


def day(name: str, **kw: Any) -> Field:
    """A calendar date, YYYY-MM-DD."""
    return Field(name, "date", **kw)


def moment(name: str, **kw: Any) -> Field:
    """A timestamp, ISO 8601 with a time zone."""
    return Field(name, "datetime", **kw)


def string_list(name: str, max_length: int = TITLE_MAX, max_items: int | None = 100,
                **kw: Any) -> Field:
    """A list of short strings (tags, skills, must-do items)."""
    return Field(name, "array", items=Field("item", "string", required=True, max_length=max_length),
                 max_items=max_items, **kw)


def integer_list(name: str, max_items: int | None = 1000, **kw: Any) -> Field:
    """A list of ids."""
    return Field(name, "array", items=Field("item", "integer", minimum=1), max_items=max_items, **kw)


def nested(name: str, schema: Schema, **kw: Any) -> Field:
    """An object whose members follow `schema`."""
    return Field(name, "object", schema=schema, **kw)


def nested_list(name: str, schema: Schema, max_items: int | None = 100, **kw: Any) -> Field:
    """A list of objects whose members follow `schema`."""
    return Field(name, "array", items=Field("item", "object", schema=schema),
                 max_items=max_items, **kw)


def optional(spec: Field) -> Field:
    """The same field, not required."""
    return replace(spec, required=False)
