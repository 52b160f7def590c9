"""The service's app plus diagnostic endpoints that stop the accept path after one step each,
for ``python -m benchmarks.accept_split``. Only the benchmark serves this module.

- ``POST /bench/<site>/read``: reads the body and answers 202 (the HTTP and Flask part);
- ``POST /bench/<site>/validate``: everything the real endpoint does but the insert and the
  message: site, key, JSON, schema (pydantic, email-validator), the 202 answer with its
  ``Location``.

Each gunicorn worker counts the sizes of its group-commit writes (a row written again alone
after a failed batch counts as a batch of one) and writes them to
``$BENCH_BATCH_DIR/<pid>.json`` when it exits.
"""

from __future__ import annotations

import atexit
import json
import os
from collections import Counter
from pathlib import Path

from flask import jsonify, request, url_for

from moderation import create_app
from moderation.comments import accept, routes
from moderation.comments.accept import Accepted
from moderation.extensions import utcnow
from moderation.http import read_json_object
from moderation.sites.services import get_site

app = create_app()
batch_sizes: Counter[int] = Counter()


@app.post("/bench/<site>/read")
def read_only(site: str):
    request.get_data()
    return jsonify({"status": "pending"}), 202


@app.post("/bench/<site>/validate")
def validate_only(site: str):
    info = get_site(site)
    via = routes._authorize_post(info)
    parsed = routes.schemas().parse_comment(read_json_object())
    routes._new_comment(parsed, via)
    comment = Accepted(0, "pending", utcnow())
    response = jsonify(routes._accepted(comment, parsed.thread.id))
    response.status_code = 202
    response.headers["Location"] = url_for("comments.get_comment", site=site, comment_id=0)
    return response


def _count_batches() -> None:
    """Count the sizes of the batches the app's own accept group writes."""
    with app.app_context():
        group = accept._group()
    write = group._write

    def counting_write(rows):
        batch_sizes[len(rows)] += 1
        return write(rows)

    group._write = counting_write


_count_batches()


@atexit.register
def _write_batch_sizes() -> None:
    folder = os.environ.get("BENCH_BATCH_DIR")
    if folder and batch_sizes:
        Path(folder, f"{os.getpid()}.json").write_text(json.dumps(batch_sizes))
