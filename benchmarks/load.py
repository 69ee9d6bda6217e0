"""Load test of the HTTP service: fixed clients, fixed duration, loopback only; stops by itself.

Builds an index of ``--docs`` generated articles (benchmarks/synth.py; LSH
only, as in check_latency.py; kept at ``--db`` and reused when it exists),
starts ``unspun serve`` on it on 127.0.0.1 (a free port, ``--workers``
processes: the service's default unless given), and runs ``--clients`` concurrent clients for ``--duration``
seconds (after ``--warmup`` seconds of the same load, not measured).  Each client loops: ``POST /check`` with a copy of an indexed article
(light edit or spun) or a fresh article, or ``POST /compare`` of an indexed
article and its copy (seeded choice, half and half), both with the judge on.
A ``503`` (the service's in-flight limit) is counted as *busy*, and the client
waits the ``Retry-After`` it was given; anything else that is not ``200`` (or a
failed connection) is an *error*.

Prints (and with ``--out`` writes) requests/s, p50/p99 latency per endpoint,
busy answers, errors, the number of worker processes, and the server's RSS
(the parent and all its workers together) when ready, after warm-up and at the
end.

    .venv/bin/python benchmarks/load.py --db /tmp/load-100k.db   # 100,000 docs, 50 clients, 60 s (index kept)
    .venv/bin/python benchmarks/load.py --docs 10000 --duration 20 --out benchmarks/results/load.txt
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import copy_queries, make_corpus, make_queries  # noqa: E402

from unspun.index import Index  # noqa: E402

HOST = "127.0.0.1"  # loopback only, by design


def build_index(path: Path, n: int) -> tuple[list[tuple[str, str]], list[str]]:
    """Index ``n`` synthetic articles; return (original text, copy text) pairs and fresh texts for queries."""
    docs, _ = make_corpus(n)
    pairs = [(d.text, copy) for d, copy in copy_queries(docs, min(n, 200))]
    if not path.exists():
        t = time.perf_counter()
        with Index(path, embedder=None) as ix:
            ix.add(docs, batch_size=2000)
        print(f"indexed {n:,} documents in {time.perf_counter() - t:.0f} s", flush=True)
    fresh = [d.text for d in make_queries(100)]
    return pairs, fresh


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, log: Path, *args: str) -> subprocess.Popen:
    """``unspun serve --db db`` on loopback at ``port`` with more ``args``; its log goes to a file (never blocks)."""
    cmd = [sys.executable, "-m", "unspun", "serve", "--db", str(db), "--host", HOST, "--port", str(port),
           "--log-level", "warning", *args]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "w"), text=True)


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start in time")


def server_processes(pid: int) -> list[psutil.Process]:
    """The server and its worker processes (not multiprocessing's helper processes)."""
    top = psutil.Process(pid)
    return [top] + [c for c in top.children() if "spawn_main" in " ".join(c.cmdline())]


def rss_mb(pid: int) -> float:
    """Resident memory of the server and all its workers together."""
    total = 0
    for p in server_processes(pid):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def anon_mb(pid: int) -> float:
    """The anonymous part of that (heap, stacks: what a leak would grow), without the index files mapped into
    memory (the bucket segments, shared through the page cache); Linux only (0 elsewhere)."""
    total = 0
    for p in server_processes(pid):
        try:
            with open(f"/proc/{p.pid}/status") as fh:
                for line in fh:
                    if line.startswith("RssAnon:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total / 2**20


async def client(n: int, url: str, deadline: float, pairs, fresh, results: list, seed: int) -> None:
    rng = random.Random(seed * 1000 + n)
    async with httpx.AsyncClient(base_url=url, timeout=120) as c:
        while time.monotonic() < deadline:
            if rng.random() < 0.5:
                a, b = rng.choice(pairs)
                endpoint, body = "/compare", {"a": a, "b": b}
            else:
                text = rng.choice(pairs)[1] if rng.random() < 0.5 else rng.choice(fresh)
                endpoint, body = "/check", {"text": text, "k": 10}
            t = time.perf_counter()
            try:
                r = await c.post(endpoint, json=body)
                status, retry = r.status_code, r.headers.get("retry-after")
            except httpx.HTTPError as err:
                status, retry = type(err).__name__, None
            results.append((endpoint, time.perf_counter() - t, status))
            if status == 503:
                await asyncio.sleep(min(float(retry or 1), max(0.0, deadline - time.monotonic())))


async def run_clients(url: str, clients: int, duration: float, pairs, fresh, seed: int) -> tuple[list, float]:
    results: list = []
    start = time.monotonic()
    deadline = start + duration
    tasks = [asyncio.create_task(client(i, url, deadline, pairs, fresh, results, seed)) for i in range(clients)]
    await asyncio.wait(tasks, timeout=duration + 150)  # a request started before the deadline may finish after it
    for t in tasks:
        t.cancel()
    return results, time.monotonic() - start


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) * 1000 if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="documents in the index (default 100,000)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--max-in-flight", type=int, default=None, help="the server's in-flight limit (default: the service's)")
    ap.add_argument("--workers", type=int, default=None, help="the server's worker processes (default: the service's)")
    ap.add_argument("--threads", type=int, default=None, help="the server's compute threads per worker (default: the service's)")
    ap.add_argument("--db", type=Path, default=None, help="keep the index here (built when missing) instead of a temp dir")
    ap.add_argument("--warmup", type=float, default=10.0,
                    help="seconds of the same load before the measured run (thread pool and caches fill up; default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="also write the report to this file")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="unspun-load-") as tmp:
        db = args.db or Path(tmp) / "load.db"
        pairs, fresh = build_index(db, args.docs)
        port = free_port()
        url = f"http://{HOST}:{port}"
        log = Path(tmp) / "server.log"
        extra = ([f"--max-in-flight={args.max_in_flight}"] if args.max_in_flight else []) + (
            [f"--workers={args.workers}"] if args.workers else []) + ([f"--threads={args.threads}"] if args.threads else [])
        server = start_server(db, port, log, *extra)
        try:
            wait_ready(url, server, log)
            workers = max(1, len(server_processes(server.pid)) - 1)
            rss_ready = rss_mb(server.pid)
            with httpx.Client(base_url=url, timeout=120) as c:  # warm-up: loads the aligner's and judge's models
                assert c.post("/compare", json={"a": pairs[0][0], "b": pairs[0][1]}).status_code == 200
                assert c.post("/check", json={"text": pairs[0][1]}).status_code == 200
            rss_single = rss_mb(server.pid)
            if args.warmup > 0:
                asyncio.run(run_clients(url, args.clients, args.warmup, pairs, fresh, args.seed + 1))
            rss_start, anon_start = rss_mb(server.pid), anon_mb(server.pid)
            results, wall = asyncio.run(run_clients(url, args.clients, args.duration, pairs, fresh, args.seed))
            rss_end, anon_end = rss_mb(server.pid), anon_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    ok = [r for r in results if r[2] == 200]
    busy = [r for r in results if r[2] == 503]
    errors = [r for r in results if r[2] not in (200, 503)]
    lines = [
        f"unspun load test: {args.docs:,} documents, {args.clients} clients, {args.duration:.0f} s "
        f"(loopback, seed {args.seed}, max in flight {args.max_in_flight or 'default'}), {os.cpu_count()} CPUs, "
        f"{workers} worker process{'es' if workers > 1 else ''}",
        f"  command: .venv/bin/python benchmarks/load.py --docs {args.docs} --clients {args.clients} "
        f"--duration {args.duration:g} --warmup {args.warmup:g}"
        + (f" --max-in-flight {args.max_in_flight}" if args.max_in_flight else "")
        + (f" --workers {args.workers}" if args.workers else "")
        + (f" --threads {args.threads}" if args.threads else ""),
        f"requests: {len(results)} in {wall:.1f} s = {len(results) / wall:.1f} req/s; answered 200: {len(ok)} "
        f"({len(ok) / wall:.1f} req/s); busy 503: {len(busy)}; errors: {len(errors)}",
    ]
    for ep in ("/compare", "/check"):
        lat = [r[1] for r in ok if r[0] == ep]
        lines.append(f"  {ep:9} {len(lat):6d} ok  p50 {pct(lat, 50):8.1f} ms  p99 {pct(lat, 99):8.1f} ms")
    if busy:
        lines.append(f"  503 answers: p50 {pct([r[1] for r in busy], 50):.1f} ms (a request waits at most --queue-wait for a compute thread)")
    if errors:
        kinds: dict = {}
        for r in errors:
            kinds[str(r[2])] = kinds.get(str(r[2]), 0) + 1
        lines.append(f"  errors by kind: {kinds}")
    growth = (rss_end - rss_start) / rss_start * 100
    lines.append(f"server RSS (parent + {workers} workers): {rss_ready:.0f} MB ready, {rss_single:.0f} MB after one request of each kind, "
                 f"{rss_start:.0f} MB after {args.warmup:g} s of warm-up load (start), {rss_end:.0f} MB at the end "
                 f"({growth:+.1f}% during the measured load; target < 10%)")
    if anon_start:
        lines.append(f"  of which anonymous (heap, not the mapped index files): {anon_start:.0f} MB at the start, "
                     f"{anon_end:.0f} MB at the end ({(anon_end - anon_start) / anon_start * 100:+.1f}%)")
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()
