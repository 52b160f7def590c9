"""Learning from moderators: every approve/reject/spam is a labelled example, and per-site
term counts are updated online, in the same transaction as the decision.

The worker turns the counts into block/allow patterns (``policy.learn``) for each comment it
checks, so the very next comment is judged with everything moderators decided so far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..comments.models import Comment
from ..extensions import db, utcnow
from .models import LabelledExample, LearnedTerm
from .policy import Learned, learn, terms_of


def record_example(comment: Comment, label: str, moderator_id: int | None) -> None:
    """Store (or relabel) the comment as an example and move its terms' counts."""
    existing = db.session.get(LabelledExample, comment.id)
    if existing is not None and existing.label == label:
        return
    terms = terms_of(comment.body)
    if existing is not None:
        _bump(comment.site_id, existing.terms or [], existing.label, -1)
        existing.label, existing.moderator_id, existing.created_at = label, moderator_id, utcnow()
        existing.terms, existing.text = terms, comment.body
    else:
        db.session.add(LabelledExample(comment_id=comment.id, site_id=comment.site_id,
                                       label=label, text=comment.body, terms=terms,
                                       moderator_id=moderator_id, created_at=utcnow()))
    _bump(comment.site_id, terms, label, +1)


def _bump(site_id: int, terms: list[str], label: str, delta: int) -> None:
    if not terms:
        return
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    column = LearnedTerm.good if label == "good" else LearnedTerm.bad
    rows = [{"site_id": site_id, "term": term, "good": 0, "bad": 0} for term in sorted(terms)]
    for row in rows:
        row[label] = max(delta, 0)
    statement = insert(LearnedTerm).values(rows)
    # Sorted terms and an upsert: concurrent decisions on one site neither deadlock nor
    # lose a count.
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["site_id", "term"], set_={column.key: column + delta}))


def learned_for(site_id: int, texts: Iterable[str]) -> Callable[[str], Learned]:
    """The patterns among each text's own terms, for ``texts`` on one site: the counts of
    all their terms are read at once (two indexed queries), and the returned function gives
    the patterns of one of ``texts``."""
    terms_by_text = {text: terms_of(text) for text in texts}
    terms = set().union(*terms_by_text.values())
    counts = {}
    if terms:
        counts = {row.term: (row.good, row.bad) for row in db.session.connection().execute(
            select(LearnedTerm.term, LearnedTerm.good, LearnedTerm.bad)
            .where(LearnedTerm.site_id == site_id, LearnedTerm.term.in_(terms)))}
    if not counts:
        return lambda text: Learned()
    totals = dict(db.session.connection().execute(
        select(LabelledExample.label, func.count()).where(LabelledExample.site_id == site_id)
        .group_by(LabelledExample.label)).all())
    config = current_app.config

    def for_text(text: str) -> Learned:
        own = {term: counts[term] for term in terms_by_text[text] if term in counts}
        if not own:
            return Learned()
        return learn(own, totals.get("good", 0), totals.get("bad", 0),
                     min_support=config["LEARN_MIN_EXAMPLES"], ratio=config["LEARN_RATIO"])

    return for_text
