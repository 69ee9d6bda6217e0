"""``check`` latency on a large index, and the memory and disk it takes (projected to 1M documents).

Builds an index of N generated article-sized documents (benchmarks/synth.py; LSH
only, no vectors, to bound the build time), then times ``Index.check`` for
queries that are copies of indexed documents (light edits and spun) and for
fresh articles that copy nothing.  Prints p50/p95 latency, peak RSS of the
process, bytes on disk per 100,000 documents, and a linear projection to 1M.

    .venv/bin/python benchmarks/check_latency.py [N_DOCS] [N_QUERIES]   (default 100000 200)
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import _edit, _Gen, make_corpus, make_queries, render  # noqa: E402

from unspun.index import Index  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    nq = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    base_rss = rss_mb()
    docs, _copies = make_corpus(n)
    gen_rss = rss_mb()
    g = _Gen(7)  # the corpus vocabulary, so spun copies use its synonyms
    rng = np.random.default_rng(5)
    picks = rng.choice(n, nq // 2, replace=False)
    copies = []
    for j, i in enumerate(sorted(picks.tolist())):
        words = [s.split() for s in docs[i].text.replace("\n", " ").split(".") if s.split()]
        style = "spun" if j % 2 else "light"
        copies.append((docs[i].id, render(_edit(g, [[w.lower() for w in s] for s in words], style))))
    fresh = make_queries(nq - len(copies))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.unspun"
        t = time.perf_counter()
        with Index(path, embedder=None) as ix:
            ix.add(docs, batch_size=2000)
        build = time.perf_counter() - t
        ingest_rss = rss_mb()
        del docs
        with Index(path, embedder=None) as ix:
            disk = ix.stats()["bytes_on_disk"]
            ix.check(copies[0][1], k=10)  # warm-up: loads the aligner's models once
            lat_copy, lat_fresh, found = [], [], 0
            for orig_id, text in copies:
                t = time.perf_counter()
                ms = ix.check(text, k=10)
                lat_copy.append(time.perf_counter() - t)
                found += any(m.a.id == orig_id for m in ms)
            for q in fresh:
                t = time.perf_counter()
                ix.check(q, k=10)
                lat_fresh.append(time.perf_counter() - t)
            build_rss = rss_mb()  # noqa: F841 (kept for the print below)
        peak = rss_mb()
    lat = np.array(lat_copy + lat_fresh) * 1000
    print(f"index of {n} documents built in {build:.0f} s ({n / build:.0f} docs/s)")
    print(f"check latency over {len(lat)} queries: p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms"
          f"  (targets: p50 < 50 ms, p95 < 200 ms)")
    print(f"  copies ({len(lat_copy)}): p50 {np.percentile(lat_copy, 50) * 1000:.1f} ms, p95 {np.percentile(lat_copy, 95) * 1000:.1f} ms;"
          f" original found for {found}/{len(copies)}")
    print(f"  fresh articles ({len(lat_fresh)}): p50 {np.percentile(lat_fresh, 50) * 1000:.1f} ms,"
          f" p95 {np.percentile(lat_fresh, 95) * 1000:.1f} ms")
    per100k = disk / n * 100_000
    print(f"on disk: {disk / 1e6:.0f} MB = {per100k / 1e6:.0f} MB per 100,000 documents -> {per100k * 10 / 1e9:.1f} GB at 1M")
    print(f"peak RSS: {base_rss:.0f} MB at start, {gen_rss:.0f} MB with the generated corpus in memory,"
          f" {ingest_rss:.0f} MB after Index.add, {peak:.0f} MB after the checks (aligner models loaded).")
    growth = max(ingest_rss - gen_rss, 0)
    print(f"  Index.add grew RSS by {growth:.0f} MB for {n} documents (batches stream to SQLite); projected to 1M as if"
          f" that growth were per document: {growth * 1_000_000 / n + (peak - ingest_rss) + base_rss:.0f} MB (target < 4 GB)")


if __name__ == "__main__":
    main()
