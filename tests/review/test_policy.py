"""The pure rules of moderation, table-driven, without fixtures."""

from __future__ import annotations

import pytest

from moderation.review.policy import (AuthorState, InvalidTransition, adjust_decision,
                                      example_label, learn, report_crosses_threshold,
                                      target_status, term_check, terms_of)
from moderation.detection import CommentFacts


@pytest.mark.parametrize("action,current,expected", [
    ("approve", "held", "published"), ("approve", "pending", "published"),
    ("approve", "reported", "published"), ("approve", "rejected", "published"),
    ("approve", "published", None), ("reject", "published", "rejected"),
    ("reject", "held", "rejected"), ("reject", "rejected", None), ("spam", "held", "spam"),
    ("spam", "spam", None), ("restore", "rejected", "held"), ("restore", "spam", "held"),
    ("restore", "published", None), ("restore", "held", None),
])
def test_target_status(action, current, expected):
    if expected is None:
        with pytest.raises(InvalidTransition):
            target_status(action, current)
    else:
        assert target_status(action, current) == expected


@pytest.mark.parametrize("action,label", [("approve", "good"), ("reject", "bad"),
                                          ("spam", "bad"), ("restore", None)])
def test_example_label(action, label):
    assert example_label(action) == label


@pytest.mark.parametrize("status,reports,threshold,crosses", [
    ("published", 3, 3, True), ("published", 2, 3, False), ("held", 5, 3, False),
    ("reported", 9, 3, False), ("published", 10, 0, False)])
def test_report_threshold(status, reports, threshold, crosses):
    assert report_crosses_threshold(status, reports, threshold) is crosses


def test_terms_fold_arabic_marks_and_skip_stopwords():
    assert terms_of("The CASINO casino! كَازِينُو في 2024") == ["casino", "كازينو"]


@pytest.mark.parametrize("counts,good,bad,block,allow", [
    ({"casino": (0, 3)}, 10, 3, {"casino"}, set()),        # in every bad, in no good
    ({"casino": (0, 2)}, 10, 2, set(), set()),             # not enough support yet
    ({"article": (8, 3)}, 10, 3, set(), set()),            # everywhere: never a pattern
    ({"the_word": (0, 3)}, 0, 3, set(), set()),             # no good examples to contrast
    ({"ahly": (6, 0)}, 6, 4, set(), {"ahly"}),             # moderators keep approving it
])
def test_learn(counts, good, bad, block, allow):
    learned = learn(counts, good, bad)
    assert set(learned.block) == block and set(learned.allow) == allow


def test_term_check_points_at_every_occurrence():
    [finding] = list(term_check({"casino"}, "learned.block", "learned", 0.75,
                                {"en": "", "ar": ""})(CommentFacts(text="Casino, CASINO")))
    assert [(s.start, s.end) for s in finding.spans] == [(0, 6), (8, 14)]


REASON = {"code": "lexicon.banned", "category": "obscene", "score": 0.7,
          "message": {}, "spans": [[4, 9]]}


@pytest.mark.parametrize("status,author,allowed,expected,code", [
    ("published", AuthorState(frozenset({"ban"})), (), "rejected", "author.banned"),
    ("published", AuthorState(frozenset({"ban", "trust"})), (), "rejected", "author.banned"),
    ("held", AuthorState(frozenset({"trust"})), (), "published", "author.trusted"),
    ("spam", AuthorState(frozenset({"trust"})), (), "spam", None),
    ("published", AuthorState(frozenset({"hold"})), (), "held", "author.always_hold"),
    ("published", AuthorState(rejected=3, published=1), (), "published", None),  # detection's
    ("held", AuthorState(), ("ahly",), "published", "learned.allowed"),
    ("held", AuthorState(), ("other",), "held", None),
])
def test_adjust_decision(status, author, allowed, expected, code):
    adjustment = adjust_decision(status, [REASON], "Go, ahly!", author, allowed)
    assert adjustment.status == expected
    assert [r["code"] for r in adjustment.reasons] == ([code] if code else [])
