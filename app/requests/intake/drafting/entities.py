"""Drafting data entities: the things the nonprofit keeps, from the lexicon or named in their own words."""

from __future__ import annotations

import re

from app.requests.intake.drafting.phrasing import Writer
from app.requests.intake.drafting.rules import DraftingRules
from app.requests.intake.drafting.wording import CJK, LATIN, TRIM, scan, singular, strip_leads


def _new_entity(piece: str, rules: DraftingRules, language: str) -> str | None:
    """A piece of the answer no lexicon entry knows, as an entity name, or None if it is no entity."""
    details = [word.casefold() for word in rules.not_entities]
    if "的" in piece:  # "项目点的电话": the part before 的 is the thing, the rest its detail
        head, _, tail = piece.rpartition("的")
        piece = head if tail.casefold() in details or not tail else piece
    changed = True
    while changed:
        changed = False
        for suffix in sorted(rules.entity_suffixes, key=len, reverse=True):
            if piece.casefold().endswith(suffix.casefold()) and len(piece) > len(suffix):
                piece, changed = piece[:-len(suffix)].strip(TRIM + "的"), True
    folded = piece.casefold()
    # A detail on its own ("电话"), or ending one ("紧急联系电话", "home addresses"), is no entity.
    if not piece or any(folded == d or folded.endswith(d if not d.isascii() else " " + d) for d in details):
        return None
    if len(piece) > rules.new_entity_chars[language] or not (CJK.search(piece) or LATIN.search(piece)):
        return None
    if piece.isascii():
        words = piece.split()
        # The head noun is the one before "for"/"of" ("calls for help"), else the last one.
        head = next((i - 1 for i, w in enumerate(words) if i and w.lower() in ("for", "of")), len(words) - 1)
        words[head] = singular(words[head])
        piece = " ".join(words)
        piece = piece[0].upper() + piece[1:]
    return piece


def data_entities(data_kept: str, rules: DraftingRules, write: Writer) -> list[str]:
    """The data entities in the 'information you keep' answer, through the entity lexicon, deduplicated."""
    separators = "|".join(re.escape(s) for s in sorted(rules.separators, key=len, reverse=True))
    lexicon = [(entry.id, entry.words) for entry in rules.entities]
    names = {entry.id: entry.name for entry in rules.entities}
    found: dict[str, str] = {}
    for raw in re.split(separators, data_kept, flags=re.IGNORECASE):
        piece = strip_leads(raw.strip(TRIM), rules.entity_lead_ins).strip(TRIM)
        hits = scan(piece, lexicon)
        for _start, _end, entity_id in hits:
            name = names[entity_id]
            found.setdefault(entity_id, write("entity", name=write.pick(name), english=name["en"]))
        new = None if hits or not piece else _new_entity(piece, rules, write.language)
        if new:
            found.setdefault(new.casefold(), new)
    return list(found.values())
