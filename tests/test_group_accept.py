"""Comments stored together (group commit) are stored exactly as they would be one at a time:
the same refusals (bans, suspensions, parents that are not visible), the same rows, each
request its own id; and concurrent requests through a threaded server share inserts."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.client import HTTPConnection

import pytest
from sqlalchemy import delete, select
from werkzeug.serving import make_server

from moderation.comments import accept
from moderation.comments.accept import NewComment
from moderation.comments.models import Comment, Thread
from moderation.extensions import utcnow
from moderation.groupcommit import GroupCommit
from moderation.review.models import Sanction
from moderation.sites.services import SiteInfo

COLUMNS = ("site_id", "thread_id", "parent_id", "root_id", "author_name", "author_email",
           "author_email_hash", "author_url", "body", "client_ip", "user_agent", "referrer",
           "form_age_seconds", "honeypot_filled", "status", "scores", "reasons", "version",
           "check_attempts", "risk", "report_count", "created_at", "updated_at",
           "check_enqueued_at", "checked_at", "body_html", "language")


def info(site) -> SiteInfo:
    return SiteInfo(site.id, site.slug, site.name, frozenset(), dict(site.policy), frozenset())


@pytest.fixture
def scenario(db, make_site):
    """Two sites (one hides reported comments until reviewed), threads, parents in every
    status, and sanctions of every kind and state."""
    hiding, _ = make_site("hiding", policy={"hide_reported": True})
    plain, _ = make_site("plain")
    now = utcnow()
    threads = {}
    for name, site in (("a", hiding), ("a2", hiding), ("b", plain)):
        threads[name] = Thread(site_id=site.id, external_id=name, created_at=now)
        db.session.add(threads[name])
    db.session.flush()

    def parent(name, status, root=None):
        thread = threads[name]
        row = Comment(site_id=thread.site_id, thread_id=thread.id, author_name="p",
                      author_email="p@example.com", author_email_hash="0" * 64, body="parent",
                      status=status, created_at=now, updated_at=now,
                      root_id=root.id if root else None, parent_id=root.id if root else None)
        db.session.add(row)
        db.session.flush()
        return row

    parents = {"published_a": parent("a", "published"), "reported_a": parent("a", "reported"),
               "held_a": parent("a", "held"), "reported_b": parent("b", "reported")}
    parents["published_b"] = parent("b", "published")
    parents["reply_b"] = parent("b", "published", root=parents["published_b"])
    day = timedelta(days=1)
    for site_id, kind, email, ip, expires, revoked in (
            (hiding.id, "ban", "banned@example.com", None, None, None),
            (None, "suspend", None, "198.51.100.66", now + day, None),
            (hiding.id, "ban", "expired@example.com", None, now - day, None),
            (hiding.id, "ban", "revoked@example.com", None, None, now - day),
            (plain.id, "ban", "elsewhere@example.com", None, None, None),
            (hiding.id, "hold", "held@example.com", None, None, None)):
        db.session.add(Sanction(site_id=site_id, kind=kind, ip=ip, expires_at=expires,
                                revoked_at=revoked, created_by="test", created_at=now,
                                email_hash=accept.email_hash(email) if email else None))
    db.session.commit()
    return {"sites": {"a": info(hiding), "a2": info(hiding), "b": info(plain)},
            "threads": {name: thread.id for name, thread in threads.items()},
            "parents": {name: row.id for name, row in parents.items()}}


# (thread, parent, email, ip, stored?)
CASES = [
    ("a", None, "reader@example.com", "203.0.113.1", True),
    ("a", None, "no-ip@example.com", None, True),
    ("a", None, "banned@example.com", "203.0.113.2", False),
    ("b", None, "anyone@example.com", "198.51.100.66", False),  # suspended IP, every site
    ("a", None, "expired@example.com", None, True),
    ("a", None, "revoked@example.com", None, True),
    ("a", None, "elsewhere@example.com", None, True),  # banned on the other site only
    ("a", None, "held@example.com", None, True),  # "hold" refuses nothing at the door
    ("a", "published_a", "r1@example.com", None, True),
    ("a", "reported_a", "r2@example.com", None, False),  # this site hides reported ones
    ("b", "reported_b", "r3@example.com", None, True),  # this one shows them
    ("a", "held_a", "r4@example.com", None, False),
    ("a2", "published_a", "r5@example.com", None, False),  # parent in another thread
    ("b", "reply_b", "r6@example.com", "203.0.113.3", True),  # root of a reply's parent
]


def rows_for(scenario) -> list[dict]:
    now = utcnow()
    rows = []
    for index, (thread, parent, email, ip, _) in enumerate(CASES):
        new = NewComment(thread_id=thread, thread_url=None, thread_title=None,
                         parent_id=scenario["parents"][parent] if parent else None,
                         author_name=f"reader {index}", author_email=email,
                         author_url="https://r.example" if index % 2 else None,
                         body=f"تعليق رقم {index}", client_ip=ip,
                         user_agent="UA" if index % 3 else None,
                         form_age_seconds=3.5 if index == 0 else None,
                         honeypot_filled=index == 1)
        site = scenario["sites"][thread]
        rows.append(accept._params(site, new, scenario["threads"][thread], now))
    return rows


def snapshot(db, ids) -> list[tuple | None]:
    by_id = {row.id: row for row in db.session.scalars(
        select(Comment).where(Comment.id.in_([i for i in ids if i is not None])))}
    return [tuple(getattr(by_id[i], c) for c in COLUMNS) if i is not None else None
            for i in ids]


def test_a_batch_is_stored_as_each_row_alone_would_be(db, scenario, monkeypatch):
    sent = []
    monkeypatch.setattr(accept, "send_committed_many", lambda name, calls: sent.append(calls))
    rows = rows_for(scenario)

    together = accept.store_comments(rows)
    assert [i is not None for i in together] == [case[-1] for case in CASES]
    assert sent == [[(i,) for i in together if i is not None]]  # one message command
    as_batch = snapshot(db, together)
    db.session.execute(delete(Comment).where(Comment.id.in_([i for i in together if i])))
    db.session.commit()

    sent.clear()
    alone = [accept.store_comments([row])[0] for row in rows]
    assert [i is not None for i in alone] == [case[-1] for case in CASES]
    assert sent == [[(i,)] for i in alone if i is not None]
    assert snapshot(db, alone) == as_batch
    root = {CASES[i][1]: row[3] for i, row in enumerate(as_batch) if row and CASES[i][1]}
    parents = scenario["parents"]
    assert root == {"published_a": parents["published_a"], "reported_b": parents["reported_b"],
                    "reply_b": parents["published_b"]}  # a reply's parent's root, not the parent


def test_a_batch_with_a_row_the_database_refuses_leaves_the_others_to_be_written_alone(
        app, db, scenario, monkeypatch):
    """A row that breaks a constraint (its thread is gone) fails its batch; through the group,
    the other requests are then stored one by one and only that one fails."""
    monkeypatch.setattr(accept, "send_committed_many", lambda name, calls: None)
    every = rows_for(scenario)
    first, rows = every[0], [every[1], {**every[4], "thread_id": 10 ** 12}, every[2]]
    # rows: stored; stored but for its thread, which does not exist; a banned author
    batches = []

    def held_store(batch):
        batches.append([row["author_email"] for row in batch])
        if len(batches) == 1:  # hold the first write until the three rows queue behind it
            deadline = threading.Event()
            while len(group._waiting) < 3 and not deadline.wait(0.001):
                pass
        return accept.store_comments(batch)

    group = GroupCommit(held_store)
    results = {}

    def submit(index, row):
        with app.app_context():
            try:
                results[index] = group.submit(row)
            except Exception as exc:
                results[index] = exc

    threads = [threading.Thread(target=submit, args=("first", first))]
    threads[0].start()
    while not batches:
        threading.Event().wait(0.001)
    threads += [threading.Thread(target=submit, args=(i, row)) for i, row in enumerate(rows)]
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(20)
    emails = [row["author_email"] for row in rows]
    assert batches[:2] == [[first["author_email"]], emails]
    assert sorted(batches[2:]) == sorted([email] for email in emails)  # then each alone
    assert isinstance(results["first"], int) and isinstance(results[0], int)
    assert isinstance(results[1], Exception)
    assert results[2] is None  # the banned author: refused, as alone
    assert db.session.get(Comment, results[0]).author_email == rows[0]["author_email"]


@pytest.fixture
def live_server(app, db):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(10)


def test_concurrent_posts_through_a_threaded_server_share_inserts(app, db, make_site,
                                                                   live_server, monkeypatch):
    """Each request of a shared insert gets its own comment's id; the first insert is slowed
    down so that the requests arriving meanwhile must queue behind it and share the next."""
    _, key = make_site("live")
    sizes = []
    real = accept.store_comments

    def slow_first(rows):
        sizes.append(len(rows))
        if len(sizes) == 1:
            threading.Event().wait(0.3)
        return real(rows)

    monkeypatch.setitem(app.extensions, "moderation.accept_group", GroupCommit(slow_first, 32))
    post = {"thread": {"id": "t1"}, "author": {"name": "n", "email": "first@example.com"},
            "body": "warm-up: the thread's first comment creates it"}
    assert _post(live_server, key, post)[0] == 202

    count = 24
    barrier = threading.Barrier(count)
    answers = {}

    def send(index):
        body = {"thread": {"id": "t1"}, "body": f"comment {index}",
                "author": {"name": f"n{index}", "email": f"reader{index}@example.com"}}
        barrier.wait(10)
        answers[index] = _post(live_server, key, body)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(status for status, _ in answers.values()) == [202] * count
    emails = {index: db.session.get(Comment, body["id"]).author_email
              for index, (_, body) in answers.items()}
    assert emails == {index: f"reader{index}@example.com" for index in range(count)}
    assert sum(sizes) == count and max(sizes) > 1


def _post(port: int, key: str, body: dict) -> tuple[int, dict]:
    conn = HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("POST", "/api/v1/sites/live/comments", body=json.dumps(body),
                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    return response.status, data
