"""With the real Redis and a real `flask worker --burst`: the check-in reminders reach the team's inboxes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.jobs import services as jobs
from app.core.models import EmailMessage, OutboxJob
from app.extensions import db as database
from app.volunteers.progress import jobs as progress_jobs
from tests.factories import make_claim, make_org, make_request, make_user, make_volunteer

pytestmark = pytest.mark.redis

# Six days into a weekly period: the check-in is due within two days, so the reminder is due now
# (also for the worker's own tick, which runs the duties on the real clock and must add nothing).
SIX_DAYS = timedelta(days=6)


def test_a_real_worker_sends_the_reminders_from_the_email_outbox(make_redis_app, shared_redis, redis_url,
                                                                 run_worker):
    jobs.runner.redis.clear_backoff()
    app = make_redis_app(redis_url)
    with app.app_context():
        staff = make_user("nonprofit", name="Wang Fang")
        help_request = make_request(make_org(members=[staff]), status="in_progress", team_size=2,
                                    title="Map of food donors and families")
        help_request.checkin_cadence = "weekly"
        team = [make_volunteer(name="Zhang Wei", email="wei@example.org"),
                make_volunteer(name="Li Na", email="na@example.org")]
        for volunteer in team:
            make_claim(help_request, volunteer, status="accepted", accepted_at=utcnow() - SIX_DAYS)
        database.session.commit()

        assert progress_jobs.remind_checkins() == 1  # one team of two
        database.session.rollback()
        queued = database.session.scalars(sa.select(EmailMessage).order_by(EmailMessage.to_address)).all()
        assert [(m.to_address, m.status) for m in queued] == [("na@example.org", "queued"),
                                                              ("wei@example.org", "queued")]

        result = run_worker(redis_url)

        database.session.rollback()
        sent = database.session.scalars(sa.select(EmailMessage)).all()
        assert {(m.to_address, m.status) for m in sent} == {("na@example.org", "sent"),
                                                           ("wei@example.org", "sent")}
        assert all(row.status == "done" for row in database.session.scalars(sa.select(OutboxJob)))
        assert result.stdout.count("is due soon") == 2
        assert progress_jobs.remind_checkins() == 0  # a second tick sends nothing
