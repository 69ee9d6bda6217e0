"""Ingest throughput and candidate recall: unspun ``Index.add`` against a datasketch MinHash + MinHashLSH pipeline.

Both index the same generated article-sized documents with known copies
(benchmarks/synth.py).  unspun: text -> SQLite (WAL), windowed MinHash signatures
(rensa), LSH band rows, no vectors.  datasketch: the usual pipeline — one
``MinHash(num_perm=128)`` per document updated with its word 3-shingles, inserted
into ``MinHashLSH(threshold=0.5)`` (in memory, nothing written to disk).
``MinHash.bulk`` and ``update_batch`` are datasketch's fast paths; rensa's own digest matrix and
``RMinHashLSH.insert_matrix`` on the same shingles is the floor (what the MinHash library alone costs).
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


def run_unspun(docs, tmp: Path, workers: int, embedder=None):
    path = tmp / f"bench-{workers}-{embedder or 'lsh'}.unspun"
    t = time.perf_counter()
    with Index(path, embedder=embedder) as ix:
        ix.add(docs, batch_size=2000, workers=workers)
        dt = time.perf_counter() - t
        pairs = {(a, b) for a, b, *_ in ix.candidate_pairs()}
        disk = ix.stats()["bytes_on_disk"]
    return dt, pairs, disk


def shingles_of(text: str) -> set[str]:
    """The word 3-shingles of a text (the peers' input: one set per document)."""
    ws = norms(text)
    return {" ".join(ws[i : i + 3]) for i in range(max(1, len(ws) - 2))}


def run_datasketch(docs, num_perm: int = 128, threshold: float = 0.5, mode: str = "batch"):
    """The usual datasketch pipeline: word 3-gram shingles, one MinHash per document, MinHashLSH.
    ``mode``: ``batch`` (``MinHash.update_batch``), ``bulk`` (``MinHash.bulk``: all documents' MinHashes in one
    call, the fastest datasketch offers) or ``single`` (one ``update`` per shingle)."""
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs = {}
    if mode == "bulk":
        sets = [[s.encode("utf-8") for s in shingles_of(d.text)] for d in docs]
        for d, m in zip(docs, MinHash.bulk(sets, num_perm=num_perm, seed=1)):
            lsh.insert(d.id, m)
            sigs[d.id] = m
    for d in docs if mode != "bulk" else ():
        m = MinHash(num_perm=num_perm, seed=1)
        shingles = [s.encode("utf-8") for s in shingles_of(d.text)]
        if mode == "batch":
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


def run_rensa(docs, num_perm: int = 128, threshold: float = 0.5):
    """The floor: rensa's own bulk path on the same shingles (one digest matrix for all documents, inserted
    into ``RMinHashLSH`` in one call; one MinHash per document, no windows, nothing written to disk)."""
    from rensa import RMinHash, RMinHashLSH

    t = time.perf_counter()
    sets = [shingles_of(d.text) for d in docs]
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=16)
    lsh.insert_matrix(RMinHash.digest_matrix_from_token_sets(sets, num_perm, 1))
    dt = time.perf_counter() - t
    pairs = set()
    for k, shingles in enumerate(sets):  # the queries (untimed)
        m = RMinHash(num_perm=num_perm, seed=1)
        m.update(list(shingles))
        for other in lsh.query(m):
            if other != k:
                a, b = docs[k].id, docs[other].id
                pairs.add((min(a, b), max(a, b)))
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
        uv_dt, uv_pairs, _ = run_unspun(docs, Path(tmp), 1, embedder="auto")
    assert uw_pairs == u_pairs, "the parallel index must give the same candidates"
    u_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dk_dt, dk_pairs = run_datasketch(docs, mode="bulk")
    db_dt, db_pairs = run_datasketch(docs, mode="batch")
    d1_dt, d1_pairs = run_datasketch(docs, mode="single")
    r_dt, r_pairs = run_rensa(docs)
    rows = (
        ("unspun Index.add, 1 process", n / u1_dt, u_pairs),
        (f"unspun Index.add, {workers} processes", n / uw_dt, uw_pairs),
        ("unspun Index.add + vectors, 1 process", n / uv_dt, uv_pairs),
        ("datasketch, MinHash.bulk", n / dk_dt, dk_pairs),
        ("datasketch, update_batch", n / db_dt, db_pairs),
        ("datasketch, update per shingle", n / d1_dt, d1_pairs),
        ("rensa matrix + RMinHashLSH (floor)", n / r_dt, r_pairs),
    )
    print(f"{'':34} {'docs/s':>8} {'recall':>7} {'verbatim':>8} {'light':>7} {'spun':>7} {'cand pairs':>10}")
    for name, rate, pairs in rows:
        print(f"{name:34} {rate:8.0f} {recall(pairs, copies):7.1%} {recall(pairs, copies, 'verbatim'):8.1%} "
              f"{recall(pairs, copies, 'light'):7.1%} {recall(pairs, copies, 'spun'):7.1%} {len(pairs):10d}")
    best_u = max(n / u1_dt, n / uw_dt)
    best_name = "1 process" if n / u1_dt >= n / uw_dt else f"{workers} processes"
    print(f"ratio unspun 1 process / datasketch MinHash.bulk: {(n / u1_dt) / (n / dk_dt):.1f}x (target >= 6x, goal 10x);"
          f" / update_batch: {(n / u1_dt) / (n / db_dt):.1f}x; / per-shingle update: {(n / u1_dt) / (n / d1_dt):.1f}x;"
          f" / the rensa floor: {(n / u1_dt) / (n / r_dt):.2f}x")
    print(f"ratio unspun with vectors, 1 process / datasketch MinHash.bulk: {(n / uv_dt) / (n / dk_dt):.1f}x (target >= 3x)")
    print(f"best unspun ({best_name}): {best_u:.0f} docs/s")
    print(f"unspun index on disk: {disk / 1e6:.1f} MB ({disk / n:.0f} bytes/doc); peak RSS so far {u_rss:.0f} MB")
    print(f"unspun's time includes storing the text in SQLite and folding the new band keys into the bucket file"
          f" (<db>.bands); datasketch and rensa keep their LSH in memory and write nothing")
    print(f"machine: {os.cpu_count()} cores, load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
          f" (other jobs share the cores: compare the ratios of one run)")


if __name__ == "__main__":
    main()
