"""Passage vectors and their nearest neighbours: the ANN candidates (paraphrases that share few words).

One usearch index (HNSW, cosine, float16) per shard of vectors; a query's neighbours over several
shards are merged.  ``Index.check``, the index's vector cache and every executor use these functions.
"""
from __future__ import annotations

import re
from typing import Any, Protocol, Sequence

import numpy as np

from ..params import DEFAULT_PARAMS, CandidateParams
from ..types import Document
from .candidates import Pair

_BREAK = re.compile(r"""[.!?…]+["'”’)\]]*\s+|\n\s*\n""")


def passages_for_vectors(text: str, max_chars: int = DEFAULT_PARAMS.candidates.passage_chars) -> list[tuple[int, int]]:
    """Character ranges of the passages that are embedded: runs of sentences up to ``max_chars``.

    Sentences are cut at end punctuation followed by space and at blank lines (a
    cheaper cut than :func:`unspun.text.sentences`; vectors only need rough passages).
    """
    out: list[tuple[int, int]] = []
    start = 0
    last = 0
    for m in _BREAK.finditer(text):
        if m.end() - start > max_chars and last > start:
            out.append((start, last))
            start = last
        last = m.end()
    if len(text) - start > max_chars and last > start:
        out.append((start, last))
        start = last
    out.append((start, len(text)))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


Embedded = tuple[str, list[tuple[int, int]], np.ndarray]  # (doc id, passage spans, float32 vectors)


def embed_batch(docs: Sequence[Document], embedder: Any,
                max_chars: int = DEFAULT_PARAMS.candidates.passage_chars) -> list[Embedded]:
    """``(doc id, passage spans, float32 vectors)`` for each document with a passage (one encode call for
    the batch).  Stored and searched as float16, as the index does."""
    if embedder is None or not docs:
        return []
    spans = [passages_for_vectors(d.text, max_chars) for d in docs]
    texts = [d.text[s:e] for d, sp in zip(docs, spans) for s, e in sp]
    if not texts:
        return []
    vecs = np.asarray(embedder.encode(texts), dtype=np.float32)
    out = []
    i = 0
    for d, sp in zip(docs, spans):
        out.append((d.id, sp, vecs[i : i + len(sp)]))
        i += len(sp)
    return out


def ann_build(keys: np.ndarray, vectors: np.ndarray) -> Any:
    """A usearch (HNSW, cosine, float16) index of ``vectors`` under the uint64 ``keys``, added in the order given.

    Built on one thread: a multi-threaded HNSW build links the graph in a different order on every
    run (different neighbours for ~5% of queries), and the scan must give the same answer every time.
    The graph does not depend on the key values, only on the vectors and their order."""
    from usearch.index import Index as UIndex

    vectors = np.asarray(vectors, dtype=np.float32)
    dim = vectors.shape[1] if vectors.ndim == 2 and len(vectors) else 0
    ann = UIndex(ndim=max(dim, 1), metric="cos", dtype="f16")
    if len(vectors):
        ann.add(np.asarray(keys, dtype=np.uint64), vectors, threads=1)
    return ann


def ann_search(ann: Any, queries: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` nearest keys of each query in ``ann`` and their cosine similarities, as 2-D arrays
    (``len(queries)`` rows; fewer columns when the index is smaller)."""
    q = np.asarray(queries, dtype=np.float32)
    if ann is None or len(ann) == 0 or len(q) == 0:
        return np.zeros((len(q), 0), dtype=np.uint64), np.zeros((len(q), 0), dtype=np.float64)
    res = ann.search(q, min(count, len(ann)))
    keys = np.atleast_2d(res.keys)
    sims = 1.0 - np.atleast_2d(res.distances).astype(np.float64)
    return keys, sims


def ann_pairs(
    ids: Sequence[str],
    neighbours: Sequence[Sequence[str]],
    similarities: Sequence[Sequence[float]],
    threshold: float,
) -> list[Pair]:
    """Pairs from nearest-neighbour search over embeddings: ``neighbours[i]`` (with cosine
    ``similarities[i]``) are the neighbours found for ``ids[i]``; each at or above ``threshold`` is one
    piece of evidence, ``(a, b, 0, 1)`` (a neighbour without an id, one no longer stored, is skipped)."""
    out: list[Pair] = []
    for a, ns, ss in zip(ids, neighbours, similarities):
        for b, s in zip(ns, ss):
            if b and b != a and s >= threshold:
                out.append((min(a, b), max(a, b), 0, 1))
    return out


class Shard(Protocol):
    """Vectors that can be searched: ``search(queries, count)`` gives, per query, the ids of its
    ``count`` nearest vectors' documents ("" for one no longer known) and their cosine similarities."""

    def search(self, queries: np.ndarray, count: int) -> tuple[list[list[str]], list[list[float]]]: ...


#: vectors searched per usearch call
QUERY_CHUNK = 1024


def neighbour_pairs(ids: Sequence[str], queries: np.ndarray, shards: Sequence[Shard], count: int,
                    params: CandidateParams = DEFAULT_PARAMS.candidates) -> list[Pair]:
    """The ANN pairs of the passage vectors ``queries`` (``ids[i]``: the document of ``queries[i]``):
    each vector's ``count`` nearest over every shard (one shard's answer as it is), the neighbours at
    cosine ``params.ann_threshold`` or more (:func:`ann_pairs`)."""
    q = np.asarray(queries, dtype=np.float32)
    out: list[Pair] = []
    for s in range(0, len(q), QUERY_CHUNK):
        found = [sh.search(q[s : s + QUERY_CHUNK], count) for sh in shards]
        if len(found) == 1:
            neighbours, sims = found[0]
        else:
            neighbours, sims = [], []
            for i in range(len(q[s : s + QUERY_CHUNK])):
                best = sorted((-float(x), o) for ns, ss in found for o, x in zip(ns[i], ss[i]))[:count]
                neighbours.append([o for _x, o in best])
                sims.append([-x for x, _o in best])
        out += ann_pairs(ids[s : s + QUERY_CHUNK], neighbours, sims, params.ann_threshold)
    return out


class KeyedShard:
    """A usearch index whose keys name documents through ``owners`` (key -> doc id)."""

    def __init__(self, ann: Any, owners: dict[int, str]):
        self.ann, self.owners = ann, owners

    def search(self, queries: np.ndarray, count: int) -> tuple[list[list[str]], list[list[float]]]:
        keys, sims = ann_search(self.ann, queries, count)
        return [[self.owners.get(int(k), "") for k in row] for row in keys.tolist()], sims.tolist()
