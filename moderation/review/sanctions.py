"""Sanctions against authors, and the background task body that rejects a banned author's
comments (sent on queue ``maintenance`` after the sanction commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from ..comments.models import Comment
from ..comments.services import record_transition
from ..extensions import db, utcnow
from ..queue import send_after_commit
from .accounts import Actor
from .models import AdminEvent, Sanction

REJECT_TASK = "workers.maintenance.reject_sanctioned"
REJECTABLE = ("pending", "held", "reported", "published")
BATCH = 200


def create_sanction(actor: Actor, *, kind: str, site_id: int | None, email_hash: str | None,
                    ip: str | None, expires_at: datetime | None, note: str | None,
                    reject_existing: bool) -> Sanction:
    sanction = Sanction(site_id=site_id, kind=kind, email_hash=email_hash, ip=ip,
                        expires_at=expires_at, note=note, created_by=actor.label,
                        reject_existing=reject_existing and kind in ("ban", "suspend"),
                        created_at=utcnow())
    db.session.add(sanction)
    db.session.flush()
    db.session.add(AdminEvent(site_id=site_id, actor=actor.label, kind="sanction.created",
                              before=None, after=sanction_dict(sanction)))
    if sanction.reject_existing:
        send_after_commit(REJECT_TASK, sanction.id)
    db.session.commit()
    return sanction


def revoke_sanction(actor: Actor, sanction: Sanction) -> None:
    if sanction.revoked_at is None:
        sanction.revoked_at = utcnow()
        db.session.add(AdminEvent(site_id=sanction.site_id, actor=actor.label,
                                  kind="sanction.revoked", before=None,
                                  after=sanction_dict(sanction)))
    db.session.commit()


def sanction_dict(sanction: Sanction) -> dict:
    return {"id": sanction.id, "kind": sanction.kind, "site_id": sanction.site_id,
            "email_hash": sanction.email_hash, "ip": sanction.ip, "note": sanction.note,
            "reject_existing": sanction.reject_existing,
            "expires_at": sanction.expires_at.isoformat() if sanction.expires_at else None,
            "created_by": sanction.created_by, "created_at": sanction.created_at.isoformat(),
            "revoked_at": sanction.revoked_at.isoformat() if sanction.revoked_at else None}


def reject_sanctioned(sanction_id: int) -> int:
    """Reject the sanctioned author's waiting and published comments; safe to run twice.

    Works in batches of locked rows (``skip_locked``: a comment being checked right now is
    picked up by the next run, and the check itself sees the ban) and returns the count.
    """
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None or sanction.revoked_at is not None or not sanction.reject_existing:
        db.session.rollback()
        return 0
    who = []
    if sanction.email_hash:
        who.append(Comment.author_email_hash == sanction.email_hash)
    if sanction.ip:
        who.append(Comment.client_ip == sanction.ip)
    if not who:
        return 0
    query = select(Comment).where(or_(*who), Comment.status.in_(REJECTABLE))
    if sanction.site_id is not None:
        query = query.where(Comment.site_id == sanction.site_id)
    total = 0
    while True:
        batch = db.session.scalars(query.order_by(Comment.id).limit(BATCH)
                                   .with_for_update(skip_locked=True)).all()
        if not batch:
            break
        for comment in batch:
            previous = comment.status
            comment.status = "rejected"
            comment.version += 1
            comment.updated_at = utcnow()
            record_transition(comment, previous, "rejected",
                              reasons=[{"code": "author.banned"}], actor=sanction.created_by,
                              note=f"sanction {sanction.id}: {sanction.kind}")
        db.session.commit()
        total += len(batch)
    return total
