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
