"""Version history and comparison: any two versions, side by side or inline, with everything escaped."""

from __future__ import annotations

import re

import pytest

from app.requests.review import services as review
from app.requests.review.spec_text import diff_lines, spec_lines
from tests.factories import make_org, make_user
from tests.helpers import EN, client_for, text_of


@pytest.fixture
def three_versions(db, in_request, coordinator, intake_request):
    """Version 2 reworded a story and added a skill; version 3 grew the team."""
    stories = ["As staff I can see donors and recipients on a district map",
               "As a volunteer driver I can get a route for the day's pick-ups"]
    skills = ["maps-routing", "website", "database-design"]
    review.save_spec(intake_request, coordinator, changes={"user_stories": stories, "skills": skills},
                     note="Districts matter to them")
    review.save_spec(intake_request, coordinator, changes={"team_size": 3})
    return intake_request


def test_the_history_lists_every_version_with_its_author_and_note(app, db, staff, three_versions):
    page = text_of(client_for(app, staff[1]).get(f"/requests/{three_versions.id}/spec/versions", headers=EN))

    rows = re.findall(r"<tr>.*?</tr>", page, re.S)[1:]
    assert [re.search(r">Version (\d+)<", row).group(1) for row in rows] == ["3", "2", "1"]
    assert "Current" in rows[0] and "Chen Coordinator" in rows[0]
    assert "Districts matter to them" in rows[1]
    assert "Codebridge draft" in rows[2]
    assert "/spec/compare?old=2&amp;new=3" in rows[0]


def test_the_side_by_side_diff_marks_what_changed(app, db, coordinator, three_versions):
    page = text_of(client_for(app, coordinator).get(
        f"/requests/{three_versions.id}/spec/compare?old=1&new=2", headers=EN))

    assert "Version 1 → version 2" in page
    assert "2 lines added" in page and "1 line removed" in page  # a reworded story, a new skill
    assert '<tr class="diff-replace">' in page
    assert "donors and recipients on a <ins>district </ins>map" in page  # the changed words, not the line
    assert "<ins>- database-design</ins>" in page
    assert '<tr class="diff-insert">' in page and '<tr class="diff-equal">' in page


def test_the_inline_diff_lists_removed_lines_before_added_ones(app, db, coordinator, three_versions):
    page = text_of(client_for(app, coordinator).get(
        f"/requests/{three_versions.id}/spec/compare?old=2&new=3&layout=inline", headers=EN))

    removed, added = page.index('<tr class="diff-delete">'), page.index('<tr class="diff-insert">')
    assert removed < added
    assert re.search(r'<tr class="diff-delete">.*?<del>2</del>', page, re.S)
    assert re.search(r'<tr class="diff-insert">.*?<ins>3</ins>', page, re.S)
    assert 'aria-current="page">Inline<' in page


def test_any_two_versions_compare_and_a_missing_one_is_named(app, db, coordinator, three_versions):
    browser = client_for(app, coordinator)

    whole_way = text_of(browser.get(f"/requests/{three_versions.id}/spec/compare?old=1&new=3", headers=EN))
    same = text_of(browser.get(f"/requests/{three_versions.id}/spec/compare?old=2&new=2", headers=EN))
    missing = browser.get(f"/requests/{three_versions.id}/spec/compare?old=1&new=9", headers=EN)

    assert "<ins>district </ins>" in whole_way and "<ins>3</ins>" in whole_way
    assert "These two versions are the same." in same and "<ins>" not in same.split("<tbody>")[1]
    assert missing.status_code == 404 and "This spec has no version 9." in text_of(missing)


def test_one_version_reads_on_its_own_page(app, db, coordinator, three_versions):
    page = text_of(client_for(app, coordinator).get(f"/requests/{three_versions.id}/spec/versions/2",
                                                    headers=EN))

    assert "Spec, version 2" in page and "Districts matter to them" in page
    assert "Database design" in page and "2 engineers" in page
    assert "What changed since version 1" in page


def test_the_diff_escapes_spec_text(app, db, in_request, coordinator, intake_request):
    review.save_spec(intake_request, coordinator, changes={"summary": 'A map <img src=x onerror="alert(1)">'})

    page = text_of(client_for(app, coordinator).get(
        f"/requests/{intake_request.id}/spec/compare?old=1&new=2", headers=EN))

    assert "<img" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_versions_of_a_private_request_stay_private(app, db, three_versions):
    outsider = make_user("nonprofit")
    make_org(members=[outsider])
    volunteer = make_user("volunteer")
    db.session.commit()

    for user in (outsider, volunteer):
        browser = client_for(app, user)
        for path in ("spec/versions", "spec/versions/1", "spec/compare?old=1&new=2"):
            assert browser.get(f"/requests/{three_versions.id}/{path}").status_code == 404
    assert app.test_client().get(f"/requests/{three_versions.id}/spec/versions").status_code == 404


def test_chinese_lines_are_compared_character_by_character():
    old = spec_lines({"summary": "为尘肺病患者建立救助申请系统"})
    new = spec_lines({"summary": "为尘肺病患者建立救助申请和报销系统"})

    side, inline = diff_lines(old, new)

    [changed] = [row for row in side if row.kind == "replace"]
    assert changed.old.segments == (("为尘肺病患者建立救助申请系统", False),)
    assert changed.new.segments == (("为尘肺病患者建立救助申请", False), ("和报销", True), ("系统", False))
    assert [row.kind for row in inline].count("delete") == 1


def test_a_rewritten_line_is_marked_whole_rather_than_in_confetti():
    side, _inline = diff_lines(["- Staff can log in"], ["- Donors get a monthly report by e-mail"])

    assert side[0].old.segments == (("- Staff can log in", True),)
    assert side[0].new.segments == (("- Donors get a monthly report by e-mail", True),)
