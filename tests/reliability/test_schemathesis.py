"""Schemathesis over /api/v1/openapi.json against a live server, as anonymous, volunteer, nonprofit and
coordinator.

A real server (tests/reliability/live_server.py: migrated, seeded with the demo data, on SQLite or
on PostgreSQL as the suite is) answers generated requests for every documented operation; the
battery (tests/reliability/schemathesis_battery.py, in a process of its own) checks every answer:
no server error, documented status codes, content type and headers, and bodies that follow their
schemas. Any failure fails the test with a curl command per distinct problem.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import requests
from tests.reliability.live_server import PROJECT_ROOT, LiveServer, live_server

# About five minutes a database: in `make test-reliability` with the other long fault checks.
pytestmark = pytest.mark.reliability

# The coordinator reaches the operations only coordinators may call (the events' matching, board and
# report, publishing, verification, audit, stats): as the others they are only ever refused.
ROLES = {"anonymous": None, "volunteer": "li.na@codebridge.demo", "nonprofit": "liu.fang@codebridge.demo",
         "coordinator": "coordinator@codebridge.demo"}
# The table whose ids a path parameter names; the rest are generated from the document alone.
ID_TABLES = {"request_id": "help_requests", "organization_id": "organizations", "claim_id": "claims",
             "checkin_id": "checkins", "milestone_id": "milestones", "attachment_id": "attachments",
             "review_id": "reviews", "saved_search_id": "saved_searches", "user_id": "users",
             "event_id": "matching_events"}
CHECKS = {"not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance"}
RUN_TIMEOUT = 600  # seconds for one role; a run takes 15-70 s on two cores


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with live_server(Path(tmp_path_factory.mktemp("live-server"))) as running:
        yield running


@pytest.fixture(scope="module")
def api_document(server: LiveServer) -> dict[str, Any]:
    response = requests.get(f"{server.base_url}/api/v1/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> dict[str, str | None]:
    """One token per role, taken before any generated request can touch the seeded accounts.

    Each role's run revokes its own token at its very end (DELETE /api/v1/auth/token runs last).
    """
    return {role: email and server.token(email) for role, email in ROLES.items()}


@pytest.fixture(scope="module")
def known_ids(server: LiveServer) -> dict[str, int]:
    """The largest id of each table the path parameters name, as the seed left it."""
    engine = server.engine()
    try:
        with engine.connect() as connection:
            return {name: connection.scalar(sa.text(f"SELECT max(id) FROM {table}")) or 1  # noqa: S608
                    for name, table in ID_TABLES.items()}
    finally:
        engine.dispose()


@pytest.fixture
def run_battery(server, api_document, tokens, known_ids, tmp_path) -> Callable[..., dict[str, Any]]:
    """`run_battery(role, document=None, only=())` → the battery's JSON report for that role."""

    def run(role: str, document: dict[str, Any] | None = None, only: tuple[str, ...] = ()) -> dict[str, Any]:
        document_path, report_path = tmp_path / f"{role}-openapi.json", tmp_path / f"{role}-report.json"
        document_path.write_text(json.dumps(document or api_document, ensure_ascii=False), encoding="utf-8")
        environment = {**os.environ, "BATTERY_TOKEN": tokens[role] or ""}
        # -W error: the battery's process holds itself to the suite's filterwarnings = error
        command = [sys.executable, "-W", "error", "-m", "tests.reliability.schemathesis_battery",
                   "--base-url", server.base_url, "--document", str(document_path), "--role", role,
                   "--known-ids", json.dumps(known_ids), "--report", str(report_path)]
        for path in only:
            command += ["--only", path]
        finished = subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True,
                                  text=True, timeout=RUN_TIMEOUT, check=False)
        assert finished.returncode == 0, finished.stdout + finished.stderr
        return json.loads(report_path.read_text(encoding="utf-8"))

    return run


@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_as_documented(role: str, server, tokens, run_battery, api_document,
                                               capsys) -> None:
    if tokens[role]:  # the token works, so this run reaches more than 401s
        me = requests.get(f"{server.base_url}/api/v1/me", timeout=30,
                          headers={"Authorization": f"Bearer {tokens[role]}"})
        assert me.status_code == 200 and me.json()["role"] == role, me.text

    report = run_battery(role)
    with capsys.disabled():
        print(f"\n{report['summary']}")

    documented = {f"{method.upper()} {path}" for path, item in api_document["paths"].items()
                  for method in item}
    assert set(report["requests_by_operation"]) == documented, "some operations were never called"
    if report["failures"]:
        server_errors = any(found["status"] >= 500 for found in report["failures"])
        log = f"\n\n===== the server's log ends with =====\n{server.log_tail()}" if server_errors else ""
        pytest.fail(report["failure_report"] + log, pytrace=False)
    assert any(200 <= int(status) < 300 for status in report["statuses"]), "only errors were seen"


def test_the_battery_fails_on_answers_the_document_does_not_describe(run_battery, api_document) -> None:
    """A battery that cannot fail proves nothing: against a document that lies, it reports both lies."""
    lying = copy.deepcopy(api_document)
    health = lying["paths"]["/healthz"]["get"]["responses"]
    health["200"]["content"]["application/json"]["schema"] = {
        "type": "object", "required": ["uptime"], "properties": {"uptime": {"type": "integer"}}}
    openapi = lying["paths"]["/api/v1/openapi.json"]["get"]["responses"]
    openapi["201"] = openapi.pop("200")

    report = run_battery("anonymous", lying, only=("/healthz", "/api/v1/openapi.json"))

    found = {(failure["operation"], failure["check"]) for failure in report["failures"]}
    assert found == {("GET /healthz", "Response violates schema"),
                     ("GET /api/v1/openapi.json", "Undocumented status code")}
    assert set(report["checks"]) == CHECKS
