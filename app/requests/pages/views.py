"""Request pages: a request with its spec, its whole timeline, the spec as Markdown, the open projects."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult
from app.core.errors import NotFound
from app.core.models import User
from app.core.policy import can
from app.core.templating import current_locale, status_label
from app.requests import bp
from app.requests.models import HelpRequest, SpecVersion
from app.requests.organizations.contact import reveal_request_contact
from app.requests.pages import queries
from app.requests.pages.spec_markdown import SpecDocument, content_disposition, render_spec_markdown
from app.requests.review.spec_text import SECTION_LABELS, canonical_content
from app.requests.timeline.text import timeline_steps

TIMELINE_PREVIEW = 6
TIMELINE_PAGE_SIZE = 100
WITHDRAWABLE_STATUSES = frozenset({"draft", "intake", "open", "in_progress"})
CADENCE_LABELS = {"weekly": _l("Weekly"), "biweekly": _l("Every two weeks"), "monthly": _l("Monthly")}

RequestPanel = Callable[[User | None, HelpRequest], PanelResult]
_REQUEST_PANELS: dict[str, tuple[int, RequestPanel]] = {}


def request_page_panel(order: int = 100) -> Callable[[RequestPanel], RequestPanel]:
    """Register a panel on the request page (lower `order` first), for features this one can't import.

    The function receives the viewer (None when anonymous) and the request, and returns
    `(template_name, context)` to show a panel under the spec, or None to leave it out: the
    volunteers feature adds its claim button and team this way. Registering the same function
    again replaces it.
    """

    def register(fn: RequestPanel) -> RequestPanel:
        _REQUEST_PANELS[f"{fn.__module__}.{fn.__qualname__}"] = (order, fn)
        return fn

    return register


def render_request_panels(viewer: User | None, help_request: HelpRequest) -> list[Markup]:
    """The registered panels that have something to show for this viewer, rendered in order."""
    rendered = []
    for _name, (_order, build) in sorted(_REQUEST_PANELS.items(), key=lambda item: (item[1][0], item[0])):
        result = build(viewer, help_request)
        if result is not None:
            template, context = result
            rendered.append(Markup(render_template(template, **context)))  # noqa: S704 (our own templates)
    return rendered


def cadence_label(cadence: str) -> str:
    """How often the team checks in, as a phrase in the page's language."""
    return str(CADENCE_LABELS.get(cadence, cadence))


def _document(help_request: HelpRequest, spec: SpecVersion) -> SpecDocument:
    """The download's content in the reader's language: labels, facts and the spec's sections."""
    labels = {name: str(label) for name, label in SECTION_LABELS.items()}
    labels.update(team_and_effort=str(_l("Team and effort")), empty=str(_l("None listed.")),
                  spec_version=str(_l("Spec version")))
    team = ngettext("%(num)d engineer", "%(num)d engineers", help_request.team_size)
    seats = ngettext("%(num)d seat free", "%(num)d seats free", help_request.seats_free)
    facts = [(str(_l("Organisation")), help_request.organization.name),
             (str(_l("Status")), status_label(help_request.status)),
             (str(_l("Team")), f"{team} · {seats}"),
             (str(_l("Deadline")), format_date(help_request.deadline, "long") if help_request.deadline
              else str(_l("No hard deadline"))),
             (str(_l("Check-ins")), cadence_label(help_request.checkin_cadence))]
    return SpecDocument(
        request_id=help_request.id, title=help_request.title, content=canonical_content(spec.content),
        version=spec.version, skill_names=[s.display_name(current_locale()) for s in help_request.skills],
        facts=facts, labels=labels,
        source_url=url_for("requests.view_request", request_id=help_request.id, _external=True))


@bp.get("/requests/<int:request_id>")
def view_request(request_id: int) -> str:
    viewer = signed_in_user()
    help_request = queries.request_for_page(request_id, viewer)
    spec = queries.current_spec(help_request)
    include_private = queries.sees_private_steps(viewer, help_request)
    entries = queries.timeline(help_request, include_private=include_private, limit=TIMELINE_PREVIEW)
    return render_template(
        "requests/pages/request_page.html", help_request=help_request, organization=help_request.organization,
        spec=spec, content=canonical_content(spec.content) if spec is not None else None,
        skills=help_request.skills, section_labels=SECTION_LABELS,
        steps=timeline_steps(entries),
        step_count=queries.timeline_count(help_request, include_private=include_private),
        show_contact=reveal_request_contact(viewer, help_request, via="request_page"),
        can_discuss=can(viewer, "request.discuss", help_request),
        can_review=can(viewer, "request.review", help_request),
        can_edit_draft=can(viewer, "request.edit_draft", help_request),
        can_withdraw=(help_request.status in WITHDRAWABLE_STATUSES
                      and can(viewer, "request.withdraw", help_request)),
        cadence=cadence_label(help_request.checkin_cadence),
        panels=render_request_panels(viewer, help_request))


@bp.get("/requests/<int:request_id>/timeline")
def request_timeline(request_id: int) -> str:
    viewer = signed_in_user()
    help_request = queries.request_for_page(request_id, viewer)
    include_private = queries.sees_private_steps(viewer, help_request)
    page = queries.timeline_page(help_request, include_private=include_private,
                                 page=request.args.get("page", 1, type=int), per_page=TIMELINE_PAGE_SIZE)
    return render_template("requests/pages/timeline.html", help_request=help_request, page=page,
                           steps=timeline_steps(list(page.items)))


@bp.get("/requests/<int:request_id>/spec.md")
def download_spec(request_id: int) -> Response:
    help_request = queries.request_for_page(request_id, signed_in_user())
    spec = queries.current_spec(help_request)
    if spec is None:
        raise NotFound()  # a draft has no spec yet: there is nothing to download
    text = render_spec_markdown(_document(help_request, spec))
    return Response(text, content_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": content_disposition(help_request.id, help_request.title)})


@bp.get("/projects")
def browse_projects() -> Response:
    """Open projects are browsed on the search page (its no-words view); old links still land there."""
    return redirect(url_for("search.search_requests", **request.args.to_dict(flat=False)), code=301)
