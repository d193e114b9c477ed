"""Board pages: the live board and its actions, confirming matches, the report and its CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.core.errors import Conflict, Invalid, NotFound
from app.core.forms import submit_form
from app.core.models import User
from app.core.policy import roles_required
from app.volunteers import bp
from app.volunteers.events.board import queries, services
from app.volunteers.events.forms import (
    BoardForm,
    ConfirmForm,
    MoveForm,
)
from app.volunteers.events.queries import manage_summary
from app.volunteers.events.views import first_field_error, first_message, managed_event
from app.volunteers.models import MatchingEvent


@bp.get("/events/<int:event_id>/board")
@roles_required("coordinator")
def manage_board(event_id: int) -> str:
    _user, event = managed_event(event_id)
    board = queries.board(event)
    return render_template("volunteers/events/board/board.html", event=event, board=board, form=BoardForm(),
                           move_choices=_move_choices(board),
                           fingerprint=queries.board_state(event)["fingerprint"])


@bp.get("/events/<int:event_id>/board/state")
@roles_required("coordinator")
def manage_board_state(event_id: int) -> Response:
    """The board's counts and fingerprint, for its refresh script (the API takes no session cookie)."""
    _user, event = managed_event(event_id)
    state = jsonify(queries.board_state(event))
    state.headers["Cache-Control"] = "no-store"
    return state


def _move_choices(board) -> list[tuple[str, str]]:
    """The pick list for moving a person: every featured project, and taking them off."""
    return [("", _("No project: take them off the board"))] + [
        (str(project.help_request.id), project.help_request.title) for project in board.projects]


def _board_action(event_id: int, act: Callable[[MatchingEvent, User, FlaskForm], str],
                  form_class: type[FlaskForm] = BoardForm) -> Response:
    """Run one board button and go back to the board with what happened (or what went wrong)."""
    user, event = managed_event(event_id)
    form = form_class()
    if form.validate_on_submit():
        try:
            flash(act(event, user, form), "success")
        except (Invalid, Conflict, NotFound) as error:
            flash(first_message(error), "error")
    else:
        flash(first_field_error(form) or _("The form could not be read. Reload the page and try again."),
              "error")
    return redirect(url_for("volunteers.manage_board", event_id=event.id))


def _person(form: FlaskForm) -> int:
    value = (form.user_id.data or "").strip()
    if not value.isdigit():
        raise Invalid("user_id", _("Choose an engineer on the board."))
    return int(value)


@bp.post("/events/<int:event_id>/board/run")
@roles_required("coordinator")
def manage_run_matching(event_id: int) -> Response:
    def run(event: MatchingEvent, user: User, form: FlaskForm) -> str:
        proposals = services.run_matching(event, user)
        return ngettext("Matching ran: %(num)d proposal. Locked matches were kept.",
                        "Matching ran: %(num)d proposals. Locked matches were kept.", len(proposals))
    return _board_action(event_id, run)


@bp.post("/events/<int:event_id>/board/move")
@roles_required("coordinator")
def manage_move_person(event_id: int) -> Response:
    def move(event: MatchingEvent, user: User, form: FlaskForm) -> str:
        target = (form.request_id.data or "").strip()
        match = services.move_match(event, user, _person(form), int(target) if target.isdigit() else None)
        if match is None:
            return _("They are off the board’s proposals; run matching again to place them elsewhere.")
        return _("%(name)s is moved to “%(title)s” and locked there.", name=match.volunteer.name,
                 title=match.help_request.title)
    return _board_action(event_id, move, MoveForm)


@bp.post("/events/<int:event_id>/board/lock")
@roles_required("coordinator")
def manage_lock_match(event_id: int) -> Response:
    def lock(event: MatchingEvent, user: User, form: FlaskForm) -> str:
        locked = request.form.get("locked") == "1"
        match = services.set_locked(event, user, _person(form), locked)
        if locked:
            return _("%(name)s stays on “%(title)s” when matching runs again.", name=match.volunteer.name,
                     title=match.help_request.title)
        return _("%(name)s is unlocked: the next run may place them elsewhere.", name=match.volunteer.name)
    return _board_action(event_id, lock)


@bp.route("/events/<int:event_id>/board/confirm", methods=["GET", "POST"])
@roles_required("coordinator")
def manage_confirm_matches(event_id: int):
    user, event = managed_event(event_id)
    form = ConfirmForm()
    submission = submit_form(form, lambda: services.confirm_matches(event, user))
    if submission.is_done:
        result = submission.result
        return render_template("volunteers/events/board/manage_confirmed.html", event=event, result=result,
                               refused=queries.refused_pairs(result.conflicts))
    return render_template("volunteers/events/board/manage_confirm.html", event=event, form=form,
                           summary=manage_summary(event)), submission.status


@bp.get("/events/<int:event_id>/report")
@roles_required("coordinator")
def manage_report(event_id: int) -> str:
    _user, event = managed_event(event_id)
    return render_template("volunteers/events/board/report.html", event=event, report=queries.report(event))


@bp.get("/events/<int:event_id>/report.csv")
@roles_required("coordinator")
def manage_report_csv(event_id: int) -> Response:
    _user, event = managed_event(event_id)
    return Response(_csv_text(queries.report_rows(event)).encode("utf-8"),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}-report.csv"'})


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    """The rows as CSV, after a byte-order mark so spreadsheet programs read the UTF-8 (Chinese) right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
