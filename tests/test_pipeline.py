"""The whole path through HTTP and a real Celery worker process: accept, check, publish."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import select, update

from moderation.comments.models import Comment, Transition
from moderation.extensions import utcnow

from .conftest import Worker, wait_until

ORIGIN = "https://news.example"


@pytest.fixture
def site(make_site):
    return make_site("news", origins=[ORIGIN])


def post(client, key, body, email="reader@example.com", thread="t1", parent=None, **author):
    data = {"thread": {"id": thread, "url": f"{ORIGIN}/{thread}"},
            "author": {"name": author.get("name", "Reader"), "email": email},
            "body": body, "client": {"ip": "203.0.113.77"}}
    if parent:
        data["parent_id"] = parent
    response = client.post("/api/v1/sites/news/comments", json=data,
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 202, response.get_json()
    return response


def decided(client, key, comment_id) -> dict:
    def check():
        detail = client.get(f"/api/v1/sites/news/comments/{comment_id}",
                            headers={"Authorization": f"Bearer {key}"}).get_json()
        return detail if detail["decision"] else None
    return wait_until(check, timeout=30)


def test_clean_comment_is_published_and_listed(client, db, site, worker):
    _, key = site
    created = post(client, key, "تحليل ممتاز للمباراة، الأهلي لعب أفضل في الشوط الثاني.\n\n"
                                "Great analysis of the second half.").get_json()
    detail = decided(client, key, created["id"])
    assert detail["status"] == "published" and detail["reasons"] == []
    assert detail["language"] == "ar"
    thread = client.get("/api/v1/sites/news/threads/t1/comments").get_json()
    [listed] = thread["comments"]
    assert listed["id"] == created["id"] and listed["author"] == {"name": "Reader", "url": None}
    assert "الأهلي" in listed["body_html"] and 'dir="auto"' in listed["body_html"]
    transitions = db.session.scalars(select(Transition).where(
        Transition.comment_id == created["id"])).all()
    assert [(t.from_status, t.to_status, t.actor) for t in transitions] == [
        ("pending", "published", "system")]


def test_contact_details_are_held_and_masked(client, db, site, worker):
    _, key = site
    for text, contact in [("مقال جيد جدا، ولو حد عايز يكلمني رقمي ٠١٠٠١٢٣٤٥٦٧", "٠١٠٠١٢٣٤٥٦٧"),
                          ("Good article. Reach me at mona.k@example.org if you disagree.",
                           "mona.k@example.org")]:
        created = post(client, key, text).get_json()
        detail = decided(client, key, created["id"])
        assert detail["status"] == "held"
        [reason] = [r for r in detail["reasons"] if r["code"] == "contact.details"]
        assert [text[start:end] for start, end in reason["spans"]] == [contact]
        db.session.expire_all()
        stored = db.session.get(Comment, created["id"])
        assert stored.body == text  # the original stays for moderators
        assert contact not in stored.body_html  # what a moderator may publish is masked


def test_banned_word_is_held_with_a_reason_pointing_at_it(client, db, site, worker):
    _, key = site
    text = "You are a fucking liar"
    created = post(client, key, text).get_json()
    detail = decided(client, key, created["id"])
    assert detail["status"] == "held"
    [reason] = [r for r in detail["reasons"] if r["code"] == "lexicon.banned"]
    assert reason["category"] == "obscene" and reason["message"]["ar"]
    start, end = reason["spans"][0]
    assert text[start:end] == "fucking"
    assert client.get("/api/v1/sites/news/threads/t1/comments").get_json()["comments"] == []


def test_stored_xss_comes_back_harmless(client, db, site, worker):
    _, key = site
    payload = ('<script>alert(1)</script><img src=x onerror=alert(2)>'
               '<a href="javascript:alert(3)">click</a><svg/onload=alert(4)>'
               '<a href="https://ok.example" onclick="x()">ok</a>')
    created = post(client, key, payload).get_json()
    decided(client, key, created["id"])
    # Whatever the checks decide, the stored HTML is what the thread shows once published
    # (a moderator may approve a held comment), so that is what must be harmless.
    db.session.expire_all()
    html = db.session.get(Comment, created["id"]).body_html
    for bad in ("<script", "<img", "onerror", "javascript:", "<svg", "onload", "onclick"):
        assert bad not in html.lower()
    assert '<a href="https://ok.example" rel="nofollow ugc noopener">ok</a>' in html


def test_email_and_ip_never_in_a_public_response(client, db, make_site, worker):
    # "post" mode publishes unless a check rejects, so the body with typed emails is public.
    _, key = make_site("news", origins=[ORIGIN], policy={"mode": "post"})
    emails = ["Secret.Person@Example.org", "hidden+tag@mail.example.com"]
    responses = [post(client, key, "أول تعليق", email=emails[0]),
                 post(client, key, f"راسلوني على {emails[1]} أو Secret.Person@example.org",
                      email=emails[1])]
    for response in responses:
        decided(client, key, response.get_json()["id"])
    public = [r.get_data(as_text=True) for r in responses]
    public.append(client.get("/api/v1/sites/news/threads/t1/comments").get_data(as_text=True))
    public.append(client.get("/api/v1/openapi.json").get_data(as_text=True))
    assert len(json.loads(public[2])["comments"]) == 2
    for text in public:
        lowered = text.lower()
        for email in emails:
            assert email.lower() not in lowered
            assert email.split("@")[0].lower() not in lowered
        assert "203.0.113.77" not in text


def test_replies_are_threaded_paginated_and_cached(client, db, site, worker):
    _, key = site
    texts = ["I agree with the minister on the budget.", "الدفاع كان أفضل في الشوط الثاني",
             "This is wrong, the report said the opposite yesterday."]
    roots = [post(client, key, text, email=f"r{i}@example.com").get_json()["id"]
             for i, text in enumerate(texts)]
    for comment_id in roots:
        decided(client, key, comment_id)
    reply = post(client, key, "Well said, thank you.", email="x@example.com",
                 parent=roots[0]).get_json()["id"]
    decided(client, key, reply)
    nested = post(client, key, "عندك حق في هذه النقطة", email="y@example.com",
                  parent=reply).get_json()["id"]
    decided(client, key, nested)

    first = client.get("/api/v1/sites/news/threads/t1/comments?limit=2")
    page = first.get_json()
    assert [c["id"] for c in page["comments"]] == roots[:2]
    assert page["comments"][0]["replies"][0]["id"] == reply
    assert page["comments"][0]["replies"][0]["replies"][0]["id"] == nested
    second = client.get(f"/api/v1/sites/news/threads/t1/comments?limit=2&cursor={page['next_cursor']}")
    assert [c["id"] for c in second.get_json()["comments"]] == roots[2:]
    assert second.get_json()["next_cursor"] is None

    etag = first.headers["ETag"]
    again = client.get("/api/v1/sites/news/threads/t1/comments?limit=2",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_repeating_the_previous_comment_is_held(client, db, site, worker):
    _, key = site
    first = post(client, key, "Buy my course now!!").get_json()["id"]
    assert decided(client, key, first)["status"] == "published"
    second = post(client, key, "buy my   course now!!", thread="t2").get_json()["id"]
    detail = decided(client, key, second)
    assert detail["status"] == "held"
    assert [r["code"] for r in detail["reasons"]] == ["duplicate.author"]


def test_a_lost_message_is_finished_by_the_sweeper(app, client, db, site, worker, monkeypatch):
    _, key = site
    celery = app.extensions["celery"]
    monkeypatch.setattr(celery, "send_task", lambda *args, **kwargs: None)  # the message is lost
    comment_id = post(client, key, "nothing wrong with this one").get_json()["id"]
    monkeypatch.undo()
    assert db.session.get(Comment, comment_id).status == "pending"
    db.session.execute(update(Comment).values(check_enqueued_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    celery.send_task("workers.checks.sweep")  # what beat sends every SWEEP_INTERVAL
    assert decided(client, key, comment_id)["status"] == "published"


def _other_broker(config: dict, tmp_path) -> dict:
    """A broker no other test worker listens on."""
    broker = config["CELERY_BROKER_URL"]
    if broker.startswith("redis"):
        parts = urlsplit(broker)
        broker = urlunsplit(parts._replace(path="/14"))
        import redis

        redis.Redis.from_url(broker).flushdb()
    return {**config, "CELERY_BROKER_URL": broker, "INSTANCE_PATH": str(tmp_path)}


def test_a_worker_killed_mid_task_loses_nothing(app, db, site, tmp_path):
    from moderation import create_app

    _, key = site
    config = _other_broker(dict(app.config), tmp_path)
    marker = tmp_path / "slow-check-started"
    crashing = Worker(config, EXTRA_CHECKS="tests.slow_check:sleepy",
                      SLOW_CHECK_MARKER=str(marker))
    client = create_app(config).test_client()
    try:
        comment_id = post(client, key, "SLOW-CHECK a perfectly fine comment").get_json()["id"]
        wait_until(marker.exists, timeout=30)
        crashing.kill()
    finally:
        crashing.stop()
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).status == "pending"

    rescuer = Worker(config, beat=True, SWEEP_INTERVAL=0.5, PENDING_SWEEP_AFTER=1)
    try:
        assert decided(client, key, comment_id)["status"] == "published"
        assert "re-sent checks for 1 stale pending" in rescuer.log()
    finally:
        rescuer.stop()
