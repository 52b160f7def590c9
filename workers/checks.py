"""Tasks on queue ``checks``: decide a pending comment, and sweep up lost ones."""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation.comments.services import check_comment, requeue_stale_pending

log = logging.getLogger(__name__)


@lru_cache(maxsize=None)
def _load_checks(paths: tuple[str, ...]):
    checks = []
    for path in paths:
        module, _, name = path.partition(":")
        checks.append(getattr(importlib.import_module(module), name))
    return tuple(checks)


@shared_task(name="workers.checks.run", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def run(self, comment_id: int) -> None:
    """Idempotent: a comment that is gone or already decided is left alone."""
    extra = _load_checks(tuple(current_app.config["EXTRA_CHECKS"]))
    status = check_comment(comment_id, extra)
    log.info("task %s: comment %s -> %s", self.request.id, comment_id, status or "unchanged")


@shared_task(name="workers.checks.sweep", bind=True, acks_late=True)
def sweep(self) -> None:
    """Send the checks again for comments left pending too long (a lost message, a dead worker)."""
    ids = requeue_stale_pending()
    if ids:
        log.warning("task %s: re-sent checks for %d stale pending comments: %s",
                    self.request.id, len(ids), ids[:20])
