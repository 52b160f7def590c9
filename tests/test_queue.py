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


@pytest.mark.skipif(not REDIS.startswith("redis://"), reason="needs TEST_BROKER_URL=redis://")
def test_several_messages_go_in_one_command_and_are_consumed_in_the_order_given(config,
                                                                                monkeypatch):
    """A group insert announces its comments with one LPUSH; a worker takes them from the
    tail, first comment first, each the message ``send_task`` would have sent."""
    import redis

    url = REDIS.rsplit("/", 1)[0] + "/10"
    server = redis.Redis.from_url(url)
    server.flushdb()
    app = create_app({**config, "CELERY_BROKER_URL": url})
    celery = app.extensions["celery"]
    celery.send_task("workers.checks.run", args=(7,), argsrepr="(7,)", kwargsrepr="{}")
    (reference,) = server.lrange("checks", 0, -1)
    server.delete("checks")

    commands = []
    server_lpush = redis.Redis.lpush

    def counting_lpush(self, name, *values):
        commands.append(len(values))
        return server_lpush(self, name, *values)

    monkeypatch.setattr(redis.Redis, "lpush", counting_lpush)
    task_ids = app.extensions["moderation.publisher"].send_many(
        "workers.checks.run", [(7,), (8,), (9,)])
    assert commands == [3]
    consumed = [server.rpop("checks") for _ in range(3)]  # as kombu's BRPOP takes them
    assert [json.loads(raw)["headers"]["id"] for raw in consumed] == task_ids
    assert [json.loads(raw)["headers"]["argsrepr"] for raw in consumed] == ["(7,)", "(8,)", "(9,)"]
    assert _comparable(consumed[0]) == _comparable(reference)
    server.flushdb()
