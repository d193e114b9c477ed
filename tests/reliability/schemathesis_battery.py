"""The schemathesis battery, run in a process of its own: `python -m tests.reliability.schemathesis_battery`.

It runs every operation of an OpenAPI document against a live server as one role and writes what it
saw as JSON (see `main`). tests/reliability/test_schemathesis.py starts it. It runs apart from pytest
because importing schemathesis patches Hypothesis for the whole process (a printer that prints
nothing, a bigger buffer): in the test process, every other Hypothesis test would report its
falsifying examples as empty. setup.cfg keeps schemathesis's pytest plugin off for the same reason.

Every operation gets requests generated from its own description, valid ones and invalid ones, and
every answer is checked: no 5xx, only documented status codes, the documented content type and
headers, and a body that follows the documented schema. Path ids are drawn mostly from the rows
that exist, so requests reach real objects in every state, not only 404s. Half the cases carry a
hostile string in one of their values, and every hostile string goes into every free-text field
of a body the operation once accepted. The run is derandomized: the same code, data and document
give the same requests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import requests

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
EXAMPLES = 25  # per operation a role may call; enough to reach the 2xx, 404, 409 and 422 paths
EXAMPLES_REFUSED = 5  # per operation that refuses the role before reading any input (401/403)
# Longer URLs never reach the app: gunicorn refuses request lines over 8190 bytes (its maximum
# limit_request_line), nginx over 8 KB by default, Werkzeug's server over 64 KB with a 414 page.
MAX_URL_BYTES = 8190
# Revoking the caller's own token ends its session: this operation runs last for each role.
RUNS_LAST = ("DELETE", "/api/v1/auth/token")
# Text that random generation seldom writes but people and scripts do send. About half of the
# cases get one of these in place of one of their string values (body first, else query string).
HOSTILE_STRINGS = (
    "[]", "http://[x]/", "https://[::1", "example.org]", "//", "javascript:alert(1)",
    "<lone surrogate d800>", "x<lone surrogate dfff>y", "\x00", "\u202e\u200b",
    "\U0001d7d9\U0001d7da\uff13\u0661",  # digits int() reads: mathematical, full-width, Arabic-Indic
    "<script>alert(1)</script>", "' OR '1'='1", "%s%n%x", "../../etc/passwd", "\r\nX-Injected: 1",
    "NaN", "-1e309", "9223372036854775808", "\U0001f600\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "Z\u0324\u0354\u0367\u0311a\u0308\u0356\u032d", "資料庫 小程式 SEO", " ",
)


# JSON can carry half a character as an escape ("\ud800"), but Schemathesis validates what it sends
# as UTF-8 and cannot hold one: these markers stand in for it and become the escape on the wire.
LONE_SURROGATES = {b"<lone surrogate d800>": b"\\ud800", b"<lone surrogate dfff>": b"\\udfff"}


class WireSession(requests.Session):
    """A session that writes each lone-surrogate marker of a JSON body as its \\u escape."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body
        if isinstance(body, bytes) and b"<lone surrogate" in body:
            for marker, escape in LONE_SURROGATES.items():
                body = body.replace(marker, escape)
            request.body = body
            request.headers["Content-Length"] = str(len(body))
        return super().send(request, **kwargs)


hostile_strings = st.one_of(st.none(), st.tuples(st.integers(0, 99), st.sampled_from(HOSTILE_STRINGS)))


def plant(case: Any, index: int, text: str) -> None:
    """Put `text` in place of one string of the case: the index-th one of its body, else of its query."""
    for values in (case.body, case.query):
        if values is case.query and "<lone surrogate" in text:
            return  # a JSON escape means nothing in a URL
        if isinstance(values, dict):
            names = [name for name, value in values.items() if isinstance(value, str)]
            if names:
                values[names[index % len(names)]] = text
                return


@dataclass
class Failure:
    """One distinct problem: an operation, a check that failed and the first request showing it."""

    role: str
    operation: str
    check: str
    status: int
    report: str
    count: int = 1
    reproductions: list[str] = field(default_factory=list)  # a few distinct requests that show it


@dataclass
class Battery:
    """Runs every operation of a schema for one role and keeps what it saw."""

    base_url: str
    document: dict[str, Any]
    role: str
    headers: dict[str, str]
    known_ids: dict[str, int]
    checks: list = field(default_factory=lambda: list(CHECKS))
    failures: dict[tuple[str, str, int], Failure] = field(default_factory=dict)
    requests_by_operation: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    session: requests.Session = field(default_factory=WireSession)
    accepted: dict[str, tuple[Any, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.schema = schemathesis.openapi.from_dict(self.document)

    def run(self, only: list[str] | None = None) -> None:
        """Every operation (or those of the paths in `only`), the one that revokes the token last."""
        operations = [op for op in self.operations() if not only or op.path in only]
        for operation in sorted(operations, key=lambda op: (op.method.upper(), op.path) == RUNS_LAST):
            self.exercise(operation)

    def operations(self) -> list[Any]:
        return [result.ok() for result in self.schema.get_all_operations()]

    def may_call(self, operation: Any) -> bool:
        roles = operation.definition.raw.get("x-roles")
        return roles is None or (self.role in roles)

    def exercise(self, operation: Any) -> None:
        cases = st.one_of([operation.as_strategy(generation_mode=mode)
                           for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])
        ids = st.fixed_dictionaries({
            name: st.one_of(st.none(), st.integers(1, self.known_ids[name] + 1))
            for name in self.path_parameter_names(operation) if name in self.known_ids})

        @settings(max_examples=EXAMPLES if self.may_call(operation) else EXAMPLES_REFUSED,
                  deadline=None, derandomize=True, database=None,
                  phases=(Phase.explicit, Phase.generate),  # no shrinking: failures are collected
                  suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=cases, chosen_ids=ids, hostile=hostile_strings)
        def send(case: Any, chosen_ids: dict[str, int | None], hostile: tuple[int, str] | None) -> None:
            for name, value in chosen_ids.items():
                if value is not None:  # None keeps the generated value (huge, negative, text...)
                    case.path_parameters[name] = value
            if hostile is not None:
                plant(case, *hostile)
            hypothesis.assume(self.url_fits(case))
            self.send(operation, case)

        send()
        self.send_hostile_text(operation)

    def send_hostile_text(self, operation: Any) -> None:
        """Every hostile string in every free-text field of a body the operation once accepted.

        Random cases rarely put "[]" in a website field of an otherwise valid body; starting from
        a body that got a 2xx makes sure each field's own handling (URL parsing, search indexing,
        storage) meets each string.
        """
        if operation.label not in self.accepted:
            return
        case, body = self.accepted[operation.label]
        for name in self.free_text_fields(operation):
            for text in HOSTILE_STRINGS:
                case.body = {**body, name: text}
                self.send(operation, case)

    def free_text_fields(self, operation: Any) -> list[str]:
        """The body's string properties that are neither choices, e-mail addresses nor dates."""
        described = self.document["paths"][operation.path][operation.method.lower()]
        schema = described.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return []
        if "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return [name for name, spec in schema.get("properties", {}).items()
                if spec.get("type") in ("string", ["string", "null"]) and "enum" not in spec
                and spec.get("format") not in ("email", "date", "date-time")]

    @staticmethod
    def path_parameter_names(operation: Any) -> list[str]:
        return [parameter.name for parameter in operation.path_parameters]

    def url_fits(self, case: Any) -> bool:
        kwargs = case.as_transport_kwargs(base_url=self.base_url)
        prepared = requests.Request(kwargs["method"], kwargs["url"], params=kwargs.get("params")).prepare()
        return len(prepared.url or "") <= MAX_URL_BYTES

    def send(self, operation: Any, case: Any) -> None:
        label = operation.label
        self.requests_by_operation[label] += 1
        response = case.call(base_url=self.base_url, session=self.session, headers=self.headers,
                             timeout=60)
        self.statuses[response.status_code] += 1
        if response.status_code < 300 and isinstance(case.body, dict) and label not in self.accepted:
            self.accepted[label] = (case, dict(case.body))
        try:
            case.validate_response(response, checks=self.checks, headers=self.headers)
        except schemathesis.errors.FailureGroup as group:
            curl = case.as_curl_command(headers={"Authorization": "Bearer [token]"} if self.headers else None)
            for failure in group.exceptions:
                key = (label, failure.title, response.status_code)
                if key not in self.failures:
                    self.failures[key] = Failure(self.role, label, failure.title, response.status_code,
                                                 str(group), count=0)
                found = self.failures[key]
                found.count += 1
                if len(found.reproductions) < 5 and curl not in found.reproductions:
                    found.reproductions.append(curl)

    def summary(self, seconds: float) -> str:
        operations = len(self.requests_by_operation)
        total = sum(self.requests_by_operation.values())
        classes: Counter = Counter()
        for status, count in self.statuses.items():
            classes[f"{status // 100}xx"] += count
        by_class = ", ".join(f"{count} {kind}" for kind, count in sorted(classes.items()))
        if self.statuses[429]:
            by_class += f"; {self.statuses[429]} of them 429"
        return (f"schemathesis as {self.role}: {operations} operations x {total} requests ({by_class}) "
                f"in {seconds:.0f}s, {len(self.failures)} distinct failures")

    def failure_report(self) -> str:
        parts = [f"{len(self.failures)} distinct failures as {self.role}:"]
        for found in self.failures.values():
            parts.append(f"- {found.operation}: {found.check} (HTTP {found.status}, {found.count}x)")
            parts += [f"    {curl}" for curl in found.reproductions]
        for failure in self.failures.values():
            parts.append(f"\n===== {failure.operation}: {failure.check} =====\n{failure.report}")
        return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Run the battery for one role; the bearer token comes in $BATTERY_TOKEN (kept out of `ps`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--document", required=True, type=Path, help="the OpenAPI document (JSON)")
    parser.add_argument("--role", required=True)
    parser.add_argument("--known-ids", required=True, help='JSON: {"request_id": largest id, ...}')
    parser.add_argument("--only", action="append", default=[], help="only these paths (repeatable)")
    parser.add_argument("--report", required=True, type=Path, help="where to write the JSON report")
    args = parser.parse_args(argv)
    token = os.environ.get("BATTERY_TOKEN")
    battery = Battery(args.base_url, json.loads(args.document.read_text(encoding="utf-8")), args.role,
                      {"Authorization": f"Bearer {token}"} if token else {}, json.loads(args.known_ids))
    started = time.monotonic()
    battery.run(only=args.only)
    args.report.write_text(json.dumps({
        "summary": battery.summary(time.monotonic() - started),
        "failure_report": battery.failure_report() if battery.failures else "",
        "failures": [asdict(found) for found in battery.failures.values()],
        "requests_by_operation": dict(battery.requests_by_operation),
        "statuses": {str(status): count for status, count in battery.statuses.items()},
        "checks": [check.__name__ for check in battery.checks],
    }, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
