"""The Celery binding on the web side: tasks are sent by name, and only after a commit.

The web process never imports worker code. ``send_after_commit`` parks a task on the
current database session; the session's ``after_commit`` event sends it, and a rollback
drops it, so a worker can never be told about a row that does not exist (yet).
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

QUEUES = ("checks", "webhooks", "maintenance")
_PENDING = "moderation.pending_tasks"


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    broker_url = app.config["CELERY_BROKER_URL"]
    celery.conf.update(
        broker_url=broker_url,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        # A task is acknowledged only when it has finished, so a worker killed mid-task
        # leaves the message to be delivered again; tasks are idempotent for that reason.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="maintenance",
        task_routes={
            "workers.checks.*": {"queue": "checks"},
            "workers.webhooks.*": {"queue": "webhooks"},
        },
        worker_hijack_root_logger=False,
    )
    if broker_url.startswith("filesystem://"):
        folder = Path(app.config["INSTANCE_PATH"]) / "broker"
        for sub in ("processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        celery.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            # Exchange tables; kombu's default is ./control in whatever folder we run from.
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": app.config["BROKER_POLLING_INTERVAL"],
        }
    elif broker_url.startswith(("redis://", "rediss://")):
        # Unacknowledged messages come back after this long; the sweeper covers the rest.
        celery.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.extensions["celery"] = celery
    return celery


def send_after_commit(name: str, *args) -> None:
    """Send task ``name`` with ``args`` once the current transaction commits."""
    session = db.session()
    session.info.setdefault(_PENDING, []).append((name, args))


def send_now(name: str, *args) -> None:
    current_app.extensions["celery"].send_task(name, args=args)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    celery = current_app.extensions["celery"]
    for name, args in pending:
        try:
            celery.send_task(name, args=args)
        except Exception:  # the row is committed; the sweeper will send it again
            log.exception("could not send %s%r; the sweeper will retry", name, args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
