"""Ingest throughput and candidate recall: unspun ``Index.add`` against a datasketch MinHash + MinHashLSH pipeline.

Both index the same generated article-sized documents with known copies
(benchmarks/synth.py).  unspun: text -> SQLite (WAL), windowed MinHash signatures
(rensa), LSH band rows, no vectors.  datasketch: the usual pipeline — one
``MinHash(num_perm=128)`` per document updated with its word 3-shingles, inserted
into ``MinHashLSH(threshold=0.5)`` (in memory, nothing written to disk).
Candidate recall = share of the known (copy, original) pairs that come out as
candidate pairs.  Prints the figures measured in this one run.

    .venv/bin/python benchmarks/ingest_vs_datasketch.py [N_DOCS]   (default 20000)
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

from unspun.fingerprint import norms  # noqa: E402
from unspun.index import Index  # noqa: E402


def run_unspun(docs, tmp: Path, workers: int):
    path = tmp / f"bench-{workers}.unspun"
    t = time.perf_counter()
    with Index(path, embedder=None) as ix:
        ix.add(docs, batch_size=2000, workers=workers)
        dt = time.perf_counter() - t
        pairs = {(a, b) for a, b, *_ in ix.candidate_pairs()}
        disk = ix.stats()["bytes_on_disk"]
    return dt, pairs, disk


def run_datasketch(docs, num_perm: int = 128, threshold: float = 0.5, batch: bool = True):
    """The usual datasketch pipeline: word 3-gram shingles, one MinHash per document, MinHashLSH.
    ``batch`` uses ``MinHash.update_batch`` (datasketch's fast path) instead of one ``update`` per shingle."""
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs = {}
    for d in docs:
        ws = norms(d.text)
        m = MinHash(num_perm=num_perm, seed=1)
        shingles = [s.encode("utf-8") for s in {" ".join(ws[i : i + 3]) for i in range(max(1, len(ws) - 2))}]
        if batch:
            m.update_batch(shingles)
        else:
            for s in shingles:
                m.update(s)
        lsh.insert(d.id, m)
        sigs[d.id] = m
    dt = time.perf_counter() - t
    pairs = set()
    for d in docs:
        for other in lsh.query(sigs[d.id]):
            if other != d.id:
                pairs.add((min(d.id, other), max(d.id, other)))
    return dt, pairs


def recall(pairs, copies, style=None):
    want = [(min(c, o), max(c, o)) for c, o, s in copies if style in (None, s)]
    return sum(1 for p in want if p in pairs) / max(len(want), 1)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    load_start = os.getloadavg()[0]
    t = time.perf_counter()
    docs, copies = make_corpus(n)
    print(f"{n} documents ({sum(len(d.text) for d in docs) / n:.0f} chars on average), {len(copies)} known copies;"
          f" generated in {time.perf_counter() - t:.0f} s")
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else (os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as tmp:
        u1_dt, u_pairs, disk = run_unspun(docs, Path(tmp), 1)
        uw_dt, uw_pairs, _ = run_unspun(docs, Path(tmp), workers)
    assert uw_pairs == u_pairs, "the parallel index must give the same candidates"
    u_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db_dt, db_pairs = run_datasketch(docs, batch=True)
    d1_dt, d1_pairs = run_datasketch(docs, batch=False)
    rows = (
        ("unspun Index.add, 1 process", n / u1_dt, u_pairs),
        (f"unspun Index.add, {workers} processes", n / uw_dt, uw_pairs),
        ("datasketch, update_batch", n / db_dt, db_pairs),
        ("datasketch, update per shingle", n / d1_dt, d1_pairs),
    )
    print(f"{'':34} {'docs/s':>8} {'recall':>7} {'verbatim':>8} {'light':>7} {'spun':>7} {'cand pairs':>10}")
    for name, rate, pairs in rows:
        print(f"{name:34} {rate:8.0f} {recall(pairs, copies):7.1%} {recall(pairs, copies, 'verbatim'):8.1%} "
              f"{recall(pairs, copies, 'light'):7.1%} {recall(pairs, copies, 'spun'):7.1%} {len(pairs):10d}")
    best_u = max(n / u1_dt, n / uw_dt)
    best_name = "1 process" if n / u1_dt >= n / uw_dt else f"{workers} processes"
    print(f"ratio unspun (best: {best_name}) / datasketch update_batch: {best_u / (n / db_dt):.1f}x; "
          f"/ datasketch per-shingle update: {best_u / (n / d1_dt):.1f}x   (targets: >= 20x, >= 2000 docs/s)")
    print(f"unspun index on disk: {disk / 1e6:.1f} MB ({disk / n:.0f} bytes/doc); peak RSS so far {u_rss:.0f} MB")
    print(f"unspun's time includes folding the new band keys into the bucket file (<db>.bands); datasketch keeps its"
          f" LSH in memory and writes nothing")
    print(f"machine: {os.cpu_count()} cores, load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
          f" (other jobs share the cores: compare the ratios of one run)")


if __name__ == "__main__":
    main()
