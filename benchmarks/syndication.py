"""A story syndicated to more outlets than ``max_bucket`` (``unspun.params.CandidateParams``), and a footer shared as widely.

Corpus: 80 copies of the seed story (``tests/data/seeds/000_…``), each with its own header and footer line,
among 60 other articles (``tests/data/pan13-pieces/pan-0*``).  For the index without passage vectors and with
them (``auto``), prints the candidate pairs, how many copies the largest cluster holding copies has, how
many of ``check(seed, k=10)``'s answers are copies, and the seconds taken (candidates + scan without the
judge; check).  Every band bucket of the story holds more than 50 documents, so the copies are linked only
by star evidence (``star_hubs``, ``star_min_share``) or by ANN neighbours.

With ``--shares``, also prints what chose ``star_min_share``: the shared share (shared buckets / the
smaller document's distinct band keys) of every star pair (i) in the corpus above, (ii) among 80 unrelated
articles (``tests/data/pan13-pieces/pan-0*-source``) given one identical 3-sentence footer, and (iii) with
``--pan``, in PAN 2013 (src + susp, ~5,000 documents; a minute or two).

With ``--footer``, also scans 80 unrelated articles (``tests/data/pan13-pieces/pan-0*-source``) that end with one
identical footer (3 sentences, 24 content words; then one of 8 sentences, 57): the pairs linked and the largest cluster with the
aligned passages all kept (as before boilerplate passages were dropped) and with ``Index.scan``; with
``--footer --pan`` also how many PAN 2013 windows the rule could touch (held by more than 50 documents).

    .venv/bin/python benchmarks/syndication.py [--shares] [--pan] [--no-auto] [--footer] [--footer-scale N]

``--footer-scale N`` scans the first N PAN source texts as they are and with the long footer appended (700: ~7 min).
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "src"))  # after PYTHONPATH: another checkout can be measured

sys.path.append(str(ROOT / "tests"))  # the naive reference stages

from reference import band_rows  # noqa: E402

from unspun import Document  # noqa: E402
from unspun.fingerprint import fingerprint_batch  # noqa: E402
from unspun.index import Index  # noqa: E402
from unspun.params import DEFAULT_PARAMS  # noqa: E402
from unspun.pipeline import Driver  # noqa: E402
from unspun.pipeline.boilerplate import Boilerplate, held_windows  # noqa: E402
from unspun.pipeline.candidates import bucket_pair_counts, oversize_of_rows  # noqa: E402
from unspun.pipeline.executors import LocalExecutor  # noqa: E402
from unspun.pipeline.matches import align_pairs, link_clusters  # noqa: E402
from unspun.pipeline.sources import IndexSource  # noqa: E402

CP = DEFAULT_PARAMS.candidates
MAX_BUCKET, MIN_HITS = CP.max_bucket, CP.min_hits

SEED = ROOT / "tests" / "data" / "seeds" / "000_39c885e149670517.txt"
CORPUS = ROOT / "tests" / "data" / "pan13-pieces"  # PAN pieces, once part of the example corpus
COPIES = 80
FOOTER = ("This article is distributed by the Regional News Exchange under a shared licence agreement. "
          "Reproduction in whole or in part without written permission of the publisher is prohibited. "
          "Readers with corrections or complaints should write to the standards editor of the member paper.")


def syndicated_corpus() -> tuple[list[Document], str]:
    seed = SEED.read_text(encoding="utf-8")
    background = [Document(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("pan-0*.txt"))[:60]]
    rng = random.Random(1)
    copies = [
        Document(f"wire-{i:03d}", f"Published by Outlet {i}\n{seed}\nCopyright Outlet {i} {rng.randint(1, 10**6)}")
        for i in range(COPIES)
    ]
    return background + copies, seed


def footer_corpus(n: int = 80, footer: str = FOOTER) -> list[Document]:
    files = sorted(CORPUS.glob("pan-0*-source-*.txt"))[:n]
    return [Document(p.name, p.read_text(encoding="utf-8").rstrip() + "\n\n" + footer) for p in files]


def run(embedder: str | None) -> str:
    docs, seed = syndicated_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        with Index(Path(tmp) / "s.unspun", embedder=embedder) as ix:
            ix.add(docs)
            t = time.perf_counter()
            pairs = ix.candidate_pairs()
            clusters = list(ix.scan(judge=False))
            scan_s = time.perf_counter() - t
            wire = [c for c in clusters if any(d.startswith("wire-") for d in c.documents)]
            big = max(wire, key=lambda c: len(c.documents), default=None)
            linked = 0 if big is None else sum(d.startswith("wire-") for d in big.documents)
            t = time.perf_counter()
            found = ix.check(Document("query", seed), k=10, judge=False)
            check_s = time.perf_counter() - t
            hits = sum(m.a.id.startswith("wire-") for m in found)
    return (f"embedder {embedder or 'none'}: candidate pairs {len(pairs)}, copies in the largest cluster with copies "
            f"{linked} of {COPIES} ({len(wire)} clusters hold copies), check(k=10) copies {hits} of {len(found)} answers; "
            f"candidates + scan {scan_s:.1f} s, check {check_s * 1000:.0f} ms")


LONG_FOOTER = FOOTER + (" Subscribers may share a link to this page but not its text. Photographs and graphics"
                        " remain the property of their creators and agencies. The views of contributors are their"
                        " own and do not represent the exchange or its member newspapers. Letters to the editor are"
                        " welcome and may be edited for length, clarity and accuracy before publication in print or"
                        " online editions. Advertising enquiries should be directed to the commercial department.")


def footer_run(footer: str = FOOTER, label: str = "footer") -> str:
    """80 unrelated articles ending with one ``footer``: candidate pairs, and the pairs linked and the
    largest cluster with boilerplate passages kept (aligned as before the rule) and dropped (``Index.scan``)."""
    docs = footer_corpus(footer=footer)
    by_id = {d.id: d for d in docs}
    with tempfile.TemporaryDirectory() as tmp:
        with Index(Path(tmp) / "f.unspun", embedder=None) as ix:
            ix.add(docs)
            t = time.perf_counter()
            pairs = ix.candidate_pairs()
            matches = align_pairs(pairs, by_id.get, judge=False)  # no boilerplate rule
            kept = link_clusters(matches)
            t_kept = time.perf_counter() - t
            t = time.perf_counter()
            dropped = list(ix.scan(judge=False))
            t_dropped = time.perf_counter() - t
            with LocalExecutor() as ex:  # the rule's own cost on the aligned passages
                driver = Driver(IndexSource(ix), ex, ix.params)
                driver.candidates()
                bp = Boilerplate(ex.result(driver.oversize), ix.signatures)
            t = time.perf_counter()
            for m in matches:
                bp.drop(m.a, m.b, m.passages)
            rule = f"; the rule on {len(matches)} aligned pairs: {(time.perf_counter() - t) / max(1, len(matches)) * 1000:.2f} ms each"
    n_words = len(footer.split())
    def linked(cs: list) -> str:
        return f"{sum(len(c.matches) for c in cs)} linked pairs, largest cluster {max((len(c.documents) for c in cs), default=0)}"
    which = "boilerplate dropped"
    return (f"80 unrelated articles + one {label} ({n_words} words): candidate pairs {len(pairs)}; passages kept: "
            f"{linked(kept)} ({t_kept:.1f} s); {which}: {linked(dropped)} ({t_dropped:.1f} s){rule}")


def star_shares(docs: list[Document]) -> tuple[np.ndarray, int]:
    """The shared share of every star pair (pairs with star evidence) of ``docs``, and the star rows; prints
    the band join's time with and without star evidence."""
    records = fingerprint_batch(docs)
    names = sorted(r.id for r in records)
    rank = {x: i for i, x in enumerate(names)}
    rows = band_rows(records)
    keys = np.array([k for k, _ in rows], dtype=np.int64)
    owners = np.array([rank[d] for _, d in rows], dtype=np.int64)
    t = time.perf_counter()
    bucket_pair_counts(keys, owners, MAX_BUCKET, 0)
    t0 = time.perf_counter() - t
    t = time.perf_counter()
    a, b, n, s = bucket_pair_counts(keys, owners, MAX_BUCKET, CP.star_hubs)
    print(f"  band join (bucket_pair_counts) of {len(records)} documents: {t0:.2f} s without star evidence, "
          f"{time.perf_counter() - t:.2f} s with it; {int(n.sum())} ordinary rows, {int(s.sum())} star rows")
    kc = np.zeros(len(names), dtype=np.int64)
    for r in records:
        kc[rank[r.id]] = len(r.keys)
    star = s > 0
    share = (n[star] + s[star]) / np.maximum(1, np.minimum(kc[a[star]], kc[b[star]]))
    share[(n[star] + s[star]) < MIN_HITS] = 0.0  # never admitted: fewer than MIN_HITS shared buckets
    new = int(((share >= CP.star_min_share) & (n[star] < MIN_HITS)).sum())
    print(f"  admitted star pairs that are not ordinary candidates (< {MIN_HITS} ordinary shared buckets): {new}")
    return share, int(s.sum())


def describe(name: str, share: np.ndarray, n_star_rows: int) -> str:
    if not len(share):
        return f"{name}: no star pairs"
    qs = np.quantile(share, [0.0, 0.1, 0.5, 0.9, 1.0])
    admitted = {t: int((share >= t).sum()) for t in (0.2, 0.3, 0.5, 0.7, 0.9)}
    return (f"{name}: {len(share)} star pairs ({n_star_rows} star rows); shared share min/p10/p50/p90/max "
            + "/".join(f"{q:.2f}" for q in qs) + "; admitted at share >= "
            + ", ".join(f"{t}: {c}" for t, c in admitted.items()))


def held_summary(name: str, docs: list[Document]) -> str:
    """How much of a corpus the boilerplate rule can touch: its oversize bucket keys and the windows with at
    least half their band keys in them (a passage is boilerplate only where such windows hold it)."""
    t = time.perf_counter()
    records = fingerprint_batch(docs)
    rank = {r.id: i for i, r in enumerate(records)}
    rows = band_rows(records)
    over = oversize_of_rows(np.array([k for k, _ in rows], dtype=np.int64), np.array([rank[d] for _, d in rows], dtype=np.int64))
    held = [int(held_windows(r.signatures, over).sum()) for r in records]
    return (f"{name}: {len(records)} documents, {sum(len(r.signatures) for r in records)} windows, oversize keys {len(over)}, "
            f"held windows {sum(held)} in {sum(h > 0 for h in held)} documents ({time.perf_counter() - t:.0f} s)")


def footer_scale_run(n: int) -> str:
    """The first ``n`` PAN 2013 source texts scanned as they are and with ``LONG_FOOTER`` appended to each:
    how many more pairs the long footer links as more documents share it (no vectors, no judge)."""
    from unspun.evaluation.datasets import pan13_dir  # $UNSPUN_PAN13_DIR, else ../shared/data/pan13-train

    files = sorted((pan13_dir() / "src").glob("*.txt"))[:n]
    base = [Document(p.name, p.read_text(encoding="utf-8").rstrip()) for p in files]
    out = []
    for label, docs in (("as they are", base), ("+ long footer", [Document(d.id, d.text + "\n\n" + LONG_FOOTER) for d in base])):
        with tempfile.TemporaryDirectory() as tmp:
            with Index(Path(tmp) / "s.unspun", embedder=None) as ix:
                ix.add(docs)
                t = time.perf_counter()
                clusters = list(ix.scan(judge=False))
                out.append(f"{len(docs)} PAN source texts {label}: linked pairs {sum(len(c.matches) for c in clusters)}, "
                           f"largest cluster {max((len(c.documents) for c in clusters), default=0)}; scan {time.perf_counter() - t:.0f} s")
    return "\n".join(out)


def pan_documents() -> list[Document]:
    from unspun.evaluation.datasets import pan13_dir  # $UNSPUN_PAN13_DIR, else ../shared/data/pan13-train
    from unspun.evaluation.pan_scan import iter_pan_documents

    return list(iter_pan_documents(pan13_dir()))


def main(argv: list[str]) -> int:
    print(f"max_bucket {MAX_BUCKET}, star_hubs {CP.star_hubs}, star_min_share {CP.star_min_share}, min_hits {MIN_HITS}")
    for emb in (None,) if "--no-auto" in argv else (None, "auto"):
        print(run(emb), flush=True)
    if "--footer" in argv:
        print(footer_run(), flush=True)
        print(footer_run(LONG_FOOTER, "long footer"), flush=True)
        if "--pan" in argv:
            print(held_summary("PAN 2013 src + susp", pan_documents()), flush=True)
    if "--footer-scale" in argv:
        print(footer_scale_run(int(argv[argv.index("--footer-scale") + 1])), flush=True)
    if "--shares" in argv:
        docs, _ = syndicated_corpus()
        print(describe("syndicated corpus", *star_shares(docs)))
        print(describe("80 unrelated articles + one footer", *star_shares(footer_corpus())))
        with tempfile.TemporaryDirectory() as tmp:
            with Index(Path(tmp) / "f.unspun", embedder=None) as ix:
                ix.add(footer_corpus())
                print(f"  ... their candidate pairs (no vectors): {len(ix.candidate_pairs())}")
        if "--pan" in argv:
            t = time.perf_counter()
            print(describe("PAN 2013 src + susp", *star_shares(pan_documents())), f"({time.perf_counter() - t:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
