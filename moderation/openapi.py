"""The OpenAPI 3 document, assembled from the same pydantic models that validate requests.

Routes describe themselves with ``@operation(...)``; ``document(app)`` collects them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

bp = Blueprint("openapi", __name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "machine code, snake_case"},
            "message": {"type": "string", "description": "in the language of Accept-Language"},
            "fields": {"type": "object", "additionalProperties": {
                "type": "object", "properties": {"code": {"type": "string"},
                                                 "message": {"type": "string"}}}},
        }}},
}


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    # A model class, or a callable taking the app and returning one (per-app schemas).
    request: Any = None
    responses: dict[int, Any] = field(default_factory=dict)
    parameters: list[dict] = field(default_factory=list)
    security: list[dict] | None = None
    tags: list[str] = field(default_factory=list)
    extra_request_types: dict[str, dict] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(**kwargs) -> Callable:
    """Register an operation's documentation; the view itself is unchanged."""
    def decorator(view):
        OPERATIONS.append(Operation(**kwargs))
        return view
    return decorator


def _resolve(model: Any, app: Flask) -> type[BaseModel] | None:
    if model is None or isinstance(model, type):
        return model
    return model(app)


def document(app: Flask) -> dict:
    models: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        for model in (_resolve(op.request, app), *op.responses.values()):
            if isinstance(model, type) and issubclass(model, BaseModel):
                models[model.__name__] = model
    _, schema = models_json_schema([(m, "validation") for m in models.values()],
                                   ref_template="#/components/schemas/{model}")
    components = dict(schema.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {"summary": op.summary, "tags": op.tags,
                                 "parameters": op.parameters, "responses": {}}
        request_model = _resolve(op.request, app)
        if request_model is not None:
            content = {"application/json": {"schema": _ref(request_model)}}
            content.update(op.extra_request_types)
            entry["requestBody"] = {"required": True, "content": content}
        for status, model in op.responses.items():
            if model is None:
                entry["responses"][str(status)] = {"description": _describe(status)}
            else:
                schema_ref = _ref(model) if isinstance(model, type) else {"$ref": "#/components/schemas/Error"}
                entry["responses"][str(status)] = {
                    "description": _describe(status),
                    "content": {"application/json": {"schema": schema_ref}}}
        if op.security is not None:
            entry["security"] = op.security
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Comment moderation service", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "siteKey": {"type": "http", "scheme": "bearer",
                            "description": "A site's secret key (msk_...)"},
                "moderatorToken": {"type": "http", "scheme": "bearer",
                                   "description": "A moderator's API token (mdt_...)"},
                "moderatorSession": {"type": "apiKey", "in": "cookie", "name": "session",
                                     "description": "After POST /api/v1/moderation/session"},
            },
        },
    }


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _describe(status: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted", 303: "See Other",
            304: "Not Modified", 400: "Bad request", 401: "No or wrong key",
            403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Body too large",
            204: "No Content", 415: "Unsupported media type", 422: "Invalid fields",
            429: "Too many requests",
            503: "Not ready"}.get(status, "")


@bp.get("/api/v1/openapi.json")
def openapi_json():
    cache = current_app.extensions.setdefault("moderation.openapi", {})
    if "doc" not in cache:
        cache["doc"] = document(current_app)
    return jsonify(cache["doc"])
