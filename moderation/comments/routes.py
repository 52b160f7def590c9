"""HTTP entrypoints for comments: accept (JSON or form), read one, read a thread."""

from __future__ import annotations

import time


from flask import (Blueprint, Response, current_app, jsonify, redirect, render_template, request,
                   url_for)

from ..detection import form_age_seconds, issue_form_token
from ..errors import ApiError, FieldErrors, envelope
from ..http import body_kind, read_form, read_json_object, wants_html
from ..i18n import current_language
from ..openapi import operation
from ..sites.services import SiteInfo, get_site, normalize_origin, require_site_key
from . import queries
from ..detection.formtoken import MAX_AGE_SECONDS as FORM_TOKEN_MAX_AGE
from .schemas import (CommentAccepted, CommentDetail, FormToken, Limits, Schemas, ThreadPage,
                      build_schemas)
from .accept import Accepted, NewComment, accept_comment, visible_statuses

bp = Blueprint("comments", __name__, url_prefix="/api/v1/sites/<site>")

SITE_PARAM = {"name": "site", "in": "path", "required": True, "schema": {"type": "string"}}
ERROR = "error"
# A form field that the site hides from people (CSS); WordPress forms have no field of this name.
HONEYPOT_FIELD = "website"
PREFLIGHT_MAX_AGE = "86400"


def schemas() -> Schemas:
    cache = current_app.extensions
    if "moderation.schemas" not in cache:
        cache["moderation.schemas"] = build_schemas(
            Limits.from_config(current_app.config), current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    return cache["moderation.schemas"]


def _comment_in_model(app):
    with app.app_context():
        return schemas().comment_in


def _request_origin() -> str | None:
    """The browser's origin: ``Origin``, or the ``Referer``'s origin when Origin is absent."""
    for header in (request.headers.get("Origin"), request.headers.get("Referer")):
        if header and header != "null":
            try:
                return normalize_origin(header)
            except ValueError:
                return None
    return None


def _authorize_post(site: SiteInfo) -> str:
    """``"key"`` for a site's backend, ``"browser"`` for an allowed origin; else 401/403."""
    if request.headers.get("Authorization"):
        require_site_key(site, request.headers.get("Authorization"))
        return "key"
    origin = _request_origin()
    if origin is None:
        raise ApiError(401, "unauthorized")
    if origin not in site.allowed_origins:
        raise ApiError(403, "origin_not_allowed")
    return "browser"


def _cors(response: Response, site: SiteInfo) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        try:
            normalized = normalize_origin(origin)
        except ValueError:
            return response
        if normalized in site.allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
    return response


@bp.route("/comments", methods=["OPTIONS"], provide_automatic_options=False)
def preflight(site: str):
    info = get_site(site)
    response = _cors(Response(status=204), info)
    if "Access-Control-Allow-Origin" in response.headers:
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept-Language"
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


@bp.post("/comments")
@operation(
    path="/api/v1/sites/{site}/comments", method="POST", tags=["comments"],
    summary="Accept a comment (JSON with a site key, JSON from an allowed browser origin, "
            "or a WordPress-style form post, which redirects 303 to the thread URL).",
    request=_comment_in_model, parameters=[SITE_PARAM],
    responses={202: CommentAccepted, 303: None, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR,
               413: ERROR, 415: ERROR, 422: ERROR},
    security=[{"siteKey": []}, {}],
    extra_request_types={"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "description": "WordPress comment form fields",
        "properties": {name: {"type": "string"} for name in (
            "author", "email", "url", "comment", "comment_parent", "thread_id",
            "comment_post_ID", "thread_url", "thread_title", "form_token", HONEYPOT_FIELD)}}}},
)
def create_comment(site: str):
    info = get_site(site)
    kind = body_kind()
    if kind == "form":
        return _create_from_form(info)
    via = _authorize_post(info)
    data = read_json_object()
    parsed = schemas().parse_comment(data)
    comment = accept_comment(info, _new_comment(parsed, via))
    response = jsonify(_accepted(comment, parsed.thread.id))
    response.status_code = 202
    response.headers["Location"] = url_for("comments.get_comment", site=site, comment_id=comment.id)
    return _cors(response, info) if via == "browser" else response


def _new_comment(parsed, via: str) -> NewComment:
    if via == "key" and parsed.client is not None:
        ip, agent, referrer = parsed.client.ip, parsed.client.user_agent, parsed.client.referrer
    elif via == "key":
        ip = agent = referrer = None
    else:  # the browser itself is the client
        ip = request.remote_addr
        agent = (request.user_agent.string or None) and request.user_agent.string[:512]
        referrer = (request.referrer or None) and request.referrer[:2048]
    token = parsed.client.form_token if parsed.client else None
    honeypot = parsed.client.honeypot if parsed.client else None
    return NewComment(
        thread_id=parsed.thread.id, thread_url=parsed.thread.url, thread_title=parsed.thread.title,
        parent_id=parsed.parent_id, author_name=parsed.author.name,
        author_email=parsed.author.email, author_url=parsed.author.url, body=parsed.body,
        client_ip=ip, user_agent=agent, referrer=referrer,
        form_age_seconds=form_age_seconds(token, current_app.config["SECRET_KEY"], time.time()),
        honeypot_filled=bool(honeypot))


def _accepted(comment: Accepted, thread_id: str) -> dict:
    return {"id": comment.id, "status": comment.status, "thread_id": thread_id,
            "created_at": comment.created_at.isoformat()}


def _create_from_form(info: SiteInfo):
    """A plain HTML comment form (WordPress field names) pointed at the service."""
    via = _authorize_post(info)
    form = read_form()
    parent = form.get("comment_parent", "").strip()
    data = {
        "thread": {"id": form.get("thread_id") or form.get("comment_post_ID") or "",
                   "url": form.get("thread_url"), "title": form.get("thread_title")},
        "parent_id": None if parent in ("", "0") else parent,
        "author": {"name": form.get("author", ""), "email": form.get("email", ""),
                   "url": form.get("url")},
        "body": form.get("comment", ""),
        # The signed token from GET .../form-token, and the honeypot field "website".
        "client": {"form_token": form.get("form_token"), "honeypot": form.get(HONEYPOT_FIELD)},
    }
    try:
        parsed = schemas().parse_comment(data)
        comment = accept_comment(info, _new_comment(parsed, via))
    except FieldErrors as exc:
        if not wants_html():
            raise
        body = envelope(422, exc.code, _form_field_names(exc.fields))
        html = render_template("form_error.html", error=body["error"], lang=current_language(),
                               back=_redirect_target(info, data["thread"]["url"]))
        return Response(html, status=422, mimetype="text/html")
    target = _redirect_target(info, parsed.thread.url)
    return redirect(f"{target}#comment-{comment.id}", code=303)


_FORM_NAMES = {"client.form_token": "form_token", "client.honeypot": HONEYPOT_FIELD,
               "author.name": "author", "author.email": "email", "author.url": "url",
               "body": "comment", "parent_id": "comment_parent", "thread.id": "thread_id",
               "thread.url": "thread_url", "thread.title": "thread_title"}


def _form_field_names(fields: dict) -> dict:
    return {_FORM_NAMES.get(path, path): value for path, value in fields.items()}


def _redirect_target(info: SiteInfo, thread_url: str | None) -> str:
    """Only ever redirect to one of the site's own origins (no open redirect)."""
    for candidate in (thread_url, request.referrer):
        if candidate:
            try:
                if normalize_origin(candidate) in info.allowed_origins:
                    return candidate.split("#", 1)[0]
            except ValueError:
                continue
    origin = _request_origin()
    return (origin or sorted(info.allowed_origins)[0]) + "/"


@bp.get("/comments/<int:comment_id>")
@operation(path="/api/v1/sites/{site}/comments/{comment_id}", method="GET", tags=["comments"],
           summary="A comment's status, decision and the reasons from the checks (site key).",
           parameters=[SITE_PARAM, {"name": "comment_id", "in": "path", "required": True,
                                    "schema": {"type": "integer"}}],
           responses={200: CommentDetail, 401: ERROR, 403: ERROR, 404: ERROR},
           security=[{"siteKey": []}])
def get_comment(site: str, comment_id: int):
    info = get_site(site)
    require_site_key(info, request.headers.get("Authorization"))
    detail = queries.comment_detail(info.id, comment_id)
    if detail is None:
        raise ApiError(404, "comment_not_found")
    return jsonify(detail)


@bp.get("/threads/<path:thread_id>/comments")
@operation(path="/api/v1/sites/{site}/threads/{thread_id}/comments", method="GET",
           tags=["comments"],
           summary="Published comments of a thread, threaded by parent_id, oldest first (public).",
           parameters=[SITE_PARAM,
                       {"name": "thread_id", "in": "path", "required": True,
                        "schema": {"type": "string"}},
                       {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                       {"name": "limit", "in": "query",
                        "schema": {"type": "integer", "minimum": 1,
                                   "maximum": queries.MAX_PAGE, "default": queries.DEFAULT_PAGE}}],
           responses={200: ThreadPage, 304: None, 400: ERROR, 404: ERROR, 422: ERROR})
def thread_comments(site: str, thread_id: str):
    info = get_site(site)
    limit = _limit(request.args.get("limit"))
    page = queries.thread_page(info.id, thread_id, request.args.get("cursor"), limit,
                               visible_statuses(info.policy))
    response = jsonify(page)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


def _limit(raw: str | None) -> int:
    if raw is None:
        return queries.DEFAULT_PAGE
    try:
        value = int(raw)
    except ValueError:
        raise FieldErrors({"limit": ("wrong_type", {"expected": "integer"})}) from None
    if not 1 <= value <= queries.MAX_PAGE:
        raise FieldErrors({"limit": ("invalid_value", {})})
    return value


@bp.get("/form-token")
@operation(path="/api/v1/sites/{site}/form-token", method="GET", tags=["comments"],
           summary="A signed token to put in a comment form when it is rendered (hidden field "
                   "form_token, or client.form_token in JSON): a comment posted sooner than the "
                   "policy's min_form_seconds after it is treated as a bot (public).",
           parameters=[SITE_PARAM], responses={200: FormToken, 404: ERROR})
def form_token(site: str):
    get_site(site)
    response = jsonify({"token": issue_form_token(current_app.config["SECRET_KEY"], time.time()),
                        "max_age_seconds": int(FORM_TOKEN_MAX_AGE)})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-store"
    return response
