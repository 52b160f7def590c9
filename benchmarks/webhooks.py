"""Webhook deliveries per second per worker process, to a receiver on loopback.

    python -m benchmarks.webhooks [--messages 2000] [--concurrency 1]

Uses the same settings as the service (DATABASE_URL, REDIS_URL / CELERY_BROKER_URL;
default: SQLite and the filesystem broker in a temporary folder). It queues N signed
messages for one endpoint, then starts a real ``celery worker`` on queue ``webhooks``
and measures from the first delivery to the last (worker start-up is not counted).
Every delivery is a full attempt: lease, SSRF check, HMAC signing, HTTP POST, attempt row.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args(argv)

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    instance = tempfile.mkdtemp(prefix="webhook-bench-")
    settings = {"INSTANCE_PATH": os.environ.get("INSTANCE_PATH") or instance,
                "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_ALLOW_HTTP": "true",
                "WEBHOOK_SWEEP_INTERVAL": "3600"}
    env = {**os.environ, **settings,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    os.environ.update(settings)

    from flask_migrate import upgrade

    from moderation import create_app
    from moderation.extensions import db
    from moderation.sites.models import Site
    from moderation.sites.services import create_site
    from moderation.webhooks import services

    app = create_app()
    with app.app_context():
        upgrade()
        site, _ = create_site(f"bench-{secrets.token_hex(4)}", "Webhook benchmark")
        endpoint, _ = services.create_endpoint(site.id, url=f"http://127.0.0.1:"
                                                            f"{server.server_address[1]}/hook")
        db.session.commit()
        data = {"site": site.slug, "thread": "t", "comment_id": 0, "parent_id": None,
                "status": "published", "previous_status": "pending", "reason_codes": [],
                "comment": {"author_name": "Bench", "author_url": None,
                            "body_html": "<p>" + "benchmark body " * 40 + "</p>",
                            "language": "en", "created_at": "2026-01-01T00:00:00Z"}}
        for start in range(0, args.messages, 500):
            for n in range(start, min(start + 500, args.messages)):
                services.emit(site.id, "comment.published", {**data, "comment_id": n},
                              ordering_key=f"comment:{n}")
            db.session.commit()  # the tasks are sent now, before any worker runs
        endpoint_id, site_id = endpoint.id, site.id
        db.engine.dispose()

    with open(Path(instance) / "worker.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "--queues", "webhooks",
             "--concurrency", str(args.concurrency), "--loglevel", "WARNING",
             "--without-gossip", "--without-mingle"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            delivered, first, last = _wait_for_deliveries(app, endpoint_id, args.messages)
        finally:
            worker.terminate()
            worker.wait(30)
    with app.app_context():
        db.session.delete(db.session.get(Site, site_id))  # cascades to its webhooks
        db.session.commit()
    seconds = (last - first).total_seconds()
    rate = (delivered - 1) / seconds if seconds > 0 else float("nan")
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}  "
          f"broker: {app.config['CELERY_BROKER_URL'].split('@')[-1]}")
    print(f"{delivered} of {args.messages} delivered in {seconds:.2f} s by {args.concurrency} "
          f"worker process(es): {rate:.0f} deliveries/s, {rate / args.concurrency:.0f} "
          f"deliveries/s per worker")


def _wait_for_deliveries(app, endpoint_id: str, expected: int):
    """(delivered count, first and last delivery time) once all are delivered (or 10 min)."""
    from sqlalchemy import func, select

    from moderation.extensions import db
    from moderation.webhooks.models import WebhookMessage

    mine = WebhookMessage.endpoint_id == endpoint_id
    with app.app_context():
        deadline = time.monotonic() + 600
        while True:
            delivered = db.session.scalar(select(func.count()).where(
                mine, WebhookMessage.status == "delivered"))
            db.session.rollback()
            if delivered >= expected or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        first, last = db.session.execute(
            select(func.min(WebhookMessage.delivered_at), func.max(WebhookMessage.delivered_at))
            .where(mine)).one()
    return delivered, first, last


if __name__ == "__main__":
    main()
