"""``check`` latency on a large index, and the memory and disk it takes (projected to 1M documents).

Builds an index of N generated article-sized documents (benchmarks/synth.py; LSH
only, no vectors, to bound the build time), then times ``Index.check`` for
queries that are copies of indexed documents (light edits and spun) and for
fresh articles that copy nothing — each query aligned only (``judge=False``, the
target's measure: candidate generation plus alignment of the top candidates)
and with the judge (``check``'s default: original and distortions named).  Prints p50/p95 latency, peak RSS of the
process, bytes on disk per 100,000 documents, and a linear projection to 1M.

Then the cold CLI: ``unspun check FILE --db INDEX --json`` in a new process per query (COLD queries:
half copies, half fresh articles), each timed from the process start to its exit, next to the warm
``Index.check`` of the same queries and to ``unspun --version`` (the process start and imports alone,
the peer measured in the same run).  The cold process loads the caches the writer left (bucket
segments, the vector cache memory-mapped) and never rebuilds them: the first cold call is printed too.
``--vectors`` builds the index with passage vectors (the default embedder), as the cold-check target
asks (a 100,000-document index with vectors answers in under 1 s).

    .venv/bin/python benchmarks/check_latency.py [N_DOCS] [N_QUERIES] [--vectors] [--cold COLD]
        (default 100000 200, no vectors, 10 cold queries)
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import copy_queries, make_corpus, make_queries  # noqa: E402

from unspun.index import Index  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_runs(path: Path, queries: list[str], tmp: Path, judge: bool) -> list[float]:
    """Wall seconds of ``unspun check`` in a new process per query (or of ``unspun --version`` when
    ``queries`` holds None)."""
    out = []
    for i, text in enumerate(queries):
        if text is None:
            argv = ["--version"]
        else:
            q = tmp / f"query{i}.txt"
            q.write_text(text)
            argv = ["check", str(q), "--db", str(path), "--json", "-k", "10"] + ([] if judge else ["--no-judge"])
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "unspun", *argv], capture_output=True, text=True)
        out.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise SystemExit(f"unspun {' '.join(argv)} failed: {p.stderr.strip()}")
    return out


def main() -> None:
    args = [a for a in sys.argv[1:]]
    vectors = "--vectors" in args
    n_cold = 10
    if "--cold" in args:
        i = args.index("--cold")
        n_cold = int(args[i + 1])
        del args[i : i + 2]
    args = [a for a in args if a != "--vectors"]
    n = int(args[0]) if len(args) > 0 else 100_000
    nq = int(args[1]) if len(args) > 1 else 200
    base_rss = rss_mb()
    docs, _copies = make_corpus(n)
    gen_rss = rss_mb()
    copies = [(d.id, text) for d, text in copy_queries(docs, nq // 2)]
    fresh = make_queries(nq - len(copies))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.unspun"
        t = time.perf_counter()
        embedder = "auto" if vectors else None
        with Index(path, embedder=embedder) as ix:
            ix.add(docs, batch_size=2000)
        build = time.perf_counter() - t
        ingest_rss = rss_mb()
        del docs
        # cold: a new process per query, before this process has loaded anything of the index
        cold_q = [t for _, t in copies[: n_cold - n_cold // 2]] + [q.text for q in fresh[: n_cold // 2]]
        cold_first = cold_runs(path, cold_q[:1], Path(tmp), judge=False)[0]
        cold = {j: cold_runs(path, cold_q, Path(tmp), judge=j) for j in (False, True)}
        start_only = cold_runs(path, [None] * 5, Path(tmp), judge=False)
        with Index(path, embedder=embedder) as ix:
            disk = ix.stats()["bytes_on_disk"]
            ix.check(copies[0][1], k=10)  # warm-up: loads the aligner's models once
            # each query twice, back to back: aligned only (the target's measure: candidate generation plus
            # alignment of the top candidates) and with the judge (provenance and distortions, the CLI default)
            lat: dict[bool, dict[str, list[float]]] = {j: {"copy": [], "fresh": []} for j in (False, True)}
            found = 0
            for kind, queries in (("copy", copies), ("fresh", [(None, q) for q in fresh])):
                for orig_id, text in queries:
                    for judge in (False, True):
                        t = time.perf_counter()
                        ms = ix.check(text, k=10, judge=judge)
                        lat[judge][kind].append(time.perf_counter() - t)
                    if orig_id is not None:
                        found += any(m.a.id == orig_id for m in ms)
            build_rss = rss_mb()  # noqa: F841 (kept for the print below)
            warm_same = []  # the cold queries again, in this warm process
            for text in cold_q:
                t = time.perf_counter()
                ix.check(text, k=10, judge=False)
                warm_same.append(time.perf_counter() - t)
        peak = rss_mb()
    print(f"index of {n} documents{' with vectors' if vectors else ' (no vectors)'} built in {build:.0f} s"
          f" ({n / build:.0f} docs/s)")
    for judge, label in ((False, "aligned only (check --no-judge)"), (True, "with the judge (check's default)")):
        both = np.array(lat[judge]["copy"] + lat[judge]["fresh"]) * 1000
        copy_ms, fresh_ms = np.array(lat[judge]["copy"]) * 1000, np.array(lat[judge]["fresh"]) * 1000
        print(f"check latency, {label}, over {len(both)} queries: p50 {np.percentile(both, 50):.1f} ms,"
              f" p95 {np.percentile(both, 95):.1f} ms  (targets: p50 < 50 ms, p95 < 200 ms)")
        print(f"  copies ({len(copy_ms)}): p50 {np.percentile(copy_ms, 50):.1f} ms, p95 {np.percentile(copy_ms, 95):.1f} ms;"
              f"  fresh articles ({len(fresh_ms)}): p50 {np.percentile(fresh_ms, 50):.1f} ms, p95 {np.percentile(fresh_ms, 95):.1f} ms")
    print(f"original found for {found}/{len(copies)} copies")
    ms = lambda xs: np.asarray(xs) * 1000  # noqa: E731
    for judge, label in ((False, "--no-judge"), (True, "with the judge")):
        c = ms(cold[judge])
        print(f"cold CLI check ({label}), a new process per query, {len(c)} queries: p50 {np.percentile(c, 50):.0f} ms,"
              f" max {c.max():.0f} ms  (target: < 1000 ms)")
    print(f"  first cold check after the build: {cold_first * 1000:.0f} ms; process start and imports alone"
          f" (unspun --version): p50 {np.percentile(ms(start_only), 50):.0f} ms;"
          f" the same queries warm (Index.check --no-judge in one process): p50 {np.percentile(ms(warm_same), 50):.1f} ms")
    per100k = disk / n * 100_000
    print(f"on disk: {disk / 1e6:.0f} MB = {per100k / 1e6:.0f} MB per 100,000 documents -> {per100k * 10 / 1e9:.1f} GB at 1M")
    print(f"peak RSS: {base_rss:.0f} MB at start, {gen_rss:.0f} MB with the generated corpus in memory,"
          f" {ingest_rss:.0f} MB after Index.add, {peak:.0f} MB after the checks (aligner models loaded).")
    growth = max(ingest_rss - gen_rss, 0)
    print(f"  Index.add grew RSS by {growth:.0f} MB for {n} documents (batches stream to SQLite); projected to 1M as if"
          f" that growth were per document: {growth * 1_000_000 / n + (peak - ingest_rss) + base_rss:.0f} MB (target < 4 GB)")


if __name__ == "__main__":
    main()
