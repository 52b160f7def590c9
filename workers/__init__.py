"""The Celery application, built from the same Flask factory as the web app.

``celery -A workers worker`` asks this module for ``app``; it is created on that first
access (PEP 562), never at import time, so importing a task module has no side effects.
"""

from __future__ import annotations

from typing import Any, Mapping

from celery import Celery

TASK_MODULES = ["workers.checks", "workers.webhooks", "workers.maintenance"]


def create_worker_app(config: Mapping[str, Any] | None = None) -> Celery:
    from moderation import create_app

    flask_app = create_app(config)
    celery: Celery = flask_app.extensions["celery"]
    celery.conf.include = TASK_MODULES
    celery.conf.beat_schedule = {
        "sweep-pending-comments": {
            "task": "workers.checks.sweep",
            "schedule": flask_app.config["SWEEP_INTERVAL"],
        },
        "sweep-due-webhooks": {
            "task": "workers.webhooks.sweep",
            "schedule": flask_app.config["WEBHOOK_SWEEP_INTERVAL"],
        },
    }
    celery.flask_app = flask_app
    return celery


_app: Celery | None = None


def __getattr__(name: str) -> Celery:
    global _app
    if name in ("app", "celery"):
        if _app is None:
            _app = create_worker_app()
        return _app
    raise AttributeError(name)
