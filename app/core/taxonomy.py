"""The skills taxonomy: read and check volunteers/skills.json, and keep the skills table in step with it."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.core.audit import services as audit
from app.core.models import Skill
from app.extensions import db

TAXONOMY_FILE = Path("volunteers") / "skills.json"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Column widths of app.core.models.Skill; a longer value would fail only on PostgreSQL.
MAX_SLUG, MAX_NAME, MAX_CATEGORY = 60, 120, 60
SKILL_FIELDS = ("name_en", "name_zh", "category", "synonyms")


class TaxonomyError(ValueError):
    """The taxonomy file is missing, unreadable or breaks a rule; the message names the bad entry."""


def taxonomy_path() -> Path:
    """Where the taxonomy file lives: CONTENT_DIR/volunteers/skills.json."""
    return Path(current_app.config["CONTENT_DIR"]) / TAXONOMY_FILE


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: the skills taxonomy file is missing") from None
    except json.JSONDecodeError as error:
        raise TaxonomyError(f"{path}: not valid JSON ({error})") from None
    if isinstance(document, list):  # a bare list of skills is allowed: no categories declared
        document = {"skills": document}
    if not isinstance(document, dict) or not isinstance(document.get("skills"), list):
        raise TaxonomyError(f"{path}: expected an object with a \"skills\" list")
    return document


def _text(entry: dict[str, Any], field: str, limit: int) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} is missing or empty")
    if len(value) > limit:
        raise ValueError(f"{field} is longer than {limit} characters")
    return value.strip()


def _synonyms(entry: dict[str, Any]) -> list[str]:
    raw = entry.get("synonyms", [])
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise ValueError("synonyms must be a list of non-empty strings")
    seen: set[str] = set()
    for synonym in raw:
        # Full-width and case variants count as the same word (ＳＥＯ, seo and SEO are one synonym).
        key = unicodedata.normalize("NFKC", synonym).strip().casefold()
        if key in seen:
            raise ValueError(f"synonym {synonym!r} appears twice")
        seen.add(key)
    return [s.strip() for s in raw]


def _check_skill(entry: Any, categories: set[str] | None) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ValueError("each skill must be an object")
    slug = _text(entry, "slug", MAX_SLUG)
    if not SLUG_PATTERN.match(slug):
        raise ValueError("slug must be lowercase letters, digits and single hyphens")
    category = _text(entry, "category", MAX_CATEGORY) if "category" in entry else "other"
    if categories is not None and category not in categories:
        raise ValueError(f"category {category!r} is not declared in \"categories\"")
    return {"slug": slug, "name_en": _text(entry, "name_en", MAX_NAME),
            "name_zh": _text(entry, "name_zh", MAX_NAME), "category": category,
            "synonyms": _synonyms(entry)}


def load_categories() -> list[dict[str, str]]:
    """The skill categories declared in the taxonomy file, in file order ({slug, name_en, name_zh})."""
    document = _read(taxonomy_path())
    return [dict(c) for c in document.get("categories", []) if isinstance(c, dict)]


def load_taxonomy(path: Path | None = None) -> list[dict[str, Any]]:
    """Every skill in the taxonomy file (CONTENT_DIR's unless a path is given), checked, in file order.

    Each item is {slug, name_en, name_zh, category, synonyms}. Raises TaxonomyError, naming the
    entry by position and slug, when the file is missing or a skill has a duplicate or malformed
    slug, a missing name in either language, an undeclared category or a repeated synonym.
    """
    path = path or taxonomy_path()
    document = _read(path)
    declared = document.get("categories")
    categories = {c.get("slug") for c in declared if isinstance(c, dict)} if declared else None
    skills: list[dict[str, Any]] = []
    slugs: set[str] = set()
    for number, entry in enumerate(document["skills"], start=1):
        label = entry.get("slug") if isinstance(entry, dict) else None
        try:
            skill = _check_skill(entry, categories)
            if skill["slug"] in slugs:
                raise ValueError("this slug is already used by an earlier skill")
        except ValueError as error:
            raise TaxonomyError(f"{path.name}: skill #{number} ({label!r}): {error}") from None
        slugs.add(skill["slug"])
        skills.append(skill)
    return skills


def sync_skills() -> tuple[int, int]:
    """Make the skills table match the taxonomy file and commit; returns (inserted, updated).

    New slugs are inserted and changed names, categories or synonyms updated. Skills no longer in
    the file are kept, because profiles and requests may still refer to them. Running it again
    without file changes changes nothing. Raises TaxonomyError for a bad file (nothing is written).
    """
    skills = load_taxonomy()
    existing = {s.slug: s for s in db.session.scalars(sa.select(Skill))}
    inserted = updated = 0
    for entry in skills:
        row = existing.get(entry["slug"])
        if row is None:
            db.session.add(Skill(**entry))
            inserted += 1
            continue
        changed = False
        for field in SKILL_FIELDS:
            if getattr(row, field) != entry[field]:
                setattr(row, field, entry[field])
                changed = True
        if changed:
            updated += 1
    if inserted or updated:
        audit.record("skills.synced", target_type="skills", inserted=inserted, updated=updated)
    db.session.commit()
    return inserted, updated
