"""The service's app plus diagnostic endpoints that stop the accept path after one step each,
for ``python -m benchmarks.accept_split``. Only the benchmark serves this module.

- ``POST /bench/<site>/read``: reads the body and answers 202 (the HTTP and Flask part);
- ``POST /bench/<site>/validate``: everything the real endpoint does but the insert and the
  message: site, key, JSON, schema (pydantic, email-validator), the 202 answer with its
  ``Location``.

Each gunicorn worker counts the sizes of its group-commit batches and writes them to
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
from moderation.comments import routes
from moderation.comments.accept import Accepted
from moderation.extensions import utcnow
from moderation.groupcommit import GroupCommit
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


class CountingGroup(GroupCommit):
    def _write_batch(self, batch, own):
        batch_sizes[len(batch)] += 1
        return super()._write_batch(batch, own)


def _counting_group():
    from moderation.comments.accept import GROUP_WRITERS, store_comments

    return CountingGroup(store_comments, max_batch=app.config["ACCEPT_BATCH_MAX"],
                         writers=GROUP_WRITERS)


app.extensions["moderation.accept_group"] = _counting_group()


@atexit.register
def _write_batch_sizes() -> None:
    folder = os.environ.get("BENCH_BATCH_DIR")
    if folder and batch_sizes:
        Path(folder, f"{os.getpid()}.json").write_text(json.dumps(batch_sizes))
