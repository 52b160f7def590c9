"""Deciding comments in batches: the same decisions as one at a time, one transaction, and
one bad comment does not hold up the others."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import delete, event, select, update

from moderation.comments import accept
from moderation.comments.checking import check_comment, check_comments
from moderation.comments.models import Comment, Transition
from moderation.comments.signals import TextKey
from moderation.review.models import CommentReason
from moderation.webhooks import services as webhooks
from moderation.webhooks.models import WebhookEndpoint, WebhookMessage

ADVERT = "Buy cheap watches now, best price {n}! Call 0100 123 45{n:02d} on WhatsApp"


@pytest.fixture
def quiet(monkeypatch):
    """No task messages: these tests decide comments themselves, and a session worker must
    not take them first."""
    sent = []
    monkeypatch.setattr(accept, "send_committed_many", lambda *args: sent.append(args))
    monkeypatch.setattr(accept, "send_after_commit", lambda *args: sent.append(args))
    monkeypatch.setattr(webhooks, "send_after_commit", lambda *args: sent.append(args))
    return sent


@pytest.fixture
def news(client, db, make_site, quiet):
    """The site, and comment ids no earlier test used. SQLite gives the ids of deleted rows
    out again, and the session's worker may still hold a late message about an earlier
    test's comment 1, 2, 3...: a placeholder moved to id 1,000,000 makes the next ids follow
    it. (PostgreSQL never reuses ids.)"""
    site, key = make_site("news")
    if db.engine.dialect.name == "sqlite":
        placeholder = post(client, key, "placeholder", "placeholder@example.com", "elsewhere")
        db.session.execute(update(Comment).where(Comment.id == placeholder).values(id=10**6))
        db.session.commit()
    return site, key


def post(client, key, body, email, thread="t1", ip="203.0.113.7") -> int:
    response = client.post("/api/v1/sites/news/comments",
                           headers={"Authorization": f"Bearer {key}"},
                           json={"thread": {"id": thread, "url": f"https://news.example/{thread}"},
                                 "author": {"name": "Reader", "email": email}, "body": body,
                                 "client": {"ip": ip}})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def mixed_comments(client, key) -> list[int]:
    """Comments whose decisions depend on the ones before them: an advertiser whose history
    turns bad, a text copied across threads, a reader who repeats herself, clean ones."""
    ids = []
    for n in range(5):
        ids.append(post(client, key, ADVERT.format(n=n), "seller@example.com", f"t{n}"))
        ids.append(post(client, key, f"A thoughtful point about article {n}, thank you.",
                        f"reader{n}@example.com", f"t{n}", ip=f"198.51.100.{n}"))
    for n in range(4):
        ids.append(post(client, key, "Visit my channel for the real story behind this news",
                        f"copier{n}@example.com", f"c{n}", ip=f"192.0.2.{n}"))
    for _ in range(2):
        ids.append(post(client, key, "I said it before and I say it again: well done.",
                        "echo@example.com", "t9", ip="192.0.2.99"))
    return ids


def outcome(db, ids) -> dict:
    db.session.expire_all()
    result = {}
    for comment in db.session.scalars(select(Comment).where(Comment.id.in_(ids))):
        transitions = db.session.scalars(select(Transition.to_status).where(
            Transition.comment_id == comment.id)).all()
        events = db.session.scalars(select(WebhookMessage.event_type).where(
            WebhookMessage.ordering_key == f"comment:{comment.id}")
            .order_by(WebhookMessage.id)).all()
        reasons = [(reason["code"], reason["message"]["en"]) for reason in comment.reasons]
        result[comment.id] = (comment.status, reasons, comment.risk, transitions, events)
    return result


def undecide(db, ids) -> None:
    """Back to how the comments were before any check ran."""
    for model, column in ((TextKey, TextKey.comment_id), (CommentReason, CommentReason.comment_id),
                          (Transition, Transition.comment_id)):
        db.session.execute(delete(model).where(column.in_(ids)))
    db.session.execute(delete(WebhookMessage))
    db.session.execute(update(Comment).where(Comment.id.in_(ids)).values(
        status="pending", reasons=[], scores={}, risk=0.0, body_html=None, checked_at=None,
        version=1))
    db.session.commit()


@pytest.mark.parametrize("with_webhooks", [False, True], ids=["plain", "webhooks"])
def test_a_batch_decides_exactly_as_one_at_a_time(client, db, news, with_webhooks):
    site, key = news
    if with_webhooks:
        # An endpoint makes each decision flush its rows mid-batch (the messages need ids):
        # the author's history must count an earlier decision once, flushed or not.
        db.session.add(WebhookEndpoint(site_id=site.id, url="https://hooks.example/in"))
        db.session.commit()
    ids = mixed_comments(client, key)

    one_at_a_time = {}
    for comment_id in ids:
        one_at_a_time[comment_id] = check_comment(comment_id)
    expected = outcome(db, ids)
    undecide(db, ids)
    in_one_batch = check_comments(ids)

    assert in_one_batch == one_at_a_time
    assert outcome(db, ids) == expected
    statuses = {status for status, *_ in expected.values()}
    codes = {code for _, reasons, *_ in expected.values() for code, _ in reasons}
    # The scenario really depends on earlier decisions (else the test would prove nothing).
    assert {"published", "spam"} <= statuses
    assert {"reputation.bad", "duplicate.seen", "duplicate.author"} <= codes
    if with_webhooks:
        assert all(events[:1] == ["comment.created"] for *_, events in expected.values())


def test_a_batch_is_one_locking_statement_and_one_commit(client, db, news):
    _, key = news
    ids = [post(client, key, f"Comment number {n} on this article.", f"r{n}@example.com")
           for n in range(6)]
    statements, commits = [], []
    engine = db.engine
    listen = [(engine, "before_cursor_execute",
               lambda conn, cursor, statement, *rest: statements.append(statement)),
              (engine, "commit", lambda conn: commits.append(1))]
    for target, name, function in listen:
        event.listen(target, name, function)
    try:
        decided = check_comments(ids)
    finally:
        for target, name, function in listen:
            event.remove(target, name, function)
    assert sorted(decided) == ids
    locking = [s for s in statements if "FOR UPDATE" in s]
    assert len(locking) == (0 if db.engine.dialect.name == "sqlite" else 1)
    assert len(commits) == 1
    # Deciding them again finds nothing to do, and writes nothing.
    assert check_comments(ids) == {}


def test_already_decided_and_missing_comments_are_left_out(client, db, news):
    _, key = news
    first = post(client, key, "First!", "a@example.com")
    second = post(client, key, "Second comment here.", "b@example.com")
    assert check_comment(first) is not None
    assert set(check_comments([first, second, 10**9])) == {second}


def test_one_failing_comment_does_not_hold_up_its_batch(app, client, db, news, monkeypatch,
                                                        caplog):
    from workers import checks

    _, key = news
    ids = [post(client, key, f"A fine comment, number {n}.", f"r{n}@example.com")
           for n in range(3)]
    broken = post(client, key, "BROKEN-CHECK in this one", "x@example.com")
    monkeypatch.setitem(app.config, "EXTRA_CHECKS", ["tests.broken_check:explode"])
    requests = [SimpleNamespace(id=f"task-{n}", args=(comment_id,))
                for n, comment_id in enumerate([*ids[:2], broken, ids[2]])]
    requests.append(SimpleNamespace(id="task-bad", args=("not an id", 2)))

    checks.run.run(requests)

    db.session.expire_all()
    statuses = dict(db.session.execute(select(Comment.id, Comment.status)).all())
    assert all(statuses[comment_id] != "pending" for comment_id in ids)
    assert statuses[broken] == "pending"  # for the sweeper to retry, and a moderator to see
    assert f"checks of comment {broken} failed" in caplog.text
    assert "ignored a check message" in caplog.text
