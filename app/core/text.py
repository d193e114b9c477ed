"""User text made safe for pages: Markdown through markdown-it-py then nh3, plain text with line breaks."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# What user Markdown may become. No images (remote images track readers and the CSP blocks them),
# no raw HTML (markdown-it escapes it with html=False; nh3 is the second wall), no attributes but
# a link's target and title and a list's start.
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Content of these tags goes with the tag; markdown-it never emits them, but nh3 is the last wall.
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # CommonMark plus tables and strikethrough, which nonprofits paste from chat apps; the
    # "gfm-like" preset would also need linkify-it-py, which we don't depend on.
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")
    return md


def _clean(html: str) -> Markup:
    return Markup(nh3.clean(  # noqa: S704 (nh3 has just sanitised it)
        html, tags=set(ALLOWED_TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, strip_comments=True))


def render_markdown(text: Any, *, heading_offset: int = 0) -> Markup:
    """Markdown written by a user as sanitised HTML, safe to put in any page.

    Raw HTML in the source is shown as text, `javascript:` and other unknown link schemes are
    dropped, every link gets rel="nofollow noopener", and only the tags of ALLOWED_TAGS survive.
    `heading_offset` pushes headings down (1 turns `#` into <h2>) so a user's headings sit under
    the page's own; they stop at <h6>. None and empty text give empty markup.
    """
    source = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not source.strip():
        return Markup("")
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parse(source, env)
    if heading_offset:
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(int(token.tag[1]) + heading_offset, 6)}"
    return _clean(md.renderer.render(tokens, md.options, env))


def render_markdown_inline(text: Any) -> Markup:
    """One line of user Markdown (emphasis, code, links) as sanitised HTML without a paragraph around it.

    For list items such as user stories. The same guarantees as render_markdown hold.
    """
    source = " ".join(str(text or "").split())
    if not source:
        return Markup("")
    return _clean(_parser().renderInline(source))


def linebreaks(text: Any) -> Markup:
    """Plain text as escaped HTML paragraphs: a blank line starts a paragraph, a newline becomes <br>.

    Everything in `text` is escaped, so markup typed by a user shows as text. Empty text gives empty
    markup.
    """
    source = str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not source:
        return Markup("")
    paragraphs = [part.strip("\n") for part in _PARAGRAPH_BREAK.split(source) if part.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in part.split("\n")))
        for part in paragraphs)


def init_text_filters(app: Flask) -> None:
    """Register the Jinja filters `markdown`, `markdown_inline` and `nl2br` on `app`."""
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(render_markdown_inline, "markdown_inline")
    app.add_template_filter(linebreaks, "nl2br")
