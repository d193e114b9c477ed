"""The analyzer: Chinese words with their sub-words, full-width folding, Traditional to Simplified
(without mangling Simplified text), English stems, stop words, and spans for highlighting."""

from __future__ import annotations

import pytest

from app.search.engine import analysis as analyzer
from app.search.engine import tokens


def words(text: str) -> list[str]:
    return [word.text for word in analyzer.words(text)]


def test_a_chinese_word_is_found_whole_and_by_its_parts():
    assert words("尘肺病") == ["尘肺", "肺病", "尘肺病"]


def test_user_dictionary_words_stay_whole_in_context():
    assert "食物银行" in words("社区食物银行的捐赠")
    assert "小程序" in words("微信小程序开发")
    assert "志愿者" in words("招募志愿者")


def test_full_width_letters_fold_to_lowercase_ascii():
    assert words("ＳＥＯ优化") == ["seo", "优化"]


def test_english_plural_and_singular_share_a_stem():
    assert tokens.terms("databases") == ["databas"]
    assert tokens.terms("database") == ["databas"]
    assert tokens.terms("routing routes") == ["rout", "rout"]


def test_traditional_text_becomes_simplified():
    assert analyzer.normalize("資料庫") == "数据库"
    assert "数据库" in words("資料庫")
    assert analyzer.normalize("食物銀行的志願者") == "食物银行的志愿者"


def test_simplified_text_is_never_rewritten_by_the_taiwan_phrase_table():
    # OpenCC's tw2sp alone turns 小程序 into 小进程 and 程序 into 进程.
    assert analyzer.normalize("小程序") == "小程序"
    assert "小程序" in words("小程序")
    assert analyzer.normalize("程序员开发小程序") == "程序员开发小程序"


def test_traditional_words_beside_simplified_ones_are_converted_alone():
    assert analyzer.normalize("開發小程序") == "开发小程序"
    assert words("開發小程序")[:1] == ["开发"]


def test_punctuation_and_whitespace_are_not_words():
    assert words("  Hello,   world!  ——「公益」。 ") == ["hello", "world", "公益"]


@pytest.mark.parametrize("stop_word", ["的", "the", "and"])
def test_stop_words_are_dropped(stop_word):
    assert stop_word not in words(f"食物银行 {stop_word} food bank")


def test_positions_are_sequential_and_spans_point_into_the_original_text():
    text = "ＳＥＯ與資料庫"
    found = analyzer.words(text)

    assert [text[word.start:word.end] for word in found] == ["ＳＥＯ", "資料", "料庫", "資料庫"]


def test_any_string_can_be_analyzed():
    for text in ["", " ", "\x00\x01", "🙂" * 50, "a" * 5000, "\ud7ff", "ﬁ①②", "AND OR NOT"]:
        assert isinstance(analyzer.words(text), list)
