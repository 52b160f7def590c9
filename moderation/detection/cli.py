"""Detection commands: ``score``, ``eval`` and ``train``.

The service's ``moderation`` command group adds ``COMMANDS``; each also runs standalone:
``python -m moderation.detection.cli score < comments.jsonl``.
"""

from __future__ import annotations

import json
import sys

import click

from . import CommentFacts, evaluate

DECISIONS = {"published": "publish", "held": "hold", "rejected": "reject", "spam": "reject"}


def score_line(line: str, settings: dict | None) -> dict:
    try:
        item = json.loads(line)
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError('each line must be a JSON object with a string "text"')
    except ValueError as exc:
        return {"id": None, "error": {"code": "invalid_input", "message": str(exc)}}
    author = item.get("author") or {}
    facts = CommentFacts(
        text=item["text"],
        author_name=str(author.get("name") or ""),
        author_email=str(author.get("email") or ""),
        author_url=author.get("url") or None,
        language=item.get("lang"),
    )
    decision = evaluate(facts, settings)
    return {
        "id": item.get("id"),
        "decision": DECISIONS[decision.status],
        "scores": decision.scores,
        "language": decision.language,
        "reasons": [reason.to_dict() for reason in decision.reasons],
    }


@click.command("score")
@click.option("--policy", "policy_file", type=click.File("r", encoding="utf-8"),
              help="A site's policy settings as JSON (default: a new site's).")
def score(policy_file) -> None:
    """Score JSON Lines comments from stdin; one JSON line per input, in order."""
    settings = json.load(policy_file) if policy_file else None
    for line in sys.stdin:
        if line.strip():
            click.echo(json.dumps(score_line(line, settings), ensure_ascii=False))


@click.command("eval")
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="The shared data directory (../shared/data).")
@click.option("--sample", default=1000, show_default=True,
              help="Texts sampled for the slower obfuscation and Arabic spam runs.")
def eval_(data_dir: str, sample: int) -> None:
    """Measure the whole pipeline on the public corpora."""
    from .evaluation import run

    run(data_dir, echo=click.echo, sample=sample)


@click.command("train")
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="The shared data directory (../shared/data).")
def train(data_dir: str) -> None:
    """Rebuild the shipped models from the train corpora (needs the [train] extra)."""
    try:
        from .train import train_all
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise click.ClickException(f"training needs the [train] extra: {exc}") from exc
    train_all(data_dir, echo=click.echo)


COMMANDS = [score, eval_, train]


@click.group()
def main() -> None:
    """Detection commands, standalone (the service adds them to ``moderation``)."""


for _command in COMMANDS:
    main.add_command(_command)

if __name__ == "__main__":
    main()
