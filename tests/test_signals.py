"""The checks' database facts through the whole path: flood, near-duplicates, honeypot, form age."""

from __future__ import annotations

import time

import pytest

from moderation.detection import form_age_seconds, issue_form_token

from .test_pipeline import ORIGIN, decided

TEXT = ("Earn 500 dollars a day from home with our proven online system, message us today "
        "and start this week")


@pytest.fixture
def site(make_site):
    return make_site("news", origins=[ORIGIN], policy={"flood_email_limit": 2})


def send(client, key, body, *, thread="t1", email="reader@example.com", ip="203.0.113.5",
         **client_fields):
    response = client.post("/api/v1/sites/news/comments", headers={
        "Authorization": f"Bearer {key}"}, json={
        "thread": {"id": thread}, "author": {"name": "Reader", "email": email}, "body": body,
        "client": {"ip": ip, **client_fields}})
    assert response.status_code == 202, response.get_json()
    return decided(client, key, response.get_json()["id"])


def codes(detail) -> list[str]:
    return [reason["code"] for reason in detail["reasons"]]


def test_flood_from_one_email_is_held(client, db, site, worker):
    _, key = site
    texts = ["The match was tense until the last minute.", "الحكم ظلم الفريقين في الشوط الأول",
             "Prices of bread went up again this month.", "مقال مفيد عن أسعار الوقود"]
    details = [send(client, key, text, thread=f"t{i}", ip=f"198.51.100.{i}")
               for i, text in enumerate(texts)]
    assert "flood.email" not in codes(details[1])
    assert details[2]["status"] == "held" and "flood.email" in codes(details[2])
    assert "flood.email" in codes(details[3])


def test_the_same_text_across_threads_is_caught(client, db, site, worker):
    _, key = site
    first = send(client, key, TEXT, thread="a", email="one@example.com", ip="192.0.2.1")
    assert "duplicate.seen" not in codes(first)
    second = send(client, key, TEXT.replace("500", "700"), thread="b", email="two@example.com",
                  ip="192.0.2.2")
    assert "duplicate.seen" in codes(second)  # nearly the same text, another author and thread
    third = send(client, key, TEXT, thread="c", email="three@example.com", ip="192.0.2.3")
    fourth = send(client, key, TEXT, thread="d", email="four@example.com", ip="192.0.2.4")
    assert "duplicate.seen" in codes(third)
    assert fourth["status"] == "spam" and "duplicate.across" in codes(fourth)
    same_thread = send(client, key, "A different and ordinary remark about the economy today.",
                       thread="a", email="five@example.com", ip="192.0.2.5")
    assert not {"duplicate.seen", "duplicate.across"} & set(codes(same_thread))
    # Reworded, so the exact fingerprint differs: only the MinHash band keys can find it.
    reworded = send(client, key, TEXT.replace("today", "right now"), thread="e",
                    email="six@example.com", ip="192.0.2.6")
    assert "duplicate.across" in codes(reworded)


def test_a_filled_honeypot_is_spam(client, db, site, worker):
    _, key = site
    detail = send(client, key, "Interesting analysis of the elections.", honeypot="http://x.y")
    assert detail["status"] == "spam" and codes(detail)[0] == "bot.honeypot"


def test_a_form_posted_too_soon_is_spam_and_a_patient_one_publishes(app, client, db, site, worker):
    _, key = site
    token = client.get("/api/v1/sites/news/form-token").get_json()["token"]
    assert form_age_seconds(token, app.config["SECRET_KEY"], time.time()) is not None
    fast = send(client, key, "Interesting analysis of the elections.", form_token=token)
    assert fast["status"] == "spam" and "bot.too_fast" in codes(fast)
    patient = issue_form_token(app.config["SECRET_KEY"], time.time() - 30)
    calm = send(client, key, "Interesting analysis of the elections today.", form_token=patient,
                email="calm@example.com")
    assert calm["status"] == "published"
    forged = send(client, key, "Interesting analysis of the elections, again.",
                  form_token="1.2.deadbeef", email="forged@example.com")
    assert "bot.too_fast" not in codes(forged)  # an invalid token is no evidence either way


def test_the_wordpress_form_carries_the_token_and_honeypot(client, db, site, worker):
    _, key = site
    form = {"author": "Bot", "email": "bot@example.com", "comment": "Nice post about football",
            "comment_post_ID": "9", "thread_url": f"{ORIGIN}/9", "website": "spam.example"}
    response = client.post("/api/v1/sites/news/comments", data=form, headers={"Origin": ORIGIN})
    assert response.status_code == 303
    comment_id = int(response.headers["Location"].rsplit("-", 1)[1])
    detail = decided(client, key, comment_id)
    assert detail["status"] == "spam" and "bot.honeypot" in codes(detail)


def test_the_signature_cache_keys_on_id_and_creation_time(client, db, site):
    """A cached signature is the comment's; one SQLite gave out again after a delete (same id,
    another creation time) is read afresh, and the oldest entries make room."""
    from datetime import timedelta

    from sqlalchemy import select

    from moderation.comments.models import Comment
    from moderation.comments.signals import SignatureCache
    from moderation.detection import minhash_signature

    _, key = site
    response = client.post("/api/v1/sites/news/comments", headers={
        "Authorization": f"Bearer {key}"}, json={
        "thread": {"id": "t1"}, "author": {"name": "R", "email": "r@example.com"}, "body": TEXT})
    comment = db.session.scalar(select(Comment).where(Comment.id == response.get_json()["id"]))
    cache = SignatureCache(size=2)
    stale = [1, 2, 3]
    cache.put((comment.id, comment.created_at - timedelta(days=1)), stale)
    assert cache.get_many([(comment.id, comment.created_at)]) == [minhash_signature(TEXT)]
    assert cache.get_many([(comment.id, comment.created_at - timedelta(days=1))]) == [stale]

    # Ids no comment has: what is not cached is simply missing.
    a, b, c = ((10**9 + n, comment.created_at) for n in range(3))
    small = SignatureCache(size=2)
    small.put(a, [1])
    small.put(b, [2])
    assert small.get_many([a]) == [[1]]  # a is now the most recently used
    small.put(c, [3])  # evicts b
    assert small.get_many([b]) == [] and small.get_many([a, c]) == [[1], [3]]


def test_the_postgresql_near_duplicate_query_finds_what_the_portable_one_finds(client, db, site):
    """On PostgreSQL the near-duplicate look-up is one LATERAL join over an array of keys; the
    portable form (SQLite) is one UNION branch per key. Both must return the same rows: the
    newest 25 matches per key, other threads only, inside the window, not the comment itself."""
    from datetime import timedelta

    from sqlalchemy import insert

    from moderation.comments.models import Comment
    from moderation.comments.signals import (MAX_CANDIDATES, TextKey,
                                             _similar_statement_lateral, _similar_statement_union)

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the LATERAL form is PostgreSQL's")
    _, key = site
    ids = [client.post("/api/v1/sites/news/comments", headers={
        "Authorization": f"Bearer {key}"}, json={
        "thread": {"id": "t1"}, "author": {"name": "R", "email": f"r{n}@example.com"},
        "body": f"{TEXT} {n}"}).get_json()["id"] for n in range(45)]
    comment = db.session.get(Comment, ids[0])
    now, window = comment.created_at, timedelta(hours=1)

    def row(n, thread_id, key, age=timedelta(0)):
        return {"comment_id": ids[n], "thread_id": thread_id, "key": key,
                "created_at": now - age}

    # "fp:a": 40 matches on other threads (only the newest 25 count), one on the comment's
    # own thread, one too old; "b": two, and the comment itself; "c": none.
    rows = [row(1 + n, 1000 + n, "fp:a", timedelta(seconds=n)) for n in range(40)]
    rows += [row(41, comment.thread_id, "fp:a"), row(42, 7, "fp:a", 2 * window),
             row(43, 2000, "b"), row(44, 2001, "b", timedelta(minutes=5)), row(0, 2002, "b")]
    db.session.execute(insert(TextKey), rows)
    db.session.commit()

    keys = ["fp:a", "b", "c"]
    params = {"since": now - window, "thread_id": comment.thread_id, "comment_id": comment.id}
    portable = db.session.execute(_similar_statement_union(len(keys)), {
        **params, **{f"lsh_key_{i}": k for i, k in enumerate(keys)}}).all()
    lateral = db.session.execute(_similar_statement_lateral(), {**params, "keys": keys}).all()
    assert sorted(lateral) == sorted(portable)
    assert sorted(r.comment_id for r in portable) == sorted(ids[1:1 + MAX_CANDIDATES] + ids[43:45])
    assert sum(row.exact for row in portable) == MAX_CANDIDATES


def test_the_postgresql_batch_reads_the_prior_facts_the_portable_statements_read(app, client, db,
                                                                                 site):
    """On PostgreSQL the author's previous comment and the flood counts of a whole batch are
    one statement; the portable form (SQLite) is two statements per comment. Both must give
    the same facts: counts capped at 100, the window's start included, other sites and the
    comment itself left out, no IP counting nothing."""
    from datetime import timedelta

    from sqlalchemy import update

    from moderation.comments.models import Comment
    from moderation.comments.signals import (FLOOD_COUNT_CAP, Prior, prior_facts,
                                             previous_text, recent_counts)

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the batch statement is PostgreSQL's")
    _, key = site

    def post(body, email, ip):
        return client.post("/api/v1/sites/news/comments", headers={
            "Authorization": f"Bearer {key}"}, json={
            "thread": {"id": "t1"}, "author": {"name": "R", "email": email}, "body": body,
            "client": {"ip": ip} if ip else {}}).get_json()["id"]

    flood = [post(f"flood {n}", "flood@example.com", "198.51.100.1")
             for n in range(FLOOD_COUNT_CAP + 5)]
    edge = post("at the window's start", "quiet@example.com", "198.51.100.2")
    old = post("before the window", "quiet@example.com", "198.51.100.2")
    no_ip = post("no address given", "quiet@example.com", None)
    last = post("the newest", "quiet@example.com", "198.51.100.2")
    newest = db.session.get(Comment, last).created_at
    window = timedelta(seconds=app.config["FLOOD_WINDOW_SECONDS"])
    for comment_id, created_at in ((edge, newest - window),
                                   (old, newest - window - timedelta(microseconds=1))):
        db.session.execute(update(Comment).where(Comment.id == comment_id)
                           .values(created_at=created_at))
    db.session.commit()
    db.session.expire_all()

    comments = [db.session.get(Comment, comment_id) for comment_id in (flood[-1], no_ip, last)]
    batch = prior_facts(comments)
    portable = {comment.id: Prior(previous_text(comment), *recent_counts(comment))
                for comment in comments}
    assert batch == portable
    assert batch[flood[-1]] == Prior(f"flood {FLOOD_COUNT_CAP + 3}", FLOOD_COUNT_CAP,
                                     FLOOD_COUNT_CAP)
    assert batch[no_ip] == Prior("before the window", 0, 2)  # edge, old: both inside its window
    assert batch[last] == Prior("no address given", 1, 2)  # edge counts, old does not
