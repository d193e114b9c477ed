"""Synthetic bilingual help requests and a fixed query mix for the search benchmark.

Deterministic for a given seed. Requests are built from themes (who a nonprofit serves) and
artifacts (what it needs built), in Chinese (about 45%), English (35%) or Chinese with English
technical words (20%), with the answers and a spec of the length real requests have (1.5-3 KB).
The queries are what people type: one to three words from the same vocabulary in either
language, Traditional spellings, plurals, a few typos, and filters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

# (Chinese, English, cause slug)
THEMES = (
    ("尘肺病患者", "pneumoconiosis patients", "health"),
    ("食物银行", "food bank", "food"),
    ("养老院", "care home", "elderly"),
    ("流浪动物救助", "stray animal rescue", "animals"),
    ("留守儿童", "left-behind children", "children"),
    ("乡村图书馆", "village library", "reading"),
    ("法律援助热线", "legal aid hotline", "legal-aid"),
    ("残障人士就业", "disability employment", "disability"),
    ("社区垃圾分类", "community waste sorting", "environment"),
    ("洪水救灾物资", "flood relief supplies", "disaster-relief"),
    ("非遗手工艺", "heritage crafts", "culture"),
    ("农民工工资", "migrant worker wages", "labour-rights"),
    ("助学金", "student grants", "education"),
    ("罕见病家庭", "rare disease families", "health"),
    ("社区食堂", "community canteen", "food"),
    ("听障儿童", "deaf children", "disability"),
    ("河流水质监测", "river water quality", "environment"),
    ("行道树", "street trees", "environment"),
    ("独居老人", "older people living alone", "elderly"),
    ("家暴求助", "domestic violence support", "legal-aid"),
    ("职业技能培训", "vocational training", "employment"),
    ("乡村电商", "rural e-commerce", "rural"),
    ("公益透明", "charity transparency", "open-data"),
    ("心理热线", "mental health hotline", "health"),
    ("社区志愿者", "community volunteers", "community"),
    ("博物馆导览", "museum guide", "culture"),
    ("候鸟观测", "bird migration survey", "environment"),
    ("无障碍出行", "accessible travel", "disability"),
    ("儿童营养", "child nutrition", "children"),
    ("助残辅具", "assistive devices", "disability"),
    ("乡村教师", "rural teachers", "education"),
    ("环卫工人", "sanitation workers", "labour-rights"),
)

# (Chinese, English, skill slugs)
ARTIFACTS = (
    ("小程序", "mini-program", ("wechat-mini-program", "javascript")),
    ("数据库", "database", ("database-design", "postgresql")),
    ("官网", "website", ("website", "html-css")),
    ("预约系统", "booking system", ("rest-api", "python")),
    ("配送路线规划", "delivery route planning", ("maps-routing", "map-apis")),
    ("捐赠管理", "donation tracking", ("donations-payments", "database-design")),
    ("志愿者排班", "volunteer scheduling", ("nodejs", "notifications")),
    ("数据看板", "data dashboard", ("data-visualization", "reporting")),
    ("表格自动化", "spreadsheet automation", ("spreadsheet-automation", "python")),
    ("短信提醒", "SMS reminders", ("notifications", "rest-api")),
    ("随访记录", "follow-up records", ("database-design", "offline-first")),
    ("地图标注", "map annotation", ("gis", "geolocation")),
    ("安卓应用", "Android app", ("android", "flutter")),
    ("数据迁移", "data migration", ("data-migration", "mysql")),
    ("服务器备份", "server backups", ("linux-server", "backup-recovery")),
    ("审批流程", "approval workflow", ("approval-workflow", "django")),
    ("公众号菜单", "official account menu", ("wechat-official-account", "cms")),
    ("问卷分析", "survey analysis", ("data-analysis", "python")),
    ("权限管理", "access control", ("auth-permissions", "web-security")),
    ("智能问答", "chatbot", ("llm-apps", "nlp")),
)

REGIONS = ("北京", "上海", "Guangzhou", "四川 成都", "四川 凉山", "浙江 杭州", "广东 深圳", "江苏 南京",
           "云南 昆明", "甘肃 兰州", "Wuhan", "Xi'an", "贵州 贵阳", "黑龙江 哈尔滨", "online")
OLD_TOOLS_ZH = ("纸质登记表", "Excel 表格", "微信群接龙", "手写台账", "共享文档")
OLD_TOOLS_EN = ("paper forms", "an Excel workbook", "a WeChat group", "a handwritten ledger",
                "shared documents")
DATA_ZH = ("姓名、电话和住址", "每次上门的时间和记录", "物资入库和发放数量", "捐赠人和金额", "课程和出勤")
DATA_EN = ("names, phones and addresses", "dates and notes of each visit", "stock received and handed out",
           "donors and amounts", "classes and attendance")
PAINS_ZH = ("月底汇总时经常对不上数，社工要加班核对。", "新来的志愿者不知道该找谁，信息散在好几个群里。",
            "资助方要求季度报告，我们每次要花三天整理。", "出现问题时找不到历史记录，只能凭记忆。",
            "老人和家属看不懂复杂的界面，需要大字和语音提示。")
PAINS_EN = ("At the end of each month the numbers never add up and staff stay late to reconcile them.",
            "New volunteers do not know whom to ask; the information is spread over several chats.",
            "Our funder wants a quarterly report and it takes us three days to put together.",
            "When something goes wrong we cannot find the history and rely on memory.",
            "Older users and their families struggle with busy screens and need large text.")
ROLES_ZH = ("社工", "志愿者", "项目主管", "受助家庭", "财务")
ROLES_EN = ("caseworker", "volunteer", "programme lead", "family", "finance officer")
STORIES_ZH = ("作为{role}，我可以在手机上登记一次{artifact}相关的记录，离线时也能保存。",
              "作为{role}，我可以按月导出{theme}的服务数据，直接交给资助方。",
              "作为{role}，我可以看到今天需要跟进的人和事项。",
              "作为{role}，我可以收到短信或微信提醒，不会漏掉预约。",
              "作为{role}，我可以按地区和时间筛选记录并打印。")
STORIES_EN = ("As a {role}, I can log a {artifact} entry on my phone, even offline.",
              "As a {role}, I can export a month of {theme} data for our funder.",
              "As a {role}, I can see who needs a follow-up today.",
              "As a {role}, I can get an SMS or WeChat reminder so no appointment is missed.",
              "As a {role}, I can filter records by district and date and print them.")
CRITERIA_ZH = ("在千元安卓手机上三秒内打开。", "导出的表格能直接被资助方的模板读取。",
               "所有操作都有记录，可以追溯到人。")
CRITERIA_EN = ("Opens in under three seconds on a low-cost Android phone.",
               "The export opens in the funder's template without edits.",
               "Every change is recorded with who made it.")
TECH_WORDS = ("PostgreSQL", "React", "Flask", "Django", "Vue", "Excel", "API", "Docker", "Python", "GIS")


@dataclass
class SyntheticRequest:
    """One request's rows: the answers a nonprofit gave and its current spec."""

    title: str
    organization: int
    answers: dict[str, Any]
    spec: dict[str, Any]
    skills: tuple[str, ...]
    effort_hours: int
    team_size: int
    remote_ok: bool
    deadline_days: int | None
    published_days_ago: int


@dataclass
class SyntheticOrganization:
    name: str
    region: str
    causes: list[str]
    verified: bool


@dataclass
class Corpus:
    organizations: list[SyntheticOrganization] = field(default_factory=list)
    requests: list[SyntheticRequest] = field(default_factory=list)


def build_corpus(size: int, seed: int = 2026) -> Corpus:
    """`size` requests from about one organisation per 40 requests."""
    rng = random.Random(seed)
    corpus = Corpus()
    for number in range(max(10, size // 40)):
        theme = rng.choice(THEMES)
        zh = rng.random() < 0.6
        name = (f"{rng.choice(REGIONS).split()[-1]}{theme[0]}服务中心{number}" if zh
                else f"{theme[1].title()} Network {number}")
        causes = sorted({theme[2], rng.choice(THEMES)[2]})
        corpus.organizations.append(
            SyntheticOrganization(name, rng.choice(REGIONS), causes, rng.random() < 0.8))
    for _ in range(size):
        corpus.requests.append(_request(rng, len(corpus.organizations)))
    return corpus


def _request(rng: random.Random, organizations: int) -> SyntheticRequest:
    theme_zh, theme_en, _ = rng.choice(THEMES)
    artifact_zh, artifact_en, skills = rng.choice(ARTIFACTS)
    extra_skill = rng.choice(ARTIFACTS)[2][0]
    language = rng.choices(("zh", "en", "mixed"), weights=(45, 35, 20))[0]
    hours = rng.choice((20, 40, 60, 90, 120, 160, 200, 300))
    if language == "en":
        theme, artifact = theme_en, artifact_en
        title = f"{artifact_en[0].upper()}{artifact_en[1:]} for our {theme_en} programme"
        answers, spec = _texts(rng, ENGLISH, theme, artifact, hours)
    else:
        theme, artifact = theme_zh, artifact_zh
        tech = rng.choice(TECH_WORDS) if language == "mixed" else ""
        title = f"{theme_zh}{artifact_zh}" + (f"（{tech}）" if tech else "")
        answers, spec = _texts(rng, CHINESE, theme, artifact, hours, tech)
    chosen = tuple(sorted({*skills, extra_skill}))
    spec["skills"] = list(chosen)
    return SyntheticRequest(
        title=title, organization=rng.randrange(organizations), answers=answers, spec=spec, skills=chosen,
        effort_hours=hours, team_size=rng.choice((1, 1, 2, 2, 3)), remote_ok=rng.random() < 0.7,
        deadline_days=rng.choice((None, 30, 60, 90, 180)), published_days_ago=rng.randrange(0, 365))


@dataclass(frozen=True)
class Language:
    """How requests read in one language: the pools to draw from and the sentences they fill."""

    tools: tuple[str, ...]
    data: tuple[str, ...]
    pains: tuple[str, ...]
    roles: tuple[str, ...]
    stories: tuple[str, ...]
    criteria: tuple[str, ...]
    problem: str
    current_process: str
    users: str
    data_kept: str
    story_action: str  # what comes before the action in a story ("作为社工，" / ", I can ")
    rhythm: str
    constraints: str
    summary: str
    entity_separators: tuple[str, str]  # (what else separates data items, the separator)
    effort_reasoning: str
    tech_note: str = ""


CHINESE = Language(
    OLD_TOOLS_ZH, DATA_ZH, PAINS_ZH, ROLES_ZH, STORIES_ZH, CRITERIA_ZH,
    problem="我们服务{theme}，目前用{tool}记录{data}，每月要花{tidy_hours}个小时整理。{pain1}{pain2}{tech_note}",
    current_process="现在由{role0}手工登记，再由{role1}每周汇总到{tool}里。",
    users="{staff}位{role0}和{people}个{role2}会用到。", data_kept="{Data}，以及{theme}的服务记录。",
    story_action="，", rhythm="每两周线上沟通一次。", constraints="没有服务器预算，最好用免费的云服务。",
    summary="为{theme}项目做一个{artifact}，替代{tool}。", entity_separators=("和", "、"),
    effort_reasoning="一个{artifact}，约 {hours} 小时。",
    tech_note="我们的志愿者建议用 {tech}，但我们不确定。")
ENGLISH = Language(
    OLD_TOOLS_EN, DATA_EN, PAINS_EN, ROLES_EN, STORIES_EN, CRITERIA_EN,
    problem="We serve {theme} and keep {data} in {tool}; tidying it up takes {tidy_hours} hours a month. "
            "{pain1} {pain2}",
    current_process="A {role0} writes everything down and a {role1} copies it into {tool} every week.",
    users="{staff} {role0}s and about {people} {role2}s.",
    data_kept="{Data}, and the history of our {theme} work.",
    story_action=", I can ", rhythm="A video call every two weeks.",
    constraints="No budget for servers; free tiers only.",
    summary="A {artifact} for the {theme} programme, replacing {tool}.", entity_separators=(" and ", ","),
    effort_reasoning="One {artifact}, about {hours} hours.")


def _texts(rng: random.Random, language: Language, theme: str, artifact: str, hours: int,
           tech: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """A request's answers and its spec in `language`."""
    tool, data = rng.choice(language.tools), rng.choice(language.data)
    pains = rng.sample(language.pains, 2)
    roles = rng.sample(language.roles, 3)
    stories = [story.format(role=rng.choice(roles), artifact=artifact, theme=theme)
               for story in rng.sample(language.stories, rng.randint(3, 5))]
    words = {"theme": theme, "artifact": artifact, "tool": tool, "data": data, "Data": data.capitalize(),
             "role0": roles[0], "role1": roles[1], "role2": roles[2], "pain1": pains[0], "pain2": pains[1],
             "tech_note": language.tech_note.format(tech=tech) if tech else ""}
    words["tidy_hours"] = rng.randint(10, 60)  # drawn after the stories: the order of draws fixes the corpus
    answers = {
        "problem": language.problem.format(**words),
        "current_process": language.current_process.format(**words),
        "users": language.users.format(**words, staff=rng.randint(3, 40), people=rng.randint(20, 500)),
        "data_kept": language.data_kept.format(**words),
        "must_do": [story.split(language.story_action, 1)[1] for story in stories[:3]],
        "rhythm": language.rhythm, "constraints": language.constraints,
    }
    other, separator = language.entity_separators
    spec = {
        "summary": language.summary.format(**words), "background": answers["problem"],
        "users_and_roles": roles,
        "data_entities": [part.strip() for part in data.replace(other, separator).split(separator)
                          if part.strip()],
        "user_stories": stories, "acceptance_criteria": rng.sample(language.criteria, 2),
        "constraints": [answers["constraints"]], "team_size": 1, "effort_hours": hours,
        "effort_reasoning": language.effort_reasoning.format(artifact=artifact, hours=hours),
        "open_questions": [],
    }
    return answers, spec


# --- the query mix -------------------------------------------------------------------------------

TRADITIONAL = {"数据库": "資料庫", "志愿者排班": "志願者排班", "养老院": "養老院", "食物银行": "食物銀行",
               "小程序": "小程式", "尘肺病患者": "塵肺病患者", "捐赠管理": "捐贈管理", "图书馆": "圖書館"}
TYPOS = ("databse", "volunter scheduling", "mini progam", "dashbord", "食物银航")
ENGLISH_FORMS = ("databases", "mini-programs", "bookings", "reminders", "backups", "volunteers",
                 "donations", "dashboards", "maps", "surveys")
FILTER_CHOICES: tuple[dict[str, Any], ...] = (
    {"remote": True}, {"verified": True}, {"has_free_seats": True}, {"effort": "small"},
    {"effort": "medium"}, {"cause": "health"}, {"cause": "environment"}, {"cause": "food"},
    {"region": "北京"}, {"region": "online"}, {"skills": ("python",)}, {"skills": ("wechat-mini-program",)},
    {"skills": ("database-design",)}, {"sort": "newest"}, {"sort": "deadline"},
)


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: words, filters (search API names) and its kind for the report."""

    kind: str
    words: str
    filters: dict[str, Any]


def query_mix(count: int = 300, seed: int = 7) -> list[BenchQuery]:
    """The fixed mix: 30% Chinese, 30% English, 15% mixed, 5% Traditional or typos, 20% with filters."""
    rng = random.Random(seed)
    plan = (("chinese", 0.30), ("english", 0.30), ("mixed", 0.15), ("traditional_or_typo", 0.05),
            ("filtered", 0.20))
    queries: list[BenchQuery] = []
    for kind, share in plan:
        for _ in range(round(count * share)):
            queries.append(_query(rng, kind))
    return queries[:count]


def _query(rng: random.Random, kind: str) -> BenchQuery:
    theme_zh, theme_en, _ = rng.choice(THEMES)
    artifact_zh, artifact_en, _ = rng.choice(ARTIFACTS)
    if kind == "chinese":
        words = rng.choice((theme_zh, artifact_zh, f"{theme_zh} {artifact_zh}", theme_zh[:2],
                            f"{artifact_zh} 志愿者"))
    elif kind == "english":
        words = rng.choice((theme_en, artifact_en, f"{artifact_en} {theme_en.split()[0]}",
                            rng.choice(ENGLISH_FORMS), f"{rng.choice(ENGLISH_FORMS)} {theme_en.split()[-1]}"))
    elif kind == "mixed":
        words = rng.choice((f"{artifact_zh} {rng.choice(TECH_WORDS)}", f"{theme_zh} {artifact_en}",
                            f"{rng.choice(TECH_WORDS)} {theme_zh}"))
    elif kind == "traditional_or_typo":
        words = rng.choice((*TRADITIONAL.values(), *TYPOS))
    else:
        words = rng.choice((theme_zh, artifact_en, artifact_zh, theme_en, f"{artifact_zh} {theme_zh[:2]}"))
        filters: dict[str, Any] = {}
        for choice in rng.sample(FILTER_CHOICES, rng.choice((1, 1, 2))):
            filters.update(choice)
        return BenchQuery(kind, words, filters)
    return BenchQuery(kind, words, {})
