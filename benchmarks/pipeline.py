"""Benchmark of the comment pipeline on gunicorn + PostgreSQL + Redis + a Celery worker.

    python -m benchmarks.pipeline [--database URL] [--redis URL] [--seconds 5] [--rounds 3]

Needs ``wrk`` (Debian: ``apt-get install wrk``) and the two services. In one
run it measures, on the same gunicorn processes:

1. the ceiling: requests/s of a no-op JSON endpoint (``GET /healthz``) under wrk;
2. accepted comments/s of ``POST /api/v1/sites/{site}/comments`` under wrk (every body
   different), and the ratio to (1) — target >= 0.40. (1) and (2) alternate for
   ``--rounds`` rounds and the medians are reported, so a burst of load from elsewhere on
   the machine skews one round, not the ratio;
3. POST latency p50/p99 at half the rate of (2), open-loop, evenly spaced, counted from
   when each request was due, ``--rounds`` times (medians reported) — target p99 <= 20 ms;
4. time from POST to final status p50/p99 at 200 comments/s with a Celery worker running
   (from the database's own timestamps) — target p99 <= 500 ms: readers' comments (random
   words, distinct addresses), then the same rate of a spam wave (near-identical comments
   from one address, the worst case for the near-duplicate check). It runs after 5, on the
   database the drain left: a service that has been running, not one whose near-duplicate
   index is empty and whose worker has just started;
5. how fast the worker decides a backlog (the comments accepted in 2 and 3), web idle.

gunicorn runs as the README's production command does (``gthread``, 4 workers x 4 threads;
``--worker-class sync`` for the other kind), and every request closes its connection
(``Connection: close``), as a sync worker always does: with gthread and wrk's few keep-alive
connections, whichever worker accepted more of them does more of the work, and the figures
swing by a factor of three from run to run. ``--keep-alive`` keeps connections open instead
(the no-op then gains more than the accept path does). The database named by ``--database`` is
emptied first. From phase 4 on, a thread runs ``ANALYZE`` every ``--analyze-every`` seconds,
standing in for autovacuum (off on the CI machines' PostgreSQL; see ``Analyzer``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRK_SCRIPT = r"""
local counter = 0
local key = os.getenv("BENCH_KEY")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. key
if os.getenv("BENCH_CLOSE") == "1" then wrk.headers["Connection"] = "close" end
request = function()
  counter = counter + 1
  local id = tostring(counter) .. "-" .. tostring(math.random(1, 1000000000))
  local body = '{"thread":{"id":"bench-' .. (counter % 50) .. '","url":"https://news.example/a"},'
    .. '"author":{"name":"قارئ ' .. id .. '","email":"reader' .. id .. '@example.com"},'
    .. '"body":"تعليق رقم ' .. id .. ' على المقال، شكرا على التغطية الممتازة. Comment ' .. id .. '",'
    .. '"client":{"ip":"203.0.113.10"}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run(cmd: list[str], env: dict | None = None, **kwargs) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True,
                          **kwargs).stdout


def wrk(url: str, seconds: int, connections: int, script: str | None, env: dict) -> dict:
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = run(cmd + [url], env=env)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    return {"rps": rps, "requests": total, "non_2xx": errors,
            "ok_rps": rps * (total - errors) / total if total else 0.0}


# Words of readers' comments, for bodies that are as different from each other as real ones.
WORDS = ("المقال الحكومة الأسعار المباراة الفريق الشعب الحقيقة شكرا للكاتب رأيي أن هذا القرار "
         "يحتاج إلى مراجعة التعليم المدارس الطرق المواصلات الكهرباء الماء الصحة المستشفى "
         "الدواء الخبز الوقود الشباب العمل الرواتب المعاش القاهرة الإسكندرية الجيزة الصعيد "
         "النيل الدوري الأهلي الزمالك الحكم الهدف الشوط المدرب اللاعبين الجمهور الإعلام "
         "الصحافة البرلمان الوزير المحافظ القانون الدستور الانتخابات المواطن الأسرة الأطفال "
         "the article government prices match team people truth thanks writer I think this "
         "decision needs review schools roads transport electricity water health hospital "
         "medicine bread fuel youth work salaries pension Cairo river league referee goal "
         "coach players fans media press parliament minister law election citizens family "
         "children weather traffic economy inflation market tourism culture history").split()


def reader_comment(index: int, rng) -> tuple[str, str]:
    """A body of 8-20 words drawn at random, and a client IP: distinct readers' comments."""
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
    return f"{body} ({index})", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


# The no-op's requests, with the same connection handling as the accept path's.
NOOP_SCRIPT = """
if os.getenv("BENCH_CLOSE") == "1" then wrk.headers["Connection"] = "close" end
"""


def paced_posts(host: str, port: int, path: str, key: str, rate: float, seconds: float,
                tag: str, wave: bool = False, close: bool = True) -> tuple[int, list[float]]:
    """Open-loop load: request ``i`` is due at ``start + i / rate``, evenly spaced, with a
    distinct body: readers' comments of random words from random addresses, or with
    ``wave``, near-identical comments from one address (a spam wave, like phase 2's).
    Returns how many were accepted, and each request's latency in ms counted from when it
    was due (so a stalled server cannot hide queued requests)."""
    import random

    rng = random.Random(tag)
    bodies = []
    for index in range(int(rate * seconds)):
        if wave:
            bodies.append((f"تعليق {tag} رقم {index}: تغطية جيدة للخبر، شكرا. Comment {index}.",
                           "203.0.113.10"))
        else:
            bodies.append(reader_comment(index, rng))
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    lock = threading.Lock()
    state = {"next": 0, "accepted": 0}
    latencies: list[float] = []

    def sender():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while True:
            with lock:
                index = state["next"]
                state["next"] += 1
            if index >= total:
                break
            due = start + index / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            text, ip = bodies[index]
            body = json.dumps({
                "thread": {"id": f"{tag}-{index % 20}"},
                "author": {"name": f"Reader {index}", "email": f"{tag}{index}@example.com"},
                "body": text, "client": {"ip": ip},
            })
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
            if close:
                headers["Connection"] = "close"
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.monotonic() - due) * 1000
            with lock:
                latencies.append(elapsed)
                state["accepted"] += response.status == 202
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state["accepted"], latencies


def decision_latencies(database: str, tag: str) -> list[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT EXTRACT(EPOCH FROM (checked_at - created_at)) * 1000 FROM comments "
            "WHERE author_email LIKE :tag AND checked_at IS NOT NULL"), {"tag": f"{tag}%"}).all()
    engine.dispose()
    return [float(row[0]) for row in rows]


class Analyzer(threading.Thread):
    """Stands in for autovacuum, which is off on the CI machines' PostgreSQL: ``ANALYZE``
    every ``interval`` seconds. The benchmark grows tables from empty to 200,000 rows in
    minutes; without fresh statistics a plan made while a table was small (a sequential
    scan) stays cached in each connection's prepared statements while the table grows, and
    the near-duplicate query goes from 0.05 to 30-150 ms. A production server with
    autovacuum keeps its statistics current."""

    def __init__(self, database: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.database, self.interval = database, interval
        self.stopped = threading.Event()
        self.runs = 0

    def analyze(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()
        self.runs += 1

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.analyze()


def wait_decided(database: str, tag: str, expected: int, timeout: float) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            count = conn.scalar(text("SELECT count(*) FROM comments WHERE author_email LIKE :t "
                                     "AND status <> 'pending'"), {"t": f"{tag}%"})
        if count >= expected:
            break
        time.sleep(0.5)
    engine.dispose()
    return count


def drain_backlog(env: dict, database: str, timeout: float) -> dict:
    """Phase 5: send the checks for phase 2's backlog (left pending) and time the worker."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(text(
            "SELECT id FROM comments WHERE status = 'pending' ORDER BY id"))]
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        from moderation import create_app

        celery = create_app().extensions["celery"]
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    start = time.monotonic()
    for comment_id in ids:
        celery.send_task("workers.checks.run", args=(comment_id,))
    left = len(ids)
    while left and time.monotonic() - start < timeout:
        time.sleep(0.5)
        with engine.connect() as conn:
            left = conn.scalar(text("SELECT count(*) FROM comments WHERE status = 'pending'"))
    elapsed = time.monotonic() - start
    engine.dispose()
    return {"comments": len(ids) - left, "seconds": elapsed,
            "rate": (len(ids) - left) / elapsed if elapsed else 0.0}


def wait_http(url: str, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def report(args, rounds, noop_rps, accept_rps, ratio, accept, half, half_rounds) -> None:
    """Phases 1-3."""
    threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.web_workers} {args.worker_class} "
          f"workers{threads}; wrk 1 thread, {args.connections} connections"
          f"{' kept alive' if args.keep_alive else ', each request on a new one'}; "
          f"{args.rounds} rounds of {args.seconds}s")
    print("   rounds (no-op req/s, accepted/s, ratio): " + "; ".join(
        f"{r[0]:.0f}, {r[1]:.0f}, {r[2]:.2f}" for r in rounds))
    print(f"1. no-op JSON endpoint (GET /healthz):    {noop_rps:8.0f} req/s (median)")
    print(f"2. POST comments, accepted (202):         {accept_rps:8.0f} comments/s (median; "
          f"{accept['non_2xx']} non-2xx of {accept['requests']})")
    print(f"   ratio accepted / no-op:                {ratio:8.2f}   (median of the rounds' "
          f"ratios; target >= 0.40)")
    print(f"3. POST latency at {half['rate']:.0f} req/s "
          f"({'given' if args.paced_rate else 'half of 2'}): p50 {half['p50_ms']:.1f} ms, "
          f"p99 {half['p99_ms']:.1f} ms (medians of the rounds)   (target p99 <= 20 ms; "
          f"{half['accepted']}/{half['requests']} accepted)")
    print("   rounds (p50, p99 ms): " + "; ".join(f"{r[2]:.1f}, {r[3]:.1f}" for r in half_rounds))


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The services, the gunicorn server and wrk's connections: the same in every benchmark
    that drives the web side."""
    parser.add_argument("--database",
                        default="postgresql+psycopg://postgres@127.0.0.1/moderation_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="gthread only")
    parser.add_argument("--keep-alive", action="store_true",
                        help="keep connections open (default: Connection: close on every request)")
    parser.add_argument("--connections", type=int, default=16)


class Setup:
    """An emptied database and Redis database, a migrated schema, a site and its key, the
    environment the service's processes run with, and the wrk scripts."""

    def __init__(self, args, prefix: str, **extra_env: str) -> None:
        if not shutil.which("wrk"):
            sys.exit("wrk not found: apt-get install wrk")
        from sqlalchemy.engine import make_url

        from tests.services import purge_redis, reset_postgres

        reset_postgres(args.database)
        purge_redis(args.redis)
        self.args = args
        self.instance = tempfile.mkdtemp(prefix=prefix)
        self.env = {**os.environ, "DATABASE_URL": make_url(args.database).render_as_string(False),
                    "CELERY_BROKER_URL": args.redis, "SECRET_KEY": "bench",
                    "INSTANCE_PATH": self.instance, "PYTHONPATH": str(ROOT), **extra_env}
        moderation = [sys.executable, "-m", "moderation.cli"]
        run(moderation + ["db", "upgrade"], env=self.env, cwd=ROOT)
        self.key = json.loads(run(moderation + ["sites", "create", "bench", "--name", "Bench",
                                                "--json"], env=self.env, cwd=ROOT))["key"]
        self.base = f"http://127.0.0.1:{args.port}"
        self.scripts = {"post": Path(self.instance) / "post.lua",
                        "noop": Path(self.instance) / "noop.lua"}
        self.scripts["post"].write_text(WRK_SCRIPT)
        self.scripts["noop"].write_text(NOOP_SCRIPT)
        self.wrk_env = {**os.environ, "BENCH_KEY": self.key,
                        "BENCH_CLOSE": "0" if args.keep_alive else "1"}

    def start_web(self, app: str = "wsgi:app") -> subprocess.Popen:
        args = self.args
        # Threads only for gthread: gunicorn quietly turns "sync" with --threads > 1 into gthread.
        threads = ["--threads", str(args.threads)] if args.worker_class == "gthread" else []
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{args.port}", "-w",
             str(args.web_workers), "-k", args.worker_class, *threads,
             "--log-level", "warning", app], env=self.env, cwd=ROOT)
        try:
            wait_http(self.base + "/healthz")
        except BaseException:
            web.kill()
            raise
        return web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_arguments(parser)
    parser.add_argument("--seconds", type=int, default=5, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--decide-rate", type=float, default=200.0)
    parser.add_argument("--worker-concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--paced-rate", type=float, default=None,
                        help="phase 3's rate in requests/s (default: half of phase 2's)")
    parser.add_argument("--web-only", action="store_true",
                        help="phases 1-3 only (no Celery worker): the web side's figures")
    parser.add_argument("--analyze-every", type=float, default=10.0,
                        help="seconds between ANALYZEs standing in for autovacuum")
    args = parser.parse_args()
    setup = Setup(args, "bench-")
    instance, env, key, base, wrk_env = (setup.instance, setup.env, setup.key, setup.base,
                                         setup.wrk_env)
    script, noop_script = setup.scripts["post"], setup.scripts["noop"]
    post_path = "/api/v1/sites/bench/comments"
    web = setup.start_web()
    worker = None
    analyzer = Analyzer(args.database, args.analyze_every)
    try:
        wrk(base + "/healthz", 2, args.connections, str(noop_script), wrk_env)  # warm-up
        rounds = []
        for _ in range(args.rounds):
            noop = wrk(base + "/healthz", args.seconds, args.connections, str(noop_script),
                       wrk_env)
            accept = wrk(base + post_path, args.seconds, args.connections, str(script), wrk_env)
            rounds.append((noop["rps"], accept["ok_rps"], accept["ok_rps"] / noop["rps"],
                           accept["non_2xx"], accept["requests"]))
        noop_rps = statistics.median(r[0] for r in rounds)
        accept_rps = statistics.median(r[1] for r in rounds)
        ratio = statistics.median(r[2] for r in rounds)
        accept = {"ok_rps": accept_rps, "non_2xx": sum(r[3] for r in rounds),
                  "requests": sum(r[4] for r in rounds)}
        half_rate = args.paced_rate or accept_rps / 2
        half_rounds = []
        for index in range(args.rounds):
            accepted_n, latencies_ms = paced_posts("127.0.0.1", args.port, post_path, key,
                                                   half_rate, args.seconds * 2, f"latency{index}",
                                                   close=not args.keep_alive)
            half_rounds.append((accepted_n, len(latencies_ms), percentile(latencies_ms, 50),
                                percentile(latencies_ms, 99)))
        half = {"rate": half_rate, "accepted": sum(r[0] for r in half_rounds),
                "requests": sum(r[1] for r in half_rounds),
                "p50_ms": statistics.median(r[2] for r in half_rounds),
                "p99_ms": statistics.median(r[3] for r in half_rounds)}

        if args.web_only:
            report(args, rounds, noop_rps, accept_rps, ratio, accept, half, half_rounds)
            return
        # The worker's statements are the ones whose plans need statistics (phases 1-3 run
        # without the analyzer, so its runs do not show up in their latencies).
        analyzer.analyze()
        analyzer.start()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", "checks",
             "-c", str(args.worker_concurrency), "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle"], env=env, cwd=ROOT)
        from tests.services import purge_redis

        purge_redis(args.redis)  # phase 2's messages: the drain sends its own
        time.sleep(4)
        # The drain first: phase 4 then runs on a database in its steady state, with history
        # (the near-duplicate index filled) and current statistics, as a service that has
        # been running meets its traffic.
        drain = drain_backlog(env, args.database, timeout=300)
        time.sleep(args.analyze_every + 1)
        tag = f"decide{int(time.time())}-"
        accepted, _ = paced_posts("127.0.0.1", args.port, post_path, key, args.decide_rate,
                                  args.seconds * 2, tag, close=not args.keep_alive)
        done = wait_decided(args.database, tag, accepted, timeout=60)
        latencies = decision_latencies(args.database, tag)
        time.sleep(2)
        wave_tag = f"wave{int(time.time())}-"
        wave_accepted, _ = paced_posts("127.0.0.1", args.port, post_path, key,
                                       args.decide_rate, args.seconds * 2, wave_tag, wave=True,
                                       close=not args.keep_alive)
        wave_done = wait_decided(args.database, wave_tag, wave_accepted, timeout=120)
        wave_latencies = decision_latencies(args.database, wave_tag)
    finally:
        analyzer.stopped.set()
        for process in (web, worker):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
        shutil.rmtree(instance, ignore_errors=True)

    report(args, rounds, noop_rps, accept_rps, ratio, accept, half, half_rounds)
    print(f"   from 4 on, ANALYZE every {args.analyze_every:g}s ({analyzer.runs} runs) for "
          f"autovacuum")
    print(f"4. POST -> final status at {args.decide_rate:.0f} comments/s: p50 "
          f"{percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms, "
          f"max {max(latencies, default=float('nan')):.0f} ms   (target p99 <= 500 ms; "
          f"{done}/{accepted} decided; mean {statistics.fmean(latencies or [0]):.0f} ms)")
    print(f"   the same during a spam wave (near-identical comments from one address, as in 2, "
          f"after {drain['comments']} of them): p50 {percentile(wave_latencies, 50):.0f} ms, "
          f"p99 {percentile(wave_latencies, 99):.0f} ms, max "
          f"{max(wave_latencies, default=float('nan')):.0f} ms ({wave_done}/{wave_accepted} "
          f"decided)")
    print(f"5. worker drain rate on phase 2's backlog ({drain['comments']} comments, "
          f"{args.worker_concurrency} worker processes, web idle): {drain['rate']:.0f} checks/s")


if __name__ == "__main__":
    main()
