"""Choose the fingerprint parameters by measurement on PAN 2013 (src + susp, ~5,000 documents).

For each setting: fingerprint every document, join the LSH band keys, and print
the candidate recall of the listed pairs (02/03/04, 05 with cases), the number
of candidate document pairs (each costs one alignment in a scan), the band rows
per document (index size and ingest cost) and the fingerprinting speed.  With
``--verify``, then for the default setting: the pairs with ``MIN_HITS`` shared buckets
whose best window agreement (``unspun.fingerprint.best_window_agreement``) reaches
each threshold — the numbers behind ``MIN_HITS`` and ``MIN_WINDOW_SIMILARITY``
(a few minutes: one signature comparison per pair).

    .venv/bin/python benchmarks/fingerprint_params.py [PAN_ROOT] [--verify]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from unspun.errors import UnspunError  # noqa: E402
from unspun.evaluation.datasets import pan13_dir  # noqa: E402
from unspun.evaluation.pan_scan import TARGETS, _key, iter_pan_documents, read_pair_lists  # noqa: E402
from unspun.fingerprint import band_keys, best_window_agreement, fingerprint  # noqa: E402
from unspun.params import DEFAULT_PARAMS as DEFAULTS, FingerprintParams  # noqa: E402

DEFAULT_PARAMS = DEFAULTS.fingerprint
MAX_BUCKET = DEFAULTS.candidates.max_bucket
MIN_HITS = DEFAULTS.candidates.min_hits
MIN_WINDOW_SIMILARITY = DEFAULTS.candidates.min_window_similarity

SETTINGS = [
    FingerprintParams(shingle=3, content_words=False, window=40, step=20, num_perm=32, bands=8),
    FingerprintParams(shingle=2, content_words=True, window=24, step=12, num_perm=32, bands=8),
    FingerprintParams(shingle=1, content_words=True, window=24, step=12, num_perm=32, bands=8),
    FingerprintParams(shingle=1, content_words=True, window=24, step=12, num_perm=32, bands=16),
    FingerprintParams(shingle=1, content_words=True, window=32, step=16, num_perm=32, bands=8),
    FingerprintParams(shingle=1, content_words=True, window=16, step=8, num_perm=32, bands=8),
    FingerprintParams(shingle=1, content_words=True, window=24, step=12, num_perm=64, bands=16),
    FingerprintParams(shingle=1, content_words=True, window=24, step=12, num_perm=36, bands=12),
    FingerprintParams(shingle=1, content_words=True, window=24, step=12, num_perm=36, bands=18),  # the default
]


def candidate_pairs(keys: np.ndarray, owner: np.ndarray, min_hits: int = 1) -> dict[tuple[int, int], int]:
    flat_k = keys.reshape(-1)
    flat_d = np.repeat(owner, keys.shape[1])
    order = np.lexsort((flat_d, flat_k))
    k, d = flat_k[order], flat_d[order]
    # one (key, doc) row per document
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    k, d = k[keep], d[keep]
    bounds = np.flatnonzero(np.r_[True, k[1:] != k[:-1], True])
    counts: dict[tuple[int, int], int] = {}
    for s, e in zip(bounds[:-1], bounds[1:]):
        if e - s < 2 or e - s > MAX_BUCKET:
            continue
        ds = d[s:e].tolist()
        for i in range(len(ds)):
            for j in range(i + 1, len(ds)):
                p = (ds[i], ds[j])
                counts[p] = counts.get(p, 0) + 1
    return {p: c for p, c in counts.items() if c >= min_hits}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    try:
        root = pan13_dir(args[0] if args else None)  # the argument, $UNSPUN_PAN13_DIR, ../shared/data/pan13-train
    except UnspunError as err:
        raise SystemExit(f"fingerprint_params: {err}") from None
    lists = read_pair_lists(root)
    docs = list(iter_pan_documents(root))
    ids = [d.id for d in docs]
    texts = [d.text for d in docs]
    print(f"{len(docs)} documents, {sum(map(len, texts)) / 1e6:.1f} M chars")
    positives = {c: lists.with_cases[c] for c in TARGETS}
    all_listed = set().union(*lists.listed.values())
    header = f"{'setting':44} {'rows/doc':>8} {'docs/s':>7} {'02':>6} {'03':>6} {'04':>6} {'05c':>6} {'cand pairs':>10} {'unlisted':>8} {'cand(hits>=2)':>13} {'03@2':>6} {'04@2':>6}"
    print(header)
    for p in SETTINGS:
        t = time.perf_counter()
        fp = fingerprint(texts, p)
        keys = band_keys(fp.signatures, p)
        dt = time.perf_counter() - t
        counts = candidate_pairs(keys, fp.owner)
        named = {_key(ids[a], ids[b]): c for (a, b), c in counts.items()}
        rec = {c: len(positives[c] & named.keys()) / len(positives[c]) for c in positives}
        two = {k for k, c in named.items() if c >= 2}
        rec2 = {c: len(positives[c] & two) / len(positives[c]) for c in positives}
        unlisted = sum(1 for k in named if k not in all_listed)
        name = f"k={p.shingle} cw={int(p.content_words)} w={p.window}/{p.step} perm={p.num_perm} b={p.bands}x{p.rows}"
        print(
            f"{name:44} {len(fp.owner) * p.bands / len(docs):8.0f} {len(docs) / dt:7.0f} "
            f"{rec['02-no-obfuscation']:6.1%} {rec['03-random-obfuscation']:6.1%} {rec['04-translation-obfuscation']:6.1%} "
            f"{rec['05-summary-obfuscation']:6.1%} {len(named):10d} {unlisted:8d} {len(two):13d} "
            f"{rec2['03-random-obfuscation']:6.1%} {rec2['04-translation-obfuscation']:6.1%}",
            flush=True,
        )
    if "--verify" in sys.argv:
        verify(ids, texts, positives, all_listed)


def verify(ids, texts, positives, all_listed) -> None:
    """Candidates of the default setting after the window-signature check, for several thresholds."""
    p = DEFAULT_PARAMS
    fp = fingerprint(texts, p)
    counts = candidate_pairs(band_keys(fp.signatures, p), fp.owner, MIN_HITS)
    bounds = np.searchsorted(fp.owner, np.arange(len(ids) + 1))
    sig = [fp.signatures[bounds[i] : bounds[i + 1]] for i in range(len(ids))]
    t = time.perf_counter()
    agree = {_key(ids[a], ids[b]): best_window_agreement(sig[a], sig[b]) for a, b in counts}
    dt = time.perf_counter() - t
    print()
    print(f"default setting, pairs with >= {MIN_HITS} shared buckets: {len(agree)} "
          f"({1000 * dt / max(1, len(agree)):.2f} ms per signature comparison)")
    print(f"{'best window agreement':>24} {'02':>6} {'03':>6} {'04':>6} {'05c':>6} {'pairs':>8} {'unlisted':>8}")
    chosen = round(MIN_WINDOW_SIMILARITY * p.num_perm)
    for need in range(chosen - 2, chosen + 3):
        kept = {k for k, v in agree.items() if v >= need}
        rec = {c: len(positives[c] & kept) / len(positives[c]) for c in positives}
        mark = "  <- min_window_similarity" if need == chosen else ""
        print(f"{f'>= {need}/{p.num_perm}':>24} {rec['02-no-obfuscation']:6.1%} {rec['03-random-obfuscation']:6.1%} "
              f"{rec['04-translation-obfuscation']:6.1%} {rec['05-summary-obfuscation']:6.1%} {len(kept):8d} "
              f"{sum(1 for k in kept if k not in all_listed):8d}{mark}", flush=True)


if __name__ == "__main__":
    main()
