"""Reader reports: counted once per reader, and a threshold that sends a published comment
to the ``reported`` queue (hidden from the thread page if the site says so)."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..comments.models import Comment
from ..comments.services import record_transition
from ..errors import ApiError
from ..extensions import db, utcnow
from ..sites.services import SiteInfo
from ..webhooks import services as webhooks
from .models import Report
from .policy import report_crosses_threshold

REPORTABLE = ("published", "reported")


def reporter_hash(ip: str | None) -> str:
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{secret}|{ip or '-'}".encode()).hexdigest()


def report_threshold(site: SiteInfo) -> int:
    value = site.policy.get("report_threshold")
    return int(value) if value is not None else current_app.config["REPORT_THRESHOLD"]


def add_report(site: SiteInfo, comment_id: int, reason: str, text: str | None,
               ip: str | None) -> tuple[Comment, bool]:
    """Store a report; return the comment and whether this report was new."""
    comment = db.session.scalar(select(Comment).where(
        Comment.id == comment_id, Comment.site_id == site.id).with_for_update())
    if comment is None or comment.status not in REPORTABLE:
        raise ApiError(404, "comment_not_found")
    try:
        with db.session.begin_nested():
            db.session.add(Report(comment_id=comment.id, reason=reason, text=text,
                                  reporter_hash=reporter_hash(ip), created_at=utcnow()))
    except IntegrityError:
        db.session.rollback()
        return comment, False  # the same reader again: counted once
    comment.report_count += 1
    if report_crosses_threshold(comment.status, comment.report_count, report_threshold(site)):
        previous = comment.status
        comment.status = "reported"
        comment.version += 1
        comment.updated_at = utcnow()
        record_transition(comment, previous, "reported",
                          reasons=[{"code": "reports.threshold"}], actor="readers",
                          note=f"{comment.report_count} reader reports")
        # Entering the reported queue is the webhooks' ``comment.reported`` (a status change
        # the transition table does not map to an event by itself).
        webhooks.comment_changed(comment, previous, "reported", ["reports.threshold"],
                                 event_type="comment.reported")
    db.session.commit()
    return comment, True
