"""The comment moderation service: ``create_app`` builds the Flask app every entrypoint uses."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, Mapping

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import errors
from .config import load_config, resolve_embedded_defaults
from .extensions import db, migrate
from .http import CookieSessions
from .queue import init_celery

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    settings = resolve_embedded_defaults(load_config(os.environ, config))
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(settings["DATABASE_URL"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.session_interface = CookieSessions()
    app.json.ensure_ascii = False  # Arabic stays readable in responses
    app.json.sort_keys = False
    app.config["SESSION_COOKIE_SAMESITE"] = settings.get("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings["MODERATOR_SESSION_HOURS"])

    if settings["TRUSTED_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = settings["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    init_celery(app)
    errors.init_app(app)

    from . import health
    from .comments import routes as comment_routes
    from .openapi import bp as openapi_bp
    from .review import admin_routes as review_admin_routes
    from .review import ratelimit
    from .review import routes as review_routes
    from .webhooks import routes as webhook_routes

    ratelimit.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(comment_routes.bp)
    app.register_blueprint(review_routes.reports_bp)
    app.register_blueprint(review_routes.bp)
    app.register_blueprint(review_admin_routes.bp)
    app.register_blueprint(webhook_routes.bp)
    app.register_blueprint(openapi_bp)
    return app


def _sqlalchemy_url(url: str) -> str:
    # Accept the common postgres:// and postgresql:// spellings; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # No pre-ping: it costs a round trip on every checkout, as much as the accept path's insert.
    # A connection found dead fails its request with a 503 (see errors) and invalidates the pool.
    return {"pool_size": 5, "max_overflow": 10, "pool_recycle": 3600}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web and worker processes of the embedded mode read while one writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
