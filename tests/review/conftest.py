"""Fixtures for the moderation tests: sites, moderators with tokens, and comments checked
in-process by the same service function the worker runs (``check_comment``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

ORIGIN = "https://news.example"


@dataclass
class Mod:
    id: int
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_moderator(db) -> Callable[..., Mod]:
    from moderation.review.accounts import create_moderator, issue_token

    def factory(email: str, role: str = "moderator", sites=(), password: str | None = None):
        moderator = create_moderator(email, email.split("@")[0].title(), role, list(sites),
                                     password)
        _, token = issue_token(moderator, "test")
        db.session.commit()
        return Mod(moderator.id, token)

    return factory


@pytest.fixture(autouse=True)
def _checks_in_process(request, monkeypatch):
    """Tests without the real worker run the checks themselves (``check_now``): the accept
    path then sends no task, so a session worker started by another test cannot race them."""
    if "worker" not in request.fixturenames:
        monkeypatch.setattr("moderation.comments.services.send_after_commit",
                            lambda *args: None)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    app.extensions["moderation.limiter"].reset()
    yield


@pytest.fixture
def sites(make_site):
    """Two sites: ``news`` (with a site key) and ``sport``."""
    news, news_key = make_site("news", origins=[ORIGIN])
    sport, sport_key = make_site("sport", name="Sport", origins=["https://sport.example"])
    return {"news": (news, news_key), "sport": (sport, sport_key)}


def post_comment(client, site_key: str, body: str, email: str = "reader@example.com",
                 thread: str = "t1", site: str = "news", name: str = "Reader",
                 ip: str = "203.0.113.7", parent: int | None = None) -> int:
    data = {"thread": {"id": thread, "url": f"{ORIGIN}/{thread}", "title": f"Article {thread}"},
            "author": {"name": name, "email": email}, "body": body, "client": {"ip": ip}}
    if parent:
        data["parent_id"] = parent
    response = client.post(f"/api/v1/sites/{site}/comments", json=data,
                           headers={"Authorization": f"Bearer {site_key}"})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def check_now(comment_id: int) -> str | None:
    """Run the checks as the worker would (same function, this process).

    When a test of this session has started the real worker, it may have taken the task
    first; then wait for its decision instead (the function is idempotent by design).
    """
    from moderation.comments.models import Comment
    from moderation.comments.checking import check_comment
    from moderation.extensions import db

    from ..conftest import wait_until

    status = check_comment(comment_id)
    if status is not None:
        return status

    def decided():
        db.session.rollback()  # see the worker's commit
        found = db.session.get(Comment, comment_id, populate_existing=True)
        return found.status if found.status != "pending" else None

    return wait_until(decided, timeout=30)


@pytest.fixture
def held(client, sites):
    """A held comment on ``news`` (a banned word), checked."""
    _, key = sites["news"]
    comment_id = post_comment(client, key, "You are a fucking liar")
    assert check_now(comment_id) == "held"
    return comment_id


def version_of(client, mod: Mod, comment_id: int) -> int:
    response = client.get(f"/api/v1/moderation/comments/{comment_id}", headers=mod.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["version"]
