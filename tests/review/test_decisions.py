"""Decisions through the API: versions, transitions, bulk, claims and the audit trail."""

from __future__ import annotations

from .conftest import check_now, post_comment, version_of

DECIDE = "/api/v1/moderation/comments/{}/decision"


def test_a_stale_decision_is_refused_and_nothing_is_clobbered(client, sites, held,
                                                              make_moderator):
    mona = make_moderator("mona@example.com", sites=["news"])
    sami = make_moderator("sami@example.com", sites=["news"])
    seen = version_of(client, mona, held)
    assert version_of(client, sami, held) == seen
    first = client.post(DECIDE.format(held), headers=mona.headers,
                        json={"action": "approve", "version": seen})
    assert first.status_code == 200 and first.get_json()["status"] == "published"
    second = client.post(DECIDE.format(held), headers=sami.headers,
                         json={"action": "reject", "reason": "abusive", "version": seen},
                         environ_base={"HTTP_ACCEPT_LANGUAGE": "ar"})
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "stale_version" and str(seen + 1) in error["message"]
    assert "عدّل" in error["message"]
    item = client.get(f"/api/v1/moderation/comments/{held}", headers=sami.headers).get_json()
    assert item["status"] == "published" and item["version"] == seen + 1


def test_transitions_that_make_no_sense_are_refused(client, sites, held, make_moderator):
    mona = make_moderator("mona@example.com", sites=["news"])
    v = version_of(client, mona, held)
    response = client.post(DECIDE.format(held), headers=mona.headers,
                           json={"action": "restore", "version": v})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"
    missing_reason = client.post(DECIDE.format(held), headers=mona.headers,
                                 json={"action": "reject", "version": v})
    assert missing_reason.status_code == 422
    assert missing_reason.get_json()["error"]["fields"]["reason"]["code"] == "required"


def test_bulk_by_ids_applies_each_item_on_its_own(client, sites, make_moderator):
    _, key = sites["news"]
    mona = make_moderator("mona@example.com", sites=["news"])
    ids = [post_comment(client, key, f"fucking spam number {i}", email=f"a{i}@example.com")
           for i in range(3)]
    for comment_id in ids:
        check_now(comment_id)
    versions = {i: version_of(client, mona, i) for i in ids}
    items = [{"id": i, "version": versions[i]} for i in ids]
    items[1]["version"] -= 1  # someone else's older view
    response = client.post("/api/v1/moderation/decisions", headers=mona.headers,
                           json={"action": "spam", "items": items, "note": "bot wave"})
    body = response.get_json()
    assert response.status_code == 200 and body["succeeded"] == 2 and body["failed"] == 1
    by_id = {r["id"]: r for r in body["results"]}
    assert by_id[ids[1]]["error"]["code"] == "stale_version"
    assert by_id[ids[0]]["status"] == by_id[ids[2]]["status"] == "spam"
    counts = client.get("/api/v1/moderation/queue?site=news&status=spam",
                        headers=mona.headers).get_json()["counts"]
    assert counts["spam"] == 2 and counts["held"] == 1


def test_bulk_on_all_of_an_authors_waiting_comments(client, sites, make_moderator):
    _, key = sites["news"]
    mona = make_moderator("mona@example.com", sites=["news"])
    troll = [post_comment(client, key, f"fucking troll {i}", email="troll@example.com")
             for i in range(3)]
    check_now(troll[0])  # held; the other two are still pending
    innocent = post_comment(client, key, "fucking great goal", email="fan@example.com")
    check_now(innocent)
    response = client.post("/api/v1/moderation/decisions", headers=mona.headers, json={
        "action": "reject", "reason": "harassment",
        "author": {"site": "news", "email": "Troll@Example.com"}})
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.get_json()["results"]) == troll
    assert all(r["status"] == "rejected" for r in response.get_json()["results"])
    assert client.get(f"/api/v1/moderation/comments/{innocent}",
                      headers=mona.headers).get_json()["status"] == "held"


def test_claims_tell_others_and_expire_with_the_decision(client, sites, held, make_moderator):
    mona = make_moderator("mona@example.com", sites=["news"])
    sami = make_moderator("sami@example.com", sites=["news"])
    mine = client.post(f"/api/v1/moderation/comments/{held}/claim", headers=mona.headers,
                       json={"seconds": 60})
    assert mine.status_code == 200
    item = client.get(f"/api/v1/moderation/comments/{held}", headers=sami.headers).get_json()
    assert item["claim"]["moderator"] == "Mona"
    theirs = client.post(f"/api/v1/moderation/comments/{held}/claim", headers=sami.headers,
                         json={"seconds": 60})
    assert theirs.status_code == 409 and theirs.get_json()["error"]["code"] == "claimed"
    # A claim is advice, not a lock: the version is what protects a decision.
    v = item["version"]
    assert client.post(DECIDE.format(held), headers=sami.headers,
                       json={"action": "approve", "version": v}).status_code == 200
    assert client.get(f"/api/v1/moderation/comments/{held}",
                      headers=mona.headers).get_json()["claim"] is None
    too_long = client.post(f"/api/v1/moderation/comments/{held}/claim", headers=mona.headers,
                           json={"seconds": 100000})
    assert too_long.status_code == 422


def test_the_audit_trail_of_a_comment_from_creation_to_final_decision(client, sites, held,
                                                                      make_moderator):
    mona = make_moderator("mona@example.com", sites=["news"])
    sami = make_moderator("sami@example.com", sites=["news"])
    v = version_of(client, mona, held)
    steps = [(mona, {"action": "reject", "reason": "offensive", "note": "insult"}),
             (sami, {"action": "restore", "note": "second look"}),
             (sami, {"action": "approve", "note": "sarcasm, not an insult"})]
    for who, decision in steps:
        response = client.post(DECIDE.format(held), headers=who.headers,
                               json={**decision, "version": v})
        assert response.status_code == 200, response.get_json()
        v = response.get_json()["version"]
    trail = client.get(f"/api/v1/moderation/comments/{held}/audit",
                       headers=mona.headers).get_json()["entries"]
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in trail] == [
        (None, "pending", "author"),
        ("pending", "held", "system"),
        ("held", "rejected", f"moderator:{mona.id}"),
        ("rejected", "held", f"moderator:{sami.id}"),
        ("held", "published", f"moderator:{sami.id}"),
    ]
    assert "lexicon.banned" in trail[1]["reasons"]
    assert trail[2]["reasons"] == ["offensive"] and trail[2]["note"] == "insult"
    assert all(e["created_at"] for e in trail)
    by_sami = client.get(f"/api/v1/moderation/audit?moderator={sami.id}",
                         headers=mona.headers).get_json()["entries"]
    assert [e["to_status"] for e in by_sami] == ["published", "held"]  # newest first
    by_author = client.get("/api/v1/moderation/audit?author=reader@example.com",
                           headers=mona.headers).get_json()["entries"]
    assert len(by_author) == 4


def test_approving_a_comment_before_its_checks_ran_publishes_it_rendered(client, sites,
                                                                         make_moderator):
    _, key = sites["news"]
    mona = make_moderator("mona@example.com", sites=["news"])
    comment_id = post_comment(client, key, "quick <b>approval</b>")  # still pending
    response = client.post(DECIDE.format(comment_id), headers=mona.headers,
                           json={"action": "approve", "version": 1})
    assert response.status_code == 200
    [shown] = client.get("/api/v1/sites/news/threads/t1/comments").get_json()["comments"]
    assert shown["id"] == comment_id and "approval" in shown["body_html"]
    assert check_now(comment_id) == "published"  # the late check leaves it alone
