"""The spec as a Markdown file: a pure renderer that keeps every section, and the download that serves it."""

from __future__ import annotations

import re
from urllib.parse import unquote

from app.requests.pages.spec_markdown import (
    SpecDocument,
    content_disposition,
    download_filename,
    render_spec_markdown,
    title_filename,
)
from tests.factories import make_request, make_user
from tests.helpers import EN, ZH, client_for
from tests.requests.pages.samples import SPEC


def test_the_document_has_the_title_facts_and_every_section_in_order():
    text = render_spec_markdown(SpecDocument(
        request_id=7, title="A map of\nsurplus food", content=SPEC, version=2,
        skill_names=["Maps & routing", "Website building"],
        facts=[("Organisation", "Green Roots Food Bank"), ("Team", "3 engineers · 2 seats free")],
        source_url="https://codebridge.example/requests/7"))

    assert text.startswith("# A map of surplus food\n\n- **Organisation:** Green Roots Food Bank\n")
    assert "- **Team:** 3 engineers · 2 seats free\n- **Spec version:** 2\n" in text
    assert "- **URL:** <https://codebridge.example/requests/7>" in text
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["Summary", "Background", "Users and roles", "Data to keep", "User stories",
                        "Acceptance criteria", "Constraints", "Skills needed", "Team and effort",
                        "Open questions"]
    assert "A **map** of surplus food donors and families in need.\n\n- red dots: donors" in text
    assert "\n#### How it works today\n" in text  # the writer's "##" sits under the section's "##"
    assert "- Volunteer drivers\n" in text and "- Donation\n" in text
    assert "- As staff I can see donors and recipients on a **map**\n" in text
    assert "- Works on a phone over a slow connection\n" in text and "- No hosting budget\n" in text
    assert "- Maps & routing\n- Website building\n" in text
    assert "- **Team size:** 3\n- **Effort (hours):** 120\n" in text
    assert "**How the effort was estimated:**\n\nTwo stories, three entities and a *map integration*." in text
    assert text.endswith("## Open questions\n\n- Who may see recipients' addresses?\n")


def test_headings_inside_code_blocks_are_left_as_written():
    text = render_spec_markdown(SpecDocument(request_id=1, title="T", content={
        "background": "# Top\n\n```\n# a shell comment\n```\n\n###### Deepest"}))

    assert "### Top\n" in text and "\n# a shell comment\n" in text and "\n###### Deepest\n" in text


def test_an_empty_section_says_so_and_labels_come_from_the_caller():
    labels = {"summary": "概要", "constraints": "约束条件", "empty": "暂无。"}
    content = {"summary": "地图", "constraints": []}
    text = render_spec_markdown(SpecDocument(request_id=1, title="标题", content=content, labels=labels))

    assert "## 概要\n\n地图\n" in text
    assert "## 约束条件\n\n_暂无。_\n" in text
    assert "## Skills needed\n\n_暂无。_\n" in text  # a label the caller left out falls back to English


def test_file_names_carry_the_request_id_and_a_utf8_title():
    header = content_disposition(42, "食物银行：地图/路线")

    assert header.startswith('attachment; filename="codebridge-request-42-spec.md"; filename*=UTF-8\'\'')
    assert unquote(header.split("UTF-8''")[1]) == "食物银行：地图 路线-42.md"
    assert download_filename(42).isascii()
    assert title_filename(3, '  <bad>: "name"?  ') == "bad name-3.md"
    assert title_filename(3, "...") == "codebridge-request-3-spec.md"
    assert len(title_filename(3, "长" * 500)) <= 90


def test_the_download_is_markdown_with_every_section_and_the_request_id_in_its_name(client, published):
    response = client.get(f"/requests/{published.id}/spec.md", headers=EN)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="codebridge-request-{published.id}-spec.md"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"A map of surplus food-{published.id}.md"
    text = response.get_data(as_text=True)
    assert text.startswith("# A map of surplus food\n")
    for name, value in SPEC.items():
        for item in value if isinstance(value, list) else [value]:
            if name != "skills":
                assert str(item).split("\n")[0] in text, name
    assert "- Maps & routing\n- Website building\n" in text
    assert "- **Organisation:** Green Roots Food Bank" in text
    assert "- **Spec version:** 2" in text
    assert f"<http://localhost/requests/{published.id}>" in text


def test_the_download_speaks_the_readers_language(client, published):
    text = client.get(f"/requests/{published.id}/spec.md", headers=ZH).get_data(as_text=True)

    assert "## 概要" in text and "## 待确认的问题" in text
    assert "- 地图与路线\n- 网站建设\n" in text
    assert "- **机构:** Green Roots Food Bank" in text


def test_a_draft_has_nothing_to_download_and_a_hidden_request_is_a_404(app, client, db, organization, staff):
    draft = make_request(organization, status="draft")
    intake = make_request(organization, status="intake")
    db.session.commit()

    assert client.get(f"/requests/{intake.id}/spec.md").status_code == 404
    assert client_for(app, make_user("volunteer")).get(f"/requests/{intake.id}/spec.md").status_code == 404
    assert client_for(app, staff).get(f"/requests/{intake.id}/spec.md").status_code == 200
    assert client_for(app, staff).get(f"/requests/{draft.id}/spec.md").status_code == 404
