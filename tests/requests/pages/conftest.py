"""Fixtures for the request pages: a food bank's published request with a Markdown spec, its people."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from app.requests.timeline.services import add_entry
from tests.conftest import sign_in
from tests.factories import make_org, make_request, make_skill, make_user
from tests.i18n.conftest import compiled_catalogues  # noqa: F401  (Chinese pages need the compiled catalogue)

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}

# A spec a coordinator edited, written in Markdown the way coordinators write it.
SPEC = {
    "summary": "A **map** of surplus food donors and families in need.\n\n"
               "- red dots: donors\n- blue dots: families",
    "background": "## How it works today\n\nRetirees keep every record *on paper*. "
                  "See [our site](https://foodbank.example.org/about).",
    "users_and_roles": ["Staff who plan pick-ups", "Volunteer drivers"],
    "data_entities": ["Donor", "Recipient", "Donation"],
    "user_stories": ["As staff I can see donors and recipients on a **map**",
                     "As a volunteer driver I can get a route for the day's pick-ups"],
    "acceptance_criteria": ["Works on a phone over a slow connection"],
    "constraints": ["No hosting budget"],
    "skills": ["maps-routing", "website"],
    "team_size": 3,
    "effort_hours": 120,
    "effort_reasoning": "Two stories, three entities and a *map integration*.",
    "open_questions": ["Who may see recipients' addresses?"],
}


@pytest.fixture(autouse=True)
def chinese_catalogue(compiled_catalogues) -> None:  # noqa: F811  (the imported fixture, requested here)
    """Every page test may read Chinese: the catalogue is compiled before the first one runs."""


def text_of(response) -> str:
    return response.get_data(as_text=True)


def client_for(app, user) -> FlaskClient:
    """A browser signed in as `user` ."""
    return sign_in(app.test_client(), user)


@pytest.fixture
def staff(db):
    user = make_user("nonprofit", name="Wang Fang")
    db.session.commit()
    return user


@pytest.fixture
def organization(db, staff):
    organization = make_org(members=[staff], name="Green Roots Food Bank", region="Chengdu",
                            contact_name="Li Mei", contact_phone="+86 138 1234 5678",
                            contact_email="li.mei@foodbank.example.org")
    db.session.commit()
    return organization


@pytest.fixture
def skills(db):
    made = [make_skill("maps-routing", "Maps & routing", "地图与路线", category="maps"),
            make_skill("website", "Website building", "网站建设", category="frontend")]
    db.session.commit()
    return made


@pytest.fixture
def coordinator(db):
    user = make_user("coordinator", name="Chen Coordinator")
    db.session.commit()
    return user


@pytest.fixture
def published(db, organization, skills, coordinator):
    """An open request with an edited Markdown spec (version 2), one seat taken, and a public timeline."""
    help_request = make_request(organization, status="open", team_size=3, effort_hours=120,
                                skills=["maps-routing", "website"], title="A map of surplus food",
                                checkin_cadence="monthly", seats_taken=1)
    help_request.spec_versions[0].content = {**SPEC, "summary": "An old summary."}
    from app.requests.models import SpecVersion

    help_request.spec_versions.append(SpecVersion(version=2, content=dict(SPEC), author=coordinator))
    help_request.current_spec_version = 2
    db.session.flush()
    add_entry(help_request, "created", actor=organization.memberships[0].user, summary="Request drafted.")
    add_entry(help_request, "status_changed", actor=coordinator, summary="Published: open for volunteers.",
              detail={"from": "intake", "to": "open"})
    db.session.commit()
    return help_request


@pytest.fixture
def accepted_claims_make_team_members(monkeypatch):
    """What the volunteers feature registers on the policy's team hook: an accepted claim is a seat."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.requests import policy
    from app.volunteers.models import Claim

    def holds_a_seat(user, help_request) -> bool:
        return bool(db.session.scalar(sa.select(sa.exists().where(
            Claim.request_id == help_request.id, Claim.volunteer_id == user.id, Claim.status == "accepted"))))

    monkeypatch.setattr(policy, "team_member_checks", [holds_a_seat])


DANGEROUS_TAGS = frozenset({"script", "iframe", "object", "embed", "svg", "math", "img", "style", "link",
                            "meta", "base", "form", "input", "frame", "frameset", "video", "audio"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster"})


class _MarkupReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            scheme = "".join(ch for ch in (value or "") if ch.isprintable() and not ch.isspace()).lower()
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"<{tag} {name}={value}>")


def executable_markup(html: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """Tags, event handlers and script URLs in `html` that a browser would run or load.

    `allowed` names tags the page itself uses on purpose (the page's own <link> and <script src>).
    """
    reader = _MarkupReader()
    reader.feed(html)
    return [found for found in reader.found if found not in allowed]
