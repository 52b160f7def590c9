"""Detection: pure functions from a comment's plain data to findings, and a policy to a decision.

Nothing in this package touches a database, Flask or Celery; workers gather the facts
(``CommentFacts``), call ``evaluate`` and store the ``Decision``. See docs/detection.md.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .checks import Check, assess, is_trusted, run_checks
from .fingerprint import (fingerprint_and_signature, lsh_keys, minhash_signature, similarity,
                          text_fingerprint)
from .findings import CommentFacts, Decision, Finding, Span
from .formtoken import form_age_seconds, issue_form_token
from .normalize import normalize
from .policy import Policy, decide


def evaluate(facts: CommentFacts, site_settings: Mapping[str, Any] | None = None,
             extra_checks: Sequence[Check] = ()) -> Decision:
    """Run every check on ``facts`` and apply the site's policy settings."""
    policy = Policy.from_settings(site_settings)
    findings, analysis = assess(facts, policy, extra_checks)
    raw = {"abuse": analysis.abuse_probability, "spam": analysis.spam_probability}
    return decide(findings, policy, trusted=is_trusted(facts, policy), raw_scores=raw,
                  language=analysis.language)


__all__ = ["Check", "CommentFacts", "Decision", "Finding", "Policy", "Span", "decide",
           "evaluate", "fingerprint_and_signature", "form_age_seconds", "issue_form_token",
           "lsh_keys", "minhash_signature", "normalize", "run_checks", "similarity",
           "text_fingerprint"]
