"""Detection: pure functions from a comment's plain data to findings, and a policy to a decision.

Nothing in this package touches a database, Flask or Celery; workers gather the facts
(``CommentFacts``), call ``evaluate`` and store the ``Decision``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .checks import Check, run_checks
from .findings import CommentFacts, Decision, Finding, Span
from .policy import Policy, decide


def evaluate(facts: CommentFacts, site_settings: Mapping[str, Any] | None = None,
             extra_checks: Sequence[Check] = ()) -> Decision:
    """Run every check on ``facts`` and apply the site's policy settings."""
    return decide(run_checks(facts, extra_checks), Policy.from_settings(site_settings))


__all__ = ["Check", "CommentFacts", "Decision", "Finding", "Policy", "Span", "decide",
           "evaluate", "run_checks"]
