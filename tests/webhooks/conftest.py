"""Fixtures for webhook tests: an app that may call loopback, a receiver, a webhook worker.

The webhook app and its workers use their own broker, so a test's messages go only to the
workers that test starts (the pipeline tests' session worker never sees them):
``TEST_WEBHOOK_BROKER_URL`` if set (e.g. ``redis://127.0.0.1:6379/2``), else the embedded
filesystem broker in a folder of its own. The database is the suite's (``TEST_DATABASE_URL``).
Retry delays are shortened through WEBHOOK_RETRY_SCHEDULE, never by waiting for minutes.
"""

from __future__ import annotations

import os
import time

import pytest
from flask.testing import FlaskClient

from moderation import create_app
from tests.conftest import Worker

from .receiver import Receiver

WEBHOOK_SETTINGS = {
    "WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.0/8", "::1/128"],
    "WEBHOOK_ALLOW_HTTP": True,
    "WEBHOOK_TIMEOUT": 1.5,
    "WEBHOOK_RETRY_SCHEDULE": "0.3,0.6,1",
    "WEBHOOK_RETRY_JITTER": 0.0,
    "WEBHOOK_MAX_ATTEMPTS": 4,
    "WEBHOOK_SWEEP_INTERVAL": 0.5,
    "SWEEP_INTERVAL": 60.0,
}


@pytest.fixture(scope="session")
def wh_config(config, tmp_path_factory) -> dict:
    instance = tmp_path_factory.mktemp("webhook-instance")
    broker = os.environ.get("TEST_WEBHOOK_BROKER_URL") or "filesystem://localhost/"
    if broker.startswith("redis"):
        import redis

        redis.Redis.from_url(broker).flushdb()
    return {**config, **WEBHOOK_SETTINGS, "INSTANCE_PATH": str(instance),
            "CELERY_BROKER_URL": broker}


@pytest.fixture(scope="session")
def wh_app(app, wh_config):
    """The webhook-test app; ``app`` (a dependency) has already migrated the database."""
    return create_app(wh_config)


@pytest.fixture
def wh_db(db, wh_app):
    """The database inside the webhook app's context; emptied after the test by ``db``."""
    with wh_app.app_context():
        yield db
        _quiesce(db)
        db.session.remove()
    cache = wh_app.extensions.get("moderation.site_cache")
    if cache is not None:  # rows are about to be deleted; so must what we know of them
        cache.clear()


def _quiesce(db, timeout: float = 5.0) -> None:
    """Stop a worker's retries of this test's messages before ``db`` empties the tables.

    (A worker writing while TRUNCATE runs can deadlock with it on PostgreSQL.)
    """
    from sqlalchemy import select, update

    from moderation.extensions import utcnow
    from moderation.webhooks.models import WebhookMessage

    db.session.rollback()
    db.session.execute(update(WebhookMessage).where(WebhookMessage.status == "pending")
                       .values(status="failed"))
    db.session.commit()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and db.session.scalar(
            select(WebhookMessage.id).where(WebhookMessage.lease_until > utcnow()).limit(1)):
        db.session.rollback()
        time.sleep(0.05)
    db.session.rollback()


class FreshClient(FlaskClient):
    """Each request starts a new transaction, as it would in its own app context.

    The test holds the app context (``wh_db``) across requests, so without this a request
    would reuse the previous one's session and read its snapshot and identity map, and a
    test polling for a worker's change would never see it.
    """

    def open(self, *args, **kwargs):
        from moderation.extensions import db

        db.session.rollback()
        return super().open(*args, **kwargs)


@pytest.fixture
def wh_client(wh_app, wh_db):
    wh_app.test_client_class = FreshClient
    return wh_app.test_client()


@pytest.fixture
def site(wh_db):
    from moderation.sites.services import create_site

    return create_site("news", "News", ["https://news.example"])


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture(scope="module")
def wh_worker(wh_app, wh_config):
    """A real worker (with beat, for the sweeper) on the webhook broker, for one test module."""
    process = Worker(wh_config, beat=True)
    yield process
    process.stop()


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def create_endpoint(client, site, url: str, **body):
    _, key = site
    response = client.post("/api/v1/sites/news/webhooks", json={"url": url, **body},
                           headers=auth(key))
    assert response.status_code == 201, response.get_json()
    return response.get_json()
