"""Accepting comments over HTTP: the contract, validation, auth, CORS, forms, bad input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from moderation.comments.models import Comment, Thread

ORIGIN = "https://news.example"


def payload(**overrides) -> dict:
    data = {
        "thread": {"id": "article-1", "url": f"{ORIGIN}/a/1", "title": "عنوان المقال"},
        "author": {"name": "منى", "email": "Mona.K@Example.COM", "url": "https://mona.example"},
        "body": "مقال ممتاز، شكرًا.",
        "client": {"ip": "203.0.113.9", "user_agent": "Mozilla/5.0", "referrer": f"{ORIGIN}/a/1"},
    }
    data.update(overrides)
    return data


@pytest.fixture
def site(make_site):
    return make_site("news", origins=[ORIGIN])


def auth(key: str, **headers) -> dict:
    return {"Authorization": f"Bearer {key}", **headers}


def comment_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_accepts_and_stores_pending(client, db, site):
    _, key = site
    response = client.post("/api/v1/sites/news/comments", json=payload(), headers=auth(key))
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"id", "status", "thread_id", "created_at"}
    assert body["status"] == "pending" and body["thread_id"] == "article-1"
    assert response.headers["Location"].endswith(f"/comments/{body['id']}")
    stored = db.session.get(Comment, body["id"])
    assert stored.author_email == "Mona.K@example.com"  # domain normalised by email-validator
    assert stored.client_ip == "203.0.113.9" and stored.status == "pending"
    assert stored.body == "مقال ممتاز، شكرًا."


def test_numeric_thread_ids_and_one_thread_per_id(client, db, site):
    _, key = site
    for _ in range(3):
        response = client.post("/api/v1/sites/news/comments",
                               json=payload(thread={"id": 1234}), headers=auth(key))
        assert response.status_code == 202
    assert response.get_json()["thread_id"] == "1234"
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 1


@pytest.mark.parametrize("lang, message, required", [
    ("en", "Some fields are missing or invalid.", "This field is required."),
    ("ar", "بعض الحقول ناقصة أو غير صحيحة.", "هذا الحقل مطلوب."),
    ("ar-EG,ar;q=0.9,en;q=0.5", "بعض الحقول ناقصة أو غير صحيحة.", "هذا الحقل مطلوب."),
])
def test_every_bad_field_at_once_in_both_languages(client, db, site, lang, message, required):
    _, key = site
    bad = {"thread": {"id": "  ", "url": "javascript:alert(1)"},
           "author": {"name": "", "email": "not-an-email", "url": "ftp://x.example"},
           "body": "   \n ", "parent_id": "abc"}
    response = client.post("/api/v1/sites/news/comments", json=bad,
                           headers=auth(key, **{"Accept-Language": lang}))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["message"] == message
    codes = {path: field["code"] for path, field in error["fields"].items()}
    assert codes == {"thread.id": "required", "thread.url": "invalid_url",
                     "author.name": "required", "author.email": "invalid_email",
                     "author.url": "invalid_url", "body": "required", "parent_id": "wrong_type"}
    assert error["fields"]["author.name"]["message"] == required
    assert comment_count(db) == 0


def test_missing_objects_are_required_fields(client, db, site):
    _, key = site
    response = client.post("/api/v1/sites/news/comments", json={}, headers=auth(key))
    fields = response.get_json()["error"]["fields"]
    assert {p: f["code"] for p, f in fields.items()} == {
        "thread": "required", "author": "required", "body": "required"}


def test_limits_are_enforced_and_configurable(app, client, db, site):
    _, key = site
    too_long = payload(author={"name": "x" * 246, "email": "a@example.com"}, body="y" * 65_526)
    response = client.post("/api/v1/sites/news/comments", json=too_long,
                           headers=auth(key, **{"Accept-Language": "ar"}))
    fields = response.get_json()["error"]["fields"]
    assert fields["author.name"] == {"code": "too_long", "message": "يجب ألا يزيد طوله على 245 حرفًا."}
    assert fields["body"]["code"] == "too_long"

    from moderation import create_app

    strict = create_app({**app.config, "LIMIT_BODY": 10}).test_client()
    response = strict.post("/api/v1/sites/news/comments", json=payload(body="12345678901"),
                           headers=auth(key))
    assert response.get_json()["error"]["fields"]["body"]["message"] == \
        "This must be at most 10 characters long."


@pytest.mark.parametrize("data, content_type, status, code", [
    (b'{"thread": ', "application/json", 400, "malformed_json"),
    (b"[1, 2]", "application/json", 400, "not_json_object"),
    (b'"text"', "application/json", 400, "not_json_object"),
    (b'{"body": "\xff\xfe"}', "application/json", 400, "invalid_utf8"),
    (b"author=%FF%FE&comment=x", "application/x-www-form-urlencoded", 400, "invalid_utf8"),
    (b"hello", "text/plain", 415, "unsupported_media_type"),
    (b"", None, 415, "unsupported_media_type"),
])
def test_malformed_bodies_get_the_envelope(client, db, site, data, content_type, status, code):
    _, key = site
    headers = auth(key, **({"Content-Type": content_type} if content_type else {}))
    response = client.post("/api/v1/sites/news/comments", data=data, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert comment_count(db) == 0


@pytest.mark.parametrize("change, path, code", [
    ({"body": 42}, "body", "wrong_type"),
    ({"author": "Mona"}, "author", "wrong_type"),
    ({"thread": ["x"]}, "thread", "wrong_type"),
    ({"parent_id": -3}, "parent_id", "invalid_value"),
    ({"client": {"ip": "999.1.1.1"}}, "client.ip", "invalid_ip"),
    ({"author": {"name": ["a"], "email": "a@example.com"}}, "author.name", "wrong_type"),
])
def test_wrong_types(client, db, site, change, path, code):
    _, key = site
    response = client.post("/api/v1/sites/news/comments", json=payload(**change),
                           headers=auth(key))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][path]["code"] == code


def test_oversize_body_is_413(app, client, db, site):
    _, key = site
    big = json.dumps(payload(body="x" * (app.config["MAX_CONTENT_LENGTH"] + 1)))
    response = client.post("/api/v1/sites/news/comments", data=big,
                           headers=auth(key, **{"Content-Type": "application/json"}))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "body_too_large"
    assert comment_count(db) == 0


def test_unknown_site_and_bad_credentials(client, db, site, make_site):
    _, key = site
    _, other_key = make_site("other", origins=["https://other.example"])

    def post(slug, headers):
        return client.post(f"/api/v1/sites/{slug}/comments", json=payload(), headers=headers)

    assert post("nope", auth(key)).get_json()["error"]["code"] == "site_not_found"
    assert post("Bad Slug!", auth(key)).status_code == 404
    assert post("news", {}).status_code == 401
    assert post("news", auth("msk_wrong")).status_code == 401
    assert post("news", {"Authorization": "Basic abc"}).status_code == 401
    forbidden = post("news", auth(other_key))
    assert forbidden.status_code == 403 and forbidden.get_json()["error"]["code"] == "forbidden"
    assert post("news", {"Origin": "https://evil.example"}).get_json()["error"]["code"] == \
        "origin_not_allowed"
    assert comment_count(db) == 0


def test_browser_post_from_allowed_origin_with_cors(client, db, site):
    preflight = client.options("/api/v1/sites/news/comments", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    denied = client.options("/api/v1/sites/news/comments",
                            headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in denied.headers

    data = payload()
    del data["client"]
    response = client.post("/api/v1/sites/news/comments", json=data,
                           headers={"Origin": ORIGIN, "User-Agent": "Firefox/140"},
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    stored = db.session.get(Comment, response.get_json()["id"])
    assert stored.client_ip == "198.51.100.7" and stored.user_agent == "Firefox/140"


def test_wordpress_form_post_redirects_to_the_thread(client, db, site):
    form = {"author": "أحمد", "email": "ahmed@example.com", "url": "", "comment": "تعليق من النموذج",
            "comment_post_ID": "55", "comment_parent": "0", "thread_url": f"{ORIGIN}/a/55"}
    response = client.post("/api/v1/sites/news/comments", data=form,
                           headers={"Origin": ORIGIN, "Accept": "text/html"})
    assert response.status_code == 303
    comment = db.session.scalars(select(Comment)).one()
    assert response.headers["Location"] == f"{ORIGIN}/a/55#comment-{comment.id}"
    assert comment.author_url is None and comment.parent_id is None


def test_form_redirect_never_leaves_the_site(client, db, site):
    form = {"author": "x", "email": "x@example.com", "comment": "hi", "thread_id": "9",
            "thread_url": "https://evil.example/phish"}
    response = client.post("/api/v1/sites/news/comments", data=form, headers={"Origin": ORIGIN})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(ORIGIN + "/")


def test_form_errors_are_a_readable_page_for_browsers(client, db, site):
    form = {"author": "", "email": "bad", "comment": "", "comment_post_ID": "55"}
    page = client.post("/api/v1/sites/news/comments", data=form,
                       headers={"Origin": ORIGIN, "Accept": "text/html",
                                "Accept-Language": "ar"})
    assert page.status_code == 422 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'dir="rtl"' in html and "هذا الحقل مطلوب." in html and "<code dir=\"ltr\">email</code>" in html
    as_json = client.post("/api/v1/sites/news/comments", data=form,
                          headers={"Origin": ORIGIN, "Accept": "application/json"})
    assert set(as_json.get_json()["error"]["fields"]) == {"author.name", "author.email", "body"}
    assert comment_count(db) == 0


def test_reply_to_missing_or_unpublished_parent(client, db, site):
    _, key = site
    first = client.post("/api/v1/sites/news/comments", json=payload(), headers=auth(key))
    pending_id = first.get_json()["id"]
    for parent in (pending_id, 999_999):
        response = client.post("/api/v1/sites/news/comments", json=payload(parent_id=parent),
                               headers=auth(key))
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["parent_id"]["code"] == "parent_not_found"
    assert comment_count(db) == 1


def test_not_found_and_method_errors_use_the_envelope(client, db, site):
    assert client.get("/nowhere").get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/sites/news/comments")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_comment_detail_needs_the_sites_key(client, db, site, make_site):
    _, key = site
    _, other_key = make_site("other")
    created = client.post("/api/v1/sites/news/comments", json=payload(), headers=auth(key))
    url = f"/api/v1/sites/news/comments/{created.get_json()['id']}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(other_key)).status_code == 403
    detail = client.get(url, headers=auth(key)).get_json()
    assert detail["status"] == "pending" and detail["decision"] is None
    assert "email" not in json.dumps(detail)
    assert client.get("/api/v1/sites/news/comments/424242",
                      headers=auth(key)).status_code == 404


def test_thread_query_errors(client, db, site):
    assert client.get("/api/v1/sites/news/threads/x/comments?limit=abc").status_code == 422
    assert client.get("/api/v1/sites/news/threads/x/comments?limit=0").status_code == 422
    bad_cursor = client.get("/api/v1/sites/news/threads/x/comments?cursor=%%%")
    assert bad_cursor.status_code == 400
    assert bad_cursor.get_json()["error"]["code"] == "invalid_cursor"
    empty = client.get("/api/v1/sites/news/threads/unknown/comments").get_json()
    assert empty == {"thread_id": "unknown", "comments": [], "next_cursor": None}


def test_openapi_document_comes_from_the_schemas(client, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    post = doc["paths"]["/api/v1/sites/{site}/comments"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"thread", "author", "body"}
    author = doc["components"]["schemas"]["AuthorIn"]
    assert author["properties"]["name"]["maxLength"] == 245
    assert "/api/v1/sites/{site}/threads/{thread_id}/comments" in doc["paths"]


def test_health_and_readiness(client, db):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_readiness_fails_when_the_broker_is_unreachable(app, db):
    from moderation import create_app

    broken = create_app({**app.config, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize("thread_known", [False, True])
def test_a_banned_author_leaves_nothing_behind(client, db, site, thread_known):
    """The ban is checked by the insert itself, on both paths: the first comment of a thread
    (thread created in the same transaction) and a known thread (one autocommit statement)."""
    from moderation.review.models import Sanction
    from moderation.extensions import utcnow

    site_row, key = site
    if thread_known:
        assert client.post("/api/v1/sites/news/comments", json=payload(author={
            "name": "A", "email": "a@example.com"}), headers=auth(key)).status_code == 202
    db.session.add(Sanction(site_id=site_row.id, kind="ban", ip="203.0.113.9",
                            created_by="test", created_at=utcnow()))
    db.session.commit()
    before = (comment_count(db), db.session.scalar(select(func.count()).select_from(Thread)))
    response = client.post("/api/v1/sites/news/comments", json=payload(), headers=auth(key))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "author_banned"
    after = (comment_count(db), db.session.scalar(select(func.count()).select_from(Thread)))
    assert after == before == ((1, 1) if thread_known else (0, 0))


def test_a_reply_records_its_root(client, db, site):
    _, key = site
    ids = []
    for parent in (None, "first", "second"):
        data = payload(parent_id=ids[-1] if parent else None)
        response = client.post("/api/v1/sites/news/comments", json=data, headers=auth(key))
        assert response.status_code == 202, response.get_json()
        ids.append(response.get_json()["id"])
        db.session.get(Comment, ids[-1]).status = "published"
        db.session.commit()
    rows = {c.id: (c.parent_id, c.root_id) for c in db.session.scalars(select(Comment))}
    assert rows == {ids[0]: (None, None), ids[1]: (ids[0], ids[0]), ids[2]: (ids[1], ids[0])}


def test_an_unreachable_database_is_a_503_in_the_envelope(config):
    from moderation import create_app

    broken = create_app({**config, "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})
    response = broken.test_client().post(
        "/api/v1/sites/news/comments", json=payload(), headers=auth("msk_x"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "database_unavailable"
