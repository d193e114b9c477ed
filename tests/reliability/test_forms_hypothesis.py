"""Arbitrary text in any field of any form: never a 500, and a refused form says why and keeps the text.

For every WTForms form in the app, its page is posted (the search form is sent with GET) by the
role that may use it, with valid values in every field but one, which gets text from hypothesis:
NUL and other control characters, right-to-left overrides, brackets and quotes, emoji, Chinese,
and strings just past each length limit up to 60,000 characters (surrogates excluded: browsers
can't send them). The answer is never a server error. When the form comes back with 422, the page
names the problem on the field that got the text (or, for a problem of the whole form, above it)
and the field shows what was typed (passwords, hidden fields and choices excepted).

Each form's test seeds one world and reuses it for its examples: an example the form accepts may
change what the next one finds (a claim already decided), which is another input the form must
survive.
"""

from __future__ import annotations

import inspect
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import app.core.accounts.forms
import app.requests.intake.forms
import app.requests.organizations.forms
import app.requests.review.forms
import app.search.find.forms
import app.search.saved.forms
import app.volunteers.claims.forms
import app.volunteers.delivery.forms
import app.volunteers.milestones.forms
import app.volunteers.profiles.forms
import app.volunteers.progress.forms
import app.volunteers.reviews.forms
from app.requests.intake import services as intake
from app.requests.intake.forms import QUESTION_STEPS, step_form_class
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import EN, reset_rate_limits
from tests.reliability.seed import client_for, fingerprint, seed_world

FORM_MODULES = (app.core.accounts.forms, app.requests.intake.forms, app.requests.organizations.forms,
                app.requests.review.forms, app.search.find.forms, app.search.saved.forms,
                app.volunteers.progress.forms, app.volunteers.claims.forms, app.volunteers.delivery.forms,
                app.volunteers.milestones.forms, app.volunteers.profiles.forms, app.volunteers.reviews.forms)
NEW_PASSWORD = "a brand new passphrase 42"
# Fields whose value is never shown again, or is one of a list of choices rather than typed text.
NOT_ECHOED = ("PasswordField", "HiddenField", "RadioField", "SelectField", "SelectMultipleField",
              "CheckboxListField", "BooleanField", "FileField", "CSRFTokenField")

SPECIAL = ("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u202e", "\u202d",
           "\u2066", "\u200b", "\u2028", "\ufeff", "[", "]", "{", "}", "<", ">", '"', "'", "&", "%",
           "\\", "/", "`", "(", ")", "😀", "👩\u200d💻", "中", "\r\n", "\t", " ", "http://[x]/", "[]")
LIMITS = (61, 101, 121, 201, 256, 501, 2_001, 20_001, 60_000)


def arbitrary_text() -> st.SearchStrategy[str]:
    any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
    specials = st.lists(st.sampled_from(SPECIAL), max_size=40).map("".join)
    past_a_limit = st.builds(lambda unit, n: (unit * n)[:n], st.sampled_from(["a", "中", "😀", "\x00", "[",
                                                                               "\u202e", "é "]),
                             st.sampled_from(LIMITS))
    return st.one_of(any_text, specials, past_a_limit, st.builds(str.__add__, any_text, specials))


@dataclass(frozen=True)
class Page:
    """Where a form is posted, by whom, with which valid values; `rerenders`: a refusal shows the form."""

    path: str
    role: str
    data: dict[str, Any] = field(default_factory=dict)
    rerenders: bool = True
    method: str = "POST"


ORGANIZATION = {"name": "Green Roots Food Bank", "description": "We move surplus food.",
                "cause_areas": "poverty-relief", "region": "Beijing", "website": "https://foodbank.example.org",
                "registration_number": "", "contact_name": "Wang", "contact_phone": "+86 138 0000 1111",
                "contact_email": "wang@example.org"}
SPEC = {"summary": "A rota for drivers.", "background": "Paper today.", "users_and_roles": "Staff",
        "data_entities": "Driver", "user_stories": "As staff I plan.",
        "acceptance_criteria": "Works on phones.",
        "constraints": "", "open_questions": "", "skills": "", "team_size": "1", "effort_hours": "40",
        "effort_reasoning": "Small.", "note": "Clearer.", "base_version": "1"}

# One page per form class (by name), signed in as the role that may use it.
PAGES: dict[str, Page] = {
    "SignUpForm": Page("/sign-up", "anonymous", {"role": "volunteer", "name": "New Person",
                                                 "email": "new@example.org", "password": NEW_PASSWORD,
                                                 "locale": "en"}),
    "SignInForm": Page("/sign-in", "anonymous", {"email": "{member_email}", "password": "wrong password",
                                                 "next": "/dashboard"}),
    "ForgotPasswordForm": Page("/forgot-password", "anonymous", {"email": "{member_email}"}),
    "ResetPasswordForm": Page("/reset-password/{reset_token}", "anonymous",
                              {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    "ChangePasswordForm": Page("/account/password", "member", {"current_password": DEFAULT_PASSWORD,
                                                               "new_password": NEW_PASSWORD,
                                                               "confirm": NEW_PASSWORD}),
    "AccountSettingsForm": Page("/account", "member", {"name": "Staff Wang", "locale": "en", "claims": "y"}),
    "SearchForm": Page("/search", "volunteer", {"q": "map", "sort": "relevance"}, method="GET"),
    "SaveSearchForm": Page("/search/saved", "volunteer", {"name": "Maps", "frequency": "weekly",
                                                          "search": "q=map"}),
    "DeleteForm": Page("/search/saved/{saved_search}/delete", "team", rerenders=False),
    "OrganizationForm": Page("/organizations/{org}/edit", "member", ORGANIZATION),
    "InvitationForm": Page("/organizations/{org}/invitations", "member", {"email": "colleague@example.org"}),
    "JoinWithNewAccountForm": Page("/invitations/{invitation_token}", "anonymous",
                                   {"name": "New Colleague", "password": NEW_PASSWORD, "locale": "en"}),
    "VerificationDocumentForm": Page("/organizations/{org}/verification/documents", "member"),
    "VerificationDecisionForm": Page("/organizations/{org}/verification/decision", "coordinator",
                                     {"decision": "rejected", "note": "Send your registration."}),
    "NewRequestForm": Page("/requests/new", "member", {"title": "A stock sheet"}),
    "AttachmentForm": Page("/requests/{draft}/attachments", "member"),
    "WithdrawForm": Page("/requests/{open}/withdraw", "member", {"reason": "Solved otherwise."}),
    "StepForm": Page("/requests/{draft}/intake/{step}", "member"),
    "SpecForm": Page("/requests/{intake}/spec/edit", "coordinator", SPEC),
    "MessageForm": Page("/requests/{intake}/thread", "member", {"body": "Which staff?", "next": ""}),
    "SendBackForm": Page("/requests/{intake}/send-back", "coordinator", {"message": "Who enters data?"}),
    "RejectForm": Page("/requests/{intake}/reject", "coordinator", {"reason": "Not software."}),
    "CheckInForm": Page("/requests/{in_progress}/checkins/new", "team",
                        {"summary": "Export works.", "next_steps": "Deploy.", "blockers": "", "hours": "3",
                         "status": "on_track", "percent_complete": "60"}),
    "ReplyForm": Page("/checkins/{checkin}/replies", "member", {"body": "Thanks!"}, rerenders=False),
    "NudgeForm": Page("/requests/{in_progress}/nudge", "coordinator", {"note": "How is it going?"},
                      rerenders=False),
    "ClaimForm": Page("/requests/{open}/claim", "volunteer",
                      {"role": "member", "hours_per_week": "4", "message": "I can help.",
                       "commitment_months": "3"}),
    "DecisionForm": Page("/claims/{pending_claim}/decline", "member", {"note": "Sorry."}, rerenders=False),
    "LeaveForm": Page("/claims/{pending_claim}/withdraw", "team", {"note": "No time."}, rerenders=False),
    "RenewForm": Page("/claims/{accepted_claim}/renew", "team", {"commitment_months": "3"}),
    "ConcludeForm": Page("/claims/{accepted_claim}/conclude", "team", {"exit_note": "Export done."}),
    "ProfileForm": Page("/volunteers/me/edit", "volunteer", {"hours_per_week": "6", "city": "Chengdu",
                                                             "timezone": "Asia/Shanghai", "remote": "yes",
                                                             "github_url": "", "portfolio_url": "",
                                                             "bio": "Flask and maps.", "phone": ""}),
    "MilestoneForm": Page("/requests/{in_progress}/milestones", "member", {"title": "Beta",
                                                                           "due_on": "2030-01-31"},
                          rerenders=False),
    "MilestoneDoneForm": Page("/milestones/{milestone}/done", "member", rerenders=False),
    "DeliveryForm": Page("/requests/{in_progress}/deliver", "team",
                         {"repository_url": "https://github.com/foodbank/rota", "demo_url": "",
                          "handover_notes": "Run make up."}),
    "AcceptDeliveryForm": Page("/requests/{in_review}/delivery/accept", "member", rerenders=False),
    "ChangesForm": Page("/requests/{in_review}/delivery/changes", "member", {"body": "Dates are missing."}),
    "ReviewForm": Page("/reviews/{review}/edit", "member", {"rating": "4", "body": "Good work."}),
}


def app_forms() -> dict[str, type[FlaskForm]]:
    """Every FlaskForm class defined in the app's form modules (the dynamic step forms share StepForm)."""
    found = {}
    for module in FORM_MODULES:
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, FlaskForm)
                    and value.__module__ == module.__name__ and not name.startswith("_")):
                found[name] = value
    return found


def field_types(form_class: type[FlaskForm]) -> dict[str, str]:
    """The form's field names and field types, read from the class without a request."""
    fields = {}
    for name in dir(form_class):
        value = getattr(form_class, name, None)
        if isinstance(value, UnboundField):
            fields[name] = value.field_class.__name__
    return fields


def test_every_form_in_the_app_is_posted_here():
    forms = app_forms()
    assert sorted(set(forms) - set(PAGES)) == [], "forms without a page to fuzz: add them to PAGES"
    assert sorted(set(PAGES) - set(forms)) == [], "PAGES names forms that no longer exist"
    assert len(forms) >= 35


class FormPage(HTMLParser):
    """What a re-rendered form page shows: each control's value, what describes it, the error notes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.textareas: set[str] = set()
        self.described_by: dict[str, set[str]] = {}
        self.error_ids: set[str] = set()
        self.has_form_errors = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "field-error" in classes and attributes.get("id"):
            self.error_ids.add(attributes["id"] or "")
        if "form-errors" in classes:
            self.has_form_errors = True
        name = attributes.get("name")
        if name and tag in ("input", "textarea", "select"):
            described = (attributes.get("aria-describedby") or "").split()
            self.described_by.setdefault(name, set()).update(described)
        if tag == "input" and name and attributes.get("type") not in ("radio", "checkbox"):
            self.values.setdefault(name, attributes.get("value") or "")
        if tag == "textarea" and name:
            self._textarea = name
            self.textareas.add(name)
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def names_problem_of(self, name: str) -> bool:
        """An error note tied to the field (its own id, or one its aria-describedby points at)."""
        return bool(self.error_ids & ({f"{name}-error"} | self.described_by.get(name, set())))


def shown_value(page: FormPage, name: str) -> str:
    value = page.values[name]
    if name in page.textareas:  # a textarea's first newline is not part of its value
        return value[2:] if value.startswith("\r\n") else value[1:] if value.startswith("\n") else value
    return value


def fill(value: str, ids: dict[str, Any]) -> str:
    return value.format(**ids)


def post(app, world, page: Page, form_name: str, target: str, text: str, step: str | None = None):
    """Send the page's form with `text` in the field `target` and valid values elsewhere."""
    reset_rate_limits()
    data: dict[str, Any] = {name: fill(value, world.ids) for name, value in page.data.items()}
    path = fill(page.path, {**world.ids, "step": step or ""})
    client = client_for(app, world, page.role)
    if page.method == "GET":
        return client.get(path, query_string={**data, target: text[:4000]}, headers=EN), target
    if form_name in ("AttachmentForm", "VerificationDocumentForm"):
        # A file's name is text the user chose too: it gets the arbitrary text, the file a line.
        data[target] = (io.BytesIO(b"Opening hours\n"), text)
        return client.post(path, data=data, content_type="multipart/form-data", headers=EN), target
    data[target] = text
    return client.post(path, data=data, headers=EN), target


def check_answer(response, form_class: type[FlaskForm], page: Page, target: str, text: str) -> None:
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, f"{response.status_code} for {target}={text[:200]!r}"
    if response.status_code != 422 or not page.rerenders or response.mimetype != "text/html":
        return
    shown = FormPage()
    shown.feed(body)
    shown.close()
    kind = field_types(form_class).get(target)
    # The problem is named on the field that got the text, or, for the whole form, above it.
    assert shown.names_problem_of(target) or shown.has_form_errors, f"422 without saying why ({target})"
    if kind is not None and kind not in NOT_ECHOED and target in shown.values:
        typed = (text, text.replace("\r\n", "\n"))
        assert shown_value(shown, target) in typed, f"{target} lost what was typed"


FORM_CASES = sorted(PAGES)
EXAMPLES = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def world(upload_dir):
    return seed_world(upload_dir, api=False)


@pytest.mark.parametrize("form_name", FORM_CASES)
@EXAMPLES
@given(data=st.data(), text=arbitrary_text())
def test_any_text_in_any_field_is_never_a_server_error(app, world, form_name, data, text):
    form_class, page = app_forms()[form_name], PAGES[form_name]
    step = None
    if form_name == "StepForm":  # one form class per intake question, made when the step is shown
        step = data.draw(st.sampled_from(QUESTION_STEPS), label="step")
        form_class = step_form_class(intake.question(step), "en")
        targets = list(field_types(form_class))
    else:
        targets = [name for name, kind in field_types(form_class).items() if kind != "CSRFTokenField"]
    target = data.draw(st.sampled_from(targets or ["unexpected"]), label="field")
    response, target = post(app, world, page, form_name, target, text, step)
    check_answer(response, form_class, page, target, text)


@pytest.mark.parametrize(("action", "text_field"), [("send-back", "message"), ("reject", "reason")])
def test_an_empty_decision_on_a_request_already_sent_back_says_why(app, world, action, text_field):
    """Found by the test above: the page hides the decision forms outside intake, so an invalid form
    came back as a 422 page saying nothing. Another coordinator's decision is a conflict to explain."""
    client = client_for(app, world, "coordinator")
    path = f"/requests/{world.ids['intake']}"
    assert client.post(f"{path}/send-back", data={"message": "Who enters the data?"}).status_code == 302

    response = client.post(f"{path}/{action}", data={text_field: " "}, headers=EN)

    assert response.status_code == 409
    assert "This cannot be done in the current state. Reload the page and try again." in response.get_data(
        as_text=True)


def stored_nul() -> list[str]:
    """Where a NUL character was stored: PostgreSQL refuses them, so none may reach a table."""
    return [f"{table}: {row!r}"[:200] for table, rows in fingerprint().items() for row in rows
            if any(isinstance(value, str) and "\x00" in value for value in row)]


@pytest.mark.parametrize("form_name", FORM_CASES)
def test_a_nul_character_in_any_field_is_refused_not_stored(app, world, form_name):
    """Found by the test above on PostgreSQL: names, check-ins, replies, nudges, milestones, saved
    searches, search filters, spec notes and skills and verification notes sent a NUL to the database
    (a 500 there; stored as-is on SQLite)."""
    page = PAGES[form_name]
    steps = QUESTION_STEPS if form_name == "StepForm" else (None,)
    for step in steps:
        form_class = step_form_class(intake.question(step), "en") if step else app_forms()[form_name]
        for target, kind in field_types(form_class).items():
            if kind == "CSRFTokenField":
                continue
            response, _target = post(app, world, page, form_name, target, "a\x00b", step)
            response.close()
            assert response.status_code < 500, (target, response.status_code)
    assert stored_nul() == []
