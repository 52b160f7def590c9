import pytest

from moderation.detection import CommentFacts, evaluate
from moderation.detection.formtoken import form_age_seconds, issue_form_token

SECRET = "test-secret"
ISSUED = 1_800_000_000.0
TOKEN = issue_form_token(SECRET, ISSUED)

CASES = [
    ("valid", TOKEN, SECRET, ISSUED + 12.5, 12.5),
    ("missing", None, SECRET, ISSUED + 12.5, None),
    ("other secret", TOKEN, "other", ISSUED + 12.5, None),
    ("tampered time", "1799999000.000." + TOKEN.rsplit(".", 1)[1], SECRET, ISSUED + 5, None),
    ("too old", TOKEN, SECRET, ISSUED + 2 * 86400, None),
    ("from the future", TOKEN, SECRET, ISSUED - 10, None),
    ("garbage", "abc", SECRET, ISSUED, None),
]


@pytest.mark.parametrize("name,token,secret,now,age", CASES, ids=[c[0] for c in CASES])
def test_form_age(name, token, secret, now, age):
    assert form_age_seconds(token, secret, now) == (pytest.approx(age) if age else None)


def test_fast_post_is_a_bot():
    age = form_age_seconds(TOKEN, SECRET, ISSUED + 0.4)
    assert evaluate(CommentFacts(text="nice", form_age_seconds=age)).status == "spam"


@pytest.mark.parametrize("now", [1795558705.5729332, 1795558705.9999, 1000.0005, 1000.0])
def test_a_token_checked_at_once_is_zero_seconds_old(now):
    assert form_age_seconds(issue_form_token("k", now), "k", now) == pytest.approx(0, abs=0.001)


@pytest.mark.parametrize("skew, expected", [(-3.0, 0.0), (-6.0, None), (12.5, 12.5)])
def test_clock_skew(skew, expected):
    token = issue_form_token("k", 5000.0)
    age = form_age_seconds(token, "k", 5000.0 + skew)
    assert age == (pytest.approx(expected) if expected is not None else None)
