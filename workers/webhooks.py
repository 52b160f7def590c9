"""Tasks on queue ``webhooks``: deliver one message, and sweep up messages whose task was lost."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation.webhooks.delivery import deliver as deliver_message
from moderation.webhooks.delivery import due_messages

log = logging.getLogger(__name__)

DELIVER = "workers.webhooks.deliver"


@shared_task(name=DELIVER, bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def deliver(self, message_id: int) -> None:
    """Idempotent: re-reads the message; a finished, leased or not-yet-due one is left alone.

    HTTP failures are not exceptions here: they are attempts, judged and stored by
    ``deliver_message``; only database trouble (OperationalError) retries the task itself.
    """
    follow_up = deliver_message(message_id)
    # Committed by deliver_message; only now are the next tasks sent (commit, then enqueue).
    celery = current_app.extensions["celery"]
    for next_id, countdown in follow_up.tasks:
        celery.send_task(DELIVER, args=(next_id,), countdown=countdown or None)
    log.info("task %s: webhook message %s -> %s", self.request.id, message_id, follow_up.result)


@shared_task(name="workers.webhooks.sweep", bind=True, acks_late=True)
def sweep(self) -> None:
    """Send again the due messages no task is carrying (lost message, killed worker)."""
    ids = due_messages()
    celery = current_app.extensions["celery"]
    for message_id in ids:
        celery.send_task(DELIVER, args=(message_id,))
    if ids:
        log.warning("task %s: re-sent %d due webhook messages: %s", self.request.id, len(ids),
                    ids[:20])
