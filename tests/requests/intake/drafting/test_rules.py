"""The drafter's behaviour beyond the table: determinism, gaps, Traditional Chinese, and its rule files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.requests.intake.content import (
    LANGUAGES,
    REQUEST_FIELDS,
    ContentError,
    IntakeContent,
    forget_content,
    intake_content,
    read_content,
)
from app.requests.intake.drafting.answers import SPEC_FIELDS, IntakeAnswers
from app.requests.intake.drafting.drafter import draft_spec

ROOT = Path(__file__).resolve().parents[4]
CASES = json.loads((Path(__file__).with_name("cases.json")).read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def content() -> IntakeContent:
    return read_content(ROOT)


def draft(content: IntakeContent, **answers):
    return draft_spec(answers, content.rules, content.taxonomy)


# --- determinism and gaps -------------------------------------------------------------------------

def test_the_same_answers_always_give_the_same_spec(content) -> None:
    answers = CASES[1]["answers"]
    assert draft_spec(answers, content.rules, content.taxonomy) == draft_spec(
        dict(answers), content.rules, content.taxonomy)


def test_the_spec_does_not_depend_on_python_hash_randomisation() -> None:
    code = ("import json, sys; from app.requests.intake.content import read_content; "
            "from app.requests.intake.drafting.drafter import draft_spec; c = read_content(sys.argv[1]); "
            "cases = json.load(open(sys.argv[2], encoding='utf-8'))['cases']; "
            "print(json.dumps([draft_spec(x['answers'], c.rules, c.taxonomy).as_spec() for x in cases]))")
    outputs = {
        subprocess.run([sys.executable, "-c", code, str(ROOT), str(Path(__file__).with_name("cases.json"))],
                       cwd=ROOT, capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1


def test_empty_answers_become_open_questions_instead_of_an_error(content) -> None:
    spec = draft_spec({}, content.rules, content.taxonomy)
    assert spec.language == "zh_CN"  # Chinese first when there is nothing to go by
    assert spec.user_stories == [] and spec.data_entities == []
    assert {"title", "problem", "current_process", "users", "data_kept", "must_do", "user_count",
            "hosting", "rhythm", "deadline"} <= set(spec.open_question_topics)
    assert spec.team_size == 1 and spec.effort_hours == content.rules.effort["minimum_hours"]
    assert spec.skills == ["html-css", "rest-api"]
    assert spec.summary.startswith("未命名的需求")
    assert draft_spec(IntakeAnswers(), content.rules, content.taxonomy) == spec


def test_null_and_blank_answers_are_treated_as_missing(content) -> None:
    spec = draft(content, title=None, problem="   ", users=None, must_do=["", "  "], constraints=None,
                 deadline=None, rhythm=None)
    assert spec.user_stories == []
    assert "must_do" in spec.open_question_topics and "problem" in spec.open_question_topics


def test_short_or_vague_answers_get_a_question(content) -> None:
    spec = draft(content, title="Tree tagging mini program for our city", users="志愿者、工作人员等等",
                 data_kept="树木、照片等等", must_do=["拍照", "志愿者在小程序里拍照标记行道树"])
    assert {"users", "data_kept", "must_do"} <= set(spec.open_question_topics)
    assert any("“拍照”" in question for question in spec.open_questions)


def test_the_spec_has_exactly_the_api_contract_sections(content) -> None:
    spec = draft(content, **CASES[0]["answers"]).as_spec()
    assert tuple(spec) == SPEC_FIELDS
    assert isinstance(spec["team_size"], int) and isinstance(spec["effort_hours"], int)
    assert all(isinstance(spec[key], list) for key in ("users_and_roles", "data_entities", "user_stories",
                                                       "acceptance_criteria", "constraints", "skills",
                                                       "open_questions"))
    json.dumps(spec)  # stored as a spec version's JSON content


# --- language, Traditional Chinese, skills --------------------------------------------------------

@pytest.mark.parametrize(("problem", "language"), [
    ("我们用 Excel 和 WeChat 群管理志愿者，经常漏掉人。", "zh_CN"),
    ("We run 环保 workshops in 昆明 and lose track of who signed up.", "en"),
    ("Our volunteers keep paper records.", "en"),
])
def test_the_spec_language_follows_the_answers(content, problem: str, language: str) -> None:
    assert draft(content, problem=problem).language == language


@pytest.mark.parametrize(("text", "skill"), [
    ("我們想把 Excel 換成資料庫", "database-design"),
    ("希望做成小程式", "wechat-mini-program"),
    ("志工需要在地圖上看到配送路線", "maps-routing"),
    ("我們的官方網站需要改版", "website"),
])
def test_traditional_chinese_still_maps_to_skills(content, text: str, skill: str) -> None:
    spec = draft(content, problem=text)
    assert skill in spec.skills
    assert spec.language == "zh_CN"


def test_traditional_answers_are_written_out_in_simplified_chinese(content) -> None:
    spec = draft(content, users="20位志工", must_do=["志工在發放點登記領取"])
    assert spec.user_stories == ["作为志愿者，我可以在发放点登记领取"]
    assert spec.users_and_roles == ["志愿者（约 20 人）"]


def test_simplified_chinese_is_left_as_written(content) -> None:
    # tw2sp would turn Simplified 程序 into 进程; it must only touch Traditional text.
    spec = draft(content, must_do=["市民在小程序里标记行道树"])
    assert spec.user_stories == ["作为公众，我可以在小程序里标记行道树"]
    assert "wechat-mini-program" in spec.skills


@pytest.mark.parametrize(("text", "absent"), [
    ("我们关注食品安全", "web-security"),
    ("志愿者每年参加两次培训", "training-handover"),
    ("我们的内容很多", "content-strategy"),
    ("Volunteers collect food donations from donors", "donations-payments"),
])
def test_everyday_words_do_not_pass_for_skills(content, text: str, absent: str) -> None:
    assert absent not in draft(content, problem=text).skills


# --- roles, stories, entities ---------------------------------------------------------------------

@pytest.mark.parametrize(("users", "line"), [
    ("二十名员工", "工作人员（约 20 人）"),
    ("一百五十名志愿者", "志愿者（约 150 人）"),
    ("志愿者约30人", "志愿者（约 30 人）"),
    ("合作医院15家", "合作医院（约 15 家）"),
    ("20 staff and about 40 community volunteers", "Staff member (about 20)"),
    ("20 staff and about 40 community volunteers", "Field volunteer (about 40)"),
    ("Volunteers (about 300), 5 coordinators", "Field volunteer (about 300)"),
    ("three social workers", "Social worker (about 3)"),
])
def test_role_counts_are_read_from_the_users_answer(content, users: str, line: str) -> None:
    assert line in draft(content, users=users).users_and_roles


@pytest.mark.parametrize(("users", "item", "story"), [
    ("工作人员、志愿者", "审核志愿者提交的申请", "作为工作人员，我可以审核志愿者提交的申请"),
    ("工作人员、志愿者", "提醒志愿者第二天的配送任务", "作为工作人员，我可以提醒志愿者第二天的配送任务"),
    ("工作人员、志愿者", "让志愿者在手机上填写走访记录", "作为志愿者，我可以在手机上填写走访记录"),
    ("工作人员、财务", "报销医院发票", "作为财务，我可以报销医院发票"),
    ("staff, donors", "Staff approves applications", "As a staff member I can approve applications"),
    ("staff, donors", "Donors can see where their food went", "As a donor I can see where their food went"),
    ("staff, volunteers", "Send volunteers a reminder", "As a staff member I can send volunteers a reminder"),
    ("", "An administrator archives old cases", "As an administrator I can archive old cases"),
])
def test_each_story_is_told_by_the_role_doing_the_work(content, users: str, item: str, story: str) -> None:
    assert draft(content, users=users, must_do=[item]).user_stories == [story]


def test_must_do_may_arrive_as_one_text_with_an_item_per_line(content) -> None:
    spec = draft(content, users="工作人员", must_do="1. 志愿者上传照片\n2. 工作人员审核照片\n")
    assert spec.user_stories == ["作为志愿者，我可以上传照片", "作为工作人员，我可以审核照片"]


@pytest.mark.parametrize(("data_kept", "entities"), [
    ("申请材料、发票和捐赠记录", ["申请（Application）", "发票（Invoice）", "捐赠（Donation）"]),
    ("患者的姓名、电话和病历，以及医院发票",
     ["患者（Patient）", "病历（Medical record）", "医院（Hospital）", "发票（Invoice）"]),
    ("我们记录培训证书、培训证书", ["培训证书"]),
    ("donors, recipients and their addresses, food donations",
     ["Donor", "Recipient", "Food item", "Donation"]),
    ("Beneficiary records, training certificates and phone numbers", ["Recipient", "Training certificate"]),
])
def test_entities_are_pulled_out_of_what_the_organisation_keeps(content, data_kept: str,
                                                               entities: list[str]) -> None:
    assert draft(content, data_kept=data_kept).data_entities == entities


# --- constraints and open questions ---------------------------------------------------------------

def test_every_checklist_option_is_recognised_as_its_own_constraint(content) -> None:
    question = next(q for q in content.questions if q.key == "constraints")
    constraints = {c.id: c for c in content.rules.constraints}
    for value, label in question.options:
        for language in LANGUAGES:
            spec = draft(content, constraints=label[language])
            requirement = constraints[value].requirement[spec.language]
            recognised = [c.id for c in content.rules.constraints if c.requirement[spec.language]
                          in spec.constraints]
            assert recognised == [value], f"{label[language]!r} read as {recognised}"
            assert requirement in spec.constraints
        ticked = draft_spec(IntakeAnswers.from_mapping({"constraints": [value]}), content.rules,
                            content.taxonomy)
        assert constraints[value].acceptance[ticked.language] in ticked.acceptance_criteria


def test_ticked_options_and_free_text_mix_in_the_constraints_answer(content) -> None:
    answers = IntakeAnswers.from_mapping({"constraints": ["works_on_phones", "办公室只有一台旧电脑"]})
    assert answers.constraint_options == ("works_on_phones",)
    spec = draft_spec(answers, content.rules, content.taxonomy)
    assert "页面适配手机屏幕，主要操作不需要电脑。" in spec.constraints
    assert "机构补充：办公室只有一台旧电脑。" in spec.constraints


def test_sensitive_data_without_a_privacy_answer_gets_a_privacy_question(content) -> None:
    spec = draft(content, data_kept="患者病历、身份证号、家庭住址")
    question = spec.open_questions[spec.open_question_topics.index("privacy")]
    assert "病历等医疗信息" in question and "身份证号" in question and "家庭住址" in question
    assert "个人信息只有被授权的角色能看到；每次导出都会留下记录。" in spec.acceptance_criteria
    answered = draft(content, data_kept="患者病历、身份证号、家庭住址",
                     constraints="病历只能让审核人员看到，要保密")
    assert "privacy" not in answered.open_question_topics


def test_hosting_user_count_rhythm_and_deadline_questions_go_away_once_answered(content) -> None:
    asked = draft(content, users="志愿者和工作人员")
    assert {"hosting", "user_count", "rhythm", "deadline"} <= set(asked.open_question_topics)
    answered = draft(content, users="50名志愿者和3名工作人员", constraints="我们有阿里云服务器",
                     rhythm="biweekly", deadline="2025-09-01")
    assert not {"hosting", "user_count", "rhythm", "deadline"} & set(answered.open_question_topics)
    assert "截止日期：2025-09-01。" in answered.constraints
    assert "工作节奏：每两周与机构同步一次进度。" in answered.constraints


def test_more_work_means_more_hours_and_a_bigger_team(content) -> None:
    small = draft(content, users="2名工作人员", must_do=["工作人员发布活动"], data_kept="活动")
    large = draft(content, **CASES[0]["answers"])
    assert small.effort_hours < large.effort_hours and small.team_size < large.team_size
    assert small.team_size == 1 and 1 <= large.team_size <= 4


# --- the rule files -------------------------------------------------------------------------------

def test_the_question_set_asks_for_every_request_field_in_both_languages(content) -> None:
    assert [q.key for q in content.questions] == list(REQUEST_FIELDS)
    problem = next(q for q in content.questions if q.key == "problem")
    assert problem.question == {"zh_CN": "今天最让你们头疼的是什么？", "en": "What is hardest for you today?"}
    for question in content.questions:
        for language in LANGUAGES:
            assert question.question[language] and question.help[language] and question.example[language]
    rhythm = next(q for q in content.questions if q.key == "rhythm")
    assert [value for value, _ in rhythm.options] == ["weekly", "biweekly", "monthly"]


def test_content_is_read_once_per_process_for_the_app(app) -> None:
    forget_content()
    first = intake_content()
    assert intake_content() is first
    forget_content()
    assert intake_content() is not first and intake_content() == first


@pytest.fixture
def copy_of_content(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "requests", tmp_path / "requests")
    (tmp_path / "volunteers").mkdir()
    shutil.copy(ROOT / "volunteers" / "skills.json", tmp_path / "volunteers" / "skills.json")
    return tmp_path


def _edit(root: Path, relative: str, change: Callable[[dict], None]) -> None:
    path = root / relative
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


BROKEN = [
    ("requests/intake/drafting/roles.json", lambda d: d["roles"][2].pop("words"),
     ["requests/intake/drafting/roles.json", "role #3 ('social_worker')", "'words' is missing"]),
    ("requests/intake/drafting/constraints.json", lambda d: d["constraints"][0]["skills"].append("cobol"),
     ["requests/intake/drafting/constraints.json", "constraint #1 ('no_hosting_budget')", "'cobol'"]),
    ("requests/intake/drafting/entities.json", lambda d: d["entities"][1].update(id="application"),
     ["requests/intake/drafting/entities.json", "entity #2 ('application')", "already used"]),
    ("requests/intake/drafting/language.json",
     lambda d: d["phrasing"]["en"].update(story="As a {rol} I can {item}"),
     ["requests/intake/drafting/language.json", "phrasing en.story", "{rol}"]),
    ("requests/intake/drafting/effort.json", lambda d: d["integrations"][0].update(hours="many"),
     ["requests/intake/drafting/effort.json", "integration #1 ('maps')", "'hours'"]),
    ("requests/intake/drafting/open_questions.json", lambda d: d["fields"][0]["question"].pop("en"),
     ["requests/intake/drafting/open_questions.json", "field check #1 ('title')", "en"]),
    ("requests/intake/drafting/skill_keywords.json", lambda d: d["ignored_synonyms"].append("blockchain"),
     ["requests/intake/drafting/skill_keywords.json", "'blockchain'", "no skill's synonym"]),
    ("requests/intake/drafting/roles.json", lambda d: d["action_hints"][0]["roles"].append("astronaut"),
     ["requests/intake/drafting/roles.json", "action hint #1", "'astronaut'"]),
    ("requests/intake/questions.json",
     lambda d: d["questions"][7]["options"].append({"value": "no_cars",
                                                    "label": {"zh_CN": "没车", "en": "No cars"}}),
     ["requests/intake/questions.json", "question #8 ('constraints')", "'no_cars'"]),
    ("requests/intake/questions.json", lambda d: d["questions"].pop(),
     ["requests/intake/questions.json", "'deadline'"]),
]


@pytest.mark.parametrize(("relative", "change", "fragments"), BROKEN,
                         ids=[f"{b[0].rsplit('/', 1)[1]}-{b[2][1]}" for b in BROKEN])
def test_a_broken_rule_file_is_refused_with_its_file_and_entry_named(copy_of_content: Path, relative: str,
                                                                     change, fragments: list[str]) -> None:
    _edit(copy_of_content, relative, change)
    with pytest.raises(ContentError) as error:
        read_content(copy_of_content)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_a_rule_file_that_is_not_json_or_is_missing_is_named(copy_of_content: Path) -> None:
    (copy_of_content / "requests/intake/drafting/effort.json").write_text("{hours: 12", encoding="utf-8")
    with pytest.raises(ContentError, match=r"requests/intake/drafting/effort\.json: not valid JSON"):
        read_content(copy_of_content)
    (copy_of_content / "requests/intake/drafting/effort.json").unlink()
    with pytest.raises(ContentError, match=r"requests/intake/drafting/effort\.json: the file is missing"):
        read_content(copy_of_content)


def test_rules_grow_without_code_changes(copy_of_content: Path) -> None:
    def add_ranger(document: dict) -> None:
        document["roles"].append({"id": "ranger", "name": {"zh_CN": "护林员", "en": "forest ranger"},
                                  "words": ["护林员", "ranger"]})

    _edit(copy_of_content, "requests/intake/drafting/roles.json", add_ranger)
    _edit(copy_of_content, "requests/intake/drafting/skill_keywords.json",
          lambda d: d["keywords"].append({"skill": "gis", "words": ["巡山"]}))
    grown = read_content(copy_of_content)
    answers = {"users": "12名护林员", "must_do": ["护林员巡山时上报火情"]}
    spec = draft_spec(answers, grown.rules, grown.taxonomy)
    assert spec.users_and_roles == ["护林员（约 12 人）"]
    assert spec.user_stories == ["作为护林员，我可以巡山时上报火情"]
    assert "gis" in spec.skills
