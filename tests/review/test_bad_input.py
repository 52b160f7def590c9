"""Every JSON endpoint answers malformed JSON, wrong types, oversize bodies and unknown
sites with the error envelope (4xx), never a 500."""

from __future__ import annotations

import pytest

from .conftest import check_now, post_comment

# (method, path, a body of the wrong types)
JSON_ENDPOINTS = [
    ("POST", "/api/v1/moderation/comments/{id}/decision", {"action": 1, "version": "2"}),
    ("POST", "/api/v1/moderation/decisions", {"action": "approve", "items": "all"}),
    ("POST", "/api/v1/moderation/comments/{id}/claim", {"seconds": "60"}),
    ("POST", "/api/v1/moderation/sanctions", {"kind": ["ban"], "email": 5}),
    ("PATCH", "/api/v1/moderation/sites/news/settings", {"reports": {"hide": "yes"}}),
    ("POST", "/api/v1/moderation/moderators", {"email": None, "sites": "news"}),
    ("PATCH", "/api/v1/moderation/moderators/{admin}", {"active": "no"}),
    ("POST", "/api/v1/moderation/tokens", {"name": 7}),
    ("POST", "/api/v1/moderation/session", {"email": 1, "password": 2}),
    ("POST", "/api/v1/sites/news/comments/{id}/reports", {"reason": 3}),
]


@pytest.fixture
def ctx(client, sites, make_moderator):
    _, key = sites["news"]
    comment_id = post_comment(client, key, "a fine comment")
    check_now(comment_id)
    admin = make_moderator("admin@example.com", role="admin")
    return {"id": comment_id, "admin": admin}


def _path(path, ctx):
    return path.replace("{id}", str(ctx["id"])).replace("{admin}", str(ctx["admin"].id))


@pytest.mark.parametrize("method,path,wrong", JSON_ENDPOINTS)
def test_bad_bodies_get_the_envelope(client, ctx, method, path, wrong):
    url, headers = _path(path, ctx), ctx["admin"].headers
    cases = [
        (b"{not json", 400, "malformed_json"),
        (b"[1, 2]", 400, "not_json_object"),
        (b"\xff\xfe", 400, "invalid_utf8"),
        (b'{"x": "' + b"a" * 300_000 + b'"}', 413, "body_too_large"),
    ]
    for raw, status, code in cases:
        response = client.open(url, method=method, data=raw, headers=headers,
                               content_type="application/json")
        assert response.status_code == status, (raw[:20], response.get_data(as_text=True)[:200])
        assert response.get_json()["error"]["code"] == code
    typed = client.open(url, method=method, json=wrong, headers=headers)
    assert typed.status_code == 422, typed.get_data(as_text=True)
    assert typed.get_json()["error"]["code"] == "validation_failed"
    assert typed.get_json()["error"]["fields"]


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/v1/moderation/queue?site=nowhere", None),
    ("GET", "/api/v1/moderation/sites/nowhere/settings", None),
    ("PATCH", "/api/v1/moderation/sites/nowhere/settings", {}),
    ("GET", "/api/v1/moderation/sites/" + "x" * 300 + "/settings", None),
    ("POST", "/api/v1/sites/nowhere/comments/1/reports", {"reason": "spam"}),
    ("GET", "/api/v1/moderation/comments/99999999", None),
    ("POST", "/api/v1/moderation/comments/99999999/decision", {"action": "approve",
                                                               "version": 1}),
    ("GET", "/api/v1/moderation/audit?site=nowhere&author=a@b.co", None),
    ("POST", "/api/v1/moderation/sanctions", {"kind": "ban", "site": "nowhere",
                                              "email": "a@b.co"}),
    ("POST", "/api/v1/moderation/decisions", {"action": "spam", "author": {
        "site": "nowhere", "email": "a@b.co"}}),
])
def test_unknown_sites_and_comments_are_404(client, ctx, method, path, body):
    response = client.open(path, method=method, headers=ctx["admin"].headers, json=body)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] in ("site_not_found", "comment_not_found")


def test_the_openapi_document_lists_the_moderation_api(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/moderation/queue", "/api/v1/moderation/comments/{comment_id}/decision",
                 "/api/v1/moderation/decisions",
                 "/api/v1/sites/{site}/comments/{comment_id}/reports",
                 "/api/v1/moderation/sites/{site}/settings", "/api/v1/moderation/sanctions"):
        assert path in doc["paths"], path
    assert "DecisionIn" in doc["components"]["schemas"]
    assert "moderatorToken" in doc["components"]["securitySchemes"]
