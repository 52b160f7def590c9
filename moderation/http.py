"""Reading request bodies strictly, so bad input becomes a clear 4xx and never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from flask import request
from flask.sessions import SecureCookieSessionInterface

from .errors import ApiError

JSON_TYPES = ("application/json",)
FORM_TYPE = "application/x-www-form-urlencoded"


def body_kind() -> str:
    """``"json"`` or ``"form"``, from the Content-Type; anything else is a 415."""
    mimetype = request.mimetype
    if mimetype in JSON_TYPES or mimetype.endswith("+json"):
        return "json"
    if mimetype == FORM_TYPE:
        return "form"
    raise ApiError(415, "unsupported_media_type")


def _raw_text() -> str:
    raw = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH (413 beyond)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_utf8") from None


def read_json_object() -> dict[str, Any]:
    text = _raw_text()
    try:
        data = json.loads(text)
    except ValueError:
        raise ApiError(400, "malformed_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, "not_json_object")
    return data


def read_form() -> dict[str, str]:
    """A urlencoded form as a dict (last value wins), with strict UTF-8 in the values too."""
    text = _raw_text()
    try:
        return dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_utf8") from None


def wants_html() -> bool:
    """A browser that posted a plain form prefers an HTML answer to JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions (the moderators' web pages), without the cost for the
    requests that carry no session cookie, which is every API call: Flask builds the
    signing serializer before it looks for the cookie, 5% of the accept path's CPU."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
