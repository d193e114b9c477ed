"""Review pages: write or edit a review after delivery, and the Reviews panel on the request page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.accounts.current import signed_in_user
from app.core.dashboard.panels import PanelResult
from app.core.errors import NotFound
from app.core.forms import submit_form
from app.core.models import User
from app.core.policy import signed_in_required
from app.extensions import db
from app.requests.models import HelpRequest
from app.requests.pages.views import request_page_panel
from app.requests.policy import visible_request_or_404
from app.volunteers import bp
from app.volunteers.reviews import queries, services
from app.volunteers.reviews.forms import ReviewForm


def _back(help_request: HelpRequest) -> Response:
    return redirect(url_for("requests.view_request", request_id=help_request.id, _anchor="reviews"))


@request_page_panel(order=50)
def reviews_panel(viewer: User | None, help_request: HelpRequest) -> PanelResult:
    """After delivery: every review written on the project, and whom the viewer still reviews."""
    if help_request.status != "delivered":
        return None
    written = queries.reviews_of(help_request)
    subjects = queries.subjects_for(viewer, help_request)
    if not written and not subjects:
        return None
    return "volunteers/reviews/reviews_panel.html", {
        "help_request": help_request, "reviews": written, "subjects": subjects, "viewer": viewer,
        "can_edit": lambda review: queries.can_edit(viewer, review)}


@bp.route("/requests/<int:request_id>/reviews/new", methods=["GET", "POST"])
@signed_in_required
def write_review(request_id: int):
    author = signed_in_user()
    help_request = visible_request_or_404(author, request_id)
    subject_id = request.args.get("subject", type=int)
    subjects = queries.subjects_for(author, help_request)
    subject = next((s for s in subjects if s.user is None or s.user.id == subject_id), None)
    if subject is None:
        raise NotFound()
    form = ReviewForm()
    submission = submit_form(form, lambda: services.create_review(
        help_request, author, rating=form.rating.data, body=form.body.data,
        subject_user_id=subject.user.id if subject.user else None))
    if submission.is_done:
        flash(_("Thank you for your review. You can edit it for 7 days."), "success")
        return _back(help_request)
    return render_template("volunteers/reviews/review_form.html", form=form, help_request=help_request,
                           subject_name=subject.name, review=None), submission.status


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@signed_in_required
def edit_review(review_id: int):
    user = signed_in_user()
    review = queries.get_review(review_id)
    help_request = visible_request_or_404(user, review.request_id)
    if review.author_id != user.id:
        raise NotFound()
    form = ReviewForm(obj=review) if request.method == "GET" else ReviewForm()
    submission = submit_form(form, lambda: services.update_review(
        review, user, rating=form.rating.data, body=form.body.data))
    if submission.is_done:
        flash(_("Your review is updated."), "success")
        return _back(help_request)
    if submission.error is not None:  # show the review as stored, not as the refused edit left it
        db.session.refresh(review)
    subject = review.subject_user or review.subject_organization
    return render_template("volunteers/reviews/review_form.html", form=form, help_request=help_request,
                           subject_name=subject.name if subject else "", review=review), submission.status
