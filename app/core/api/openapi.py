"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the `api_route` registry.

Only the app's URL map decides which paths exist, and only the registry describes them, so a
route added with the decorator appears here by itself, and a route added without it is missing
(which the test suite catches).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from app.core.api.plumbing import PAGE_FIELDS, REGISTRY, ApiRoute, api_route
from app.core.api.schema import Field, Schema

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
_RULE_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}
_IGNORED_METHODS = {"HEAD", "OPTIONS"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "snake_case, stable: scripts may rely on it"},
            "message": {"type": "string", "description": "A sentence for a person, in their language."},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Only for validation errors: a sentence per bad field."},
        },
    }},
}
PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items", "total", "page", "per_page"],
    "properties": {
        "items": {"type": "array", "items": {}},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
    },
}


RETRY_AFTER: dict[str, Any] = {
    "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
    "description": "Seconds to wait before trying again.",
}


def _error_descriptions() -> dict[int, Any]:
    return {
        400: _l("The body is not a JSON object."),
        401: _l("No token, or the token is unknown, expired or revoked."),
        403: _l("Signed in, but this role may not do this."),
        404: _l("Not found, or not visible to the caller."),
        409: _l("The object is in the wrong state for this action."),
        413: _l("The body is over 1 MiB."),
        422: _l("Some fields are invalid; `fields` names each one."),
        429: _l("Rate limited; wait for the seconds in Retry-After."),
    }


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Werkzeug rule as an OpenAPI path (`<int:id>` → `{id}`) and its path parameters."""
    parameters = []
    for match in _RULE_VARIABLE.finditer(rule):
        kind = _CONVERTER_TYPES.get(match.group("converter") or "", "string")
        parameters.append({"name": match.group("name"), "in": "path", "required": True,
                           "schema": {"type": kind}})
    return _RULE_VARIABLE.sub(lambda m: "{" + m.group("name") + "}", rule), parameters


class _Components:
    """Collects named schemas, refusing two different schemas under one name."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict[str, Any]] = {"Error": ERROR_SCHEMA, "Page": PAGE_SCHEMA}
        self._owners: dict[str, Schema] = {}

    def ref(self, schema: Schema) -> dict[str, str]:
        owner = self._owners.get(schema.name)
        if schema.name in ("Error", "Page") or (owner is not None and owner is not schema):
            raise ValueError(f"two API schemas are both named {schema.name!r}: rename one")
        self._owners[schema.name] = schema
        self.schemas[schema.name] = schema.json_schema()
        return {"$ref": f"#/components/schemas/{schema.name}"}


def _query_parameter(spec: Field) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": spec.name, "in": "query", "required": spec.required,
                                 "schema": spec.json_schema()}
    if spec.description:
        parameter["description"] = str(spec.description)
    if spec.type == "array":
        parameter.update(style="form", explode=False)  # ?skills=a,b
    return parameter


def _success(route: ApiRoute, components: _Components) -> dict[str, Any]:
    if route.status == 204:
        return {"description": "No content."}
    if route.produces:
        return {"description": "The file.", "content": {route.produces: {
            "schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}}
    schema: dict[str, Any] = components.ref(route.response) if route.response else {"type": "object"}
    if route.paginated:
        schema = {"allOf": [{"$ref": "#/components/schemas/Page"},
                            {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}]}
    return {"description": "OK.", "content": {"application/json": {"schema": schema}}}


def _error_statuses(route: ApiRoute, has_path_parameters: bool) -> set[int]:
    statuses = set(route.responses)
    if route.body is not None:
        statuses |= {400, 413, 422}
    if route.upload is not None:
        statuses |= {413, 422}
    if route.query or route.paginated:
        statuses.add(422)
    if route.auth is not None:
        statuses |= {401, 403}
    if has_path_parameters:
        statuses.add(404)
    return statuses


def operation(route: ApiRoute, method: str, path_parameters: list[dict[str, Any]],
              components: _Components) -> dict[str, Any]:
    """The OpenAPI operation object of one method of one registered route."""
    operation_id = route.endpoint.replace(".", "_")
    if len(route.methods) > 1:
        operation_id += f"_{method.lower()}"
    op: dict[str, Any] = {"operationId": operation_id, "summary": str(route.summary),
                          "tags": list(route.tags) or [route.rule.strip("/").split("/")[0] or "api"]}
    if route.description:
        op["description"] = str(route.description)
    parameters = list(path_parameters) + [_query_parameter(f) for f in route.query]
    if route.paginated:
        parameters += [_query_parameter(f) for f in PAGE_FIELDS]
    if parameters:
        op["parameters"] = parameters
    if route.body is not None:
        op["requestBody"] = {"required": not route.body.partial,
                             "content": {"application/json": {"schema": components.ref(route.body)}}}
    elif route.upload is not None:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": [route.upload],
            "properties": {route.upload: {"type": "string", "contentMediaType": "application/octet-stream"}},
        }}}}
    if route.auth is None:
        op["security"] = [{}, {"bearerAuth": []}]  # public; a token may still show more
    else:
        op["security"] = [{"bearerAuth": []}]
        op["x-roles"] = list(route.auth)
    descriptions = _error_descriptions()
    responses = {str(route.status): _success(route, components)}
    for status in sorted(_error_statuses(route, bool(path_parameters))):
        text = route.responses.get(status) or descriptions.get(status) or "Error."
        responses[str(status)] = {"description": str(text), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if status == 429:  # the contract promises when to try again
            responses[str(status)]["headers"] = {"Retry-After": RETRY_AFTER}
    op["responses"] = responses
    return op


def openapi_document(app: Flask) -> dict[str, Any]:
    """The whole API as an OpenAPI 3.1 document, built from the app's URL map and the registry.

    Raises ValueError when two different schemas share a component name.
    """
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        route = REGISTRY.get(rule.endpoint)
        if route is None:
            continue
        path, path_parameters = openapi_path(rule.rule)
        for method in sorted(set(route.methods) - _IGNORED_METHODS):
            paths.setdefault(path, {})[method.lower()] = operation(route, method, path_parameters,
                                                                 components)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Codebridge (码桥) API",
            "version": API_VERSION,
            "description": str(_l("Connects nonprofits' software needs with volunteer engineers. "
                                  "JSON in and out; authenticate with a bearer token from "
                                  "POST /api/v1/auth/token.")),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


@api_route("/openapi.json", ["GET"], summary=_l("This OpenAPI document"), tags=["meta"])
def openapi_json():
    return openapi_document(current_app)
