"""The web side's Celery binding: which transport a broker URL gets, and a real publish."""

from __future__ import annotations

import json
import os

import pytest

from moderation import create_app
from moderation.queue import RedisTransport

REDIS = os.environ.get("TEST_BROKER_URL", "")


def test_redis_urls_get_the_transport_that_keeps_its_client(config):
    redis_app = create_app({**config, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/10"})
    assert redis_app.extensions["celery"].conf.broker_transport.endswith(":RedisTransport")
    # TLS keeps kombu's own transport, which turns rediss:// into the right SSL options.
    tls_app = create_app({**config, "CELERY_BROKER_URL": "rediss://127.0.0.1:6380/0"})
    assert not tls_app.extensions["celery"].conf.broker_transport


@pytest.mark.skipif(not REDIS.startswith("redis://"), reason="needs TEST_BROKER_URL=redis://")
def test_publishing_through_it_reaches_the_queue_with_one_client(config):
    import redis

    url = REDIS.rsplit("/", 1)[0] + "/10"  # a database no worker of the test run reads
    server = redis.Redis.from_url(url)
    server.flushdb()
    app = create_app({**config, "CELERY_BROKER_URL": url})
    celery = app.extensions["celery"]
    for comment_id in (1, 2, 3):
        celery.send_task("workers.checks.run", args=(comment_id,))
    messages = [json.loads(raw) for raw in server.lrange("checks", 0, -1)]
    assert sorted(m["headers"]["task"] for m in messages) == ["workers.checks.run"] * 3
    assert sorted(m["headers"]["argsrepr"] for m in messages) == ["(1,)", "(2,)", "(3,)"]
    with celery.connection_for_write() as connection:
        assert isinstance(connection.transport, RedisTransport)
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second  # one client object, not one per command
    server.flushdb()


def _comparable(raw: bytes) -> dict:
    """A broker message with what differs between any two sends (ids, tags) blanked out."""
    import base64

    message = json.loads(raw)
    message["body"] = json.loads(base64.b64decode(message["body"]))
    for key in ("id", "root_id"):
        message["headers"][key] = "<id>"
    for key in ("correlation_id", "delivery_tag"):
        message["properties"][key] = "<id>"
    return message


@pytest.mark.skipif(not REDIS.startswith("redis://"), reason="needs TEST_BROKER_URL=redis://")
@pytest.mark.parametrize("name, queue", [("workers.checks.run", "checks"),
                                         ("workers.webhooks.deliver", "webhooks"),
                                         ("workers.maintenance.reject_sanctioned", "maintenance")])
def test_the_publisher_sends_exactly_what_send_task_sends(config, name, queue):
    """``RedisPublisher`` writes kombu's envelope by hand: it must stay the same message, to
    the field, as Celery's own ``send_task`` for every queue, or workers would misread it."""
    import redis

    url = REDIS.rsplit("/", 1)[0] + "/10"
    server = redis.Redis.from_url(url)
    server.flushdb()
    app = create_app({**config, "CELERY_BROKER_URL": url})
    task_id = app.extensions["moderation.publisher"].send(name, (42,))
    app.extensions["celery"].send_task(name, args=(42,), argsrepr="(42,)", kwargsrepr="{}")
    theirs, ours = server.lrange(queue, 0, -1)  # LPUSH: the newest first
    assert json.loads(ours)["headers"]["id"] == task_id
    assert _comparable(ours) == _comparable(theirs)
    server.flushdb()
