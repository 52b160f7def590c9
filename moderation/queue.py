"""The Celery binding on the web side: tasks are sent by name, and only after a commit.

The web process never imports worker code. ``send_after_commit`` parks a task on the
current database session; the session's ``after_commit`` event sends it, and a rollback
drops it, so a worker can never be told about a row that does not exist (yet).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import redis
from celery import Celery, Task
from celery.utils.nodenames import anon_nodename
from flask import Flask, current_app
from kombu.transport import redis as kombu_redis
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
        # Checks are decided in batches (``workers.checks.run``): a process must be able to
        # hold a batch's worth of unacknowledged messages, plus the next one filling up.
        worker_prefetch_multiplier=app.config["CHECK_BATCH_SIZE"],
        task_annotations={"workers.checks.run": {
            "flush_every": app.config["CHECK_BATCH_SIZE"],
            "flush_interval": app.config["CHECK_BATCH_WAIT"]}},
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
        if broker_url.startswith("redis://"):  # rediss:// keeps kombu's own TLS handling
            celery.conf.broker_transport = f"{__name__}:RedisTransport"
            app.extensions["moderation.publisher"] = RedisPublisher(celery, broker_url)
    app.extensions["celery"] = celery
    return celery


def send_after_commit(name: str, *args) -> None:
    """Send task ``name`` with ``args`` once the current transaction commits."""
    session = db.session()
    session.info.setdefault(_PENDING, []).append((name, args))


def send_committed(name: str, *args) -> None:
    """Send a task about rows already committed. A broker that is down loses nothing: the
    rows say what is left to do, and the sweepers send it again."""
    send_committed_many(name, [args])


def send_committed_many(name: str, calls: list[tuple]) -> None:
    """Send task ``name`` once for each tuple of arguments in ``calls`` (rows already
    committed); with a ``redis://`` broker, as one command."""
    try:
        publisher = current_app.extensions.get("moderation.publisher")
        if publisher is not None:
            publisher.send_many(name, calls)
            return
        celery = current_app.extensions["celery"]
        for args in calls:
            # Our tasks take ids: their repr is short and safe, and giving it saves Celery's
            # saferepr (a tenth of a publish).
            celery.send_task(name, args=args, argsrepr=repr(args), kwargsrepr="{}")
    except Exception:
        log.exception("could not send %s for %r; the sweeper will retry", name, calls[:20])


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for name, args in pending:
        send_committed(name, *args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class _RedisChannel(kombu_redis.Channel):
    """Kombu's Redis channel builds a new client object for every command it sends, which
    costs about a third of a publish (the client copies ~170 response callbacks). This one
    keeps a single client; commands still take connections from the channel's pool."""

    _shared_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client is not None:
            yield client
            return
        if self._shared_client is None:
            self._shared_client = self._create_client()
        yield self._shared_client


class RedisTransport(kombu_redis.Transport):
    """``redis://`` with ``_RedisChannel``; set as ``broker_transport`` for Redis brokers."""

    Channel = _RedisChannel


class RedisPublisher:
    """Sends a task to a ``redis://`` broker as one LPUSH of the message ``send_task`` sends.

    ``send_task`` costs 0.5-0.75 ms of CPU per message, most of it in kombu's producer
    (binding and copying entities, the declare cache, the retry wrapper); every accepted
    comment pays it, in the request. Here Celery's own ``as_task_v2`` builds the task message
    and it goes into kombu's Redis envelope as kombu would put it (the queue's name as the
    list key at the default priority, the body base64-encoded), for less than half of that
    (0.31 against 0.74 ms on the same machine, most of the rest in redis-py). A worker
    cannot tell the two apart; ``tests/test_queue.py`` compares them field by field, so a
    Celery or kombu upgrade that changes the format fails there first.
    """

    def __init__(self, celery: Celery, url: str) -> None:
        self._celery, self._url = celery, url
        self._queues: dict[str, str] = {}
        self._client: redis.Redis | None = None
        self._pid: int | None = None
        self._origin = ""

    def send(self, name: str, args: tuple) -> str:
        """Send task ``name`` with ``args`` (ids: plain JSON); return the task id."""
        return self.send_many(name, [args])[0]

    def send_many(self, name: str, calls: list[tuple]) -> list[str]:
        """Send task ``name`` once per tuple of arguments, all in one LPUSH (the messages
        are consumed in the order given); return the task ids."""
        client = self._connected()
        queue = self._queues.get(name)
        if queue is None:
            queue = self._queues[name] = self._celery.amqp.router.route({}, name)["queue"].name
        task_ids, messages = [], []
        for args in calls:
            task_id = str(uuid.uuid4())
            headers, properties, body, _ = self._celery.amqp.as_task_v2(
                task_id, name, args=args, argsrepr=repr(args), kwargsrepr="{}",
                origin=self._origin, reply_to=self._celery.thread_oid)
            properties.update(
                argsrepr=headers["argsrepr"], kwargsrepr="{}", delivery_mode=2,
                delivery_info={"exchange": "", "routing_key": queue}, priority=0,
                body_encoding="base64", delivery_tag=str(uuid.uuid4()))
            messages.append(json.dumps({
                "body": base64.b64encode(json.dumps(body).encode("utf-8")).decode("ascii"),
                "content-encoding": "utf-8", "content-type": "application/json",
                "headers": headers, "properties": properties,
            }))
            task_ids.append(task_id)
        # LPUSH puts each value at the head in turn and consumers take from the tail, so
        # the first message given is the first consumed.
        client.lpush(queue, *messages)
        return task_ids

    def _connected(self) -> redis.Redis:
        # One client per process: a client made before a fork (gunicorn, Celery's prefork
        # pool) must not share its sockets with the children.
        if self._pid != os.getpid():
            self._client = redis.Redis.from_url(self._url, socket_connect_timeout=5,
                                                socket_timeout=5)
            self._pid, self._origin = os.getpid(), anon_nodename()
        return self._client
