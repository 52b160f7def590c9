"""The site settings admins change through the API: validated, stored on the site, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import FieldErrors
from ..extensions import db, utcnow
from ..sites.models import Site
from ..sites.services import normalize_origin, site_cache
from .accounts import Actor
from .models import AdminEvent
from .schemas import SiteSettingsIn

# Where each setting lives in ``Site.policy`` (the dict the detection's policy reads).
TERM_KEYS = {"banned": "banned_terms", "suspect": "suspect_terms", "allowed": "allowed_terms"}


def settings_of(site: Site, default_threshold: int) -> dict[str, Any]:
    policy = site.policy or {}
    return {
        "site": site.slug,
        "policy": {key: policy.get(key, default) for key, default in
                   (("mode", "auto"), ("hold_threshold", 0.5), ("reject_threshold", 0.9))},
        "terms": {name: list(policy.get(key) or []) for name, key in TERM_KEYS.items()},
        "allowed_origins": list(site.allowed_origins or []),
        "reports": {"threshold": policy.get("report_threshold", default_threshold),
                    "hide": bool(policy.get("hide_reported", False))},
    }


def update_settings(actor: Actor, site: Site, change: SiteSettingsIn,
                    default_threshold: int) -> dict[str, Any]:
    before = settings_of(site, default_threshold)
    policy = dict(site.policy or {})
    if change.policy is not None:
        for key, value in change.policy.model_dump(exclude_none=True).items():
            policy[key] = value
    if change.terms is not None:
        for name, terms in change.terms.model_dump(exclude_none=True).items():
            policy[TERM_KEYS[name]] = sorted({t.casefold() for t in terms})
    if change.reports is not None:
        if change.reports.threshold is not None:
            policy["report_threshold"] = change.reports.threshold
        if change.reports.hide is not None:
            policy["hide_reported"] = change.reports.hide
    if policy.get("hold_threshold", 0.5) > policy.get("reject_threshold", 0.9):
        raise FieldErrors({"policy.hold_threshold": ("threshold_order", {})})
    if change.allowed_origins is not None:
        origins, errors = [], {}
        for index, origin in enumerate(change.allowed_origins):
            try:
                origins.append(normalize_origin(origin))
            except ValueError:
                errors[f"allowed_origins.{index}"] = ("invalid_url", {})
        if errors:
            raise FieldErrors(errors)
        site.allowed_origins = sorted(set(origins))
    site.policy = policy
    after = settings_of(site, default_threshold)
    db.session.add(AdminEvent(site_id=site.id, actor=actor.label, kind="settings.changed",
                              before=before, after=after, created_at=utcnow()))
    db.session.commit()
    site_cache().clear()  # this process at once; others within SITE_CACHE_SECONDS
    return after


def history(site: Site, limit: int = 50) -> list[dict]:
    rows = db.session.scalars(select(AdminEvent).where(AdminEvent.site_id == site.id)
                              .order_by(AdminEvent.id.desc()).limit(limit))
    return [{"id": e.id, "actor": e.actor, "kind": e.kind, "before": e.before,
             "after": e.after, "created_at": e.created_at.isoformat()} for e in rows]
