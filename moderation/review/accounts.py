"""Moderator accounts, API tokens and sessions, and who may see which site.

Passwords are hashed with argon2id (argon2-cffi). API tokens are random 256-bit values, so,
like site keys, a SHA-256 of them is enough at rest; they are shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import request, session
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db, utcnow
from ..sites.models import Site
from ..sites.services import hash_key
from .models import ROLES, AdminEvent, Moderator, ModeratorSite, ModeratorToken

TOKEN_PREFIX = "mdt_"
_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps the timing of both failures alike.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """The authenticated moderator of a request."""

    id: int
    email: str
    display_name: str
    role: str
    site_ids: frozenset[int]  # assignments; ignored for admins

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return f"moderator:{self.id}"

    def can_see(self, site_id: int) -> bool:
        return self.is_admin or site_id in self.site_ids

    def visible_site_ids(self) -> list[int] | None:
        """None means every site (an admin)."""
        return None if self.is_admin else sorted(self.site_ids)


# Moderator tokens are random 256-bit values like site keys: the same fast hash serves both.
hash_token = hash_key


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_moderator(email: str, display_name: str, role: str, site_slugs: list[str],
                     password: str | None = None, actor: str = "cli") -> Moderator:
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 255:
        raise ValueError("not an email address")
    if db.session.scalar(select(Moderator.id).where(Moderator.email == email)) is not None:
        raise ValueError(f"a moderator with email {email!r} already exists")
    site_ids = _site_ids(site_slugs)
    moderator = Moderator(email=email, display_name=display_name or email.split("@")[0],
                          role=role, active=True,
                          password_hash=hash_password(password) if password else None)
    db.session.add(moderator)
    db.session.flush()
    for site_id in site_ids:
        db.session.add(ModeratorSite(moderator_id=moderator.id, site_id=site_id))
    db.session.add(AdminEvent(actor=actor, kind="moderator.created", before=None,
                              after={"id": moderator.id, "email": email, "role": role,
                                     "sites": sorted(site_slugs)}))
    return moderator


def set_assignments(moderator: Moderator, site_slugs: list[str]) -> None:
    site_ids = _site_ids(site_slugs)
    db.session.execute(ModeratorSite.__table__.delete().where(
        ModeratorSite.moderator_id == moderator.id))
    for site_id in site_ids:
        db.session.add(ModeratorSite(moderator_id=moderator.id, site_id=site_id))


def _site_ids(slugs: list[str]) -> list[int]:
    if not slugs:
        return []
    rows = dict(db.session.execute(select(Site.slug, Site.id).where(Site.slug.in_(slugs))).all())
    missing = sorted(set(slugs) - set(rows))
    if missing:
        raise ValueError(f"unknown site(s): {', '.join(missing)}")
    return sorted(rows.values())


def site_slugs(moderator_id: int) -> list[str]:
    return list(db.session.scalars(
        select(Site.slug).join(ModeratorSite, ModeratorSite.site_id == Site.id)
        .where(ModeratorSite.moderator_id == moderator_id).order_by(Site.slug)))


def issue_token(moderator: Moderator, name: str = "") -> tuple[ModeratorToken, str]:
    """A new API token; the plain value is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ModeratorToken(moderator_id=moderator.id, token_hash=hash_token(token),
                         prefix=token[:12], name=name[:100])
    db.session.add(row)
    db.session.flush()
    return row, token


def verify_password(email: str, password: str) -> Moderator | None:
    moderator = db.session.scalar(select(Moderator).where(
        Moderator.email == email.strip().lower()))
    stored = moderator.password_hash if moderator and moderator.active else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        moderator.password_hash = hash_password(password)
    return moderator


def _actor(moderator: Moderator) -> Actor:
    site_ids = db.session.scalars(select(ModeratorSite.site_id).where(
        ModeratorSite.moderator_id == moderator.id)).all()
    return Actor(moderator.id, moderator.email, moderator.display_name, moderator.role,
                 frozenset(site_ids))


def current_actor() -> Actor:
    """The moderator behind this request (Bearer token or session cookie), else 401.

    A site key is not a moderator credential: it is answered like any unknown token.
    """
    authorization = request.headers.get("Authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
            raise ApiError(401, "moderator_unauthorized")
        moderator = db.session.scalar(
            select(Moderator).join(ModeratorToken, ModeratorToken.moderator_id == Moderator.id)
            .where(ModeratorToken.token_hash == hash_token(token),
                   ModeratorToken.revoked_at.is_(None), Moderator.active.is_(True)))
        if moderator is None:
            raise ApiError(401, "moderator_unauthorized")
        return _actor(moderator)
    moderator_id = session.get("moderator_id")
    if moderator_id is None:
        raise ApiError(401, "moderator_unauthorized")
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None or not moderator.active or \
            session.get("epoch") != _session_epoch(moderator):
        session.clear()
        raise ApiError(401, "moderator_unauthorized")
    if request.method == "POST" and not request.is_json:
        # Cookie-authenticated posts must be JSON: a cross-site form cannot send that
        # without a CORS preflight, which we never grant (CSRF defence besides SameSite=Lax;
        # PATCH and DELETE always need a preflight).
        raise ApiError(415, "unsupported_media_type")
    return _actor(moderator)


def _session_epoch(moderator: Moderator) -> str:
    """Changes when the password changes, which ends every existing session."""
    return hashlib.sha256((moderator.password_hash or "").encode()).hexdigest()[:16]


def start_session(moderator: Moderator) -> None:
    session.clear()
    session.permanent = True
    session["moderator_id"] = moderator.id
    session["epoch"] = _session_epoch(moderator)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise ApiError(403, "admin_required")


def revoke_token(actor: Actor, token_id: int) -> bool:
    row = db.session.get(ModeratorToken, token_id)
    if row is None or (row.moderator_id != actor.id and not actor.is_admin):
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return True
