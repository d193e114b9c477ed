"""app.core.text: user Markdown as safe HTML (headings, lists, nofollow links); plain text keeps its lines."""

from __future__ import annotations

import pytest

from app.core.text import linebreaks, render_markdown, render_markdown_inline
from tests.helpers import executable_markup

# What people have tried to smuggle through Markdown renderers.
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](java&#09;script:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "![x](https://tracker.example/pixel.png)",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    '<div style="background:url(javascript:alert(1))">x</div>',
]


def test_headings_lists_emphasis_and_code_become_html():
    html = render_markdown("# Plan\n\n1. collect\n2. review\n\n- **bold** and *em*\n- `code`\n\n> quoted")

    assert "<h1>Plan</h1>" in html
    assert "<ol>\n<li>collect</li>\n<li>review</li>\n</ol>" in html
    assert "<li><strong>bold</strong> and <em>em</em></li>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html


def test_headings_can_be_pushed_under_the_pages_own_and_stop_at_h6():
    html = render_markdown("# One\n\n## Two\n\n##### Five", heading_offset=3)

    assert "<h4>One</h4>" in html and "<h5>Two</h5>" in html and "<h6>Five</h6>" in html


def test_links_keep_their_address_and_get_nofollow_noopener():
    html = render_markdown("See [the site](https://foodbank.example.org/a?b=1&c=2) "
                           "or [mail](mailto:hi@example.org)")

    assert '<a href="https://foodbank.example.org/a?b=1&amp;c=2" rel="nofollow noopener">the site</a>' in html
    assert '<a href="mailto:hi@example.org" rel="nofollow noopener">mail</a>' in html


def test_a_single_newline_is_a_line_break_as_people_type_it():
    assert render_markdown("first line\nsecond line") == "<p>first line<br>\nsecond line</p>\n"


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_comes_out_inert(source):
    for html in (render_markdown(source), render_markdown_inline(source), render_markdown(f"- {source}")):
        assert executable_markup(html) == [], html


def test_raw_html_is_shown_as_text():
    html = render_markdown("Use <b>bold</b> & <script>x</script>")

    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_inline_markdown_has_no_paragraph_around_it():
    html = render_markdown_inline("As **staff** I can\nsee a map")

    assert html == "As <strong>staff</strong> I can see a map"


def test_empty_text_renders_nothing():
    assert render_markdown(None) == "" and render_markdown("  \n ") == ""
    assert render_markdown_inline("") == "" and linebreaks(None) == ""


def test_linebreaks_escapes_plain_text_and_keeps_its_paragraphs_and_lines():
    html = linebreaks("Paper forms <b>only</b>\r\nand Excel\n\n\nSecond paragraph")

    assert html == "<p>Paper forms &lt;b&gt;only&lt;/b&gt;<br>\nand Excel</p>\n<p>Second paragraph</p>"


def test_the_filters_are_registered_for_templates(app):
    assert {"markdown", "markdown_inline", "nl2br"} <= set(app.jinja_env.filters)
    template = app.jinja_env.from_string("{{ text | markdown }}{{ text | nl2br }}")

    html = template.render(text="*hi* <script>")

    assert html == "<p><em>hi</em> &lt;script&gt;</p>\n<p>*hi* &lt;script&gt;</p>"


def test_the_inertness_check_itself_spots_executable_markup():
    # Guards the XSS tests against passing vacuously.
    assert executable_markup('<a href=" JavaScript:alert(1)">x</a>')
    assert executable_markup('<p onclick="x()">x</p>') and executable_markup("<script>x</script>")
    assert executable_markup('<img src="x">') and not executable_markup('<a href="https://ok">x</a>')
