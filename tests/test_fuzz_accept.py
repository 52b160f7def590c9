"""Property: no input to the accept endpoint produces a 500 or a half-written row."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from moderation.comments.models import Comment, Thread

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
field_values = json_values | st.sampled_from(
    ["", " ", "x" * 300, "a@b", "mona@example.com", "javascript:alert(1)", "https://ok.example",
     "\u202e\u200f", "١٢٣", 0, -1, 2**70, [], {}])


def comment_like():
    return st.fixed_dictionaries({}, optional={
        "thread": st.fixed_dictionaries({}, optional={"id": field_values, "url": field_values,
                                                      "title": field_values}) | json_values,
        "parent_id": field_values,
        "author": st.fixed_dictionaries({}, optional={"name": field_values,
                                                      "email": field_values,
                                                      "url": field_values}) | json_values,
        "body": field_values,
        "client": st.fixed_dictionaries({}, optional={"ip": field_values,
                                                      "user_agent": field_values}) | json_values,
    })


def test_any_body_gets_a_4xx_or_a_202(client, db, make_site):
    _, key = make_site("fuzz")

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=comment_like() | json_values, raw=st.binary(max_size=64), use_raw=st.booleans())
    def check(data, raw, use_raw):
        before = db.session.scalar(select(func.count()).select_from(Comment))
        body = raw if use_raw else json.dumps(data).encode()
        response = client.post("/api/v1/sites/fuzz/comments", data=body, headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        after = db.session.scalar(select(func.count()).select_from(Comment))
        if response.status_code == 202:
            assert after == before + 1
        else:
            assert 400 <= response.status_code < 500, response.get_data(as_text=True)
            assert set(response.get_json()) == {"error"}
            assert after == before
        threads = db.session.scalar(select(func.count()).select_from(Thread))
        assert threads <= after  # no thread row without a comment in it

    check()
