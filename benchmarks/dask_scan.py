"""The corpus scan on Dask against the embedded scan, on generated articles with known copies.

    .venv/bin/python benchmarks/dask_scan.py [--n 100000] [--workers 1,2] [--vectors] [--no-judge]

In one run: the embedded path (``Index.add`` + ``Index.scan``), then the Dask scan
(``unspun.pipeline.scan`` of a ``FileSource`` on a LocalCluster of 1, then 2 worker processes of one
thread each; cluster start-up is not timed, the workers are warmed with one tiny scan).
Prints docs/s for each, the 1 → 2 worker scaling ratio, recall of the known copies
(a copy counts when it is linked to its original), whether the Dask answer is the
embedded answer, and the measured per-document costs used by ``docs/scaling.md``:
CPU-seconds per stage, bytes per signature, per band row, per vector, band-join
shuffle size.  Last, the per-core comparison with text-dedup's published Spark
figure for MinHash deduplication alone.

Passage vectors (ANN candidates) are off by default here: the generated text is
pseudo-words, which the static embedder maps to near-identical vectors, so ANN
would make a candidate of almost every pair (300 documents: 10,555 ANN candidate
pairs for 40 real ones) — a property of the generator, not of news text.  Use
``--vectors`` to time it anyway; the example corpus measures the embedding cost.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

from unspun.index import Index  # noqa: E402
from unspun.params import DEFAULT_PARAMS  # noqa: E402
from unspun.pipeline import scan  # noqa: E402
from unspun.pipeline.executors import DaskExecutor  # noqa: E402
from unspun.pipeline.matches import match_line  # noqa: E402
from unspun.pipeline.sources import FileSource  # noqa: E402

TEXT_DEDUP_DOCS_PER_CORE_S = 42_000_000 / (40 * 60) / 160  # ≈ 109: 42M docs, < 40 min, 160 cores (MinHash dedup only)


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def recall(clusters, copies) -> tuple[float, int]:
    linked = {(m.a.id, m.b.id) for c in clusters for m in c.matches}
    found = sum(1 for c, o, _s in copies if (min(c, o), max(c, o)) in linked)
    return found / max(1, len(copies)), found


def _burn(pairs) -> float:
    """CPU-bound reference work: align the given (text, text) pairs; returns seconds taken."""
    from unspun.align import align

    t = time.perf_counter()
    for a, b in pairs:
        align(a, b)
    return time.perf_counter() - t


def ceiling(docs, copies, n_pairs: int = 60) -> float:
    """What two processes can do on this machine right now: the same alignment work in one process, then in
    two at once (spawned, warmed); returns 2 x t(one) / t(two at once) — the best 1 -> 2 scaling possible."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    by_id = {d.id: d.text for d in docs}
    pairs = [(by_id[o], by_id[c]) for c, o, _s in copies[:n_pairs]]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_burn, [pairs[:3], pairs[:3]]))  # start and warm both processes
        one = pool.submit(_burn, pairs).result()
        t = time.perf_counter()
        list(pool.map(_burn, [pairs, pairs]))
        two = time.perf_counter() - t
    return 2 * one / two


def lines(clusters) -> list[str]:
    return sorted(match_line(m) for c in clusters for m in c.matches)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="generated documents (default 100000)")
    ap.add_argument("--workers", default="1,2", help="Dask worker counts to time (default 1,2)")
    ap.add_argument("--batch", type=int, default=1000, help="documents per prepare step (default 1000)")
    ap.add_argument("--vectors", action="store_true", help="passage embeddings and ANN candidates (see above)")
    ap.add_argument("--no-judge", action="store_true", help="align only (no provenance and distortions)")
    ap.add_argument("--skip-embedded", action="store_true")
    ap.add_argument("--real", metavar="PATH", nargs="+",
                    help="instead: candidate-generation costs with passage vectors on real text (e.g. "
                         "$UNSPUN_PAN13_DIR/src $UNSPUN_PAN13_DIR/susp), in this process")
    args = ap.parse_args()
    embedder = "auto" if args.vectors else None
    judge = not args.no_judge
    if args.real:
        return real_costs(args.real)

    t = time.perf_counter()
    docs, copies = make_corpus(args.n)
    chars = sum(len(d.text) for d in docs)
    print(f"# .venv/bin/python benchmarks/dask_scan.py --n {args.n} --workers {args.workers}"
          f"{' --vectors' if args.vectors else ''}{' --no-judge' if args.no_judge else ''}")
    print(f"# {platform.node()} ({os.cpu_count()} cores, shared with other jobs: figures are noisy), python {platform.python_version()}")
    print(f"{len(docs)} documents ({chars / len(docs):.0f} chars on average), {len(copies)} known copies; "
          f"generated in {time.perf_counter() - t:.0f} s; vectors: {'no' if embedder is None else 'yes'}, judge: {'yes' if judge else 'no'}")

    results = {}
    emb_clusters = None
    if not args.skip_embedded:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            with Index(Path(tmp) / "bench.unspun", embedder=embedder) as ix:
                ix.add(docs)
                t_add = time.perf_counter() - t
                emb_clusters = list(ix.scan(judge=judge))
            wall = time.perf_counter() - t
        r, found = recall(emb_clusters, copies)
        results["embedded"] = wall
        print(f"embedded   Index.add + Index.scan: {wall:7.1f} s ({t_add:.1f} s add) {len(docs) / wall:7.1f} docs/s  "
              f"recall {r:.1%} ({found}/{len(copies)}), {sum(len(c.matches) for c in emb_clusters)} linked pairs")

    source = FileSource.of_documents(docs, batch_docs=args.batch, embedder=embedder)
    ceil = ceiling(docs, copies)
    print(f"machine ceiling now: the same alignment work in 2 processes at once runs {ceil:.2f}x as fast as in 1 "
          f"(the best 1 -> 2 worker scaling this machine allows at this moment)")
    last = None
    for n in [int(x) for x in args.workers.split(",") if x.strip()]:
        with DaskExecutor(workers=n) as ex:
            scan(FileSource.of_documents(docs[:50], batch_docs=50, embedder=embedder), ex, judge=judge)  # warm the workers
            import psutil

            me = psutil.Process()
            c0 = sum(me.cpu_times()[:2])
            t = time.perf_counter()
            res = scan(source, ex, judge=judge)
            wall = time.perf_counter() - t
            client_cpu = sum(me.cpu_times()[:2]) - c0
            rss = ex.client.run(_rss)
        results[f"dask{n}"] = wall
        r, found = recall(res.clusters, copies)
        same = "" if emb_clusters is None else (
            "  = embedded" if [c.documents for c in res.clusters] == [c.documents for c in emb_clusters]
            and sorted((m.a.id, m.b.id) for c in res.clusters for m in c.matches)
            == sorted((m.a.id, m.b.id) for c in emb_clusters for m in c.matches) else "  DIFFERS from embedded"
        )
        stages = ", ".join(f"{k} {v:.0f} s" for k, v in res.wall.items())
        busy = sum(res.cpu.values()) / (wall * n)
        print(f"dask x{n:<3} pipeline.scan:           {wall:7.1f} s              {len(docs) / wall:7.1f} docs/s  "
              f"recall {r:.1%} ({found}/{len(copies)}), {res.linked_pairs} linked pairs{same}  [{stages}]")
        print(f"           step CPU / (wall x workers) = {busy:.0%} (CPU the workers got); "
              f"client + scheduler process: {client_cpu:.1f} CPU-s ({client_cpu / wall:.0%} of a core); "
              f"worker RSS after the scan: max {max(rss.values()) / 2**20:.0f} MB")
        last = res
    if "dask1" in results and "dask2" in results:
        print(f"scaling 1 -> 2 workers: {results['dask1'] / results['dask2']:.2f}x (target >= 1.7x; "
              f"machine ceiling measured above {ceil:.2f}x)")

    if last is not None:
        res = last
        nd = res.documents
        cpu = res.cpu
        total = sum(cpu.values())
        print()
        print(f"per-document costs (CPU-seconds summed over the workers' steps, {nd} documents, {res.candidate_pairs} candidate pairs):")
        for k, v in cpu.items():
            print(f"  {k:12s} {v:8.1f} s  {1000 * v / nd:8.3f} ms/doc" + (
                f"  {1000 * v / max(1, res.candidate_pairs):8.2f} ms/pair" if k == "align" else ""))
        print(f"  {'total':12s} {total:8.1f} s  {1000 * total / nd:8.3f} ms/doc")
        s = res.sizes
        sig_bytes = s["windows"] * DEFAULT_PARAMS.fingerprint.num_perm * 4
        row_bytes = 12  # a band row travels as an int64 key + an int32 index into its batch's id list
        vec_bytes = s["vectors"] * s["vector_dim"] * 2
        print("sizes:")
        print(f"  windows/doc {s['windows'] / nd:.1f}; signature bytes/doc {sig_bytes / nd:.0f} "
              f"({DEFAULT_PARAMS.fingerprint.num_perm} x uint32 per window)")
        print(f"  band rows/doc {s['band_rows'] / nd:.1f}; shuffle of the band join: {s['band_rows']} rows x "
              f"{row_bytes} B (int64 key + int32 doc index) = {s['band_rows'] * row_bytes / 1e6:.1f} MB ({s['band_rows'] * row_bytes / nd:.0f} B/doc)")
        print(f"  vectors/doc {s['vectors'] / nd:.2f} x {s['vector_dim']} float16 = {vec_bytes / nd:.0f} B/doc")
        print(f"  candidate pairs/doc {res.candidate_pairs / nd:.3f} (band join {s['band_join_pairs']}, ANN {s['ann_pairs']} before dedupe)")
        print(f"  text chars/doc {s['chars'] / nd:.0f}")
        cand_cpu = cpu["load"] + cpu["fingerprint"] + cpu["band_join"]
        print()
        print(f"text-dedup (Spark, MinHash dedup only): ~{TEXT_DEDUP_DOCS_PER_CORE_S:.0f} docs/s per core")
        print(f"unspun, MinHash candidates only (load + fingerprint + band join): {nd / cand_cpu:.0f} docs/s per core")
        print(f"unspun, full scan (+ embeddings, ANN, align{' + judge' if judge else ''}): {nd / total:.0f} docs/s per core")
        print(f"  share of the CPU spent aligning{' and judging' if judge else ''}: {cpu['align'] / total:.0%}; "
              f"embeddings + ANN: {(cpu['embed'] + cpu['ann']) / total:.0%}")
    return 0


def real_costs(paths: list[str]) -> int:
    """Fingerprint, embed and find candidates (band join + ANN) on real text, without aligning."""
    from unspun.pipeline import Driver
    from unspun.pipeline.executors import LocalExecutor

    print(f"# .venv/bin/python benchmarks/dask_scan.py --real {' '.join(paths)}")
    print(f"# {platform.node()} ({os.cpu_count()} cores, shared with other jobs), python {platform.python_version()}")
    t = time.perf_counter()
    driver = Driver(FileSource.of_paths(paths, embedder="auto"), LocalExecutor(), judge=False)
    driver.candidates()  # candidate generation only: no alignment
    wall = time.perf_counter() - t
    s, cpu = driver.sizes, driver.cpu
    nd, n_pairs = s["documents"], s["unverified_pairs"]
    print(f"{nd} documents, {s['chars'] / nd:.0f} chars/doc, candidate generation with vectors in {wall:.1f} s "
          f"({nd / wall:.0f} docs/s, one process)")
    for k, v in cpu.items():
        if k != "align":
            print(f"  {k:12s} {v:8.2f} s  {1000 * v / nd:8.3f} ms/doc")
    print(f"  windows/doc {s['windows'] / nd:.1f}, band rows/doc {s['band_rows'] / nd:.1f}, "
          f"vectors/doc {s['vectors'] / nd:.2f} x {s['vector_dim']} float16 = {s['vectors'] * s['vector_dim'] * 2 / nd:.0f} B/doc")
    print(f"  ANN per vector (one usearch shard of {s['vectors']} vectors: build + search of 9 neighbours): "
          f"{1000 * cpu['ann'] / max(1, s['vectors']):.3f} ms")
    print(f"  candidate pairs: {n_pairs} = {n_pairs / nd:.2f}/doc "
          f"(band join {s['band_join_pairs']}, ANN {s['ann_pairs']} before dedupe)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
