"""Naive reference stages: the plain-Python versions of what the library computes in numpy.

The property tests hold the library to these (RapidFuzz keeps its naive references in its tests the same
way); the library itself never calls them.  Each works on ``(band_key, doc_id)`` rows and
``(id_a, id_b, shared buckets, near vectors)`` pair tuples.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from unspun.params import DEFAULT_PARAMS
from unspun.pipeline.boilerplate import boilerplate_flags, held_words

Pair = tuple[str, str, int, int]
_C = DEFAULT_PARAMS.candidates
MAX_BUCKET, STAR_HUBS, STAR_MIN_SHARE, STAR_MAX_READ, MIN_HITS = (
    _C.max_bucket, _C.star_hubs, _C.star_min_share, _C.star_max_read, _C.min_hits)


def band_rows(records: Iterable[Any]) -> list[tuple[int, str]]:
    """``(band_key, doc_id)`` rows, one per distinct key of each fingerprinted document, sorted."""
    return sorted((int(k), r.id) for r in records for k in r.keys)


def group_rows(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """The shuffle: group ``(band_key, doc_id)`` rows sorted by key into ``(key, sorted ids)``."""
    key: int | None = None
    ids: list[str] = []
    for k, d in rows:
        if k != key:
            if key is not None:
                yield key, sorted(set(ids))
            key, ids = k, []
        ids.append(d)
    if key is not None:
        yield key, sorted(set(ids))


def candidate_pairs(groups: Iterable[tuple[int, Sequence[str]]], max_bucket: int = MAX_BUCKET) -> list[Pair]:
    """Every pair of documents sharing a band bucket, once per shared bucket (``(a, b, 1, 0)``, a < b).
    Buckets larger than ``max_bucket`` are skipped."""
    out: list[Pair] = []
    for _key, ids in groups:
        ids = sorted(set(ids))
        if len(ids) < 2 or len(ids) > max_bucket:
            continue
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                out.append((a, b, 1, 0))
    return out


def star_pairs(groups: Iterable[tuple[int, Sequence[str]]], max_bucket: int = MAX_BUCKET, hubs: int = STAR_HUBS) -> list[Pair]:
    """The star evidence of the buckets larger than ``max_bucket``: every member paired with each of the
    bucket's ``hubs`` lowest ids, once per bucket (``(a, b, 1, 0)``, a < b)."""
    out: list[Pair] = []
    for _key, ids in groups:
        ids = sorted(set(ids))
        if len(ids) <= max_bucket:
            continue
        for i, a in enumerate(ids[:hubs]):
            for b in ids[i + 1 :]:
                out.append((a, b, 1, 0))
    return out


def _admitted(shared: int, count_a: int, count_b: int, min_share: float, min_hits: int) -> bool:
    return shared >= min_hits and shared >= min_share * min(count_a, count_b)


def admit_star_pairs(pairs: Iterable[Pair], star: Iterable[Pair], key_counts: Mapping[str, int],
                     min_share: float = STAR_MIN_SHARE, min_hits: int = MIN_HITS) -> list[Pair]:
    """The star evidence that counts: a pair's star buckets plus its ordinary shared buckets must number
    at least ``min_hits`` and at least ``min_share`` of the smaller of the two documents' distinct band
    key counts.  Returns ``(a, b, star buckets, 0)`` for each pair admitted, sorted."""
    ordinary: dict[tuple[str, str], int] = {}
    for a, b, n, _v in pairs:
        if n and a != b:
            k = (a, b) if a < b else (b, a)
            ordinary[k] = ordinary.get(k, 0) + n
    stars: dict[tuple[str, str], int] = {}
    for a, b, n, _v in star:
        if n and a != b:
            k = (a, b) if a < b else (b, a)
            stars[k] = stars.get(k, 0) + n
    return sorted(
        (a, b, s, 0)
        for (a, b), s in stars.items()
        if _admitted(s + ordinary.get((a, b), 0), key_counts[a], key_counts[b], min_share, min_hits)
    )


def query_bucket_pairs(query: str, groups: Iterable[tuple[int, Sequence[str]]], max_bucket: int = MAX_BUCKET,
                       key_counts: Mapping[str, int] | None = None, *, min_share: float = STAR_MIN_SHARE,
                       min_hits: int = MIN_HITS, max_read: int = STAR_MAX_READ) -> list[Pair]:
    """The pairs of ``query`` with every document sharing one of its buckets, each with the number of
    buckets they share; with ``key_counts`` a bucket larger than ``max_bucket`` (up to ``max_read``
    members) counts every member apart, as star evidence with the query as its hub, admitted by
    :func:`admit_star_pairs`' rule."""
    counts: dict[str, int] = {}
    stars: dict[str, int] = {}
    for _key, ids in groups:
        members = set(ids)
        if query not in members or len(members) < 2:
            continue
        if len(members) <= max_bucket:
            into = counts
        elif key_counts is not None and len(members) <= max_read:
            into = stars
        else:
            continue
        for other in members:
            if other != query:
                into[other] = into.get(other, 0) + 1
    for o, s in stars.items():
        n = counts.get(o, 0)
        if key_counts is not None and _admitted(n + s, key_counts[query], key_counts[o], min_share, min_hits):
            counts[o] = n + s
    return sorted((min(query, o), max(query, o), n, 0) for o, n in counts.items())


def oversize_keys(groups: Iterable[tuple[int, Sequence[str]]], max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """The band keys of the buckets holding more than ``max_bucket`` documents, sorted int64."""
    return np.asarray(sorted(k for k, ids in groups if len(set(ids)) > max_bucket), dtype=np.int64)


def boilerplate_passages(a: str, b: str, passages: Sequence[Any], sigs_a: np.ndarray, sigs_b: np.ndarray,
                         oversize: np.ndarray, *, min_share: float = STAR_MIN_SHARE) -> list[bool]:
    """Which aligned ``passages`` are boilerplate (the rule of :mod:`unspun.pipeline.boilerplate`), from
    the two texts and their window signatures, with nothing kept between calls."""
    if not passages or not len(oversize):
        return [False] * len(passages)
    return boilerplate_flags(len(a), len(b), passages, held_words(a, sigs_a, oversize), held_words(b, sigs_b, oversize),
                             min_share)
