"""Where an accepted comment's cost goes, and the most the accept path could reach here.

    python -m benchmarks.accept_split [--database URL] [--redis URL] [--seconds 5] [--rounds 2]

On one gunicorn (the production command's shape, as in ``benchmarks.pipeline``), wrk drives
in turn: the no-op (``GET /healthz``); a POST that only reads its body; a POST that does all
the real endpoint does but the insert and the message (``benchmarks/split_app.py``); and the
real ``POST .../comments``. For each it prints requests/s (median of the rounds) and the CPU
each kind of process spent per request (from ``/proc``; wrk's own from its rusage).

From these it derives the ceiling of the accept ratio on this machine and schema: the
validation-only request plus what PostgreSQL and Redis spent per accepted comment, with the
web process's own part of the insert and the message taken as free. It also prints the sizes
of the group-commit batches the web workers wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks.pipeline import Setup, add_server_arguments, wrk

PROCESSES = ("python", "postgres", "redis-server")


def cpu_by_process() -> Counter:
    """CPU seconds so far of every process, by name (gunicorn's workers are ``python``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: Counter = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        totals[name] += (int(fields[11]) + int(fields[12])) / ticks
    return totals


def measured(url: str, seconds: int, connections: int, script: str, env: dict) -> dict:
    before, children = cpu_by_process(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = wrk(url, seconds, connections, script, env)
    after, children_after = cpu_by_process(), resource.getrusage(resource.RUSAGE_CHILDREN)
    count = max(result["requests"] - result["non_2xx"], 1)
    cpu = {name: (after[name] - before[name]) * 1000 / count for name in PROCESSES}
    cpu["wrk"] = ((children_after.ru_utime + children_after.ru_stime)
                  - (children.ru_utime + children.ru_stime)) * 1000 / count
    return {"rps": result["ok_rps"], "cpu": cpu, "non_2xx": result["non_2xx"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_arguments(parser)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    batches_folder = Path(tempfile.mkdtemp(prefix="bench-batches-"))
    setup = Setup(args, "bench-split-", BENCH_BATCH_DIR=str(batches_folder))
    steps = [("no-op (GET /healthz)", "/healthz", "noop"),
             ("POST, body read", "/bench/bench/read", "post"),
             ("POST, validated, not stored", "/bench/bench/validate", "post"),
             ("POST, accepted (the real one)", "/api/v1/sites/bench/comments", "post")]
    results: dict[str, list[dict]] = {name: [] for name, _, _ in steps}
    web = setup.start_web("benchmarks.split_app:app")
    try:
        for _, path, kind in steps:  # warm-up
            wrk(setup.base + path, 1, args.connections, str(setup.scripts[kind]), setup.wrk_env)
        for _ in range(args.rounds):
            for name, path, kind in steps:
                results[name].append(measured(setup.base + path, args.seconds,
                                              args.connections, str(setup.scripts[kind]),
                                              setup.wrk_env))
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(30)
    sizes: Counter = Counter()
    for path in batches_folder.glob("*.json"):
        sizes.update({int(k): v for k, v in json.loads(path.read_text()).items()})
    shutil.rmtree(setup.instance, ignore_errors=True)
    shutil.rmtree(batches_folder, ignore_errors=True)
    report(args, steps, results, sizes)


def report(args, steps, results, sizes: Counter) -> None:
    threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.web_workers} {args.worker_class} "
          f"workers{threads}; wrk {args.connections} connections"
          f"{' kept alive' if args.keep_alive else ', Connection: close'}; "
          f"{args.rounds} rounds of {args.seconds}s (medians)")
    print(f"{'':32s} {'req/s':>7s} {'ratio':>6s}   CPU ms per request: "
          + "  ".join(f"{name:>8s}" for name in (*PROCESSES, "wrk", "total")))
    medians = {}
    for name, _, _ in steps:
        rps = statistics.median(r["rps"] for r in results[name])
        cpu = {p: statistics.median(r["cpu"][p] for r in results[name])
               for p in (*PROCESSES, "wrk")}
        medians[name] = (rps, cpu)
    noop = medians[steps[0][0]][0]
    for name, _, _ in steps:
        rps, cpu = medians[name]
        print(f"{name:32s} {rps:7.0f} {rps / noop:6.2f}   {'':20s}"
              + "  ".join(f"{cpu[p]:8.3f}" for p in (*PROCESSES, "wrk"))
              + f"  {sum(cpu.values()):8.3f}")
    _, validate = medians[steps[2][0]]
    _, accept = medians[steps[3][0]]
    floor = sum(validate.values()) + accept["postgres"] + accept["redis-server"]
    cores = os.cpu_count() or 1
    print(f"ceiling of the accept path: validation-only CPU + PostgreSQL's and Redis's per "
          f"accepted comment = {floor:.3f} ms -> at most {cores * 1000 / floor:.0f}/s on "
          f"{cores} cores, a ratio of {cores * 1000 / floor / noop:.2f}, if the web process's "
          f"own part of the insert and the message cost nothing")
    total = sum(sizes.values())
    if total:
        mean = sum(size * count for size, count in sizes.items()) / total
        print(f"group-commit batches: {total}, mean size {mean:.2f}, largest {max(sizes)}; "
              + ", ".join(f"{size}: {sizes[size]}" for size in sorted(sizes)))


if __name__ == "__main__":
    main()
