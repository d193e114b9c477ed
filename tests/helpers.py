"""Helpers shared by test folders: language headers, signed-in clients, API calls, counting SQL
statements, rate limits, reading back what a service wrote, markup a browser would run, and a
barrier-released race in threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.core.accounts.services import open_session
from app.core.models import AuditEvent, EmailMessage, Notification, User
from app.extensions import db, limiter
from app.requests.models import HelpRequest, TimelineEntry
from tests.factories import DEFAULT_PASSWORD

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
BARRIER_TIMEOUT = 60


def text_of(response) -> str:
    return response.get_data(as_text=True)


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Put the user's session in the client's cookie, as a successful sign-in would."""
    key = open_session(user)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{key}"
        session["_fresh"] = True
    return client


def client_for(app: Flask, user: User) -> FlaskClient:
    """A browser signed in as `user`."""
    return sign_in(app.test_client(), user)


def sign_in_with_form(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    """Post the sign-in form as a person would; returns the response (302 on success)."""
    return client.post("/sign-in", data={"email": email, "password": password, **extra}, headers=EN)


def call_api(client: FlaskClient, method: str, path: str, *, token: str | None = None, **kwargs):
    """Send one request to `/api/v1{path}` in English, with the bearer token when there is one."""
    headers = {**EN, **({"Authorization": f"Bearer {token}"} if token else {})}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """`with count_statements() as statements:` collects every SQL statement run inside the block."""
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)


def reset_rate_limits() -> None:
    """Start every rate limit from zero: the counters live in the limiter's memory for the whole session."""
    limiter.reset()


def empty_all_tables() -> None:
    """Delete every row, children before parents, on a connection of its own."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    # DELETE in dependency order: on PostgreSQL a TRUNCATE of every table costs ~0.7 s, DELETE ~5 ms.
    with db.engine.begin() as connection:
        for table in tables:
            connection.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (table names are ours)


def fresh(model, ident):
    """The row as the database has it now (what other requests committed), not this session's copy."""
    db.session.expire_all()
    return db.session.get(model, ident)


def timeline_kinds(help_request: HelpRequest) -> list[str]:
    return list(db.session.scalars(sa.select(TimelineEntry.kind)
                                   .where(TimelineEntry.request_id == help_request.id)
                                   .order_by(TimelineEntry.at, TimelineEntry.id)))


def audit_actions(prefix: str = "") -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.startswith(prefix))
                                   .order_by(AuditEvent.id)))


def emails_to(user: User) -> list[EmailMessage]:
    return list(db.session.scalars(sa.select(EmailMessage).where(EmailMessage.to_address == user.email)
                                   .order_by(EmailMessage.id)))


def notification_kinds(user: User) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


DANGEROUS_TAGS = frozenset({"script", "iframe", "object", "embed", "svg", "math", "img", "style", "link",
                            "meta", "base", "form", "input", "frame", "frameset", "video", "audio"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster"})


class _MarkupReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            scheme = "".join(ch for ch in (value or "") if ch.isprintable() and not ch.isspace()).lower()
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"<{tag} {name}={value}>")


def executable_markup(html: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """Tags, event handlers and script URLs in `html` that a browser would run or load.

    `allowed` names tags the page itself uses on purpose (the page's own <link> and <script src>).
    """
    reader = _MarkupReader()
    reader.feed(html)
    return [found for found in reader.found if found not in allowed]


def race(app: Flask, work: Callable[[int, Callable[[], object]], tuple], racers: list[int]) -> list[tuple]:
    """Run `work(racer, wait)` for each racer in its own thread and app context, released together.

    Each racer calls `wait()` at the moment it should collide with the others; the outcomes come
    back in the order the racers finished.
    """
    barrier = threading.Barrier(len(racers))
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def run(racer: int) -> None:
        with app.test_request_context(headers=EN):  # a fresh app context: its own session
            outcome = work(racer, lambda: barrier.wait(BARRIER_TIMEOUT))
        with lock:
            outcomes.append(outcome)

    db.session.remove()
    threads = [threading.Thread(target=run, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
