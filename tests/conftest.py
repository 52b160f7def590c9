"""Test fixtures: the app on a real database, and a real Celery worker process where needed.

By default the suite runs in the embedded mode (SQLite and the filesystem broker in a
temporary folder), so it passes on a machine with only Python. Point it at real services
with two environment variables (``.ci/run`` does):

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1/moderation_test
    TEST_BROKER_URL=redis://127.0.0.1:6379/15

The database named there is emptied and migrated from scratch at the start of a run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from moderation import create_app
from moderation.comments.accept import thread_ids
from moderation.extensions import db as _db

from .services import purge_redis, reset_postgres

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("MODERATION_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def config(tmp_path_factory) -> dict:
    instance = tmp_path_factory.mktemp("instance")
    database = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite3'}"
    broker = os.environ.get("TEST_BROKER_URL") or "filesystem://localhost/"
    if database.startswith("postgres"):
        reset_postgres(database)
    if broker.startswith("redis"):
        purge_redis(broker)
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "SECRET_KEY": "test-secret-key",
        "BROKER_POLLING_INTERVAL": 0.05,
        "SITE_CACHE_SECONDS": 5.0,
        # SQLite gives ids out again once the rows are deleted between tests: a worker's
        # late batch could decide the next test's comment of the same id. Batches close
        # fast here (on PostgreSQL, ids are never reused).
        "CHECK_BATCH_WAIT": 0.005,
    }


@pytest.fixture(scope="session")
def app(config):
    from flask_migrate import upgrade

    application = create_app(config)
    with application.app_context():
        upgrade()  # the real migrations, not create_all: they are under test too
    return application


@pytest.fixture
def db(app):
    """The database, emptied after each test (workers in other processes need real commits)."""
    with app.app_context():
        yield _db
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        for attempt in range(5):
            # A session worker may still be deciding a comment of this test; TRUNCATE can
            # then lose a deadlock to it. The worker's transaction is short: try again.
            try:
                with _db.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        # Ids go on from where they were, as in production: a late task
                        # about this test's comment 7 finds nothing in the next test.
                        conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
                    else:
                        for table in tables:
                            conn.execute(text(f"DELETE FROM {table}"))
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
        if "moderation.site_cache" in app.extensions:
            app.extensions["moderation.site_cache"].clear()
        thread_ids.clear()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def make_site(db) -> Callable:
    """Factory: ``make_site("news", origins=[...], policy={...})`` -> (Site, key)."""
    from moderation.sites.services import create_site

    def factory(slug: str = "news", name: str = "News", origins=(), policy=None):
        return create_site(slug, name, list(origins), policy)

    return factory


def worker_env(config: dict, **overrides) -> dict:
    env = {**os.environ}
    for key, value in {**config, **overrides}.items():
        env[key] = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Worker:
    """A real ``celery worker`` process, started and stopped by a test."""

    def __init__(self, config: dict, beat: bool = False, **overrides):
        self.log_path = Path(config["INSTANCE_PATH"]) / f"worker-{time.monotonic_ns()}.log"
        args = [sys.executable, "-m", "celery", "-A", "workers", "worker",
                "--queues", "checks,webhooks,maintenance", "--concurrency", "1",
                "--pool", "prefork", "--loglevel", "INFO", "--without-gossip",
                "--without-mingle", "--hostname", f"test-{time.monotonic_ns()}@%h"]
        if beat:
            args += ["--beat", "--schedule", str(Path(config["INSTANCE_PATH"]) / "beat-schedule")]
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, env=worker_env(config, **overrides), cwd=ROOT,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_for_log("ready.", timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log()}")
            time.sleep(0.05)
        raise TimeoutError(f"{needle!r} not in worker log:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        import signal

        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                  text=True).stdout.split()
        self.process.kill()
        for child in children:
            try:
                os.kill(int(child), signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture(scope="session")
def worker(app, config):
    """One worker for the session, consuming the checks queue."""
    process = Worker(config)
    yield process
    process.stop()


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)
