"""The score command: JSON Lines in, one JSON line out per input, in order."""

import json

from click.testing import CliRunner

from moderation.detection.cli import COMMANDS, score

LINES = [
    {"id": "a", "text": "Thank you for this article."},
    {"id": "b", "text": "fuck you", "author": {"name": "x", "email": "x@example.com"}},
    {"id": "c", "text": "شركة نقل عفش بالرياض اتصل ٠٥٥٥١٢٣٤٥٦", "lang": "ar"},
    {"text": "مقال ممتاز"},
]


def run(lines, *args):
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    result = CliRunner().invoke(score, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_round_trip_in_order():
    out = run(LINES)
    assert [o["id"] for o in out] == ["a", "b", "c", None]
    assert [o["decision"] for o in out] == ["publish", "hold", "reject", "publish"]
    assert [o["language"] for o in out] == ["en", "en", "ar", "ar"]
    for o in out:
        assert set(o) == {"id", "decision", "scores", "language", "reasons"}
        assert set(o["scores"]) == {"spam", "abuse"}
    reason = out[1]["reasons"][0]
    assert reason["code"] == "lexicon.banned" and reason["spans"] == [[0, 4]]
    assert set(reason["message"]) == {"en", "ar"}


def test_policy_file(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"mode": "pre"}))
    assert run(LINES[:1], "--policy", str(policy))[0]["decision"] == "hold"


def test_bad_line_keeps_order():
    result = CliRunner().invoke(score, [], input='{"id": 1, "text": "hi"}\nnot json\n{"id": 3}\n')
    out = [json.loads(line) for line in result.output.splitlines()]
    assert out[0]["id"] == 1 and out[1]["error"]["code"] == "invalid_input"
    assert out[2]["error"]["code"] == "invalid_input"


def test_commands_are_exported_with_their_names():
    assert [c.name for c in COMMANDS] == ["score", "eval", "train"]
