"""Where does sanitising belong: in the request, or in the worker?

    python -m benchmarks.sanitize [--rounds 2000]

Prints the CPU cost of ``render_comment`` (mask contacts + bleach) for a 300-character and a
2 KB comment, next to the CPU cost of a whole accepted POST in the same process (embedded
SQLite, temporary folder), so the share sanitising would add to the request is measured,
not guessed.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from moderation.comments.rendering import render_comment

SHORT = ("تحليل ممتاز للمباراة، الأهلي لعب أفضل في الشوط الثاني والدفاع كان منظمًا. "
         "Great analysis of the match, see https://example.com/stats for the numbers. ") * 2
LONG = ("<p>فقرة أولى عن الاقتصاد والأسعار في مصر، مع رابط www.example.com/report "
        "و<b>نص عريض</b> و<a href='https://example.org'>رابط</a>.</p>\n\n") * 14


def cpu_ms(fn, rounds: int) -> float:
    fn()
    start = time.process_time()
    for _ in range(rounds):
        fn()
    return (time.process_time() - start) / rounds * 1000


def accept_cpu_ms(rounds: int) -> float:
    from flask_migrate import upgrade

    from moderation import create_app
    from moderation.sites.services import create_site

    folder = tempfile.mkdtemp(prefix="bench-sanitize-")
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        _, key = create_site("bench", "Bench")
    client = app.test_client()
    body = {"thread": {"id": "1"}, "author": {"name": "Reader", "email": "r@example.com"},
            "body": SHORT}
    headers = {"Authorization": f"Bearer {key}"}
    return cpu_ms(lambda: client.post("/api/v1/sites/bench/comments", json=body,
                                      headers=headers), rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    short = cpu_ms(lambda: render_comment(SHORT[:300]), args.rounds)
    long = cpu_ms(lambda: render_comment(LONG[:2048]), args.rounds // 4)
    accept = accept_cpu_ms(max(50, args.rounds // 10))
    print(f"render_comment, 300 characters: {short:.3f} ms CPU")
    print(f"render_comment, 2 KB with tags: {long:.3f} ms CPU")
    print(f"whole accepted POST (embedded SQLite, in-process client): {accept:.3f} ms CPU")
    print(f"sanitising in the request would add {short / accept:.0%} (300 chars) to "
          f"{long / accept:.0%} (2 KB) to the accept path's CPU")


if __name__ == "__main__":
    main()
