"""Two people edit one organisation: the later save is refused (409) instead of reverting the earlier one.

The edit form and the API's PATCH carry the profile's version; a save made on an older version
saves nothing. The race tests release two editors at once from a barrier, each in its own thread,
app context and database session, against the suite's database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set). Before the version column, both saves succeeded and the second one put
back the first one's field as it was (issue #11, item 7).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.core.errors import Conflict
from app.core.models import AuditEvent, User
from app.extensions import db
from app.requests.models import Organization
from app.requests.organizations import services
from tests.factories import make_org, make_user
from tests.helpers import EN, race, sign_in, text_of
from tests.requests.organizations.samples import PROFILE

TRIALS = 10
STALE_PAGE = "Someone else saved this organisation since you opened it."


@pytest.fixture
def editors(db):
    """A member and a coordinator who may both edit a pending organisation: (member, coordinator, org)."""
    member = make_user("nonprofit", name="Wang Min")
    coordinator = make_user("coordinator", name="Chen Coordinator")
    organization = make_org(verified=False, members=[member], **PROFILE)
    db.session.commit()
    return member, coordinator, organization


def profile_of(organization: Organization, **changes) -> dict:
    """Every profile field as the edit form posts it, with `changes`."""
    data = {name: getattr(organization, name) or "" for name in services.PROFILE_FIELDS}
    data.update(changes)
    return data


def hidden_version(page: str) -> str:
    return re.search(r'name="base_version" type="hidden" value="([^"]*)"', page).group(1)


# --- plain stale saves ---------------------------------------------------------------------------

def test_the_edit_form_carries_the_version_it_was_loaded_from(app, db, editors):
    member, _, organization = editors
    services.update_organization(organization, member, description="Second words.")

    page = text_of(sign_in(app.test_client(), member).get(f"/organizations/{organization.id}/edit",
                                                          headers=EN))

    assert organization.version == 2
    assert hidden_version(page) == "2"


def test_a_stale_edit_form_shows_their_changes_and_what_was_typed(app, db, editors):
    member, coordinator, organization = editors
    organization_id = organization.id
    browser = sign_in(app.test_client(), member)
    opened = hidden_version(text_of(browser.get(f"/organizations/{organization_id}/edit", headers=EN)))
    # The coordinator saves while the member is still typing.
    services.update_organization(organization, coordinator, description="The coordinator's words.")
    typed = profile_of(organization, description="My own words.", region="Hangzhou", base_version=opened)

    response = browser.post(f"/organizations/{organization_id}/edit", data=typed, headers=EN)

    page = text_of(response)
    assert response.status_code == 409
    assert STALE_PAGE in page and "Their changes are shown below; apply yours again." in page
    assert "The coordinator&#39;s words.</textarea>" in page  # theirs, in the field
    assert "What you typed" in page and "My own words." in page and "Hangzhou" in page
    assert hidden_version(page) == "2"
    db.session.expire_all()
    saved = db.session.get(Organization, organization_id)
    assert (saved.description, saved.region, saved.version) == ("The coordinator's words.", "Shanghai", 2)

    merged = {**typed, "description": "The coordinator's words, and mine.", "base_version": "2"}
    again = browser.post(f"/organizations/{organization_id}/edit", data=merged, headers=EN)

    assert again.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organization, organization_id)
    assert (saved.description, saved.region, saved.version) == (
        "The coordinator's words, and mine.", "Hangzhou", 3)


def test_a_form_without_a_version_still_saves(app, db, editors):
    member, _, organization = editors
    data = profile_of(organization, description="New words.")

    response = sign_in(app.test_client(), member).post(f"/organizations/{organization.id}/edit",
                                                       data=data, headers=EN)

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).version == 2


def test_an_api_patch_made_on_an_older_version_is_refused(client, db, api_token, editors):
    member, coordinator, organization = editors
    path = f"/api/v1/organizations/{organization.id}"
    read = client.get(path, headers=api_token(member)).get_json()

    theirs = client.patch(path, headers=api_token(coordinator),
                          json={"description": "Theirs.", "base_version": read["version"]})
    mine = client.patch(path, headers=api_token(member),
                        json={"region": "Hangzhou", "base_version": read["version"]})
    unversioned = client.patch(path, headers=api_token(member), json={"region": "Hangzhou"})

    assert read["version"] == 1
    assert (theirs.status_code, theirs.get_json()["version"]) == (200, 2)
    assert mine.status_code == 409
    error = mine.get_json()["error"]
    assert error["code"] == "stale_version"
    assert "Load it again, apply your changes" in error["message"]
    assert unversioned.status_code == 200
    assert unversioned.get_json()["description"] == "Theirs."
    assert (unversioned.get_json()["region"], unversioned.get_json()["version"]) == ("Hangzhou", 3)


def test_a_save_that_changes_nothing_keeps_the_version(db, editors):
    member, _, organization = editors

    services.update_organization(organization, member, base_version=1, region="Shanghai")

    assert organization.version == 1
    with pytest.raises(Conflict) as stale:
        services.update_organization(organization, member, base_version=0, region="Anywhere")
    assert stale.value.code == "stale_version"


def test_every_saved_change_is_audited_with_its_version(db, editors):
    member, _, organization = editors

    services.update_organization(organization, member, base_version=1, region="Hangzhou")

    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organization.updated"))
    assert event.detail == {"fields": ["region"], "version": 2}


def test_base_version_and_version_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    patch = document["paths"]["/api/v1/organizations/{organization_id}"]["patch"]
    schemas = document["components"]["schemas"]

    assert "stale_version" in patch["responses"]["409"]["description"]
    assert schemas["OrganizationPatch"]["properties"]["base_version"]["type"] == "integer"
    assert schemas["Organization"]["properties"]["version"]["type"] == "integer"


# --- races ---------------------------------------------------------------------------------------

def edit_outcome(organization_id: int, editor_id: int, field: str, value: str, sends_version: bool,
                 wait: Callable[[], object]) -> tuple:
    """Load the profile as the edit form does, wait for the other editor, save all fields, one changed."""
    try:
        organization = db.session.get(Organization, organization_id)
        editor = db.session.get(User, editor_id)
        typed = profile_of(organization, **{field: value})
        version = organization.version if sends_version else None
        wait()
        services.update_organization(organization, editor, base_version=version, **typed)
        return ("saved", organization.version, editor_id)
    except Conflict as error:
        return ("conflict", error.code, editor_id)
    except Exception as error:  # reported to the test, which fails on it
        return ("error", repr(error), editor_id)
    finally:
        db.session.remove()


@pytest.mark.parametrize("sends_version", [True, False], ids=["with_base_version", "without"])
def test_two_form_saves_at_once_save_one_and_refuse_the_other(app, db, editors, sends_version):
    member, coordinator, organization = editors
    organization_id = organization.id
    fields = {member.id: "region", coordinator.id: "description"}
    tally: Counter = Counter()
    for trial in range(TRIALS):
        def edit(racer: int, wait: Callable[[], object], trial: int = trial) -> tuple:
            return edit_outcome(organization_id, racer, fields[racer], f"Trial {trial} by {racer}.",
                                sends_version, wait)

        outcomes = race(app, edit, [member.id, coordinator.id])

        assert not [o for o in outcomes if o[0] == "error"], outcomes
        assert sorted(o[:2] for o in outcomes) == [("conflict", "stale_version"), ("saved", trial + 2)]
        tally.update(o[0] for o in outcomes)
        winner = next(o[2] for o in outcomes if o[0] == "saved")
        db.session.expire_all()
        saved = db.session.get(Organization, organization_id)
        assert getattr(saved, fields[winner]) == f"Trial {trial} by {winner}."
        db.session.remove()

    assert tally == {"saved": TRIALS, "conflict": TRIALS}
    assert db.session.get(Organization, organization_id).version == TRIALS + 1


def test_two_api_patches_of_the_whole_profile_at_once_never_revert_each_other(app, db, api_token, editors):
    member, coordinator, organization = editors
    organization_id = organization.id
    path = f"/api/v1/organizations/{organization_id}"
    headers = {member.id: {**api_token(member), **EN}, coordinator.id: {**api_token(coordinator), **EN}}
    fields = {member.id: "region", coordinator.id: "description"}
    statuses: Counter = Counter()
    for trial in range(TRIALS):
        def patch(racer: int, wait: Callable[[], object], trial: int = trial) -> tuple:
            client = app.test_client()
            profile = client.get(path, headers=headers[racer]).get_json()
            body = {name: profile[name] for name in ("name", "description", "cause_areas", "region")}
            body.update({fields[racer]: f"API trial {trial} by {racer}.", "base_version": profile["version"]})
            wait()
            response = client.patch(path, headers=headers[racer], json=body)
            return (response.status_code, racer, response.get_json())

        outcomes = race(app, patch, [member.id, coordinator.id])

        assert sorted(o[0] for o in outcomes) == [200, 409], outcomes
        statuses.update(o[0] for o in outcomes)
        db.session.expire_all()
        saved = db.session.get(Organization, organization_id)
        for status, racer, body in outcomes:
            if status == 200:
                assert getattr(saved, fields[racer]) == f"API trial {trial} by {racer}."
            else:
                assert body["error"]["code"] == "stale_version"
        db.session.remove()

    assert statuses == {200: TRIALS, 409: TRIALS}
