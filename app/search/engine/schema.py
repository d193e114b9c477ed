"""The index schema, and a document from `app.search.indexing.documents` in its fields' shape."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from whoosh import columns, fields

from app.search.engine.tokens import pair_field, word_field

LATIN_WORD = re.compile(r"[a-z]{3,}")


class KeywordList(fields.KEYWORD):
    """Space-separated keywords (slugs) kept as a list column too, so facets count them fast."""

    def __init__(self) -> None:
        super().__init__(stored=True, lowercase=False, scorable=False)
        self.column_type = columns.VarBytesListColumn()  # KEYWORD(sortable=...) ignores a given column

    def to_column_value(self, value: Any) -> list[bytes]:
        items = value.split() if isinstance(value, str) else list(value)
        return [str(item).encode() for item in items]

    def from_column_value(self, value: Any) -> list[str]:
        return [item.decode() for item in value]


def make_schema() -> fields.Schema:
    """The index schema: text to search, keywords to filter and facet, values to sort by."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=word_field(stored=True, chars=True),
        content=word_field(stored=True, chars=True),
        labels=word_field(),
        han_pairs=pair_field(),
        latin_words=fields.KEYWORD(lowercase=False, scorable=False),  # for spelling suggestions
        skills=KeywordList(),
        cause=KeywordList(),
        region=fields.ID(stored=True, sortable=True),
        status=fields.ID(stored=True),
        effort=fields.ID(stored=True),
        remote=fields.BOOLEAN(stored=True),
        verified=fields.BOOLEAN(stored=True),
        seats_free=fields.NUMERIC(int, stored=True, sortable=True),
        published_at=fields.DATETIME(stored=True, sortable=True),
        deadline=fields.NUMERIC(int, stored=True, sortable=True),
        stamp=fields.ID(stored=True, sortable=True),
    )


SCHEMA_NAMES = frozenset(make_schema().names())


def index_fields(document: dict[str, Any]) -> dict[str, Any]:
    """A document from `app.search.indexing.documents` in the shape whoosh's writer takes."""
    content = "\n".join(part for part in (document["summary"], document["body"]) if part)
    labels = "\n".join(part for part in (document["organization"], document["skills_text"]) if part)
    values = {name: value for name, value in document.items()
              if name not in ("summary", "body", "organization", "skills_text")}
    values.update(content=content, labels=labels,
                  han_pairs="\n".join((document["title"], content, document["organization"])),
                  latin_words=" ".join(sorted(set(LATIN_WORD.findall(
                      "\n".join((document["title"], content)).lower())))))
    values["skills"] = " ".join(document["skills"])
    values["cause"] = " ".join(document["cause"])
    if not values["effort"]:
        del values["effort"]
    if values["published_at"] is None:
        del values["published_at"]
    else:  # whoosh stores naive datetimes: ours are UTC
        values["published_at"] = values["published_at"].astimezone(UTC).replace(tzinfo=None)
    return values
