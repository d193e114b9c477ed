"""The catalogues: every string in the code has a Chinese translation that keeps its placeholders."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.config import Config
from tests.catalogues import TRANSLATIONS, catalogue, compile_catalogue

ROOT = TRANSLATIONS.parents[1]
CHINESE = "zh_CN"
# The same extraction as `make extract-messages`: babel.cfg, these keywords, these folders skipped.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
IGNORED_FOLDERS = (".*", "__pycache__", "node_modules")
FIX_HINT = ("run `make extract-messages`, then translate them in "
            "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po")

# %(name)s, %d, %.1f ... and the escaped %%; what gettext's python-format substitutes.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&\w+;|`[^`]*`")
HAN = r"[\u3400-\u9fff]"
# ASCII punctuation touching a Chinese character.
HALF_WIDTH_IN_CHINESE = re.compile(rf"{HAN}[,.:;!?()]|[,:;!?()]{HAN}")


def extract_messages() -> Catalog:
    """Every message id the code and templates mark for translation, as the extractor sees them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)

    def walk_into(folder: str) -> bool:
        return not any(Path(folder).match(pattern) for pattern in IGNORED_FOLDERS)

    extracted = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=walk_into):
        extracted.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return extracted


def read_catalogue(locale: str) -> Catalog:
    """The committed catalogue, its language and plural forms as its own header states them."""
    with open(catalogue(locale), "rb") as po:
        return read_po(po)


def translations(message: Message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def chinese_messages() -> list[Message]:
    return [message for message in read_catalogue(CHINESE) if message.id]


def message_label(message: Message) -> str:
    return message.id[0] if message.pluralizable else message.id


def test_extraction_finds_the_strings_of_code_templates_partials_and_deferred_subjects():
    extracted = extract_messages()

    assert extracted.get("Some fields need attention.") is not None  # Python, via _()
    assert extracted.get("Keep me signed in on this device") is not None  # a form label, via _l()
    assert extracted.get("Skip to main content") is not None  # templates/base.html
    assert extracted.get("Main navigation") is not None  # templates/_partials/, a folder named _...
    assert extracted.get("Reset your Codebridge password") is not None  # N_(), translated when sent
    assert extracted.get("You have %(num)d unread notification.").pluralizable  # ngettext


def test_every_message_in_the_code_has_a_finished_chinese_translation():
    chinese = read_catalogue(CHINESE)
    missing, unfinished = [], []
    for message in extract_messages():
        if not message.id:
            continue
        translated = chinese.get(message.id, context=message.context)
        if translated is None:
            missing.append(message_label(message))
        elif "fuzzy" in translated.flags or not all(translations(translated)):
            unfinished.append(message_label(message))

    assert not missing, f"{len(missing)} strings are not in the Chinese catalogue; {FIX_HINT}:\n" + \
        "\n".join(sorted(missing))
    assert not unfinished, f"{len(unfinished)} Chinese translations are empty or fuzzy; {FIX_HINT}:\n" + \
        "\n".join(sorted(unfinished))


def test_the_chinese_catalogue_has_one_plural_form():
    chinese = read_catalogue(CHINESE)

    assert chinese.num_plurals == 1
    assert "nplurals=1;" in chinese.plural_forms
    for message in chinese:
        if message.id and message.pluralizable:
            assert len(message.string) == 1, message.id


def placeholder_problem(message: Message, translated: str) -> str | None:
    """What a translation breaks of its source's %-placeholders and markup, or None."""
    source = message.id[-1] if message.pluralizable else message.id
    if Counter(PLACEHOLDER.findall(translated)) != Counter(PLACEHOLDER.findall(source)):
        return "placeholders differ"
    if Counter(MARKUP.findall(translated)) != Counter(MARKUP.findall(source)):
        return "markup differs"
    if "%" in PLACEHOLDER.sub("", translated):  # gettext's formatting would fail on the page
        return "a lone %"
    return None


def test_chinese_translations_keep_the_placeholders_and_markup_of_their_source():
    broken = []
    for message in chinese_messages():
        for translated in filter(None, translations(message)):  # missing ones: the completeness test
            if problem := placeholder_problem(message, translated):
                broken.append(f"{message_label(message)}\n    → {translated}  ({problem})")

    assert not broken, "fix these Chinese translations:\n" + "\n".join(broken)


def test_chinese_translations_use_full_width_punctuation():
    # Chinese text takes ，。：；！？（）; a half-width mark next to a Chinese character is a slip.
    slips = [translated for message in chinese_messages() for translated in translations(message)
             if HALF_WIDTH_IN_CHINESE.search(translated)]

    assert not slips, "use full-width punctuation in:\n" + "\n".join(slips)


def test_the_english_catalogue_falls_back_to_the_english_source_strings():
    # The source strings are English: an English translation could only drift from them.
    english = read_catalogue("en")

    filled = [message_label(message) for message in english if message.id and any(translations(message))]
    assert not filled, "leave English msgstr empty (the msgid is shown):\n" + "\n".join(filled)


@pytest.mark.parametrize("locale", Config.LANGUAGES)
def test_each_language_has_its_catalogue_where_babel_looks_for_it(locale):
    # Babel reads zh_CN as zh_Hans_CN: a catalogue in zh_CN/ would never be loaded.
    assert catalogue(locale).exists()
    assert read_catalogue(locale).locale_identifier == str(Locale.parse(locale))


@pytest.mark.parametrize("locale", Config.LANGUAGES)
def test_each_catalogue_compiles_without_errors_or_warnings(locale, tmp_path):
    compile_catalogue(locale, tmp_path / "messages.mo")

    assert (tmp_path / "messages.mo").stat().st_size > 0
