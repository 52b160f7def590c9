"""Webhooks through a real Celery worker process and a real receiver on loopback."""

import json

import pytest
from standardwebhooks import Webhook

from tests.conftest import wait_until

from .conftest import auth, create_endpoint
from .receiver import Reply

BASE = "/api/v1/sites/news/webhooks"
PRIVATE = ("reader@example.com", "203.0.113.77", "Mozilla/5.0 (Test)")


@pytest.fixture
def key(site, wh_worker):
    return site[1]


def post_comment(client, key, body, thread="t1"):
    data = {"thread": {"id": thread, "url": f"https://news.example/{thread}"},
            "author": {"name": "Reader", "email": "reader@example.com"}, "body": body,
            "client": {"ip": "203.0.113.77", "user_agent": "Mozilla/5.0 (Test)"}}
    response = client.post("/api/v1/sites/news/comments", json=data, headers=auth(key))
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def attempts(client, key, endpoint_id, count=1):
    """The endpoint's delivery log, newest first, once it has ``count`` attempts (else None)."""
    items = client.get(f"{BASE}/{endpoint_id}/attempts", headers=auth(key)).get_json()["items"]
    return items if len(items) >= count else None


def test_comment_events_arrive_signed_in_order_without_private_data(wh_client, site, key,
                                                                    receiver):
    created = create_endpoint(wh_client, site, receiver.url())
    published = post_comment(wh_client, key, "A thoughtful and clean comment about the budget debate.")
    held = post_comment(wh_client, key, "You are a fucking liar", thread="t2")
    requests = receiver.wait_for(4)
    seen = {}
    for request in requests:
        body = request.body.decode()
        for value in PRIVATE:
            assert value not in body
        assert "email" not in body and "client_ip" not in body
        payload = Webhook(created["secret"]).verify(request.body, request.headers)
        seen.setdefault(payload["data"]["comment_id"], []).append(payload)
    assert [p["type"] for p in seen[published]] == ["comment.created", "comment.published"]
    assert [p["type"] for p in seen[held]] == ["comment.created", "comment.held"]
    public = seen[published][1]["data"]
    assert public["status"] == "published" and public["previous_status"] == "pending"
    assert "clean comment" in public["comment"]["body_html"]
    assert public["site"] == "news" and public["thread"] == "t1"
    assert "lexicon.banned" in seen[held][1]["data"]["reason_codes"]
    assert "comment" not in seen[held][1]["data"]  # not published: no public fields


def test_500_then_timeout_then_success_is_retried_and_received(wh_client, site, key, receiver):
    receiver.replies = [Reply(500, b"boom"), Reply(200, b"slow", delay=3)]
    created = create_endpoint(wh_client, site, receiver.url(), events=["comment.created"])
    post_comment(wh_client, key, "Retry me please.")
    requests = receiver.wait_for(3, timeout=30)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    for request in requests:
        Webhook(created["secret"]).verify(request.body, request.headers)
    log = wait_until(lambda: attempts(wh_client, key, created["id"], count=3))
    assert [a["status_code"] for a in reversed(log)] == [500, None, 200]
    assert log[1]["error"] == "timeout"
    [message] = wh_client.get(f"{BASE}/{created['id']}/messages",
                              headers=auth(key)).get_json()["items"]
    assert message["status"] == "delivered" and message["attempts"] == 3


def test_410_disables_the_endpoint(wh_client, site, key, receiver):
    receiver.default = Reply(410, b"gone")
    created = create_endpoint(wh_client, site, receiver.url())
    wh_client.post(f"{BASE}/{created['id']}/test", headers=auth(key))

    def disabled():
        state = wh_client.get(f"{BASE}/{created['id']}", headers=auth(key)).get_json()
        return state if not state["enabled"] else None

    state = wait_until(disabled)
    assert state["disabled_reason"] == "gone" and state["disabled_at"]
    post_comment(wh_client, key, "Nobody is listening now.")
    assert len(receiver.requests) == 1


def test_rotation_sends_both_signatures(wh_client, site, key, receiver):
    created = create_endpoint(wh_client, site, receiver.url())
    rotated = wh_client.post(f"{BASE}/{created['id']}/rotate-secret", json={},
                             headers=auth(key)).get_json()
    wh_client.post(f"{BASE}/{created['id']}/test", headers=auth(key))
    [request] = receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(created["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"
    assert Webhook(rotated["secret"]).verify(request.body, request.headers)["type"] == "webhook.test"


def test_redirect_to_a_private_address_is_refused(wh_client, site, key, receiver):
    receiver.default = Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    created = create_endpoint(wh_client, site, receiver.url())
    wh_client.post(f"{BASE}/{created['id']}/test", headers=auth(key))
    # Every attempt on the shortened schedule, then the message is given up.
    log = wait_until(lambda: attempts(wh_client, key, created["id"], count=4))
    assert [a["status_code"] for a in log] == [302] * 4
    assert len(receiver.requests) == 4 and all(r.path == "/hook" for r in receiver.requests)


def test_failed_messages_are_redelivered_on_request(wh_client, site, key, receiver):
    receiver.default = Reply(400, b"bad")
    created = create_endpoint(wh_client, site, receiver.url())
    message_id = wh_client.post(f"{BASE}/{created['id']}/test",
                                headers=auth(key)).get_json()["message_id"]

    def failed():
        detail = wh_client.get(f"{BASE}/{created['id']}/messages/{message_id}",
                               headers=auth(key)).get_json()
        return detail if detail["status"] == "failed" else None

    detail = wait_until(failed, timeout=30)  # 4 attempts on the shortened schedule
    assert len(detail["attempt_log"]) == 4
    receiver.default = Reply(204, b"")
    since = detail["created_at"]
    response = wh_client.post(f"{BASE}/{created['id']}/redeliver", json={"since": since},
                              headers=auth(key))
    assert response.status_code == 202 and response.get_json()["count"] == 1
    requests = receiver.wait_for(5)
    assert {json.loads(r.body)["type"] for r in requests} == {"webhook.test"}
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    wait_until(lambda: wh_client.get(f"{BASE}/{created['id']}/messages/{message_id}",
                                     headers=auth(key)).get_json()["status"] == "delivered")
    one = wh_client.post(f"{BASE}/{created['id']}/messages/{message_id}/redeliver",
                         headers=auth(key))
    assert one.status_code == 202
    receiver.wait_for(6)
