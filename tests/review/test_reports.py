"""Reader reports: public, counted once per reader, rate limited; a threshold sends a
published comment to the ``reported`` queue, hidden from readers if the site says so."""

from __future__ import annotations

from .conftest import check_now, post_comment


def _published(client, sites):
    _, key = sites["news"]
    comment_id = post_comment(client, key, "An opinion some readers dislike")
    assert check_now(comment_id) == "published"
    return comment_id


def _report(client, comment_id, ip, reason="offensive", site="news"):
    return client.post(f"/api/v1/sites/{site}/comments/{comment_id}/reports",
                       json={"reason": reason, "text": "rude"},
                       environ_base={"REMOTE_ADDR": ip})


def _thread_ids(client):
    page = client.get("/api/v1/sites/news/threads/t1/comments").get_json()
    return [c["id"] for c in page["comments"]]


def test_reports_crossing_the_threshold_hide_the_comment_until_reviewed(
        client, sites, make_moderator, db):
    admin = make_moderator("admin@example.com", role="admin")
    assert client.patch("/api/v1/moderation/sites/news/settings", headers=admin.headers,
                        json={"reports": {"threshold": 2, "hide": True}}).status_code == 200
    comment_id = _published(client, sites)
    first = _report(client, comment_id, "198.51.100.1")
    assert first.status_code == 202 and first.get_json()["counted"] is True
    again = _report(client, comment_id, "198.51.100.1")  # the same reader: counted once
    assert again.status_code == 202 and again.get_json()["counted"] is False
    assert _thread_ids(client) == [comment_id]
    assert _report(client, comment_id, "198.51.100.2").status_code == 202
    assert _thread_ids(client) == []  # hidden while it waits for a moderator

    page = client.get("/api/v1/moderation/queue?status=reported",
                      headers=admin.headers).get_json()
    [item] = page["items"]
    assert item["id"] == comment_id and item["report_count"] == 2
    assert [r["reason"] for r in item["reports"]] == ["offensive", "offensive"]
    assert item["reports"][0]["text"] == "rude"
    assert page["counts"]["reported"] == 1
    trail = client.get(f"/api/v1/moderation/comments/{comment_id}/audit",
                       headers=admin.headers).get_json()["entries"]
    assert (trail[-1]["from_status"], trail[-1]["to_status"], trail[-1]["actor"]) == (
        "published", "reported", "readers")

    kept = client.post(f"/api/v1/moderation/comments/{comment_id}/decision",
                       headers=admin.headers, json={"action": "approve",
                                                    "version": item["version"]})
    assert kept.status_code == 200 and _thread_ids(client) == [comment_id]


def test_without_hiding_a_reported_comment_stays_visible(client, sites, make_moderator):
    admin = make_moderator("admin@example.com", role="admin")
    client.patch("/api/v1/moderation/sites/news/settings", headers=admin.headers,
                 json={"reports": {"threshold": 1, "hide": False}})
    comment_id = _published(client, sites)
    assert _report(client, comment_id, "198.51.100.3").status_code == 202
    assert _thread_ids(client) == [comment_id]
    reply = post_comment(client, sites["news"][1], "I agree", parent=comment_id)
    assert check_now(reply) == "published"  # readers may still answer it
    assert client.get("/api/v1/moderation/queue?status=reported",
                      headers=admin.headers).get_json()["counts"]["reported"] == 1


def test_reports_are_rate_limited_per_reader(client, sites, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_RATE_LIMIT", 2)
    comment_id = _published(client, sites)
    codes = [_report(client, comment_id, "198.51.100.9").status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    limited = _report(client, comment_id, "198.51.100.9")
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert _report(client, comment_id, "198.51.100.10").status_code == 202


def test_reports_on_what_readers_cannot_see_or_with_bad_input(client, sites, held):
    assert _report(client, held, "198.51.100.4").status_code == 404  # not published
    assert _report(client, 999999, "198.51.100.4").status_code == 404
    assert _report(client, held, "198.51.100.4", site="nowhere").status_code == 404
    comment_id = _published(client, sites)
    assert _report(client, comment_id, "198.51.100.4", site="sport").status_code == 404
    bad = _report(client, comment_id, "198.51.100.4", reason="boring")
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]


def test_crossing_the_threshold_announces_comment_reported_to_webhooks(client, db, sites,
                                                                       make_moderator,
                                                                       monkeypatch):
    from sqlalchemy import select

    from moderation.webhooks.models import WebhookEndpoint, WebhookMessage

    monkeypatch.setattr("moderation.webhooks.services.send_after_commit", lambda *args: None,
                        raising=False)
    db.session.add(WebhookEndpoint(site_id=sites["news"][0].id, url="https://hooks.example/x",
                                   event_types=["comment.reported"]))
    db.session.commit()
    admin = make_moderator("admin@example.com", role="admin")
    client.patch("/api/v1/moderation/sites/news/settings", headers=admin.headers,
                 json={"reports": {"threshold": 1}})
    comment_id = _published(client, sites)
    assert _report(client, comment_id, "198.51.100.5").status_code == 202
    [message] = db.session.scalars(select(WebhookMessage)).all()
    assert message.event_type == "comment.reported"
    assert f'"comment_id":{comment_id}' in message.payload
    assert "reports.threshold" in message.payload
