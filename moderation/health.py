"""Liveness and readiness probes."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .errors import error_response
from .extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """The process is alive and answering; says nothing about its dependencies."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready to accept comments: the database answers and the broker accepts a connection."""
    problems = []
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("readiness: database")
        problems.append("database")
    finally:
        db.session.rollback()
    try:
        celery = current_app.extensions["celery"]
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        log.exception("readiness: broker")
        problems.append("broker")
    if problems:
        return error_response(503, "service_unavailable", detail=", ".join(problems))
    return jsonify({"status": "ready", "database": "ok", "broker": "ok"})
