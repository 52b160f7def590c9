"""The one error envelope: ``{"error": {"code", "message", "fields"?}}``, from one place."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .i18n import translate

log = logging.getLogger(__name__)

# Werkzeug's exceptions mapped to our machine codes; anything else 4xx is "bad_request".
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    """Raise anywhere in a request to answer with the envelope."""

    def __init__(self, status: int, code: str, fields: dict | None = None, **params):
        super().__init__(code)
        self.status, self.code, self.fields, self.params = status, code, fields, params


class FieldErrors(ApiError):
    """422 with every failing field: ``fields`` maps a dotted path to ``(code, params)``."""

    def __init__(self, errors: dict[str, tuple[str, dict]]):
        super().__init__(422, "validation_failed", fields=errors)


def envelope(status: int, code: str, fields: dict | None = None, **params) -> dict:
    error: dict = {"code": code, "message": translate(code, **params)}
    if fields:
        error["fields"] = {
            path: {"code": fcode, "message": translate(fcode, **fparams)}
            for path, (fcode, fparams) in fields.items()
        }
    return {"error": error}


def error_response(status: int, code: str, fields: dict | None = None, **params):
    response = jsonify(envelope(status, code, fields, **params))
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.fields, **exc.params)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 413:
            return error_response(413, "body_too_large", max=app.config["MAX_CONTENT_LENGTH"])
        code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
        response = error_response(status, code)
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):
        # Lost connections (a restarted server) and lock timeouts. Nothing of the request was
        # committed (unless the connection died during the commit itself), and the pool has
        # dropped the dead connection, so the client's retry works.
        log.warning("database unavailable: %s", exc.orig)
        response = error_response(503, "database_unavailable")
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error")
