"""Tasks on queue ``maintenance``: background work that follows a moderator's action."""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import OperationalError

from moderation.review.sanctions import reject_sanctioned

log = logging.getLogger(__name__)


@shared_task(name="workers.maintenance.reject_sanctioned", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reject_sanctioned_comments(self, sanction_id: int) -> None:
    """Idempotent: rejects only what is still waiting or published; a lifted ban does nothing."""
    count = reject_sanctioned(sanction_id)
    log.info("task %s: sanction %s rejected %d comments", self.request.id, sanction_id, count)
