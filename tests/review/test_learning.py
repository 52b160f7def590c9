"""Moderators' decisions teach the detection: after a few decisions on the same kind of
comment, the next such comment is decided differently (with a real worker)."""

from __future__ import annotations

from sqlalchemy import func, select

from ..conftest import wait_until
from .conftest import post_comment


def test_repeated_decisions_change_the_next_decision(client, db, sites, worker, make_moderator):
    from moderation.review.models import LabelledExample

    _, key = sites["news"]
    admin = make_moderator("admin@example.com", role="admin")
    mona = make_moderator("mona@example.com", sites=["news"])

    def decided(comment_id):
        item = client.get(f"/api/v1/moderation/comments/{comment_id}",
                          headers=mona.headers).get_json()
        return item if item["status"] != "pending" else None

    probe = "Has anyone tried cryptopump yet?"
    before = post_comment(client, key, probe, email="curious@example.com")
    assert wait_until(lambda: decided(before), timeout=60)["status"] == "published"

    # A week of pre-moderation: moderators see everything and decide.
    settings = "/api/v1/moderation/sites/news/settings"
    assert client.patch(settings, headers=admin.headers,
                        json={"policy": {"mode": "pre"}}).status_code == 200
    bad = [post_comment(client, key, f"Join cryptopump today, number {i}",
                        email=f"shill{i}@example.com") for i in range(3)]
    good = [post_comment(client, key, text, email=f"reader{i}@example.com") for i, text in
            enumerate(["The referee was fair today", "Great interview with the coach",
                       "I disagree with the transfer decision"])]
    for comment_id, action in [*((c, "spam") for c in bad), *((c, "approve") for c in good)]:
        item = wait_until(lambda: decided(comment_id), timeout=60)
        assert item["status"] == "held"
        response = client.post(f"/api/v1/moderation/comments/{comment_id}/decision",
                               headers=mona.headers,
                               json={"action": action, "version": item["version"]})
        assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LabelledExample)) == 6

    assert client.patch(settings, headers=admin.headers,
                        json={"policy": {"mode": "auto"}}).status_code == 200
    after = post_comment(client, key, probe, email="curious2@example.com")
    item = wait_until(lambda: decided(after), timeout=60)
    assert item["status"] == "held"
    [learned] = [r for r in item["reasons"] if r["code"] == "learned.block"]
    start, end = learned["spans"][0]
    assert probe[start:end] == "cryptopump"
    ordinary = post_comment(client, key, "The coach gave a fair interview",
                            email="curious3@example.com")
    assert wait_until(lambda: decided(ordinary), timeout=60)["status"] == "published"
    # What news's moderators taught stays on news.
    elsewhere = post_comment(client, sites["sport"][1], "Anybody here used cryptopump before?",
                             site="sport",
                             email="curious4@example.com")
    sport_admin_view = lambda: client.get(  # noqa: E731
        f"/api/v1/moderation/comments/{elsewhere}", headers=admin.headers).get_json()
    assert wait_until(lambda: sport_admin_view()["status"] != "pending" and sport_admin_view(),
                      timeout=60)["status"] == "published"


def test_relabelling_a_comment_moves_its_counts(client, db, sites, make_moderator):
    from moderation.review.models import LabelledExample, LearnedTerm

    from .conftest import check_now

    _, key = sites["news"]
    mona = make_moderator("mona@example.com", sites=["news"])
    comment_id = post_comment(client, key, "fucking cryptopump")
    assert check_now(comment_id) == "held"
    url = f"/api/v1/moderation/comments/{comment_id}/decision"
    v = client.post(url, headers=mona.headers,
                    json={"action": "spam", "version": 2}).get_json()["version"]
    v = client.post(url, headers=mona.headers, json={"action": "restore", "version": v}
                    ).get_json()["version"]
    client.post(url, headers=mona.headers, json={"action": "approve", "version": v})
    db.session.expire_all()
    assert db.session.get(LabelledExample, comment_id).label == "good"
    term = db.session.get(LearnedTerm, (sites["news"][0].id, "cryptopump"))
    assert (term.good, term.bad) == (1, 0)


def test_site_terms_from_the_settings_api_apply_to_the_next_comment(client, sites,
                                                                    make_moderator):
    from .conftest import check_now

    _, key = sites["news"]
    admin = make_moderator("admin@example.com", role="admin")
    response = client.patch("/api/v1/moderation/sites/news/settings", headers=admin.headers,
                            json={"terms": {"banned": ["Casino"], "suspect": ["loan"]}})
    assert response.status_code == 200
    assert response.get_json()["terms"]["banned"] == ["casino"]
    assert check_now(post_comment(client, key, "best casino bonus")) == "held"
    assert check_now(post_comment(client, key, "need a loan?")) == "held"
    # Detection scores a site's banned term 0.85: a site that wants them rejected says so.
    client.patch("/api/v1/moderation/sites/news/settings", headers=admin.headers,
                 json={"policy": {"reject_threshold": 0.85}})
    assert check_now(post_comment(client, key, "casino night")) == "rejected"

