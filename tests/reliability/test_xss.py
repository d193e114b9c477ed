"""Hostile text in every field a user can write never becomes live markup on a page or in an e-mail.

Each payload is written through the API, as the role that may write it, into every user-writable
text field: account names, the organisation's profile, a request's answers and must-do items, every
spec section, thread messages, send-back and withdrawal notes, claims and their answers, check-ins
and replies, milestones, deliveries and the changes asked, reviews, the volunteer profile, saved
searches and verification notes. A new request carries it through the whole journey (draft, intake,
open, in progress, delivered), so every panel of its page shows it. Then every page that shows the
text, for the roles that see it, and every e-mail sent (the locmem outbox, as HTML) is parsed with
html.parser: no script element running the payload, no event-handler attribute carrying it, no
javascript: address in an href or src, and no template expression evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote as url_quote

import pytest
from flask import Flask

from app.requests.intake.forms import QUESTION_STEPS
from tests.helpers import EN, call_api, reset_rate_limits
from tests.reliability.seed import World, client_for, seed_world

MARK = "alert(1337)"
EVALUATED = str(7 * 7777)  # what "{{7*7777}}" would print if a template evaluated it
PAYLOADS = {
    "script": f"<script>{MARK}</script>",
    "img-onerror": f'"><img src=x onerror={MARK}>',
    "svg-onload": f"'><svg/onload={MARK}>",
    "javascript-url": f"javascript:{MARK}",
    "markdown-link": f"[click me](javascript:{MARK}) and <a href=\"javascript:{MARK}\">me</a>",
    "template": "{{7*7777}} {% raw %}${7*7777}",
    "attribute-breaker": f"\" onmouseover=\"{MARK}\" x=\"' onfocus='{MARK}' autofocus='",
    "textarea-breaker": f"</textarea></title><script>{MARK}</script>",
}
# Web-address fields: the payload itself, and an address that tries to break out of href="...".
URL_PAYLOADS = (f"javascript:{MARK}", f"https://example.org/\"><script>{MARK}</script>",
                f"https://example.org/?q=\"onmouseover=\"{MARK}")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"})
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class LiveMarkup(HTMLParser):
    """Collects every place where the payload would run: scripts, handlers, script addresses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self.in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            compact = "".join(value.split()).lower()
            if MARK in name:
                self.findings.append(f"<{tag}> has an attribute made of the payload: {name}")
            if name.startswith("on") and MARK in value:
                self.findings.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and compact.startswith(SCRIPT_SCHEMES):
                self.findings.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg", "iframe", "object", "embed") and any(MARK in (v or "") for _, v in attrs):
            self.findings.append(f"<{tag}> built from the payload: {attrs}")
        self.in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and MARK in data:
            self.findings.append(f"<script> running the payload: {data[:80]!r}")
        self.text.append(data)


def live_markup(html: str) -> tuple[list[str], str]:
    """(where the payload is live, the page's visible text)."""
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    text = "".join(parser.text)
    findings = list(parser.findings)
    if EVALUATED in text:
        findings.append(f"a template evaluated {{{{7*7777}}}} to {EVALUATED}")
    return findings, text


@dataclass
class Journey:
    """What the payload was written into, and the ids of what carries it."""

    world: World
    refused: dict[str, int] = field(default_factory=dict)  # field → status, for fields that refused it
    ids: dict[str, int] = field(default_factory=dict)


class Writer:
    def __init__(self, app: Flask, world: World, journey: Journey):
        self.app, self.world, self.journey = app, world, journey

    def api(self, role: str, method: str, path: str, body: dict[str, Any] | None = None, *,
            may_refuse: bool = False) -> dict[str, Any]:
        """Call the API as `role`; a refusal fails the test unless `may_refuse` (then it is noted)."""
        reset_rate_limits()
        response = call_api(self.app.test_client(), method, path, token=self.world.tokens[role],
                            json=body if body is not None else None)
        if response.status_code >= 400:
            assert may_refuse and response.status_code == 422, (method, path, body, response.get_json())
            self.journey.refused[f"{method} {path} {sorted(body or {})}"] = response.status_code
            return {}
        return response.get_json() if response.is_json else {}

    def each_field(self, role: str, method: str, path: str, values: dict[str, Any], *,
                   may_refuse: tuple[str, ...] = ()) -> None:
        """One call per field, so a field that refuses the payload doesn't keep the others from it."""
        for name, value in values.items():
            self.api(role, method, path, {name: value}, may_refuse=name in may_refuse)


def write_everywhere(app: Flask, world: World, payload: str) -> Journey:
    """Write `payload` into every user-writable text field, through a whole request's journey."""
    journey = Journey(world)
    w = Writer(app, world, journey)
    ids = world.ids
    short = payload[:100]
    for role in ("member", "volunteer", "coordinator", "outsider", "team"):
        w.api(role, "PATCH", "/me", {"name": f"{role} {payload}"[:120]})
    w.each_field("coordinator", "PATCH", f"/organizations/{ids['org']}", {
        "name": f"Org {payload}"[:200], "description": payload, "region": short,
        "contact_name": f"Contact {payload}"[:120], "registration_number": payload[:60],
        "website": URL_PAYLOADS[0]}, may_refuse=("website", "registration_number"))
    for url in URL_PAYLOADS[1:]:
        w.api("coordinator", "PATCH", f"/organizations/{ids['org']}", {"website": url}, may_refuse=True)
    w.each_field("volunteer", "PUT", "/volunteers/me", {
        "city": short, "bio": payload, "phone": payload[:40], "timezone": payload[:60],
        "github_url": URL_PAYLOADS[0], "portfolio_url": URL_PAYLOADS[1]},
        may_refuse=("phone", "timezone", "github_url", "portfolio_url"))
    w.api("volunteer", "POST", "/saved-searches", {"name": f"Saved {payload}"[:120], "q": payload[:200]})

    # The draft stays a draft, to be read on each intake step; the new request goes all the way.
    answers = {"title": f"Title {payload}"[:200], "problem": payload, "current_process": payload,
               "users": payload, "data_kept": payload, "must_do": [payload, f"second {payload}"],
               "rhythm": payload, "constraints": payload}
    w.each_field("member", "PATCH", f"/requests/{ids['draft']}", answers)
    new = w.api("member", "POST", "/requests", {"organization_id": ids["org"], **answers,
                                                "title": f"Food map {payload}"[:200]})
    journey.ids["request"] = request_id = new["id"]
    w.api("member", "POST", f"/requests/{request_id}/submit")
    w.api("member", "POST", f"/requests/{request_id}/messages", {"body": f"Staff asks {payload}"})
    w.api("coordinator", "POST", f"/requests/{request_id}/messages", {"body": f"Coordinator says {payload}"})
    sections = {name: f"{name} {payload}" for name in ("summary", "background", "effort_reasoning")}
    sections.update({name: [f"{name} {payload}", "plain"] for name in (
        "users_and_roles", "data_entities", "user_stories", "acceptance_criteria", "constraints",
        "open_questions")})
    w.api("coordinator", "PUT", f"/requests/{request_id}/spec", {**sections, "note": payload[:200]})
    return journey


def continue_journey(app: Flask, journey: Journey, payload: str) -> None:
    """After intake: publish, claim, accept, check in, deliver, answer, review; and the side roads."""
    w = Writer(app, journey.world, journey)
    ids, request_id = journey.world.ids, journey.ids["request"]
    w.api("coordinator", "POST", f"/requests/{request_id}/publish")
    claim = w.api("volunteer", "POST", f"/requests/{request_id}/claims",
                  {"role": "lead", "hours_per_week": 4, "message": f"I can help {payload}"})
    journey.ids["claim"] = claim["id"]
    w.api("member", "POST", f"/claims/{claim['id']}/accept", {"note": f"Welcome {payload}"})
    checkin = w.api("volunteer", "POST", f"/requests/{request_id}/checkins", {
        "summary": f"Done {payload}", "next_steps": f"Next {payload}", "blockers": f"Blocked {payload}",
        "hours": 3, "status": "at_risk"})
    w.api("member", "POST", f"/checkins/{checkin['id']}/replies", {"body": f"Reply {payload}"})
    w.api("member", "POST", f"/requests/{request_id}/milestones", {"title": f"Beta {payload}"[:200]})
    delivery = {"repository_url": "https://github.com/foodbank/map", "demo_url": None,
                "handover_notes": f"Run it {payload}"}
    w.api("volunteer", "POST", f"/requests/{request_id}/delivery", delivery)
    w.api("member", "POST", f"/requests/{request_id}/delivery/changes", {"body": f"Change {payload}"})
    for url in URL_PAYLOADS:  # an address the rule accepts is delivered, and sent back for changes
        if w.api("volunteer", "POST", f"/requests/{request_id}/delivery",
                 {**delivery, "repository_url": url, "demo_url": url}, may_refuse=True):
            w.api("member", "POST", f"/requests/{request_id}/delivery/changes", {"body": f"Again {payload}"})
    w.api("volunteer", "POST", f"/requests/{request_id}/delivery", delivery)
    w.api("member", "POST", f"/requests/{request_id}/delivery/accept", {"note": f"Thanks {payload}"})
    w.api("volunteer", "POST", f"/requests/{request_id}/reviews", {"rating": 5, "body": f"Org {payload}"})
    w.api("member", "POST", f"/requests/{request_id}/reviews", {"rating": 5, "body": f"Volunteer {payload}"})
    w.api("member", "PATCH", f"/reviews/{ids['review']}", {"body": f"Edited {payload}"})

    # Side roads: a send-back, a declined claim, a nudge, a conclusion, a withdrawal, a rejection.
    w.api("coordinator", "POST", f"/requests/{ids['intake']}/send-back", {"message": f"Questions {payload}"})
    w.api("member", "POST", f"/claims/{ids['pending_claim']}/decline", {"note": f"Sorry {payload}"})
    w.api("team", "POST", f"/requests/{ids['in_progress']}/checkins", {"summary": f"Team {payload}"})
    w.api("team", "POST", f"/claims/{ids['accepted_claim']}/conclude", {"exit_note": f"Leaving {payload}"})
    w.api("outsider", "POST", f"/requests/{ids['other_open']}/withdraw", {"reason": f"Because {payload}"})
    w.api("coordinator", "POST", f"/organizations/{ids['other_org']}/verification",
          {"decision": "rejected", "note": f"Rejected {payload}"})


def pages(world: World, journey: Journey, stage: str) -> list[tuple[str, str]]:
    """(role, path) of every page showing the payload at this stage of the journey."""
    ids, request_id = world.ids, journey.ids["request"]
    if stage == "intake":
        steps = (*QUESTION_STEPS, "review")
        return [("coordinator", f"/requests/{request_id}/review"), ("coordinator", "/intake"),
                ("coordinator", f"/requests/{request_id}/spec/edit"), ("member", f"/requests/{request_id}"),
                *[(role, f"/requests/{request_id}/thread") for role in ("member", "coordinator")],
                ("member", "/requests/mine"),
                *[("member", f"/requests/{ids['draft']}/intake/{step}") for step in steps]]
    request_pages = (f"/requests/{request_id}", f"/requests/{request_id}/timeline",
                     f"/requests/{request_id}/spec/versions", f"/requests/{request_id}/spec/versions/2",
                     f"/requests/{request_id}/spec/compare?old=1&new=2")
    return [
        *[(role, path) for role in ("anonymous", "member", "volunteer") for path in request_pages],
        ("anonymous", f"/organizations/{ids['org']}"), ("member", f"/organizations/{ids['org']}"),
        ("member", f"/organizations/{ids['org']}/edit"), ("member", f"/organizations/{ids['org']}/members"),
        ("member", f"/organizations/{ids['org']}/verification"),
        ("outsider", f"/organizations/{ids['other_org']}/verification"),
        ("coordinator", "/organizations/verification-queue?state=rejected"),
        ("coordinator", "/organizations/verification-queue?state=verified"),
        ("anonymous", f"/volunteers/{ids['volunteer_user']}"), ("volunteer", "/volunteers/me/edit"),
        ("anonymous", f"/volunteers/{ids['team_user']}"),
        ("anonymous", "/search?q=food+map"), ("volunteer", "/search?q=food+map"),
        ("volunteer", "/search/saved"), ("volunteer", "/my-projects"),
        ("volunteer", f"/claims/{journey.ids['claim']}"), ("member", f"/claims/{journey.ids['claim']}"),
        ("team", f"/claims/{ids['pending_claim']}"), ("team", f"/claims/{ids['accepted_claim']}"),
        ("member", f"/reviews/{ids['review']}/edit"),
        ("member", f"/requests/{ids['intake']}/thread"), ("member", f"/requests/{ids['intake']}"),
        ("outsider", f"/requests/{ids['other_open']}"),
        ("outsider", f"/requests/{ids['other_open']}/timeline"),
        ("anonymous", f"/requests/{ids['in_progress']}"), ("member", f"/requests/{ids['in_progress']}"),
        *[(role, "/dashboard") for role in ("member", "volunteer", "coordinator", "outsider", "team")],
        *[(role, "/notifications") for role in ("member", "volunteer", "team", "outsider")],
        ("coordinator", "/coordinator/needs-attention"), ("coordinator", "/audit"), ("anonymous", "/"),
    ]


def reflected_pages(payload: str) -> list[tuple[str, str]]:
    """Pages that echo what the address says: the search box, and where to go after signing in."""
    return [("anonymous", f"/search?q={quote(payload)}&region={quote(payload)}"),
            ("volunteer", f"/search?q={quote(payload)}"), ("anonymous", f"/sign-in?next={quote(payload)}"),
            ("anonymous", f"/sign-up?role={quote(payload)}")]


def quote(text: str) -> str:
    return url_quote(text, safe="")


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def outbox(app) -> list:
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


def check_pages(app: Flask, world: World, visits: list[tuple[str, str]]) -> dict[str, str]:
    """Fetch each page (200 expected), assert the payload is inert there; returns path → visible text."""
    texts = {}
    for role, path in visits:
        response = client_for(app, world, role).get(path, headers=EN)
        assert response.status_code == 200, (role, path, response.status_code)
        findings, texts[f"{role} {path}"] = live_markup(response.get_data(as_text=True))
        assert findings == [], f"live markup on {path} as {role}: {findings}"
    return texts


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_text_is_inert_on_every_page_and_in_every_email(app, upload_dir, outbox, payload):
    world = seed_world(upload_dir)
    journey = write_everywhere(app, world, payload)
    intake_texts = check_pages(app, world, pages(world, journey, "intake"))
    continue_journey(app, journey, payload)
    texts = check_pages(app, world, pages(world, journey, "after"))
    check_pages(app, world, reflected_pages(payload))

    # The payload was stored and shown as text, not dropped: else this test could not fail.
    request_page = texts[f"anonymous /requests/{journey.ids['request']}"]
    for shown in (f"Food map {payload}"[:200], f"Done {payload}", f"Org {payload}"):
        assert " ".join(shown.split()) in " ".join(request_page.split())
    assert payload in intake_texts[f"member /requests/{world.ids['draft']}/intake/problem"]
    assert len(outbox) >= 8
    for message in outbox:
        for html, mimetype in getattr(message, "alternatives", []):
            assert mimetype == "text/html"
            findings, _text = live_markup(html)
            assert findings == [], f"live markup in the e-mail {message.subject!r}: {findings}"


def test_the_checker_finds_live_markup():
    """The parser this file relies on flags each way a payload could run, and not its escaped text."""
    assert live_markup(f"<p>&lt;script&gt;{MARK}&lt;/script&gt;</p>")[0] == []
    for html in (f"<script>{MARK}</script>", f"<img src=x onerror={MARK}>", f"<svg/onload={MARK}>",
                 f'<a href=" javascript:{MARK}">x</a>', f'<input value="" onmouseover="{MARK}">',
                 f"<p>{EVALUATED}</p>"):
        assert live_markup(html)[0] != [], html


def test_no_dialog_opens_in_a_real_browser(app, upload_dir, outbox, live_server, page):
    """Chromium runs the pages' scripts and parses them as browsers do: no payload opens a dialog."""
    payload = "".join(PAYLOADS[name] for name in ("script", "img-onerror", "svg-onload", "attribute-breaker"))
    world = seed_world(upload_dir)
    journey = write_everywhere(app, world, payload)
    continue_journey(app, journey, payload)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    request_id = journey.ids["request"]
    for path in (f"/requests/{request_id}", f"/requests/{request_id}/timeline",
                 f"/organizations/{world.ids['org']}", f"/volunteers/{world.ids['volunteer_user']}",
                 "/search?q=food+map", f"/search?q={quote(payload)}", f"/sign-in?next={quote(payload)}"):
        page.goto(f"{live_server}{path}", wait_until="load")
        page.mouse.move(200, 300)  # hover handlers get their chance too
        assert dialogs == [], f"{path} opened a dialog: {dialogs}"
    page.goto(f"{live_server}/requests/{request_id}")
    assert MARK in page.inner_text("body")  # shown as text
