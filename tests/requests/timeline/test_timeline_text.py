"""What each timeline step says, in the reader's language: every status move and the team's steps."""

from __future__ import annotations

import re

import pytest

from app.requests.status import _SUMMARIES
from app.requests.timeline import text as timeline_text
from tests.helpers import EN, ZH


@pytest.fixture(autouse=True)
def chinese_catalogue(compiled_catalogues) -> None:
    """The sentences are read in Chinese too: the catalogue is compiled before the first test runs."""


@pytest.mark.parametrize(("old", "new"), sorted(_SUMMARIES))
def test_every_move_of_the_status_machine_has_its_own_sentence(app, old, new):
    with app.test_request_context(headers=ZH):
        sentence = timeline_text.describe_entry("status_changed", {"from": old, "to": new},
                                                _SUMMARIES[(old, new)])

    assert sentence != _SUMMARIES[(old, new)]
    assert re.search(r"[\u4e00-\u9fff]", sentence)


@pytest.mark.parametrize(("kind", "detail", "english", "chinese"), [
    ("claim_submitted", {"role": "member"}, "A volunteer asked to join the team.",
     "一位志愿者申请加入团队。"),
    ("claim_accepted", {"role": "member"}, "A volunteer joined the team.", "一位志愿者加入了团队。"),
    ("claim_renewed", {"months": 6}, "A volunteer renewed their commitment for 6 months.",
     "一位志愿者续签了 6 个月的投入。"),
    ("claim_released", {}, "A coordinator released a seat on the team.", "协调员释放了团队中的一个席位。"),
    ("claim_expired", {}, "A request to join the team expired without an answer.",
     "一份加入团队的申请因无人答复而过期。"),
])
def test_the_teams_steps_read_the_same_in_both_languages(app, kind, detail, english, chinese):
    for headers, expected in ((EN, english), (ZH, chinese)):
        with app.app_context(), app.test_request_context(headers=headers):  # a fresh `g` for each language
            assert timeline_text.describe_entry(kind, detail, "stored summary") == expected
