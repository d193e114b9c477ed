"""Event pages: the public list and event page, dashboard panels, the home-page section, and the
coordinator's pages to create, edit, publish, close an event and feature requests (registration pages
are in `registrations/views.py`, the board's in `board/views.py`)."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time, ngettext, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult, dashboard_panel
from app.core.db import utcnow
from app.core.errors import Conflict, Invalid
from app.core.forms import submit_form
from app.core.home import home_section
from app.core.models import User
from app.core.policy import can, require, roles_required
from app.core.templating import nav_link
from app.core.urls import safe_next
from app.search.find.params import SearchParams
from app.search.find.queries import search_requests
from app.volunteers import bp
from app.volunteers.events import queries, services
from app.volunteers.events.forms import (
    ConfirmForm,
    EventForm,
    FeatureForm,
    RankingForm,
    RegistrationActionForm,
    RequestSearchForm,
    ranking_form,
)
from app.volunteers.events.policy import visible_event_or_404
from app.volunteers.events.registrations.queries import my_registration
from app.volunteers.events.status import (
    OUTCOME_STATUSES,
    event_status_label,
    registration_deadline,
    registration_open,
    registration_status_label,
)
from app.volunteers.models import MatchingEvent

# --- public and volunteer pages -------------------------------------------------------------------

nav_link("volunteers.list_events", _l("Events"), public=True, order=5)


@bp.app_template_global()
def event_status_name(status: str) -> str:
    """The translated name of an event status, for badges."""
    return event_status_label(status)


@bp.app_template_global()
def event_time_text(event: MatchingEvent) -> str:
    """When the event runs, in the reader's language and time zone: one day with its hours, or two moments."""
    start = to_user_timezone(event.starts_at)
    starts = _("%(date)s %(time)s", date=format_date(start, "full"), time=format_time(start, "short"))
    if event.ends_at is None:
        return starts
    end = to_user_timezone(event.ends_at)
    if end.date() == start.date():
        return _("%(date)s, %(start)s–%(end)s", date=format_date(start, "full"),
                 start=format_time(start, "short"), end=format_time(end, "short"))
    ends = _("%(date)s %(time)s", date=format_date(end, "full"), time=format_time(end, "short"))
    return _("%(start)s to %(end)s", start=starts, end=ends)


@bp.app_template_global()
def url_if_served(endpoint: str, **values: object) -> str | None:
    """The URL of `endpoint`, or None while no view serves it (the coordinator's pages link from here)."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


@bp.get("/events")
def list_events() -> str:
    upcoming, past = queries.published_events(utcnow())
    can_manage = can(signed_in_user(), "event.manage")
    return render_template("volunteers/events/event_list.html", upcoming=upcoming, past=past,
                           drafts=queries.draft_events() if can_manage else [], can_manage=can_manage)


@bp.get("/events/<int:event_id>")
def show_event(event_id: int) -> str:
    user = signed_in_user()
    return event_page(visible_event_or_404(user, event_id), user)


def event_page(event: MatchingEvent, user: User | None, form: RankingForm | None = None,
                status: int = 200) -> tuple[str, int]:
    """The event page; `form` is a ranking form coming back with errors."""
    projects = queries.featured_projects(event)
    mine = my_registration(event, user)
    registered, waitlisted = queries.registration_counts(event)
    is_open = registration_open(event, utcnow())
    may_register = mine is None and is_open and (user is None or can(user, "event.register", event))
    if form is None and is_open and (mine is not None or (may_register and user is not None)):
        form = ranking_form(project_choices(projects), mine.registration.preferences if mine else [])
    titles = {project.help_request.id: project.help_request.title for project in projects}
    return render_template(
        "volunteers/events/event_page.html", event=event, projects=projects, mine=mine,
        registered_count=registered, waitlisted_count=waitlisted, is_open=is_open,
        deadline=registration_deadline(event), may_register=may_register, ranking_form=form,
        ranked=[titles[pid] for pid in (mine.registration.preferences if mine else []) if pid in titles],
        sees_online_link=bool(event.online_url) and can(user, "event.see_online_link", event),
        shows_outcome=event.status in OUTCOME_STATUSES, can_manage=can(user, "event.manage", event),
        action_form=RegistrationActionForm()), status


def project_choices(projects: list[queries.FeaturedProject]) -> list[tuple[int, str]]:
    """The featured projects as (request id, title) choices for the ranking form."""
    return [(project.help_request.id, project.help_request.title) for project in projects]


def to_event(event: MatchingEvent, anchor: str = "registration") -> Response:
    """A redirect to the event page, at `anchor`."""
    return redirect(url_for("volunteers.show_event", event_id=event.id, _anchor=anchor))


@dashboard_panel("volunteer", order=28)
def my_events_panel(user: User) -> PanelResult:
    """The events the engineer registered for that are still to come, with the way to their code."""
    registrations = queries.my_coming_registrations(user, utcnow())
    if not registrations:
        return None
    return "volunteers/events/my_events_panel.html", {"registrations": registrations}


@home_section(order=10)
def upcoming_events_section(viewer: User | None) -> PanelResult:
    """The next events on the home page, while there are any."""
    cards = queries.upcoming_events(utcnow())
    if not cards:
        return None
    return "volunteers/events/_home_events.html", {"cards": cards}


# --- coordinators: managing an event --------------------------------------------------------------

FEATURE_RESULTS = 20  # open requests listed by the no-script search for requests to feature


@bp.app_template_global()
def registration_status_name(status: str) -> str:
    """A registration's status (registered, on the waiting list, cancelled) in the page's language."""
    return registration_status_label(status)


def managed_event(event_id: int) -> tuple[User, MatchingEvent]:
    """The signed-in coordinator and the event they manage (404 for an unknown id, 403 for others)."""
    user = signed_in_user()
    event = visible_event_or_404(user, event_id)
    require(user, "event.manage", event)
    return user, event


def _to_manage(event: MatchingEvent, endpoint: str = "volunteers.manage_event") -> Response:
    return redirect(url_for(endpoint, event_id=event.id))


def first_message(error: Invalid | Conflict) -> str:
    """The refusal's first field message, or its message when it names no field."""
    return next(iter(getattr(error, "fields", {}).values()), error.message)


@bp.route("/events/new", methods=["GET", "POST"])
@roles_required("coordinator")
def manage_create_event():
    user = signed_in_user()
    require(user, "event.manage")
    form = EventForm()
    submission = submit_form(form, lambda: services.create_event(user, **form.values()))
    if submission.is_done:
        flash(_("The event is saved as a draft. Feature the requests, then publish it."), "success")
        return _to_manage(submission.result)
    return render_template("volunteers/events/manage_event_form.html", form=form,
                           event=None), submission.status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@roles_required("coordinator")
def manage_edit_event(event_id: int):
    user, event = managed_event(event_id)
    form = EventForm.of(event) if request.method == "GET" else EventForm()
    submission = submit_form(form, lambda: services.update_event(event, user, **form.values()))
    if submission.is_done:
        flash(_("The event is saved."), "success")
        return _to_manage(event)
    return render_template("volunteers/events/manage_event_form.html", form=form,
                           event=event), submission.status


@bp.get("/events/<int:event_id>/manage")
@roles_required("coordinator")
def manage_event(event_id: int) -> str:
    _user, event = managed_event(event_id)
    return render_template("volunteers/events/manage_event.html", event=event,
                           summary=queries.manage_summary(event))


def _confirm_step(event_id: int, act: Callable[[MatchingEvent, User], object], template: str,
                  done: str) -> Response | tuple[str, int]:
    """A button with a confirmation page: GET explains what happens, POST does it and goes back."""
    user, event = managed_event(event_id)
    form = ConfirmForm()
    submission = submit_form(form, lambda: act(event, user))
    if submission.is_done:
        flash(done, "success")
        return _to_manage(event)
    return render_template(template, event=event, form=form), submission.status


@bp.route("/events/<int:event_id>/publish", methods=["GET", "POST"])
@roles_required("coordinator")
def manage_publish_event(event_id: int):
    return _confirm_step(event_id, services.publish_event, "volunteers/events/manage_publish.html",
                         _("The event is published: engineers can register now."))


@bp.route("/events/<int:event_id>/close", methods=["GET", "POST"])
@roles_required("coordinator")
def manage_close_event(event_id: int):
    return _confirm_step(event_id, services.close_event, "volunteers/events/manage_close.html",
                         _("The event is closed. Its outcome is public on the event page."))


# --- coordinators: featured requests ------------------------------------------------------------

@bp.get("/events/<int:event_id>/requests")
@roles_required("coordinator")
def manage_event_requests(event_id: int) -> str:
    user, event = managed_event(event_id)
    search = RequestSearchForm(request.args)
    words = (search.q.data or "").strip() if search.validate() else ""
    featured = queries.featured_projects(event)
    # The no-script search asks what the page's script asks the API: open requests matching the words.
    found = search_requests(SearchParams(q=words, status="open", per_page=FEATURE_RESULTS), user,
                            relax=False, with_summaries=False) if words else None
    return render_template("volunteers/events/manage_requests.html", event=event, featured=featured,
                           featured_ids={project.help_request.id for project in featured},
                           search=search, words=words, found=found, form=FeatureForm())


@bp.post("/events/<int:event_id>/requests")
@roles_required("coordinator")
def manage_feature_requests(event_id: int) -> Response:
    user, event = managed_event(event_id)
    form = FeatureForm()
    if not form.validate_on_submit():
        flash(first_field_error(form) or _("Choose a request to feature."), "error")
    else:
        try:
            featured = services.feature_requests(event, user, form.ids())
        except (Invalid, Conflict) as error:
            flash(first_message(error), "error")
        else:
            flash(ngettext("%(num)d request is featured.", "%(num)d requests are featured.", len(featured)),
                  "success")
    return redirect(safe_next(request.form.get("next"),
                              url_for("volunteers.manage_event_requests", event_id=event.id)))


@bp.post("/events/<int:event_id>/requests/<int:request_id>/unfeature")
@roles_required("coordinator")
def manage_unfeature_request(event_id: int, request_id: int) -> Response:
    user, event = managed_event(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.unfeature_request(event, user, request_id)
        except (Invalid, Conflict) as error:
            flash(first_message(error), "error")
        else:
            flash(_("The request is no longer featured."), "success")
    return redirect(url_for("volunteers.manage_event_requests", event_id=event.id))


def first_field_error(form: FlaskForm) -> str | None:
    """The form's first field error, or None."""
    return next((errors[0] for errors in form.errors.values() if errors), None)


# --- coordinators: check-in at the door ---------------------------------------------------------


# --- coordinators: the live board ---------------------------------------------------------------


# --- coordinators: the report after the event ---------------------------------------------------


# --- the coordinator's dashboard ----------------------------------------------------------------

@dashboard_panel("coordinator", order=35)
def upcoming_events_panel(user: User) -> PanelResult:
    """The coordinator's events that are not over (drafts too), soonest first, and a link to create one."""
    return "volunteers/events/manage_panel.html", {"events": queries.managed_events(utcnow())}
