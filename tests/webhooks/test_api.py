"""The webhooks API through the Flask test client: CRUD, secrets, SSRF refusals, the log."""

import pytest
from sqlalchemy import select

from moderation.webhooks.models import WebhookEndpoint, WebhookMessage

from .conftest import auth, create_endpoint

BASE = "/api/v1/sites/news/webhooks"


def test_create_answers_201_with_id_and_secret_shown_once(wh_client, site, receiver):
    created = create_endpoint(wh_client, site, receiver.url(), events=["comment.published"],
                              description="CMS cache purge")
    assert created["id"].startswith("ep_") and created["secret"].startswith("whsec_")
    assert created["events"] == ["comment.published"] and created["enabled"] is True
    assert created["secret"] not in str(wh_client.get(BASE, headers=auth(site[1])).data)
    _, key = site
    read = wh_client.get(f"{BASE}/{created['id']}", headers=auth(key)).get_json()
    assert "secret" not in read and read["description"] == "CMS cache purge"
    listed = wh_client.get(BASE, headers=auth(key)).get_json()["items"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]


def test_update_and_delete(wh_client, site, receiver):
    _, key = site
    created = create_endpoint(wh_client, site, receiver.url())
    url = f"{BASE}/{created['id']}"
    changed = wh_client.patch(url, json={"events": ["comment.held"], "enabled": False},
                              headers=auth(key)).get_json()
    assert changed["events"] == ["comment.held"] and changed["enabled"] is False
    assert changed["disabled_reason"] == "manual"
    again = wh_client.patch(url, json={"enabled": True}, headers=auth(key)).get_json()
    assert again["enabled"] is True and again["disabled_reason"] is None
    assert wh_client.delete(url, headers=auth(key)).status_code == 204
    assert wh_client.get(url, headers=auth(key)).get_json()["error"]["code"] == "webhook_not_found"


@pytest.mark.parametrize("headers, status", [({}, 401), ({"Authorization": "Bearer msk_nope"}, 401)])
def test_site_key_is_required(wh_client, site, headers, status):
    assert wh_client.get(BASE, headers=headers).status_code == status
    assert wh_client.post(BASE, json={"url": "https://x.example"}, headers=headers
                          ).status_code == status


def test_another_sites_key_is_forbidden_and_its_endpoints_invisible(wh_client, site, receiver):
    from moderation.sites.services import create_site

    created = create_endpoint(wh_client, site, receiver.url())
    _, other_key = create_site("other", "Other")
    assert wh_client.get(BASE, headers=auth(other_key)).status_code == 403
    response = wh_client.get(f"/api/v1/sites/other/webhooks/{created['id']}",
                             headers=auth(other_key))
    assert response.status_code == 404


@pytest.mark.parametrize("body, field, code", [
    ({}, "url", "required"),
    ({"url": "https://x.example", "events": ["comment.eaten"]}, "events.0", "invalid_value"),
    ({"url": "https://x.example", "surprise": 1}, "surprise", "invalid_value"),
    ({"url": "ftp://x.example/h"}, "url", "invalid_url"),
    ({"url": "https://x.example/h", "description": "x" * 501}, "description", "too_long"),
])
def test_validation_errors_use_the_envelope(wh_client, site, body, field, code):
    _, key = site
    response = wh_client.post(BASE, json=body, headers={**auth(key), "Accept-Language": "ar"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["fields"][field]["code"] == code


@pytest.mark.parametrize("url, code", [
    ("https://127.0.0.1/hook", "forbidden_address"),
    ("https://10.1.2.3/hook", "forbidden_address"),
    ("https://169.254.169.254/latest/meta-data/", "forbidden_address"),
    ("https://[::1]/hook", "forbidden_address"),
    ("https://[::ffff:127.0.0.1]/hook", "forbidden_address"),
    ("https://localhost/hook", "forbidden_address"),  # a name that resolves to loopback
    ("https://0x7f.1/hook", "forbidden_address"),
    ("http://hooks.example/hook", "https_required"),
])
def test_ssrf_targets_are_refused_at_creation(wh_app, wh_client, site, monkeypatch, url, code):
    monkeypatch.setitem(wh_app.config, "WEBHOOK_ALLOWED_NETWORKS", [])
    monkeypatch.setitem(wh_app.config, "WEBHOOK_ALLOW_HTTP", False)
    _, key = site
    response = wh_client.post(BASE, json={"url": url}, headers=auth(key))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]["url"]["code"] == code
    assert wh_client.get(BASE, headers=auth(key)).get_json()["items"] == []


def test_ssrf_refused_on_update_too(wh_app, wh_client, site, receiver, monkeypatch):
    _, key = site
    created = create_endpoint(wh_client, site, receiver.url())
    monkeypatch.setitem(wh_app.config, "WEBHOOK_ALLOWED_NETWORKS", [])
    response = wh_client.patch(f"{BASE}/{created['id']}", json={"url": "https://10.0.0.1/h"},
                               headers=auth(key))
    assert response.status_code == 422


def test_rotate_secret_keeps_the_old_one_until_it_expires(wh_client, site, receiver, wh_db):
    _, key = site
    created = create_endpoint(wh_client, site, receiver.url())
    response = wh_client.post(f"{BASE}/{created['id']}/rotate-secret",
                              json={"expire_previous_in": 3600}, headers=auth(key))
    rotated = response.get_json()
    assert response.status_code == 200 and rotated["secret"] != created["secret"]
    endpoint = wh_db.session.get(WebhookEndpoint, created["id"])
    from moderation.extensions import utcnow

    assert endpoint.signing_secrets(utcnow()) == [rotated["secret"], created["secret"]]


def test_test_event_creates_a_message_in_the_log(wh_client, site, receiver, wh_db):
    _, key = site
    created = create_endpoint(wh_client, site, receiver.url())
    response = wh_client.post(f"{BASE}/{created['id']}/test", headers=auth(key))
    assert response.status_code == 202
    message_id = response.get_json()["message_id"]
    messages = wh_client.get(f"{BASE}/{created['id']}/messages", headers=auth(key)).get_json()
    assert [m["id"] for m in messages["items"]] == [message_id]
    assert messages["items"][0]["payload"]["type"] == "webhook.test"
    detail = wh_client.get(f"{BASE}/{created['id']}/messages/{message_id}", headers=auth(key))
    assert detail.get_json()["attempt_log"] == []


def test_openapi_documents_the_webhook_paths(wh_client):
    paths = wh_client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/sites/{site}/webhooks"])
    assert "/api/v1/sites/{site}/webhooks/{endpoint_id}/attempts" in paths
    assert "/api/v1/sites/{site}/webhooks/{endpoint_id}/redeliver" in paths


def test_no_endpoint_no_messages(wh_client, site, wh_db):
    from moderation.comments.accept import NewComment, accept_comment
    from moderation.sites.services import get_site

    accept_comment(get_site("news"), NewComment("t1", None, None, None, "Ali", "ali@example.com",
                                                None, "hello"))
    assert wh_db.session.scalars(select(WebhookMessage)).all() == []


def test_admins_manage_any_sites_webhooks_and_moderators_cannot(wh_client, site, receiver,
                                                               wh_db):
    from moderation.review.accounts import create_moderator, issue_token

    admin = create_moderator("admin@example.com", "Admin", "admin", [], None)
    moderator = create_moderator("mod@example.com", "Mod", "moderator", ["news"], None)
    _, admin_token = issue_token(admin, "test")
    _, moderator_token = issue_token(moderator, "test")
    wh_db.session.commit()

    created = wh_client.post(BASE, json={"url": receiver.url()}, headers=auth(admin_token))
    assert created.status_code == 201 and created.get_json()["secret"].startswith("whsec_")
    listed = wh_client.get(BASE, headers=auth(admin_token)).get_json()["items"]
    assert [e["id"] for e in listed] == [created.get_json()["id"]]
    refused = wh_client.get(BASE, headers=auth(moderator_token))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "admin_required"
    assert wh_client.get(BASE, headers=auth("mdt_unknown")).status_code == 401
    _, key = site
    assert wh_client.get(BASE, headers=auth(key)).status_code == 200  # the site key still works
