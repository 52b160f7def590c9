"""How fast is the moderation queue with a large backlog?

    python -m benchmarks.queue [--database URL] [--comments 100000] [--requests 30]

Fills a PostgreSQL database (EMPTIED first: default ``moderation_bench`` on 127.0.0.1, or
``BENCH_DATABASE_URL``) with sites, threads and comments in every status, then times queue
pages through the real HTTP stack (Flask test client, admin token), prints p50/p99 per
filter set, and shows PostgreSQL's plan for each page query so "indexes, not scans" is
checked rather than assumed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from datetime import timedelta

from sqlalchemy import event, insert, text

from tests.services import reset_postgres

DEFAULT_URL = "postgresql://postgres@127.0.0.1/moderation_bench"
STATUSES = (["published"] * 60 + ["held"] * 20 + ["pending"] * 5 + ["rejected"] * 8
            + ["spam"] * 4 + ["reported"] * 3)
REASONS = [("lexicon.banned", "obscene"), ("links.many", "links"),
           ("duplicate.author", "duplicate"), ("learned.block", "learned")]
WORDS = ("match goal coach referee transfer season league fans stadium player team "
         "مباراة هدف مدرب حكم انتقال موسم دوري جمهور ملعب لاعب فريق").split()


def fill(db, count: int, rng: random.Random) -> dict:
    from moderation.comments.models import Comment, Thread
    from moderation.comments.accept import email_hash
    from moderation.extensions import utcnow
    from moderation.review.models import CommentReason
    from moderation.sites.services import create_site

    sites = [create_site(slug, slug.title())[0].id for slug in ("news", "sport", "culture")]
    threads = []
    for site_id in sites:
        rows = [{"site_id": site_id, "external_id": f"a{i}", "url": f"https://x.example/a{i}",
                 "title": f"Article {i}", "created_at": utcnow()} for i in range(200)]
        db.session.execute(insert(Thread), rows)
    db.session.commit()
    threads = db.session.execute(text("SELECT id, site_id FROM threads")).all()
    authors = [f"author{i}@example.com" for i in range(5000)]
    hashes = {a: email_hash(a) for a in authors}
    now = utcnow()
    batch, reasons, next_id = [], [], 1
    for n in range(count):
        thread_id, site_id = rng.choice(threads)
        status = rng.choice(STATUSES)
        author = rng.choice(authors)
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
        if rng.random() < 0.002:  # a rare word, for the text search that must not scan
            body += " cryptopump"
        risk = round(rng.random() * (0.4 if status == "published" else 1.0), 4)
        created = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
        batch.append({
            "id": next_id, "site_id": site_id, "thread_id": thread_id, "author_name": author[:8],
            "author_email": author, "author_email_hash": hashes[author], "body": body,
            "body_html": f"<p dir=\"auto\">{body}</p>", "status": status,
            "language": "ar" if rng.random() < 0.4 else "en", "risk": risk,
            "scores": {"abuse": risk, "spam": 0.0},
            "reasons": [], "version": 2, "report_count": 3 if status == "reported" else 0,
            "created_at": created, "updated_at": created, "check_attempts": 0,
            "client_ip": f"10.0.{n % 250}.{n % 200}"})
        if status in ("held", "rejected", "spam"):
            code, category = rng.choice(REASONS)
            reasons.append({"comment_id": next_id, "code": code, "category": category})
        next_id += 1
        if len(batch) >= 5000:
            db.session.execute(insert(Comment), batch)
            if reasons:
                db.session.execute(insert(CommentReason), reasons)
            db.session.commit()
            batch, reasons = [], []
    if batch:
        db.session.execute(insert(Comment), batch)
        if reasons:
            db.session.execute(insert(CommentReason), reasons)
        db.session.commit()
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('comments', 'id'), :n)"),
                       {"n": next_id})
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {"sites": sites, "author": authors[7]}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL")

    from flask_migrate import upgrade

    from moderation import create_app
    from moderation.extensions import db
    from moderation.review.accounts import create_moderator, issue_token

    reset_postgres(args.database)
    app = create_app({"DATABASE_URL": args.database, "SECRET_KEY": "bench",
                      "CELERY_BROKER_URL": "memory://", "RATE_LIMIT_STORAGE": "memory://",
                      "INSTANCE_PATH": "/tmp/moderation-bench"})
    rng = random.Random(args.seed)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        facts = fill(db, args.comments, rng)
        print(f"filled {args.comments:,} comments in {time.perf_counter() - started:.1f} s")
        admin = create_moderator("bench@example.com", "Bench", "admin", [])
        _, token = issue_token(admin)
        db.session.commit()
        engine = db.engine

    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    first = client.get("/api/v1/moderation/queue?site=news&status=held&limit=25",
                       headers=headers).get_json()
    cursor = first["next_cursor"]
    for _ in range(3):  # a few pages in
        cursor = client.get(f"/api/v1/moderation/queue?site=news&status=held&limit=25"
                            f"&cursor={cursor}", headers=headers).get_json()["next_cursor"]
    cases = {
        "held, oldest first": "site=news&status=held",
        "held, highest risk": "site=news&status=held&sort=risk",
        "held, page 5 (cursor)": f"site=news&status=held&cursor={cursor}",
        "held, reason code": "site=news&status=held&reason=links.many",
        "held, category + since": "site=news&status=held&category=obscene&since="
                                  + "2026-01-01T00:00:00%2B00:00",
        "held, language, newest": "site=news&status=held&language=ar&sort=newest",
        "published, by author": f"site=news&status=published&author={facts['author']}",
        "reported": "site=news&status=reported",
        "rejected, thread": "site=news&status=rejected&thread=a17",
        "pending, every site": "status=pending",
        "held, text search (common)": "site=news&status=held&q=" + "referee",
        "held, text search (rare)": "site=news&status=held&q=" + "cryptopump",
        "any site, text search (rare)": "status=published&q=" + "cryptopump",
    }
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor_, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT comments.id") and "ORDER BY" in statement:
            statements.append((statement, parameters))

    print(f"\n{'case':30} {'p50 ms':>8} {'p99 ms':>8}  items  indexes in the page query's plan")
    for name, query in cases.items():
        url = f"/api/v1/moderation/queue?{query}&limit=25"
        for _ in range(3):  # warm-up, untimed: the first request of a case loads pages
            client.get(url, headers=headers)
        timings = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.get_json()
        statements.clear()
        event.listen(engine, "before_cursor_execute", capture)
        items = len(client.get(url, headers=headers).get_json()["items"])
        event.remove(engine, "before_cursor_execute", capture)
        plan = explain(engine, *statements[0]) if statements else ["(no page query)"]
        used = r"(?:using|Bitmap Index Scan on) (\w+)"
        indexes = sorted({m for line in plan for m in re.findall(used, line)})
        seq = [m for line in plan for m in re.findall(r"Seq Scan on (\w+)", line)]
        print(f"{name:30} {percentile(timings, .5):8.1f} {percentile(timings, .99):8.1f}  "
              f"{items:5}  {', '.join(indexes) or '-'}"
              + (f"  SEQ SCAN on {', '.join(seq)}" if seq else ""))
        if os.environ.get("BENCH_PLANS"):
            print("    " + "\n    ".join(plan))


def explain(engine, statement: str, parameters) -> list[str]:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            cur.execute("EXPLAIN " + statement, parameters)
            return [row[0] for row in cur.fetchall()]


if __name__ == "__main__":
    main()
