"""Creating sites and keys, and finding the site (and the caller's rights) for a request."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ..errors import ApiError
from ..extensions import db
from .models import Site, SiteKey

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KEY_PREFIX = "msk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalize_origin(origin: str) -> str:
    """``https://Example.com:443/path`` -> ``https://example.com`` (what browsers send)."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) origin: {origin!r}")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def create_site(slug: str, name: str, origins: list[str] | None = None,
                policy: dict[str, Any] | None = None) -> tuple[Site, str]:
    """Create a site and its first key; return the site and the key (shown only once)."""
    if not SLUG_RE.match(slug):
        raise ValueError("slug: lowercase letters, digits and dashes, at most 63 characters")
    if db.session.scalar(select(Site.id).where(Site.slug == slug)) is not None:
        raise ValueError(f"a site named {slug!r} already exists")
    site = Site(slug=slug, name=name, allowed_origins=[normalize_origin(o) for o in origins or []],
                policy=policy or {})
    db.session.add(site)
    key = add_key(site)
    db.session.commit()
    return site, key


def add_key(site: Site) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    site.keys.append(SiteKey(key_hash=hash_key(key), prefix=key[:12]))
    return key


@dataclass(frozen=True)
class SiteInfo:
    """An immutable snapshot of what a request needs to know about a site."""

    id: int
    slug: str
    name: str
    allowed_origins: frozenset[str]
    policy: dict[str, Any]
    key_hashes: frozenset[str]

    def key_matches(self, key: str) -> bool:
        digest = hash_key(key)
        return any(hmac.compare_digest(digest, known) for known in self.key_hashes)


class _SiteCache:
    """Per-process cache of ``SiteInfo`` by slug, so accepting a comment costs no site query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, SiteInfo | None]] = {}

    def get(self, slug: str, ttl: float) -> SiteInfo | None:
        now = time.monotonic()
        entry = self._entries.get(slug)
        if entry is not None and now - entry[0] < ttl:
            return entry[1]
        info = _load_site(slug)
        if ttl > 0:
            with self._lock:
                self._entries[slug] = (now, info)
        return info

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _load_site(slug: str) -> SiteInfo | None:
    site = db.session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        return None
    hashes = db.session.scalars(
        select(SiteKey.key_hash).where(SiteKey.site_id == site.id, SiteKey.revoked_at.is_(None))
    ).all()
    return SiteInfo(site.id, site.slug, site.name, frozenset(site.allowed_origins or ()),
                    dict(site.policy or {}), frozenset(hashes))


def site_cache() -> _SiteCache:
    return current_app.extensions.setdefault("moderation.site_cache", _SiteCache())


def get_site(slug: str) -> SiteInfo:
    if not SLUG_RE.match(slug):
        raise ApiError(404, "site_not_found")
    info = site_cache().get(slug, current_app.config["SITE_CACHE_SECONDS"])
    if info is None:
        raise ApiError(404, "site_not_found")
    return info


def bearer_key(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized")
    return token.strip()


def require_site_key(site: SiteInfo, authorization: str | None) -> None:
    key = bearer_key(authorization)
    if key is None:
        raise ApiError(401, "unauthorized")
    if not site.key_matches(key):
        # A valid key of another site is authenticated but not allowed here: 403, not 401.
        if _is_known_key(key):
            raise ApiError(403, "forbidden")
        raise ApiError(401, "unauthorized")


def _is_known_key(key: str) -> bool:
    return db.session.scalar(
        select(SiteKey.id).where(SiteKey.key_hash == hash_key(key), SiteKey.revoked_at.is_(None))
    ) is not None
