"""Field declarations: what API callers see when they send a value of the wrong shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale

from app.core.api.fields import (
    boolean,
    choice,
    day,
    email_address,
    integer,
    integer_list,
    moment,
    nested,
    nested_list,
    password,
    string_list,
    text,
    title,
    web_address,
)
from app.core.api.plumbing import iso
from app.core.api.schema import EMAIL_MAX, TEXT_MAX, TITLE_MAX, Field, Schema
from app.core.errors import Invalid

CONTACT = Schema("Contact", Field("name", required=True, max_length=80),
                 Field("email", format="email", max_length=254))
SKILL = Schema("SkillLevel", Field("name", required=True, max_length=60),
               integer("level", 1, 5, required=True))
REQUEST = Schema(
    "Example",
    title("title", required=True),
    text("problem"),
    choice("status", ("on_track", "at_risk", "blocked")),
    integer("hours", 0, 168),
    boolean("remote"),
    day("deadline"),
    moment("starts_at"),
    string_list("must_do", max_items=3),
    integer_list("request_ids"),
    nested("contact", CONTACT),
    nested_list("skills", SKILL),
    Field("website", format="uri", max_length=300),
    integer("team_size", 1, 10, default=1),
)


def errors_for(body: dict, schema: Schema = REQUEST) -> dict[str, str]:
    with force_locale("en"), pytest.raises(Invalid) as raised:
        schema.validate(body)
    return raised.value.fields


def test_a_good_body_comes_back_typed_with_defaults():
    cleaned = REQUEST.validate({
        "title": "  尘肺病救助系统 ", "hours": 6, "remote": False, "deadline": "2025-06-30",
        "starts_at": "2025-06-01T19:00:00+08:00", "must_do": ["审核申请", "报销"],
        "contact": {"name": "王", "email": "wang@example.org"},
        "skills": [{"name": "Flask", "level": 4}], "unknown": "ignored",
    })

    assert cleaned["title"] == "尘肺病救助系统"
    assert cleaned["deadline"] == date(2025, 6, 30)
    assert cleaned["starts_at"] == datetime(2025, 6, 1, 11, 0, tzinfo=UTC)
    assert cleaned["skills"] == [{"name": "Flask", "level": 4}]
    assert cleaned["team_size"] == 1
    assert cleaned["remote"] is False
    assert "unknown" not in cleaned


def test_titles_hold_200_characters_and_free_text_20000():
    assert REQUEST.validate({"title": "题" * TITLE_MAX, "problem": "字" * TEXT_MAX})
    fields = errors_for({"title": "题" * (TITLE_MAX + 1), "problem": "字" * (TEXT_MAX + 1)})

    assert fields == {"title": "Use at most 200 characters.", "problem": "Use at most 20000 characters."}


@pytest.mark.parametrize(("value", "field", "message"), [
    ({"hours": "6"}, "hours", "Enter a whole number."),
    ({"hours": True}, "hours", "Enter a whole number."),
    ({"hours": 6.5}, "hours", "Enter a whole number."),
    ({"hours": 200}, "hours", "Enter a number from 0 to 168."),
    ({"remote": "yes"}, "remote", "Enter true or false."),
    ({"status": "late"}, "status", "Choose one of: on_track, at_risk, blocked."),
    ({"deadline": "30/06/2025"}, "deadline", "Enter a date as YYYY-MM-DD, like 2025-06-30."),
    ({"deadline": "2025-02-30"}, "deadline", "Enter a date as YYYY-MM-DD, like 2025-06-30."),
    ({"starts_at": "2025-06-01T19:00:00"}, "starts_at",
     "Enter a date and time with a time zone, like 2025-06-30T19:00:00+08:00."),
    ({"must_do": "one thing"}, "must_do", "Enter a list."),
    ({"must_do": ["a", "b", "c", "d"]}, "must_do", "List at most 3 items."),
    ({"must_do": ["ok", 7]}, "must_do[1]", "Enter text."),
    ({"request_ids": [1, 0]}, "request_ids[1]", "Enter a number of at least 1."),
    ({"contact": "王"}, "contact", "Send an object with named fields."),
    ({"contact": {"email": "nope"}}, "contact.name", "This field is required."),
    ({"skills": [{"name": "SQL", "level": 9}]}, "skills[0].level", "Enter a number from 1 to 5."),
    ({"website": "javascript:alert(1)"}, "website", "Enter a web address starting with https://."),
])
def test_each_bad_value_is_named_with_a_sentence_saying_what_to_send(value, field, message):
    fields = errors_for({"title": "ok", **value})

    assert fields[field] == message


@pytest.mark.parametrize("value", [2**31, 10**20, -(2**31) - 1])
def test_a_whole_number_beyond_a_database_integer_is_refused_not_overflowing_the_driver(value):
    schema = Schema("Ids", integer("organization_id", minimum=1), integer("offset"))

    with force_locale("en"):
        assert errors_for({"offset": value}, schema) == {
            "offset": "Enter a number from -2147483648 to 2147483647."}
        assert set(errors_for({"organization_id": value}, schema)) == {"organization_id"}
        assert schema.validate({"organization_id": 2**31 - 1, "offset": -(2**31)}) == {
            "organization_id": 2**31 - 1, "offset": -(2**31)}
    assert schema.json_schema()["properties"]["offset"] == {
        "type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}


def test_nested_errors_are_all_reported_at_once():
    fields = errors_for({"contact": {"email": "nope"}, "skills": [{"level": 0}, {"name": "Go", "level": 3}]})

    assert set(fields) == {"title", "contact.name", "contact.email", "skills[0].name", "skills[0].level"}


def test_a_partial_schema_accepts_any_subset_but_not_an_emptied_required_field():
    patch = REQUEST.as_partial()

    assert patch.validate({"hours": 3}) == {"hours": 3}
    assert patch.validate({}) == {}
    assert errors_for({"title": " "}, patch) == {"title": "This field is required."}


def test_nullable_fields_can_be_cleared():
    schema = Schema("Clearable", day("deadline", nullable=True))

    assert schema.validate({"deadline": None}) == {"deadline": None}
    assert schema.json_schema()["properties"]["deadline"]["type"] == ["string", "null"]


def test_iso_timestamps_always_carry_a_time_zone():
    shanghai = timezone(timedelta(hours=8))

    assert iso(datetime(2025, 6, 1, 19, 0, tzinfo=shanghai)) == "2025-06-01T19:00:00+08:00"
    assert iso(datetime(2025, 6, 1, 11, 0)) == "2025-06-01T11:00:00+00:00"
    assert iso(date(2025, 6, 30)) == "2025-06-30"
    assert iso(None) is None


def test_the_same_declaration_describes_the_field_in_openapi():
    described = REQUEST.json_schema()

    assert described["required"] == ["title"]
    assert described["properties"]["title"] == {"type": "string", "maxLength": 200}
    assert described["properties"]["skills"]["items"]["properties"]["level"] == {
        "type": "integer", "minimum": 1, "maximum": 5}
    assert described["properties"]["deadline"] == {"type": "string", "format": "date"}
    assert described["properties"]["team_size"]["default"] == 1


def test_a_web_address_needs_its_scheme_unless_the_service_adds_it():
    links = Schema("Links", web_address("repository_url", 40),
                   web_address("website", 40, scheme_optional=True))

    assert errors_for({"repository_url": "github.com/x", "website": "x" * 41}, links) == {
        "repository_url": "Enter a web address starting with https://.",
        "website": "Use at most 40 characters."}
    assert links.validate({"repository_url": "https://github.com/x", "website": "example.org"}) == {
        "repository_url": "https://github.com/x", "website": "example.org"}
    assert links.json_schema()["properties"] == {
        "repository_url": {"type": "string", "maxLength": 40, "format": "uri"},
        "website": {"type": "string", "maxLength": 40}}


def test_an_email_address_is_checked_and_a_password_kept_as_typed():
    sign_up = Schema("SignUp", email_address("email", required=True), password("password", required=True))

    assert errors_for({"email": "name@", "password": "x"}, sign_up) == {
        "email": "Enter a valid e-mail address, like name@example.org."}
    assert errors_for({"email": "a@" + "b" * EMAIL_MAX + ".org", "password": "x"}, sign_up) == {
        "email": f"Use at most {EMAIL_MAX} characters."}
    assert sign_up.validate({"email": "a@b.org", "password": " secret "})["password"] == " secret "
    assert sign_up.json_schema()["properties"]["password"]["writeOnly"] is True
