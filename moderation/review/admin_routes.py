"""HTTP entrypoints for accounts and administration: session login, tokens, moderator
accounts, sanctions and site settings."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, request, session
from sqlalchemy import select

from ..comments.accept import email_hash
from ..errors import ApiError
from ..extensions import db, utcnow
from ..http import read_json_object
from ..openapi import operation
from . import accounts
from .accounts import Actor, current_actor, require_admin
from .models import AdminEvent, Moderator, ModeratorToken, Sanction
from .ratelimit import limiter
from .routes import DENIED, ERROR, MOD, site_for
from .sanctions import create_sanction, revoke_sanction, sanction_dict
from .schemas import (LoginIn, ModeratorIn, ModeratorPatch, SanctionIn, SiteSettingsIn, TokenIn,
                      parse)
from .site_settings import history, settings_of, update_settings

bp = Blueprint("review_admin", __name__, url_prefix="/api/v1/moderation")
SITE = {"name": "site", "in": "path", "required": True, "schema": {"type": "string"}}
ANY_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _me(moderator_id: int) -> dict:
    moderator = db.session.get(Moderator, moderator_id)
    return {"id": moderator.id, "email": moderator.email,
            "display_name": moderator.display_name, "role": moderator.role,
            "active": moderator.active, "sites": accounts.site_slugs(moderator.id)}


@bp.post("/session")
@operation(path="/api/v1/moderation/session", method="POST", tags=["accounts"], request=LoginIn,
           summary="Log in with email and password; sets a secure, HttpOnly session cookie.",
           responses={200: None, 400: ERROR, 401: ERROR, 422: ERROR, 429: ERROR})
def login():
    config = current_app.config
    if not limiter().hit(f"login:{request.remote_addr or '-'}", config["LOGIN_RATE_LIMIT"],
                         config["LOGIN_RATE_WINDOW"]):
        raise ApiError(429, "rate_limited")
    body = parse(LoginIn, read_json_object())
    moderator = accounts.verify_password(body.email, body.password)
    if moderator is None:
        raise ApiError(401, "login_failed")
    accounts.start_session(moderator)
    db.session.commit()  # a rehashed password
    return jsonify(_me(moderator.id))


@bp.delete("/session")
@operation(path="/api/v1/moderation/session", method="DELETE", tags=["accounts"],
           summary="Log out.", responses={204: None})
def logout():
    session.clear()
    return "", 204


@bp.get("/me")
@operation(path="/api/v1/moderation/me", method="GET", tags=["accounts"],
           summary="The moderator behind the token or session.", responses={200: None, 401: ERROR},
           security=MOD)
def me():
    return jsonify(_me(current_actor().id))


@bp.post("/tokens")
@operation(path="/api/v1/moderation/tokens", method="POST", tags=["accounts"], request=TokenIn,
           summary="Create an API token for yourself; the token is shown only in this answer.",
           responses={201: None, 401: ERROR, 422: ERROR}, security=MOD)
def create_token():
    actor = current_actor()
    body = parse(TokenIn, read_json_object())
    row, token = accounts.issue_token(db.session.get(Moderator, actor.id), body.name)
    db.session.commit()
    return jsonify({"id": row.id, "name": row.name, "prefix": row.prefix, "token": token}), 201


@bp.get("/tokens")
@operation(path="/api/v1/moderation/tokens", method="GET", tags=["accounts"],
           summary="Your tokens (prefixes only).", responses={200: None, 401: ERROR},
           security=MOD)
def list_tokens():
    actor = current_actor()
    rows = db.session.scalars(select(ModeratorToken).where(
        ModeratorToken.moderator_id == actor.id).order_by(ModeratorToken.id))
    return jsonify({"tokens": [
        {"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
         "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None} for t in rows]})


@bp.delete("/tokens/<int:token_id>")
@operation(path="/api/v1/moderation/tokens/{id}", method="DELETE", tags=["accounts"],
           parameters=[ANY_ID], summary="Revoke a token (yours; an admin: anyone's).",
           responses={204: None, **DENIED}, security=MOD)
def revoke_token(token_id: int):
    actor = current_actor()
    if not accounts.revoke_token(actor, token_id):
        raise ApiError(404, "not_found")
    db.session.add(AdminEvent(actor=actor.label, kind="token.revoked", before=None,
                              after={"token_id": token_id}))
    db.session.commit()
    return "", 204


@bp.get("/moderators")
@operation(path="/api/v1/moderation/moderators", method="GET", tags=["accounts"],
           summary="Every moderator account (admins).", responses={200: None, **DENIED},
           security=MOD)
def list_moderators():
    require_admin(current_actor())
    ids = db.session.scalars(select(Moderator.id).order_by(Moderator.id)).all()
    return jsonify({"moderators": [_me(i) for i in ids]})


@bp.post("/moderators")
@operation(path="/api/v1/moderation/moderators", method="POST", tags=["accounts"],
           request=ModeratorIn, summary="Create an account and its first token (admins).",
           responses={201: None, 409: ERROR, 422: ERROR, **DENIED}, security=MOD)
def create_moderator():
    actor = current_actor()
    require_admin(actor)
    body = parse(ModeratorIn, read_json_object())
    try:
        moderator = accounts.create_moderator(body.email, body.display_name, body.role,
                                              body.sites, body.password, actor=actor.label)
    except ValueError as exc:
        raise ApiError(409 if "exists" in str(exc) else 422, "account_invalid",
                       detail=str(exc)) from None
    _, token = accounts.issue_token(moderator, "created by " + actor.label)
    db.session.commit()
    return jsonify({**_me(moderator.id), "token": token}), 201


@bp.patch("/moderators/<int:moderator_id>")
@operation(path="/api/v1/moderation/moderators/{id}", method="PATCH", tags=["accounts"],
           request=ModeratorPatch, parameters=[ANY_ID],
           summary="Change role, sites, name, password or deactivate (admins).",
           responses={200: None, 422: ERROR, **DENIED}, security=MOD)
def update_moderator(moderator_id: int):
    actor = current_actor()
    require_admin(actor)
    body = parse(ModeratorPatch, read_json_object())
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None:
        raise ApiError(404, "not_found")
    before = _me(moderator.id)
    for key in ("display_name", "role", "active"):
        if getattr(body, key) is not None:
            setattr(moderator, key, getattr(body, key))
    if body.password is not None:
        moderator.password_hash = accounts.hash_password(body.password)
    if body.sites is not None:
        try:
            accounts.set_assignments(moderator, body.sites)
        except ValueError as exc:
            raise ApiError(422, "account_invalid", detail=str(exc)) from None
    db.session.flush()
    db.session.add(AdminEvent(actor=actor.label, kind="moderator.changed", before=before,
                              after=_me(moderator.id)))
    db.session.commit()
    return jsonify(_me(moderator.id))


# --- sanctions ----------------------------------------------------------------------------

@bp.post("/sanctions")
@operation(path="/api/v1/moderation/sanctions", method="POST", tags=["moderation"],
           request=SanctionIn,
           summary="Ban, suspend, always hold or trust an author, on a site or (admins) all "
                   "sites; a ban can reject the author's existing comments in the background.",
           responses={201: None, 422: ERROR, **DENIED}, security=MOD)
def add_sanction():
    actor = current_actor()
    body = parse(SanctionIn, read_json_object())
    if body.site is None:
        require_admin(actor)
        site_id = None
    else:
        site_id = site_for(actor, body.site).id
    expires = utcnow() + timedelta(hours=body.duration_hours) if body.duration_hours else None
    author = body.email_hash or (email_hash(body.email) if body.email else None)
    sanction = create_sanction(actor, kind=body.kind, site_id=site_id, email_hash=author,
                               ip=body.ip, expires_at=expires, note=body.note,
                               reject_existing=body.reject_existing)
    return jsonify(sanction_dict(sanction)), 201


def _visible_sanctions(actor: Actor):
    query = select(Sanction)
    if not actor.is_admin:
        query = query.where(Sanction.site_id.in_(actor.visible_site_ids() or [-1]))
    return query


@bp.get("/sanctions")
@operation(path="/api/v1/moderation/sanctions", method="GET", tags=["moderation"],
           summary="Active sanctions you can see.", responses={200: None, **DENIED},
           security=MOD)
def list_sanctions():
    actor = current_actor()
    rows = db.session.scalars(_visible_sanctions(actor).where(Sanction.revoked_at.is_(None))
                              .order_by(Sanction.id.desc()).limit(500))
    return jsonify({"sanctions": [sanction_dict(s) for s in rows]})


@bp.delete("/sanctions/<int:sanction_id>")
@operation(path="/api/v1/moderation/sanctions/{id}", method="DELETE", tags=["moderation"],
           parameters=[ANY_ID], summary="Lift a sanction.", responses={204: None, **DENIED},
           security=MOD)
def lift_sanction(sanction_id: int):
    actor = current_actor()
    sanction = db.session.scalar(_visible_sanctions(actor).where(Sanction.id == sanction_id))
    if sanction is None:
        raise ApiError(404, "not_found")
    revoke_sanction(actor, sanction)
    return "", 204


# --- site settings ------------------------------------------------------------------------

@bp.get("/sites/<site>/settings")
@operation(path="/api/v1/moderation/sites/{site}/settings", method="GET", tags=["admin"],
           parameters=[SITE], summary="A site's moderation settings (admins).",
           responses={200: None, **DENIED}, security=MOD)
def get_settings(site: str):
    actor = current_actor()
    require_admin(actor)
    return jsonify(settings_of(site_for(actor, site), current_app.config["REPORT_THRESHOLD"]))


@bp.patch("/sites/<site>/settings")
@operation(path="/api/v1/moderation/sites/{site}/settings", method="PATCH", tags=["admin"],
           request=SiteSettingsIn, parameters=[SITE],
           summary="Change policy mode and thresholds, terms, origins, report threshold "
                   "(admins; validated and audited).",
           responses={200: None, 400: ERROR, 413: ERROR, 422: ERROR, **DENIED}, security=MOD)
def patch_settings(site: str):
    actor = current_actor()
    require_admin(actor)
    row = site_for(actor, site)
    body = parse(SiteSettingsIn, read_json_object())
    return jsonify(update_settings(actor, row, body, current_app.config["REPORT_THRESHOLD"]))


@bp.get("/sites/<site>/settings/history")
@operation(path="/api/v1/moderation/sites/{site}/settings/history", method="GET",
           tags=["admin"], parameters=[SITE],
           summary="Who changed the site's settings and sanctions, before and after (admins).",
           responses={200: None, **DENIED}, security=MOD)
def settings_history(site: str):
    actor = current_actor()
    require_admin(actor)
    return jsonify({"events": history(site_for(actor, site))})
