"""The spec drafter: a nonprofit's intake answers in, an engineer-readable spec out, by rules held in data.

`draft_spec` composes the spec from its parts: users and roles (`drafting_roles`), data entities
(`drafting_entities`), constraints, skills and effort (`drafting_effort`) and open questions
(`drafting_questions`), each written through the rules' sentence patterns (`phrasing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.requests.intake.drafting.answers import TEXT_FIELDS, DraftedSpec, IntakeAnswers
from app.requests.intake.drafting.effort import (
    constraint_requirements,
    estimate_effort,
    find_constraints,
    find_skills,
)
from app.requests.intake.drafting.entities import data_entities
from app.requests.intake.drafting.phrasing import Writer
from app.requests.intake.drafting.questions import open_questions
from app.requests.intake.drafting.roles import must_do_stories, people_named, role_counts, role_lines
from app.requests.intake.drafting.rules import DraftingRules
from app.requests.intake.drafting.wording import (
    ANY_COUNT,
    detect_language,
    indefinite_article,
    is_traditional,
    mentions,
    normalise,
    sentences,
    trim,
)


def _summary(answers: IntakeAnswers, rules: DraftingRules, write: Writer, roles: list[str],
             team: int, hours: int) -> tuple[str, str]:
    """A summary and a background composed from trimmed sentences of the title, problem and process."""
    limit, count = rules.sentence_chars[write.language], rules.sentences_per_section
    title = trim((sentences(answers.title) or [write("untitled")])[0], limit)
    problem, process = sentences(answers.problem), sentences(answers.current_process)
    short = rules.summary_chars[write.language]
    opening = write("summary", title=title, problem=trim(problem[0], short)) if problem else title
    parts = [write.sentences([opening])]
    if roles:
        parts.append(write("summary_users", roles=write.join(roles)))
    parts.append(write("summary_size", engineers=write.count("count_engineer", team), hours=hours))
    background = []
    if problem:
        background.append(write("background_problem",
                                text=write.sentences(trim(s, limit) for s in problem[:count])))
    if process:
        background.append(write("background_process",
                                text=write.sentences(trim(s, limit) for s in process[:count])))
    joiner = write.patterns["sentence_joiner"]
    return joiner.join(parts), joiner.join(background) or write("background_missing")


def draft_spec(answers: IntakeAnswers | Mapping[str, Any], rules: DraftingRules,
               taxonomy: Sequence[Mapping[str, Any]]) -> DraftedSpec:
    """Draft the engineer-readable spec for a request's intake answers.

    Pure and deterministic: no Flask, no database, and the same answers, rules and taxonomy always
    give the same spec. Writes in the answers' language (mostly Chinese → zh_CN, else en). Never
    raises for missing or empty answers: each gap becomes an open question instead.
    """
    if not isinstance(answers, IntakeAnswers):
        answers = IntakeAnswers.from_mapping(answers)
    # People write all their answers in one script, so one Traditional answer marks them all.
    traditional = any(is_traditional(v) for v in (*vars(answers).values(), *answers.must_do)
                      if isinstance(v, str))
    answers = IntakeAnswers(**{key: normalise(value, traditional=traditional) if isinstance(value, str)
                               else tuple(normalise(v, traditional=traditional) for v in value)
                               for key, value in vars(answers).items()})
    everything = "\n".join([*(getattr(answers, key) for key in TEXT_FIELDS), *answers.must_do])
    language = detect_language(everything, rules.chinese_share, rules.default_language)
    write = Writer(rules, language)

    # Roles the users answer lists, then those doing a 'must do' item; roles named only as the object
    # of an item ("send donors a receipt") help choose who does it but are not listed as users.
    counts = role_counts(answers.users, rules)
    listed = [role_id for role_id, _, _ in counts]
    mentioned = [hit[2] for hit in people_named("\n".join(answers.must_do), rules)]
    stories = must_do_stories(answers, rules, [*listed, *mentioned])
    listed += [role.id for role, _ in stories]
    roles = role_lines(counts, list(dict.fromkeys(listed)), rules, write)
    entities = data_entities(answers.data_kept, rules, write)

    sensitive = [kind for kind in rules.sensitive_data if mentions(everything, kind.words)]
    applying, privacy_answered = find_constraints(answers, everything, rules, sensitive)
    constraint_lines, missing = constraint_requirements(answers, everything, applying, rules, write)
    skills = find_skills(everything, applying, rules, taxonomy)
    sizes = {"story": len(stories), "entity": len(entities), "role": len(roles)}
    team, hours, reasoning, integrations = estimate_effort(sizes, skills, applying, rules, write)

    user_stories, criteria = [], []
    for role, item in stories:
        name = write.pick(role.name)
        article = indefinite_article(name)
        user_stories.append(write("story", role=name, item=item, article=article))
        key = "acceptance_story" if role.signs_in else "acceptance_story_public"
        criteria.append(write(key, role=name, item=item, article=article, article_cap=article.capitalize()))
    criteria += [write.pick(c.acceptance) for c in applying]

    facts = {"has_user_count": any(n for _, n, _ in counts) or bool(ANY_COUNT.search(answers.users)),
             "hosting_known": mentions(everything, rules.hosting_words)
             or any(c.answers_hosting for c in applying),
             "sensitive": sensitive, "privacy_answered": privacy_answered, "missing": missing,
             "integrations": integrations}
    questions = open_questions(answers, everything, rules, write, facts)
    summary, background = _summary(answers, rules, write, roles, team, hours)
    return DraftedSpec(
        language=language, summary=summary, background=background, users_and_roles=roles,
        data_entities=entities, user_stories=user_stories, acceptance_criteria=criteria,
        constraints=constraint_lines, skills=skills, team_size=team, effort_hours=hours,
        effort_reasoning=reasoning, open_questions=[q for _, q in questions],
        open_question_topics=[topic for topic, _ in questions])
