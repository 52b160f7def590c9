"""Every moderation endpoint x every kind of credential.

Nobody without a moderator credential gets in (401: no credentials, a site key, a revoked
token); a moderator of another site finds nothing (404) or is refused admin work (403);
a moderator of the site may moderate but not administer; an admin may do everything.
"""

from __future__ import annotations

import pytest

from .conftest import check_now, post_comment

EMAIL = "reader@example.com"

# name: (method, path, body, expected for admin, moderator of news, moderator of sport)
ENDPOINTS = {
    "queue of news": ("GET", "/api/v1/moderation/queue?site=news", None, 200, 200, 404),
    "comment": ("GET", "/api/v1/moderation/comments/{id}", None, 200, 200, 404),
    "decision": ("POST", "/api/v1/moderation/comments/{id}/decision",
                 {"action": "approve", "version": "{version}"}, 200, 200, 404),
    "claim": ("POST", "/api/v1/moderation/comments/{id}/claim", {"seconds": 60}, 200, 200, 404),
    "release": ("DELETE", "/api/v1/moderation/comments/{id}/claim", None, 204, 204, 404),
    "comment audit": ("GET", "/api/v1/moderation/comments/{id}/audit", None, 200, 200, 404),
    "author audit": ("GET", f"/api/v1/moderation/audit?site=news&author={EMAIL}", None,
                     200, 200, 404),
    "bulk by author": ("POST", "/api/v1/moderation/decisions",
                       {"action": "spam", "author": {"site": "news", "email": EMAIL}},
                       200, 200, 404),
    "sanction on news": ("POST", "/api/v1/moderation/sanctions",
                         {"kind": "hold", "site": "news", "email": EMAIL}, 201, 201, 404),
    "sanction everywhere": ("POST", "/api/v1/moderation/sanctions",
                            {"kind": "hold", "email": EMAIL}, 201, 403, 403),
    "settings": ("GET", "/api/v1/moderation/sites/news/settings", None, 200, 403, 403),
    "change settings": ("PATCH", "/api/v1/moderation/sites/news/settings",
                        {"reports": {"threshold": 5}}, 200, 403, 403),
    "settings history": ("GET", "/api/v1/moderation/sites/news/settings/history", None,
                         200, 403, 403),
    "list moderators": ("GET", "/api/v1/moderation/moderators", None, 200, 403, 403),
    "create moderator": ("POST", "/api/v1/moderation/moderators",
                         {"email": "new@example.com", "sites": ["news"]}, 201, 403, 403),
    "change moderator": ("PATCH", "/api/v1/moderation/moderators/{news_mod}",
                         {"display_name": "N"}, 200, 403, 403),
    "me": ("GET", "/api/v1/moderation/me", None, 200, 200, 200),
    "new token": ("POST", "/api/v1/moderation/tokens", {"name": "x"}, 201, 201, 201),
    "list sanctions": ("GET", "/api/v1/moderation/sanctions", None, 200, 200, 200),
    "lift sanction": ("DELETE", "/api/v1/moderation/sanctions/{sanction}", None, 204, 204, 404),
    "list tokens": ("GET", "/api/v1/moderation/tokens", None, 200, 200, 200),
    "revoke a token": ("DELETE", "/api/v1/moderation/tokens/{news_mod_token}", None,
                       204, 204, 404),
}
CREDENTIALS = ("none", "site key", "revoked token", "other site", "moderator", "admin")


@pytest.fixture
def world(client, sites, make_moderator, db):

    _, news_key = sites["news"]
    comment_id = post_comment(client, news_key, "You are a fucking liar", email=EMAIL)
    check_now(comment_id)
    admin = make_moderator("admin@example.com", role="admin")
    news_mod = make_moderator("mona@example.com", sites=["news"])
    sport_mod = make_moderator("sami@example.com", sites=["sport"])
    revoked = make_moderator("rita@example.com", sites=["news"])
    from moderation.review.models import ModeratorToken
    from sqlalchemy import select

    token_id = db.session.scalar(select(ModeratorToken.id).where(
        ModeratorToken.moderator_id == revoked.id))
    response = client.delete(f"/api/v1/moderation/tokens/{token_id}", headers=revoked.headers)
    assert response.status_code == 204
    from moderation.review.models import Sanction

    sanction = Sanction(site_id=sites["news"][0].id, kind="hold", email_hash="0" * 64,
                        created_by="test")
    db.session.add(sanction)
    db.session.commit()
    news_token = db.session.scalar(select(ModeratorToken.id).where(
        ModeratorToken.moderator_id == news_mod.id))
    headers = {"none": {}, "site key": {"Authorization": f"Bearer {news_key}"},
               "revoked token": revoked.headers, "other site": sport_mod.headers,
               "moderator": news_mod.headers, "admin": admin.headers}
    return {"comment": comment_id, "headers": headers, "news_mod": news_mod.id,
            "sanction": sanction.id, "news_mod_token": news_token}


def _fill(value, world, version):
    if isinstance(value, str):
        for name in ("news_mod_token", "news_mod", "sanction"):
            value = value.replace("{%s}" % name, str(world[name]))
        return value.replace("{id}", str(world["comment"]))
    if isinstance(value, dict):
        return {k: (version if v == "{version}" else _fill(v, world, version))
                for k, v in value.items()}
    return value


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_permission_matrix(client, world, endpoint, credential):
    method, path, body, as_admin, as_moderator, as_other = ENDPOINTS[endpoint]
    expected = {"admin": as_admin, "moderator": as_moderator, "other site": as_other}.get(
        credential, 401)
    response = client.open(_fill(path, world, None), method=method,
                           json=_fill(body, world, 2) if body is not None else None,
                           headers=world["headers"][credential])
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        assert response.get_json()["error"]["code"]


def test_a_moderator_of_another_site_sees_nothing_of_it(client, world, sites):
    other = world["headers"]["other site"]
    page = client.get("/api/v1/moderation/queue?status=held", headers=other).get_json()
    assert page["items"] == [] and page["counts"]["held"] == 0
    bulk = client.post("/api/v1/moderation/decisions", headers=other, json={
        "action": "approve", "items": [{"id": world["comment"], "version": 2}]}).get_json()
    assert bulk["results"] == [{"id": world["comment"], "ok": False,
                                "error": {"code": "comment_not_found"}}]
    news = client.get("/api/v1/moderation/queue?status=held",
                      headers=world["headers"]["moderator"]).get_json()
    assert [item["id"] for item in news["items"]] == [world["comment"]]
    # Admin-wide audit by author without a site: the other moderator's view is empty.
    entries = client.get(f"/api/v1/moderation/audit?author={EMAIL}", headers=other).get_json()
    assert entries["entries"] == []


def test_a_revoked_or_deactivated_account_stops_working(client, world, make_moderator):
    temp = make_moderator("temp@example.com", sites=["news"])
    assert client.get("/api/v1/moderation/me", headers=temp.headers).status_code == 200
    admin = world["headers"]["admin"]
    assert client.patch(f"/api/v1/moderation/moderators/{temp.id}", headers=admin,
                        json={"active": False}).status_code == 200
    assert client.get("/api/v1/moderation/me", headers=temp.headers).status_code == 401


def test_the_site_key_routes_do_not_accept_a_moderator_token(client, world):
    response = client.get(f"/api/v1/sites/news/comments/{world['comment']}",
                          headers=world["headers"]["admin"])
    assert response.status_code == 401


