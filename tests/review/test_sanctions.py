"""Sanctions: a ban (with a real worker rejecting the author's comments in the background),
IP bans, timed suspensions, always-hold, trusted authors and reputation."""

from __future__ import annotations

from ..conftest import wait_until
from .conftest import check_now, post_comment

S = "/api/v1/moderation/sanctions"


def _status(client, mod, comment_id):
    return client.get(f"/api/v1/moderation/comments/{comment_id}",
                      headers=mod.headers).get_json()["status"]


def test_a_ban_rejects_the_authors_pending_and_published_comments(client, sites, worker,
                                                                 make_moderator):
    _, key = sites["news"]
    _, sport_key = sites["sport"]
    mona = make_moderator("mona@example.com", sites=["news"])
    published = post_comment(client, key, "first, harmless", email="troll@example.com")
    wait_until(lambda: _status(client, mona, published) == "published", timeout=60)
    held = post_comment(client, key, "fucking second", email="troll@example.com")
    wait_until(lambda: _status(client, mona, held) == "held", timeout=60)
    bystander = post_comment(client, key, "a bystander", email="fan@example.com")
    # Posted just before the ban: still pending (or being checked) when the ban lands.
    pending = post_comment(client, key, "third, racing the ban", email="troll@example.com")

    response = client.post(S, headers=mona.headers, json={
        "kind": "ban", "site": "news", "email": "troll@example.com",
        "reject_existing": True, "note": "serial abuse"})
    assert response.status_code == 201, response.get_json()
    # Rejected by the background task, or (the pending one) by its own check, which sees
    # the ban: either way every one of them ends rejected.
    wait_until(lambda: {_status(client, mona, c) for c in (published, held, pending)}
               == {"rejected"}, timeout=60)
    assert _status(client, mona, bystander) != "rejected"
    trail = client.get(f"/api/v1/moderation/comments/{held}/audit",
                       headers=mona.headers).get_json()["entries"]
    assert (trail[-1]["to_status"], trail[-1]["actor"], trail[-1]["reasons"]) == (
        "rejected", f"moderator:{mona.id}", ["author.banned"])

    refused = client.post("/api/v1/sites/news/comments", headers={
        "Authorization": f"Bearer {key}"}, json={
        "thread": {"id": "t1"}, "author": {"name": "T", "email": "TROLL@example.com"},
        "body": "let me back in"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "author_banned"
    # A site's ban stays on that site.
    post_comment(client, sport_key, "hello sport", email="troll@example.com", site="sport")
    item = client.get("/api/v1/moderation/queue?status=rejected&site=news",
                      headers=mona.headers).get_json()["items"][0]
    assert item["author"]["history"]["sanctions"][0]["kind"] == "ban"


def test_an_all_sites_ban_by_ip(client, sites, make_moderator):
    admin = make_moderator("admin@example.com", role="admin")
    assert client.post(S, headers=admin.headers, json={
        "kind": "ban", "ip": "192.0.2.66"}).status_code == 201
    for site in ("news", "sport"):
        response = client.post(f"/api/v1/sites/{site}/comments", headers={
            "Authorization": f"Bearer {sites[site][1]}"}, json={
            "thread": {"id": "t"}, "author": {"name": "X", "email": "new@example.com"},
            "body": "hi", "client": {"ip": "192.0.2.66"}})
        assert response.status_code == 403, site


def test_a_suspension_is_timed_and_can_be_lifted(client, sites, make_moderator):
    _, key = sites["news"]
    mona = make_moderator("mona@example.com", sites=["news"])
    created = client.post(S, headers=mona.headers, json={
        "kind": "suspend", "site": "news", "email": "hot@example.com", "duration_hours": 24})
    assert created.status_code == 201
    data = {"thread": {"id": "t"}, "author": {"name": "H", "email": "hot@example.com"},
            "body": "hi"}
    refused = client.post("/api/v1/sites/news/comments", json=data,
                          headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "author_suspended"
    no_duration = client.post(S, headers=mona.headers, json={
        "kind": "suspend", "site": "news", "email": "hot@example.com"})
    assert no_duration.status_code == 422
    assert client.delete(f"{S}/{created.get_json()['id']}", headers=mona.headers).status_code == 204
    assert client.post("/api/v1/sites/news/comments", json=data,
                       headers={"Authorization": f"Bearer {key}"}).status_code == 202


def test_always_hold_trust_and_reputation_change_the_automatic_decision(
        client, sites, make_moderator):
    _, key = sites["news"]
    mona = make_moderator("mona@example.com", sites=["news"])
    client.post(S, headers=mona.headers, json={"kind": "hold", "site": "news",
                                               "email": "watch@example.com"})
    client.post(S, headers=mona.headers, json={"kind": "trust", "site": "news",
                                               "email": "editor@example.com"})
    watched = post_comment(client, key, "a perfectly nice remark", email="watch@example.com")
    assert check_now(watched) == "held"
    trusted = post_comment(client, key, "fucking brilliant match", email="editor@example.com")
    assert check_now(trusted) == "published"
    item = client.get(f"/api/v1/moderation/comments/{trusted}", headers=mona.headers).get_json()
    assert item["reasons"][0]["code"] == "author.trusted"
    assert item["scores"]["abuse"] > 0  # still scored
    assert client.post(f"/api/v1/sites/news/comments/{trusted}/reports",
                       json={"reason": "offensive"}).status_code == 202  # still reportable

    for i in range(3):  # three rejections build a reputation
        bad = post_comment(client, key, f"fucking troll {i}", email="rep@example.com")
        check_now(bad)
        v = item_version = client.get(f"/api/v1/moderation/comments/{bad}",
                                      headers=mona.headers).get_json()["version"]
        assert item_version == v
        client.post(f"/api/v1/moderation/comments/{bad}/decision", headers=mona.headers,
                    json={"action": "reject", "reason": "abusive", "version": v})
    clean = post_comment(client, key, "now I am being nice", email="rep@example.com")
    assert check_now(clean) == "held"
    reasons = client.get(f"/api/v1/moderation/comments/{clean}",
                         headers=mona.headers).get_json()["reasons"]
    # Detection weighs the author's history, which the worker now feeds into CommentFacts.
    assert "reputation.bad" in [r["code"] for r in reasons]


def test_the_accept_path_is_one_statement_that_also_checks_sanctions(app, client, sites):
    from sqlalchemy import event

    from moderation.extensions import db

    _, key = sites["news"]
    post_comment(client, key, "warm the thread cache")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        post_comment(client, key, "second comment, same thread")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # A comment on a known thread costs exactly one statement: the insert, which refuses a
    # banned author (by email hash or IP) itself.
    assert len(statements) == 1, statements
    assert statements[0].lstrip().startswith("INSERT INTO comments")
    assert "sanctions" in statements[0] and "email_hash" in statements[0]
    assert "sanctions.ip" in statements[0]


def test_a_batch_reads_each_authors_sanctions_as_the_per_author_look_up_does(db, client, sites):
    """A batch of checks reads its authors' sanctions in one statement and sorts them out per
    comment: by email hash or by IP, on the comment's site or on every site, and not the ones
    expired, revoked or of another site."""
    from datetime import timedelta

    from moderation.comments.accept import email_hash
    from moderation.comments.models import Comment
    from moderation.extensions import utcnow
    from moderation.review.hooks import STANDING_KINDS, ReviewBatch, _active
    from moderation.review.models import Sanction

    news, news_key = sites["news"]
    sport, sport_key = sites["sport"]
    ids = {
        "watched": post_comment(client, news_key, "one", email="watch@example.com"),
        "watched_on_sport": post_comment(client, sport_key, "two", email="watch@example.com",
                                         site="sport"),
        "from_the_ip": post_comment(client, news_key, "three", email="other@example.com",
                                    ip="198.51.100.9"),
        "no_ip": post_comment(client, sport_key, "four", email="editor@example.com",
                              site="sport", ip=None),
        "expired_and_revoked": post_comment(client, news_key, "five", email="past@example.com"),
    }
    now = utcnow()
    db.session.add_all([
        Sanction(site_id=news.id, kind="hold", email_hash=email_hash("watch@example.com"),
                 created_by="t"),
        Sanction(site_id=None, kind="trust", ip="198.51.100.9", created_by="t"),
        Sanction(site_id=sport.id, kind="trust", email_hash=email_hash("editor@example.com"),
                 created_by="t"),
        Sanction(site_id=sport.id, kind="hold", ip="203.0.113.7", created_by="t"),
        Sanction(site_id=news.id, kind="hold", email_hash=email_hash("past@example.com"),
                 expires_at=now - timedelta(minutes=1), created_by="t"),
        Sanction(site_id=news.id, kind="trust", email_hash=email_hash("past@example.com"),
                 revoked_at=now, created_by="t"),
    ])
    db.session.commit()

    comments = [db.session.get(Comment, comment_id) for comment_id in ids.values()]
    batch = ReviewBatch(comments)
    one_by_one = {comment.id: frozenset(row.kind for row in _active(
        comment.site_id, comment.author_email_hash, comment.client_ip, STANDING_KINDS))
        for comment in comments}
    assert {comment.id: batch.author(comment).sanctions for comment in comments} == one_by_one
    assert one_by_one == {
        ids["watched"]: {"hold"},
        ids["watched_on_sport"]: {"hold"},  # the IP's hold on sport, not news' email hold
        ids["from_the_ip"]: {"trust"},
        ids["no_ip"]: {"trust"},
        ids["expired_and_revoked"]: frozenset(),
    }
