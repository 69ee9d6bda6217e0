"""The candidate stages: band buckets counted into document pairs, star evidence admitted, pairs merged
with other evidence (ANN neighbours), and verified on window signatures.

Pure functions over numpy arrays and ``Pair`` tuples: the embedded scan, ``Index.check`` and every
executor call these, so each rule exists once.  Their naive references (group the rows, list every
pair of a bucket, count) live in ``tests/reference.py``; the property tests hold these to them.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

from ..fingerprint import best_window_agreement
from ..params import DEFAULT_PARAMS, CandidateParams

Pair = tuple[str, str, int, int]  # (id_a, id_b, shared band buckets, near passage vectors) with id_a < id_b

_DEFAULT = DEFAULT_PARAMS.candidates


def distinct_rows(keys: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(band key, document)`` rows sorted by key then document with repeats dropped, and for each
    bucket its first row and its size: ``(keys, owners, starts, sizes)``."""
    keys = np.asarray(keys, dtype=np.int64)
    owners = np.asarray(owners, dtype=np.int64)
    order = np.lexsort((owners, keys))
    k, o = keys[order], owners[order]
    keep = np.r_[True, (k[1:] != k[:-1]) | (o[1:] != o[:-1])]  # one row per (bucket, document)
    k, o = k[keep], o[keep]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return k, o, starts, np.diff(np.r_[starts, len(k)])


def bucket_pair_counts(
    keys: np.ndarray, owners: np.ndarray, max_bucket: int = _DEFAULT.max_bucket, hubs: int = _DEFAULT.star_hubs
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of documents (integer ``owners``) that share band buckets and how many they share, as
    arrays ``(a, b, n, s)`` with ``a < b``, sorted: ``n`` counts the shared buckets of at most
    ``max_bucket`` documents, ``s`` the star evidence of the larger ones (each member paired with the
    bucket's ``hubs`` lowest-numbered members), without a Python object per pair: two-row bands make
    hundreds of chance pairs per document, nearly all of which fail ``min_hits``.  A pair has a row
    where ``n`` or ``s`` is not zero.  (The reference: ``candidate_pairs`` and ``star_pairs`` in
    ``tests/reference.py``.)"""
    empty = np.zeros(0, dtype=np.int64)
    if len(keys) == 0:
        return empty, empty, empty, empty
    _k, o, starts, sizes = distinct_rows(keys, owners)
    span = int(o.max()) + 1
    codes = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_bucket)]).tolist():
        members = o[starts[sizes == size][:, None] + np.arange(size)]  # (buckets, size), ascending rows
        i, j = np.triu_indices(size, 1)
        codes.append((members[:, i] * span + members[:, j]).ravel())
    star = []
    big, big_sizes = starts[sizes > max_bucket], sizes[sizes > max_bucket]
    for h in range(min(hubs, int(big_sizes.max()) if len(big) else 0)):
        # hub h of each large bucket (its h-th lowest member) with every member after it
        has = big_sizes > h + 1
        hub_row, rest = big[has] + h, big_sizes[has] - h - 1
        offsets = np.cumsum(rest) - rest
        at = np.arange(int(rest.sum())) - np.repeat(offsets, rest) + np.repeat(hub_row + 1, rest)
        star.append(np.repeat(o[hub_row], rest) * span + o[at])
    pairs, counts = np.unique(np.concatenate(codes), return_counts=True) if codes else (empty, empty)
    spairs, scounts = np.unique(np.concatenate(star), return_counts=True) if star else (empty, empty)
    if len(spairs):  # merge two sorted unique code lists: insert the star pairs that have no ordinary row
        at = np.searchsorted(pairs, spairs)
        fresh = (at == len(pairs)) | (pairs[np.minimum(at, len(pairs) - 1)] != spairs) if len(pairs) else np.ones(len(spairs), bool)
        both = np.insert(pairs, at[fresh], spairs[fresh])
        n = np.insert(counts.astype(np.int64), at[fresh], 0)
        s = np.zeros(len(both), dtype=np.int64)
        s[np.searchsorted(both, spairs)] = scounts
    else:
        both, n, s = pairs, counts.astype(np.int64), np.zeros(len(pairs), dtype=np.int64)
    return both // span, both % span, n, s


def oversize_of_rows(keys: np.ndarray, owners: np.ndarray, max_bucket: int = _DEFAULT.max_bucket) -> np.ndarray:
    """The band keys (sorted int64) of the buckets holding more than ``max_bucket`` documents, from
    ``(band key, document)`` rows as two arrays (a row may repeat): the text of their windows is held by
    that many documents (boilerplate, or a widely syndicated story)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    k, _o, starts, sizes = distinct_rows(keys, owners)
    return k[starts[sizes > max_bucket]]


def admitted(shared, count_a, count_b, params: CandidateParams = _DEFAULT):
    """The rule that admits star evidence: the buckets a pair shares (star and ordinary) number at least
    ``params.min_hits`` and at least ``params.star_min_share`` of the smaller of the two documents'
    distinct band key counts.  Numbers or numpy arrays (elementwise)."""
    return (shared >= params.min_hits) & (shared >= params.star_min_share * np.minimum(count_a, count_b))


def dedupe_pairs(pairs: Iterable[Pair], min_hits: int = _DEFAULT.min_hits, min_ann: int = _DEFAULT.ann_min_hits) -> list[Pair]:
    """Merge duplicate pairs (summing both evidence counts), keep those with ``min_hits`` or more shared
    buckets or ``min_ann`` or more near passage vectors, sorted."""
    counts: dict[tuple[str, str], list[int]] = {}
    for a, b, n, v in pairs:
        if a == b:
            continue
        k = (a, b) if a < b else (b, a)
        c = counts.get(k)
        if c is None:
            counts[k] = [n, v]
        else:
            c[0] += n
            c[1] += v
    return sorted((a, b, n, v) for (a, b), (n, v) in counts.items() if n >= min_hits or v >= min_ann)


def merge_counts(
    names: Sequence[str],
    a: np.ndarray,
    b: np.ndarray,
    n: np.ndarray,
    extra: Iterable[Pair] = (),
    params: CandidateParams = _DEFAULT,
    *,
    star: np.ndarray | None = None,
    key_counts: np.ndarray | None = None,
) -> list[Pair]:
    """The sorted candidate pairs from counted band pairs — positions ``a < b`` into the sorted ``names``
    with ``n`` shared buckets, one row per pair in (a, b) order, as :func:`bucket_pair_counts` gives —
    and other evidence (``extra``, e.g. ANN pairs): what :func:`dedupe_pairs` gives over all of them,
    with tuples made only for the pairs kept.  ``star`` (the star evidence of each row) counts where
    :func:`admitted` admits it, with ``key_counts[i]`` the distinct band keys of ``names[i]``."""
    span = max(1, len(names))
    codes = np.asarray(a, dtype=np.int64) * span + np.asarray(b, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    if star is not None and len(codes):
        star = np.asarray(star, dtype=np.int64)
        if key_counts is None:
            raise ValueError("star evidence needs the key counts of the documents")
        kc = np.asarray(key_counts, dtype=np.int64)
        total = n + star
        ok = admitted(total, kc[np.asarray(a, dtype=np.int64)], kc[np.asarray(b, dtype=np.int64)], params)
        n = np.where((star > 0) & ok, total, n)
    keep = n >= params.min_hits
    counts: dict[tuple[str, str], list[int]] = {
        (names[c // span], names[c % span]): [h, 0] for c, h in zip(codes[keep].tolist(), n[keep].tolist())
    }
    rank = {i: r for r, i in enumerate(names)}
    for x, y, hits, v in dedupe_pairs(extra, min_hits=1, min_ann=1):
        c = counts.get((x, y))
        if c is None:  # below min_hits: its shared buckets still count
            lsh = 0
            if x in rank and y in rank:
                code = rank[x] * span + rank[y]
                at = int(np.searchsorted(codes, code))
                lsh = int(n[at]) if at < len(codes) and codes[at] == code else 0
            counts[(x, y)] = c = [lsh, 0]
        c[0] += hits
        c[1] += v
    return sorted((x, y, h, v) for (x, y), (h, v) in counts.items() if h >= params.min_hits or v >= params.ann_min_hits)


def verify_pairs(
    pairs: Iterable[Pair], signatures: Callable[[str], np.ndarray | None], params: CandidateParams = _DEFAULT
) -> list[Pair]:
    """The pairs worth aligning: those with ``params.ann_min_hits`` near passage vectors, and those where
    a window of one document and a window of the other agree on at least ``params.min_window_similarity``
    of their MinHash values (``signatures(id)`` gives a document's window signatures; a pair whose
    document it no longer finds is dropped).  Keeps the order of ``pairs``."""
    out: list[Pair] = []
    for p in pairs:
        if p[3] >= params.ann_min_hits:
            out.append(p)
            continue
        sa, sb = signatures(p[0]), signatures(p[1])
        if sa is None or sb is None or not len(sa) or not len(sb):
            continue
        if best_window_agreement(sa, sb) >= params.min_window_similarity * sa.shape[1] - 1e-9:
            out.append(p)
    return out
