"""Tasks on queue ``checks``: decide pending comments, and sweep up lost ones."""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache

from celery import shared_task
from celery_batches import Batches
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation.comments.checking import check_comments
from moderation.comments.services import requeue_stale_pending
from moderation.extensions import db

log = logging.getLogger(__name__)


@lru_cache(maxsize=None)
def _load_checks(paths: tuple[str, ...]):
    checks = []
    for path in paths:
        module, _, name = path.partition(":")
        checks.append(getattr(importlib.import_module(module), name))
    return tuple(checks)


class FlaskBatches(Batches):
    """celery-batches' task class, run inside the Flask app's context like our other tasks."""

    def __call__(self, *args, **kwargs):
        with self.app.flask_app.app_context():
            return self.run(*args, **kwargs)


@shared_task(name="workers.checks.run", base=FlaskBatches, acks_late=True)
def run(requests) -> None:
    """Decide the comments of a batch of ``run(comment_id)`` messages.

    The worker gathers the messages of this task for ``CHECK_BATCH_WAIT`` seconds or until
    ``CHECK_BATCH_SIZE`` have come, and they are decided in one transaction: most of a
    decision's cost is per transaction and per round trip, not per comment. The messages
    are acknowledged once the batch is done; a worker killed mid-batch leaves them to be
    delivered again. Idempotent: a comment that is gone or already decided is left alone.
    """
    tasks = _comment_ids(requests)
    ids = list(tasks)
    extra = _load_checks(tuple(current_app.config["EXTRA_CHECKS"]))
    try:
        decided = check_comments(ids, extra)
    except OperationalError:
        # The database is unreachable: nothing was written, and the sweeper sends these
        # checks again once they have been pending for PENDING_SWEEP_AFTER seconds.
        db.session.rollback()
        log.warning("checks of %d comments failed: database unavailable; left for the sweeper",
                    len(ids), exc_info=True)
        return
    except Exception:
        # One comment the checks cannot handle must not hold up the others: decide them one
        # at a time, and leave the failing one pending (the sweeper retries it, and a
        # moderator sees it in the queue).
        db.session.rollback()
        if len(ids) == 1:
            raise
        log.exception("a batch of %d checks failed; deciding them one at a time", len(ids))
        decided = {}
        for comment_id in ids:
            try:
                decided.update(check_comments([comment_id], extra))
            except Exception:
                db.session.rollback()
                log.exception("checks of comment %s failed; left pending", comment_id)
    for comment_id, task_id in tasks.items():
        log.info("task %s: comment %s -> %s", task_id, comment_id,
                 decided.get(comment_id, "unchanged"))


def _comment_ids(requests) -> dict[int, str]:
    """The comment id of each message, and the message's task id (for the logs)."""
    ids = {}
    for request in requests:
        try:
            (comment_id,) = request.args
            ids[int(comment_id)] = request.id
        except (TypeError, ValueError):
            log.error("task %s: ignored a check message with arguments %r",
                      request.id, request.args)
    return ids


@shared_task(name="workers.checks.sweep", bind=True, acks_late=True)
def sweep(self) -> None:
    """Send the checks again for comments left pending too long (a lost message, a dead worker)."""
    ids = requeue_stale_pending()
    if ids:
        log.warning("task %s: re-sent checks for %d stale pending comments: %s",
                    self.request.id, len(ids), ids[:20])
