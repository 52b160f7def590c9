"""Accounts (session login, tokens, CLI) and the site settings API."""

from __future__ import annotations

import json

from .conftest import Mod

SETTINGS = "/api/v1/moderation/sites/news/settings"


def test_session_login_with_a_secure_cookie(app, sites, make_moderator):
    make_moderator("mona@example.com", sites=["news"], password="correct horse battery")
    client = app.test_client()
    base = "https://mod.example"
    wrong = client.post("/api/v1/moderation/session", base_url=base,
                        json={"email": "mona@example.com", "password": "nope nope nope"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "login_failed"
    unknown = client.post("/api/v1/moderation/session", base_url=base,
                          json={"email": "who@example.com", "password": "whatever it is"})
    assert unknown.status_code == 401
    login = client.post("/api/v1/moderation/session", base_url=base,
                        json={"email": "MONA@example.com", "password": "correct horse battery"})
    assert login.status_code == 200 and login.get_json()["sites"] == ["news"]
    cookie = login.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/moderation/me", base_url=base).get_json()["email"] == \
        "mona@example.com"
    # A cookie-authenticated write must be JSON (a cross-site form cannot be).
    form = client.post("/api/v1/moderation/tokens", base_url=base, data={"name": "x"})
    assert form.status_code == 415
    token = client.post("/api/v1/moderation/tokens", base_url=base, json={"name": "laptop"})
    assert token.status_code == 201 and token.get_json()["token"].startswith("mdt_")
    listed = client.get("/api/v1/moderation/tokens", base_url=base).get_json()["tokens"]
    assert all("token" not in t for t in listed)  # shown once, never again
    # DELETE needs no body: browsers always preflight it cross-site.
    assert client.delete(f"/api/v1/moderation/tokens/{listed[-1]['id']}",
                         base_url=base).status_code == 204
    assert client.delete("/api/v1/moderation/session", base_url=base).status_code == 204
    assert client.get("/api/v1/moderation/me", base_url=base).status_code == 401


def test_a_password_change_ends_existing_sessions(app, sites, make_moderator):
    mona = make_moderator("mona@example.com", sites=["news"], password="correct horse battery")
    admin = make_moderator("admin@example.com", role="admin")
    browser = app.test_client()
    base = "https://mod.example"
    browser.post("/api/v1/moderation/session", base_url=base,
                 json={"email": "mona@example.com", "password": "correct horse battery"})
    assert browser.get("/api/v1/moderation/me", base_url=base).status_code == 200
    app.test_client().patch(f"/api/v1/moderation/moderators/{mona.id}", headers=admin.headers,
                            json={"password": "a brand new passphrase"})
    assert browser.get("/api/v1/moderation/me", base_url=base).status_code == 401


def test_passwords_and_tokens_are_hashed_at_rest(db, make_moderator):
    from sqlalchemy import select

    from moderation.review.models import Moderator, ModeratorToken

    mod = make_moderator("mona@example.com", password="correct horse battery")
    row = db.session.get(Moderator, mod.id)
    assert row.password_hash.startswith("$argon2id$")
    hashes = db.session.scalars(select(ModeratorToken.token_hash)).all()
    assert mod.token not in hashes and all(len(h) == 64 for h in hashes)


def test_cli_creates_a_moderator_and_prints_a_token(app, client, sites):
    from moderation.cli import cli

    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["moderators", "create", "cli@example.com", "--role",
                                 "moderator", "--sites", "news,sport", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["sites"] == ["news", "sport"]
    me = client.get("/api/v1/moderation/me",
                    headers=Mod(created["id"], created["token"]).headers).get_json()
    assert me["email"] == "cli@example.com" and me["role"] == "moderator"
    again = runner.invoke(cli, ["moderators", "create", "cli@example.com"])
    assert again.exit_code != 0 and "already exists" in again.output
    unknown = runner.invoke(cli, ["moderators", "create", "x@example.com", "--sites", "nope"])
    assert unknown.exit_code != 0 and "unknown site" in unknown.output
    text = runner.invoke(cli, ["moderators", "create", "admin@example.com", "--role", "admin"])
    assert "mdt_" in text.output


def test_settings_are_validated_and_audited(client, sites, make_moderator):
    admin = make_moderator("admin@example.com", role="admin")
    h = admin.headers
    current = client.get(SETTINGS, headers=h).get_json()
    assert current["policy"] == {"mode": "auto", "hold_threshold": 0.5, "reject_threshold": 0.9}
    assert current["reports"] == {"threshold": 3, "hide": False}
    bad = [({"policy": {"mode": "strict"}}, "policy.mode"),
           ({"policy": {"hold_threshold": 1.5}}, "policy.hold_threshold"),
           ({"policy": {"hold_threshold": "0.5"}}, "policy.hold_threshold"),
           ({"policy": {"hold_threshold": 0.95}}, "policy.hold_threshold"),
           ({"reports": {"threshold": -1}}, "reports.threshold"),
           ({"allowed_origins": ["ftp://x"]}, "allowed_origins.0"),
           ({"terms": {"banned": [""]}}, "terms.banned.0"),
           ({"colour": "blue"}, "colour")]
    for body, field in bad:
        response = client.patch(SETTINGS, headers=h, json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    changed = client.patch(SETTINGS, headers=h, json={
        "policy": {"mode": "pre", "hold_threshold": 0.4},
        "allowed_origins": ["https://News.example:443/x", "https://m.news.example"],
        "reports": {"threshold": 5, "hide": True}})
    assert changed.status_code == 200
    after = changed.get_json()
    assert after["policy"]["mode"] == "pre" and after["reports"] == {"threshold": 5, "hide": True}
    assert after["allowed_origins"] == ["https://m.news.example", "https://news.example"]
    [event] = client.get(f"{SETTINGS}/history", headers=h).get_json()["events"]
    assert event["actor"] == f"moderator:{admin.id}" and event["kind"] == "settings.changed"
    assert event["before"]["policy"]["mode"] == "auto" and event["after"]["policy"]["mode"] == "pre"
    # The comment endpoint sees the new origins at once (this process's cache is cleared).
    ok = client.post("/api/v1/sites/news/comments", headers={"Origin": "https://m.news.example"},
                     json={"thread": {"id": "t"}, "author": {"name": "A", "email": "a@b.co"},
                           "body": "hi"})
    assert ok.status_code == 202


def test_moderator_accounts_admin_api(client, sites, make_moderator):
    admin = make_moderator("admin@example.com", role="admin")
    created = client.post("/api/v1/moderation/moderators", headers=admin.headers,
                          json={"email": "new@example.com", "sites": ["news"]})
    assert created.status_code == 201 and created.get_json()["token"].startswith("mdt_")
    duplicate = client.post("/api/v1/moderation/moderators", headers=admin.headers,
                            json={"email": "new@example.com"})
    assert duplicate.status_code == 409
    moved = client.patch(f"/api/v1/moderation/moderators/{created.get_json()['id']}",
                         headers=admin.headers, json={"sites": ["sport"]})
    assert moved.get_json()["sites"] == ["sport"]
    unknown = client.patch(f"/api/v1/moderation/moderators/{created.get_json()['id']}",
                           headers=admin.headers, json={"sites": ["nowhere"]})
    assert unknown.status_code == 422


def test_login_attempts_are_rate_limited(app, client, sites, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", 3)
    codes = [client.post("/api/v1/moderation/session", json={
        "email": "x@example.com", "password": "guess number one"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
