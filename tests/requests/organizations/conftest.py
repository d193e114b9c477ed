"""Helpers for the organisation tests: page requests isolated like real ones, and ready-made organisations."""

from __future__ import annotations

import pytest

from tests.factories import make_org, make_user

EN = {"Accept-Language": "en"}
PROFILE = {
    "name": "Green Roots Food Bank",
    "description": "Retirees collect surplus food from supermarkets and bring it to families in need.",
    "cause_areas": ["food", "poverty-relief"],
    "region": "Shanghai",
    "website": "https://greenroots.example.org",
    "registration_number": "53310000MJ0000202B",
    "contact_name": "Wang Min",
    "contact_phone": "+86 138 0000 0202",
    "contact_email": "wangmin@greenroots.example.org",
}


@pytest.fixture
def staff(db):
    """A nonprofit staff member of a pending organisation: (user, organisation)."""
    user = make_user("nonprofit")
    organization = make_org(verified=False, members=[user])
    db.session.commit()
    return user, organization


def text_of(response) -> str:
    return response.get_data(as_text=True)
