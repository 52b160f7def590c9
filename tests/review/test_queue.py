"""The queue: filters, sorting, cursor pagination, counts, and self-contained items."""

from __future__ import annotations

import pytest

from moderation.review.schemas import QueuePage

from .conftest import check_now, post_comment

Q = "/api/v1/moderation/queue"


@pytest.fixture
def backlog(client, sites, make_moderator, monkeypatch):
    _, key = sites["news"]
    _, sport_key = sites["sport"]
    parent = post_comment(client, key, "A calm remark about the match", email="first@example.com")
    assert check_now(parent) == "published"
    ids = {
        "swear": post_comment(client, key, "You are a fucking liar", email="troll@example.com",
                              name="Troll", parent=parent),
        "links": post_comment(client, key, "see http://a.example http://b.example "
                                           "http://c.example", email="bot@example.com",
                              thread="t2"),
        "arabic": post_comment(client, key, "انت منيوك", email="troll@example.com",
                               name="Troll", thread="t2"),
        "sport": post_comment(client, sport_key, "fucking referee", site="sport"),
    }
    for comment_id in ids.values():
        assert check_now(comment_id) == "held"
    ids["parent"] = parent
    # A comment whose check message is lost: it stays pending even when a worker of this test
    # session is running (until the sweeper, which no test here waits for).
    from moderation.comments import accept

    monkeypatch.setattr(accept, "send_committed_many", lambda *args: None)
    monkeypatch.setattr(accept, "send_after_commit", lambda *args: None)
    ids["pending"] = post_comment(client, key, "still waiting for the worker")
    return ids, make_moderator("mona@example.com", sites=["news"]), \
        make_moderator("admin@example.com", role="admin")


def _ids(client, mod, query=""):
    response = client.get(f"{Q}?{query}", headers=mod.headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_filters(client, backlog):
    ids, mona, admin = backlog
    news_held = [ids["swear"], ids["links"], ids["arabic"]]
    assert _ids(client, mona) == news_held  # default: held, oldest first, own sites only
    assert _ids(client, admin) == [*news_held, ids["sport"]]
    assert _ids(client, admin, "site=sport") == [ids["sport"]]
    assert _ids(client, mona, "status=pending") == [ids["pending"]]
    assert _ids(client, mona, "status=published") == [ids["parent"]]
    assert _ids(client, mona, "thread=t2") == [ids["links"], ids["arabic"]]
    assert _ids(client, mona, "reason=links.many") == [ids["links"]]
    assert _ids(client, mona, "category=obscene") == [ids["swear"], ids["arabic"]]
    assert _ids(client, mona, "author=troll@example.com") == [ids["swear"], ids["arabic"]]
    assert _ids(client, mona, "q=LIAR") == [ids["swear"]]
    assert _ids(client, mona, "q=منيوك") == [ids["arabic"]]
    assert _ids(client, mona, "q=100%25") == []  # % is a literal, not a wildcard
    assert _ids(client, mona, "since=2000-01-01T00:00:00Z&until=2001-01-01") == []
    assert _ids(client, mona, "since=2000-01-01") == news_held


def test_sorting_and_cursor_pages(client, backlog):
    ids, mona, _ = backlog
    assert _ids(client, mona, "sort=newest") == [ids["arabic"], ids["links"], ids["swear"]]
    risky = client.get(f"{Q}?sort=risk", headers=mona.headers).get_json()["items"]
    assert [i["risk"] for i in risky] == sorted((i["risk"] for i in risky), reverse=True)
    for sort in ("oldest", "newest", "risk"):
        seen, cursor = [], None
        while True:
            page = client.get(f"{Q}?sort={sort}&limit=1" + (f"&cursor={cursor}" if cursor else ""),
                              headers=mona.headers).get_json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted([ids["swear"], ids["links"], ids["arabic"]]), sort
        assert len(seen) == 3
    assert client.get(f"{Q}?cursor=garbage", headers=mona.headers).status_code == 400


def test_counts_per_queue(client, backlog):
    _, mona, admin = backlog
    counts = client.get(Q, headers=mona.headers).get_json()["counts"]
    assert counts == {"pending": 1, "held": 3, "reported": 0, "published": 1, "rejected": 0,
                      "spam": 0}
    assert client.get(Q, headers=admin.headers).get_json()["counts"]["held"] == 4


def test_an_item_carries_everything_a_moderator_needs(client, backlog):
    ids, mona, _ = backlog
    [item] = client.get(f"{Q}?reason=lexicon.banned&author=troll@example.com&thread=t1",
                        headers=mona.headers).get_json()["items"]
    assert item["id"] == ids["swear"] and item["site"] == "news" and item["version"] == 2
    assert item["body"] == "You are a fucking liar"
    [reason] = [r for r in item["reasons"] if r["code"] == "lexicon.banned"]
    start, end = reason["spans"][0]
    assert item["body"][start:end] == "fucking"
    assert "<p" in item["body_html"] and item["scores"]["abuse"] > 0
    assert item["thread"] == {"id": "t1", "url": "https://news.example/t1",
                              "title": "Article t1"}
    assert item["parent"]["id"] == ids["parent"]
    assert item["parent"]["body"] == "A calm remark about the match"
    author = item["author"]
    assert author["name"] == "Troll" and author["email"] == "troll@example.com"
    assert author["history"]["held"] == 2 and author["history"]["first_seen"]
    assert author["history"]["sanctions"] == []
    QueuePage.model_validate(client.get(Q, headers=mona.headers).get_json())  # the contract


def test_bad_queue_parameters_are_422_not_500(client, backlog):
    _, mona, _ = backlog
    for query in ("status=nope", "sort=sideways", "limit=0", "limit=x", "since=yesterday",
                  "q=" + "x" * 300):
        response = client.get(f"{Q}?{query}", headers=mona.headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_failed"
    assert client.get(f"{Q}?site=nowhere", headers=mona.headers).status_code == 404
