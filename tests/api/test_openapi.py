"""The OpenAPI document describes every API route there is, from the same declarations that validate input."""

from __future__ import annotations

import json
import re

import pytest

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.get_data(as_text=True))


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def resolve(document: dict, ref: str) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def all_refs(node) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in all_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in all_refs(v)]
    return []


def test_document_is_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http",
                                                                       "scheme": "bearer"}


def test_every_api_route_in_the_app_is_documented(app, document):
    """A route added under /api/v1 without `api_route` (so without documentation) fails here."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        operations = document["paths"].get(openapi_path(rule.rule), {})
        for method in sorted(rule.methods - IGNORED_METHODS):
            if method.lower() not in operations:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_documented_paths_all_exist_in_the_app(app, document):
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        served.setdefault(openapi_path(rule.rule), set()).update(rule.methods)
    for path, operations in document["paths"].items():
        assert path in served, path
        assert {m.upper() for m in operations} <= served[path]


def test_health_check_is_documented(document):
    health = document["paths"]["/healthz"]["get"]
    schema = resolve(document, health["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
    assert schema["properties"]["queue"]["enum"] == ["ok", "inline", "down"]


def test_every_operation_is_complete_and_uniquely_named(document):
    operation_ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"], f"{method} {path}"
            assert operation["responses"], f"{method} {path}"
            operation_ids.append(operation["operationId"])
            path_names = set(re.findall(r"{(\w+)}", path))
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == path_names, f"{method} {path}"
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves(document):
    for ref in all_refs(document):
        assert ref.startswith("#/components/")
        assert resolve(document, ref)


def test_sign_up_body_comes_from_the_field_declarations(document):
    operation = document["paths"]["/api/v1/users"]["post"]
    body = resolve(document, operation["requestBody"]["content"]["application/json"]["schema"]["$ref"])

    assert set(body["required"]) == {"email", "password", "name", "role"}
    assert body["properties"]["role"]["enum"] == ["nonprofit", "volunteer"]
    assert body["properties"]["password"]["minLength"] == 8
    assert body["properties"]["name"]["maxLength"] == 120
    assert {"201", "400", "409", "413", "422"} <= set(operation["responses"])
    assert operation["security"] == [{}, {"bearerAuth": []}]  # public


def test_protected_operations_name_bearer_auth_and_their_errors(document):
    me = document["paths"]["/api/v1/me"]
    for operation in me.values():
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"401", "403"} <= set(operation["responses"])
    error_ref = me["get"]["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
    error = resolve(document, error_ref)
    assert error["properties"]["error"]["required"] == ["code", "message"]
    assert "requestBody" in me["patch"] and not me["patch"]["requestBody"]["required"]


def test_lists_document_paging_and_the_envelope(document):
    operation = document["paths"]["/api/v1/audit-events"]["get"]

    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["per_page"]["schema"]["maximum"] == 100
    assert parameters["page"]["schema"]["minimum"] == 1
    assert "action" in parameters
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    envelope = resolve(document, schema["allOf"][0]["$ref"])
    assert set(envelope["required"]) == {"items", "total", "page", "per_page"}
    assert schema["allOf"][1]["properties"]["items"]["items"]["$ref"].endswith("/AuditEvent")
    assert operation["x-roles"] == ["coordinator"]


def test_rate_limited_token_endpoint_documents_429(document):
    assert "429" in document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    too_many = document["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]
    assert too_many["headers"]["Retry-After"]["required"] is True
    assert "204" in document["paths"]["/api/v1/auth/token"]["delete"]["responses"]


def test_file_upload_documents_its_multipart_body_and_download_a_file(document):
    attachments = document["paths"]["/api/v1/requests/{request_id}/attachments"]["post"]
    download = document["paths"]["/api/v1/requests/{request_id}/attachments/{attachment_id}"]["get"]

    body = attachments["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"] and "file" in body["properties"]
    assert {"413", "422"} <= set(attachments["responses"])
    assert list(download["responses"]["200"]["content"]) == ["*/*"]
