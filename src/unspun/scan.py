"""The corpus scan as stages over batches of plain data — one step contract for every executor.

Each stage is a pure function of its inputs (no database, no globals), so the
embedded :meth:`unspun.Index.scan` and a distributed executor (Dask) run the
very same code and get the same answers; only the plumbing between the stages
differs::

    documents ──fingerprint_batch──► records ──band_rows──► (band_key, doc_id)
        ──group by band_key (the shuffle)──► groups ──candidate_pairs──► pairs
                                                   ──star_pairs──► star evidence ──admit_star_pairs──► pairs
    vectors ──ann_pairs──► pairs
    pairs ──dedupe_pairs──► sorted unique pairs ──verify_pairs (window signatures)──► candidates
        ──align_pairs──► matches ──link_clusters──► clusters (largest first)

Stage inputs and outputs are tuples, lists, strings, ints and numpy arrays: they
pickle, and they sort.  Importing this module does not import SQLite.
"""
from __future__ import annotations

import re

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .fingerprint import DEFAULT_PARAMS, FingerprintParams, band_keys, best_window_agreement, fingerprint
from .types import Cluster, Document, Match

#: Band buckets holding more documents than this make no ordinary candidate pairs: they would cost a
#: quadratic number of alignments.  Such a bucket is boilerplate (licence text, a wire-service footer) or a
#: story syndicated to many outlets; it gives star evidence instead (``STAR_HUBS``, ``STAR_MIN_SHARE``).
MAX_BUCKET = 50
#: A bucket larger than ``MAX_BUCKET`` pairs each member with its ``STAR_HUBS`` lowest-id members only (a
#: linear number of pairs).  The same hubs recur in every bucket of a syndicated story, so its copies stay
#: connected through them ...
STAR_HUBS = 3
#: ... and such star evidence makes a candidate only where the buckets the pair shares (star and ordinary)
#: number at least ``MIN_HITS`` and this share of the smaller document's distinct band keys.  Measured with
#: ``benchmarks/syndication.py --shares --pan``: a syndicated copy shares 0.98-0.99 of its keys with the
#: hubs; unrelated articles ending in one identical 3-sentence footer 0.05-0.21 (median 0.09); in PAN 2013,
#: 107 of 181,784 star pairs reach 0.5 (all of them candidates through ordinary buckets already).  0.5 sits
#: in the wide gap: a copy may lose half its text to edits and still be admitted.
STAR_MIN_SHARE = 0.5
#: ``Index.check`` counts every member of a bucket larger than ``MAX_BUCKET`` (the query's own buckets only:
#: linear), up to buckets of this many members; larger ones are skipped.
STAR_MAX_READ = 5000
#: A pair of documents must share at least this many band buckets to be a candidate ...
MIN_HITS = 3
#: ... and then one window of each must agree on at least this share of their MinHash values (an estimated
#: Jaccard similarity; 9 of 36 values).  Two-row bands find windows down to a Jaccard similarity of about
#: 0.25 (spun and translated passages), and most of their random collisions are dropped here, before the
#: far dearer alignment.  Chosen with the PAN 2013 corpus: ``benchmarks/fingerprint_params.py --verify``.
MIN_WINDOW_SIMILARITY = 0.25
#: ANN neighbours of a passage with at least this cosine similarity are evidence of a pair ...
ANN_THRESHOLD = 0.80
ANN_NEIGHBOURS = 8
#: ... and a pair with this many such neighbours is a candidate whatever its signatures say (a paraphrase
#: that shares few words).
ANN_MIN_HITS = 2
#: Passages embedded per document: sentences grouped up to this many characters.
PASSAGE_CHARS = 600

Pair = tuple[str, str, int, int]  # (id_a, id_b, shared band buckets, near passage vectors) with id_a < id_b


def content_hash(text: str) -> str:
    """The identity of a text (SHA-256 of its UTF-8 bytes, hex): re-adding an unchanged text is a no-op."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class DocRecord:
    """A fingerprinted document: its window signatures and the distinct LSH band keys of its windows."""

    id: str
    content_hash: str
    signatures: np.ndarray  # uint32 (windows, num_perm)
    keys: tuple[int, ...]  # sorted distinct band keys


# --------------------------------------------------------------------------- fingerprint


def fingerprint_batch(docs: Sequence[Document], params: FingerprintParams = DEFAULT_PARAMS) -> list[DocRecord]:
    """Fingerprint a batch of documents (one rensa call for the whole batch)."""
    fp = fingerprint([d.text for d in docs], params)
    keys = band_keys(fp.signatures, params)
    out: list[DocRecord] = []
    # windows of one document are contiguous in fp.owner
    bounds = np.searchsorted(fp.owner, np.arange(len(docs) + 1))
    for i, d in enumerate(docs):
        s, e = int(bounds[i]), int(bounds[i + 1])
        ks = tuple(np.unique(keys[s:e]).tolist())
        out.append(DocRecord(d.id, content_hash(d.text), fp.signatures[s:e], ks))
    return out


def band_rows(records: Iterable[DocRecord]) -> list[tuple[int, str]]:
    """``(band_key, doc_id)`` rows, one per distinct key of each document, sorted."""
    return sorted((k, r.id) for r in records for k in r.keys)


def group_rows(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """The local shuffle: group ``(band_key, doc_id)`` rows sorted by key into ``(key, sorted ids)``.
    (Dask does the same with a groupby on the key.)"""
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
    """The star evidence of the buckets larger than ``max_bucket`` (which make no :func:`candidate_pairs`):
    every member paired with each of the bucket's ``hubs`` lowest ids, once per bucket (``(a, b, 1, 0)``,
    a < b).  It counts apart from the ordinary pairs: only :func:`admit_star_pairs` makes candidates of it."""
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


def admit_star_pairs(
    pairs: Iterable[Pair],
    star: Iterable[Pair],
    key_counts: Mapping[str, int],
    min_share: float = STAR_MIN_SHARE,
    min_hits: int = MIN_HITS,
) -> list[Pair]:
    """The star evidence (:func:`star_pairs`) that counts: a pair's star buckets plus its ordinary shared
    buckets (counted in ``pairs``, e.g. :func:`candidate_pairs`'; ANN pairs add nothing) must number at
    least ``min_hits`` and at least ``min_share`` of the smaller of the two documents' distinct band key
    counts (``key_counts``).  Returns ``(a, b, star buckets, 0)`` for each pair admitted, sorted, to be
    deduplicated with the ordinary pairs (:func:`dedupe_pairs`): a syndicated copy shares nearly all its
    buckets with the hubs, a document sharing only a boilerplate footer few of its own."""
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


def query_bucket_pairs(
    query: str,
    groups: Iterable[tuple[int, Sequence[str]]],
    max_bucket: int = MAX_BUCKET,
    key_counts: Mapping[str, int] | None = None,
    *,
    min_share: float = STAR_MIN_SHARE,
    min_hits: int = MIN_HITS,
    max_read: int = STAR_MAX_READ,
) -> list[Pair]:
    """The pairs of ``query`` with every document sharing one of its buckets, each with the number of
    buckets they share: what :func:`candidate_pairs` + :func:`dedupe_pairs` (with ``min_hits`` 1) give for
    the pairs that contain ``query``, without making the pairs of the other members among themselves.

    With ``key_counts`` (distinct band keys per document, the query's included) a bucket larger than
    ``max_bucket`` (up to ``max_read`` members) counts every member apart, as star evidence with the query
    as its hub, and adds to a pair's count where :func:`admit_star_pairs`' rule admits it (``min_share``,
    ``min_hits``).  ``Index.check`` does the same counting on document numbers in numpy; this is its reference."""
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


def bucket_pair_counts(
    keys: np.ndarray, owners: np.ndarray, max_bucket: int = MAX_BUCKET, hubs: int = STAR_HUBS
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of documents (integer ``owners``) that share band buckets and how many they share, as
    arrays ``(a, b, n, s)`` with ``a < b``, sorted: ``n`` counts the buckets of :func:`candidate_pairs`,
    ``s`` the star evidence of :func:`star_pairs` (``hubs`` lowest-numbered members of each larger bucket)
    — what those stages and :func:`dedupe_pairs` give over the same rows (with owners numbered in id
    order), without a Python object per pair: two-row bands make hundreds of chance pairs per document,
    nearly all of which fail ``MIN_HITS``.  A pair has a row where ``n`` or ``s`` is not zero."""
    keys = np.asarray(keys, dtype=np.int64)
    owners = np.asarray(owners, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if len(keys) == 0:
        return empty, empty, empty, empty
    order = np.lexsort((owners, keys))
    k, o = keys[order], owners[order]
    keep = np.r_[True, (k[1:] != k[:-1]) | (o[1:] != o[:-1])]  # one row per (bucket, document)
    k, o = k[keep], o[keep]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
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


def merge_counts(
    names: Sequence[str],
    a: np.ndarray,
    b: np.ndarray,
    n: np.ndarray,
    extra: Iterable[Pair] = (),
    min_hits: int = MIN_HITS,
    min_ann: int = ANN_MIN_HITS,
    *,
    star: np.ndarray | None = None,
    key_counts: np.ndarray | None = None,
    min_share: float = STAR_MIN_SHARE,
) -> list[Pair]:
    """The sorted candidate pairs from counted band pairs — positions ``a < b`` into the sorted ``names``
    with ``n`` shared buckets, one row per pair in (a, b) order, as :func:`bucket_pair_counts` gives —
    and other evidence (``extra``, e.g. ANN pairs): what :func:`dedupe_pairs` gives over all of them,
    with tuples made only for the pairs kept.  ``star`` (the star evidence of each row) counts where
    :func:`admit_star_pairs` admits it, with ``key_counts[i]`` the distinct band keys of ``names[i]``."""
    span = max(1, len(names))
    codes = np.asarray(a, dtype=np.int64) * span + np.asarray(b, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    if star is not None and len(codes):
        star = np.asarray(star, dtype=np.int64)
        if key_counts is None:
            raise ValueError("star evidence needs the key counts of the documents")
        kc = np.asarray(key_counts, dtype=np.int64)
        total = n + star
        smaller = np.minimum(kc[np.asarray(a, dtype=np.int64)], kc[np.asarray(b, dtype=np.int64)])
        n = np.where((star > 0) & (total >= min_hits) & (total >= min_share * smaller), total, n)
    keep = n >= min_hits
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
    return sorted((x, y, h, v) for (x, y), (h, v) in counts.items() if h >= min_hits or v >= min_ann)


_BREAK = re.compile(r"""[.!?…]+["'”’)\]]*\s+|\n\s*\n""")


def passages_for_vectors(text: str, max_chars: int = PASSAGE_CHARS) -> list[tuple[int, int]]:
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


def embed_batch(docs: Sequence[Document], embedder: Any) -> list[tuple[str, list[tuple[int, int]], np.ndarray]]:
    """``(doc id, passage spans, float32 vectors)`` for each document with a passage (one encode call for
    the batch).  Stored and searched as float16, as the index does."""
    if embedder is None or not docs:
        return []
    spans = [passages_for_vectors(d.text) for d in docs]
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


def dedupe_pairs(pairs: Iterable[Pair], min_hits: int = MIN_HITS, min_ann: int = ANN_MIN_HITS) -> list[Pair]:
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


def verify_pairs(
    pairs: Iterable[Pair],
    signatures: Callable[[str], np.ndarray | None],
    *,
    min_similarity: float = MIN_WINDOW_SIMILARITY,
    min_ann: int = ANN_MIN_HITS,
) -> list[Pair]:
    """The pairs worth aligning: those with ``min_ann`` near passage vectors, and those where a window of
    one document and a window of the other agree on at least ``min_similarity`` of their MinHash values
    (``signatures(id)`` gives a document's window signatures; a pair whose document it no longer finds is
    dropped).  Keeps the order of ``pairs``."""
    out: list[Pair] = []
    for p in pairs:
        if p[3] >= min_ann:
            out.append(p)
            continue
        sa, sb = signatures(p[0]), signatures(p[1])
        if sa is None or sb is None or not len(sa) or not len(sb):
            continue
        if best_window_agreement(sa, sb) >= min_similarity * sa.shape[1] - 1e-9:
            out.append(p)
    return out


# --------------------------------------------------------------------------- boilerplate


def oversize_keys(groups: Iterable[tuple[int, Sequence[str]]], max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """The band keys of the buckets holding more than ``max_bucket`` documents, sorted int64: the text of
    their windows is held by that many documents (boilerplate, or a widely syndicated story)."""
    return np.asarray(sorted(k for k, ids in groups if len(set(ids)) > max_bucket), dtype=np.int64)


def oversize_of_rows(keys: np.ndarray, owners: np.ndarray, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """:func:`oversize_keys` from ``(band key, document)`` rows as two arrays (a row may repeat)."""
    keys = np.asarray(keys, dtype=np.int64)
    owners = np.asarray(owners, dtype=np.int64)
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((owners, keys))
    k, o = keys[order], owners[order]
    k = k[np.r_[True, (k[1:] != k[:-1]) | (o[1:] != o[:-1])]]  # one row per (bucket, document)
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    return k[starts[sizes > max_bucket]]


def held_windows(signatures: np.ndarray, oversize: np.ndarray, params: FingerprintParams = DEFAULT_PARAMS) -> np.ndarray:
    """Per window (a row of ``signatures``): whether at least half of its band keys lie in ``oversize``
    buckets, i.e. whether more than ``MAX_BUCKET`` documents hold that window's text."""
    sig = np.asarray(signatures)
    if sig.ndim != 2 or not len(sig) or not len(oversize):
        return np.zeros(len(sig) if sig.ndim == 2 else 0, dtype=bool)
    keys = band_keys(sig, params)
    return 2 * np.isin(keys, oversize).sum(axis=1) >= keys.shape[1]


HeldWords = tuple[np.ndarray, np.ndarray]  # (start offsets of a text's fingerprinted words, held flags)


def held_words(text: str, signatures: np.ndarray, oversize: np.ndarray, params: FingerprintParams = DEFAULT_PARAMS) -> HeldWords:
    """The fingerprinted words of ``text`` (content words, as :func:`unspun.fingerprint.fingerprint` takes
    them): their start offsets, and whether each lies in a window of ``text`` (``signatures``, its window
    signatures) held by more than ``MAX_BUCKET`` documents (:func:`held_windows`).  No word is held when
    the signatures are not those of this text, or no window is held."""
    from .fingerprint import window_bounds
    from .text import STOPWORDS, words

    held = held_windows(signatures, oversize, params)
    if not held.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    w = words(text)
    pos = [s for s, n in zip(w.starts, w.norms) if not (params.content_words and n in STOPWORDS)]
    n_sh = len(pos) - params.shingle + 1 if len(pos) >= params.shingle else min(1, len(pos))
    bounds = window_bounds(n_sh, params.window, params.step)
    flag = np.zeros(len(pos), dtype=bool)
    if len(bounds) != len(held):  # not the windows of this text: say nothing
        return np.asarray(pos, dtype=np.int64), flag
    for (s, e), h in zip(bounds, held.tolist()):
        if h:  # shingles s..e-1 cover words s..e-1+shingle-1
            flag[s : min(len(pos), e - 1 + params.shingle)] = True
    return np.asarray(pos, dtype=np.int64), flag


def _held_share(spans: Sequence[Any], held: HeldWords) -> list[float]:
    """For each character span: the share of its fingerprinted words that are held (:func:`held_words`)."""
    starts, flag = held
    if not flag.any():
        return [0.0] * len(spans)
    out = []
    for sp in spans:
        lo, hi = np.searchsorted(starts, sp.start, "left"), np.searchsorted(starts, sp.end, "left")
        out.append(float(flag[lo:hi].mean()) if hi > lo else 0.0)
    return out


def boilerplate_passages(
    a: str,
    b: str,
    passages: Sequence[Any],
    sigs_a: np.ndarray,
    sigs_b: np.ndarray,
    oversize: np.ndarray,
    *,
    params: FingerprintParams = DEFAULT_PARAMS,
    min_share: float = STAR_MIN_SHARE,
) -> list[bool]:
    """Which of the aligned ``passages`` (``Passage``: spans ``.a`` into ``a``, ``.b`` into ``b``) are
    boilerplate, and do not link the two texts.  The reference rule:

    * a passage is *widely held* when at least half of its content words, on side a or on side b, lie in
      windows (``sigs_a``/``sigs_b``: the texts' window signatures) with at least half of their band keys in
      ``oversize`` buckets (:func:`held_windows`): its text is held by more than ``MAX_BUCKET`` documents;
    * the widely held passages are boilerplate when together they cover less than ``min_share`` of each
      text (:data:`STAR_MIN_SHARE`, the rule that admits star evidence): a footer is a small part of the
      articles that carry it; a syndicated story, held as widely, is most of each copy and still links."""
    if not passages or not len(oversize):
        return [False] * len(passages)
    return _boilerplate_flags(len(a), len(b), passages, held_words(a, sigs_a, oversize, params),
                              held_words(b, sigs_b, oversize, params), min_share)


def _boilerplate_flags(len_a: int, len_b: int, passages: Sequence[Any], held_a: HeldWords, held_b: HeldWords,
                       min_share: float) -> list[bool]:
    """:func:`boilerplate_passages` from the texts' :func:`held_words`."""
    if not held_a[1].any() and not held_b[1].any():
        return [False] * len(passages)
    share_a, share_b = _held_share([p.a for p in passages], held_a), _held_share([p.b for p in passages], held_b)
    held = [x >= 0.5 or y >= 0.5 for x, y in zip(share_a, share_b)]
    if not any(held):
        return held
    from .api import coverage

    cov_a = coverage([p.a for p, h in zip(passages, held) if h], len_a)
    cov_b = coverage([p.b for p, h in zip(passages, held) if h], len_b)
    if cov_a >= min_share or cov_b >= min_share:
        return [False] * len(passages)
    return held


@dataclass(frozen=True)
class Boilerplate:
    """What :func:`boilerplate_passages` needs beyond the pair: the ``oversize`` band keys of the corpus and
    ``signatures(id)`` (a document's window signatures; None: fingerprint its text again).  It keeps the
    :func:`held_words` of the last documents it saw (candidate pairs come sorted: one side repeats)."""

    oversize: np.ndarray
    signatures: Callable[[str], np.ndarray | None] | None = None
    params: FingerprintParams = DEFAULT_PARAMS
    min_share: float = STAR_MIN_SHARE
    _seen: dict = field(default_factory=dict, compare=False, repr=False)

    def _held(self, d: Document) -> HeldWords:
        key = (d.id, d.text)
        found = self._seen.get(key)
        if found is None:
            s = self.signatures(d.id) if self.signatures is not None else None
            if s is None:
                s = fingerprint_batch([d], self.params)[0].signatures
            found = held_words(d.text, s, self.oversize, self.params)
            if len(self._seen) >= 256:
                self._seen.clear()
            self._seen[key] = found
        return found

    def drop(self, a: Document, b: Document, passages: Sequence[Any]) -> list[Any]:
        """``passages`` without the boilerplate ones (:func:`boilerplate_passages`)."""
        if not passages or not len(self.oversize):
            return list(passages)
        flags = _boilerplate_flags(len(a.text), len(b.text), passages, self._held(a), self._held(b), self.min_share)
        return [p for p, f in zip(passages, flags) if not f]


# --------------------------------------------------------------------------- align and cluster


def align_one(a: Document, b: Document, *, embedder: Any = None, judge: bool = True,
              boilerplate: Boilerplate | None = None) -> Match:
    """Align one pair and judge it, as :func:`unspun.api.compare` does; with ``boilerplate``, its
    boilerplate passages are dropped first (:func:`boilerplate_passages`)."""
    from .align import align

    return finish_match(a, b, align(a.text, b.text, embedder=embedder), judge=judge, boilerplate=boilerplate)


def finish_match(a: Document, b: Document, passages: Sequence[Any], *, judge: bool = True,
                 boilerplate: Boilerplate | None = None) -> Match:
    """The Match of aligned ``passages``: boilerplate passages dropped (with ``boilerplate``), coverage
    counted, and judged (when ``judge`` and a passage is left)."""
    from .api import build_match, judge_match

    if boilerplate is not None:
        passages = boilerplate.drop(a, b, passages)
    m = build_match(a, b, list(passages))
    if judge and m.passages:
        m = judge_match(m)
    return m


def align_pairs(
    pairs: Iterable[Pair],
    fetch: Callable[[str], Document | None],
    *,
    embedder: Any = None,
    judge: bool = True,
    boilerplate: Boilerplate | None = None,
) -> list[Match]:
    """Align every pair (documents looked up with ``fetch``); pairs without a reused passage (boilerplate
    passages dropped, when ``boilerplate`` is given), or with a document ``fetch`` no longer finds, are
    dropped.  Matches come back in the order of ``pairs``."""
    out: list[Match] = []
    for a_id, b_id, *_evidence in pairs:
        a, b = fetch(a_id), fetch(b_id)
        if a is None or b is None:
            continue
        m = align_one(a, b, embedder=embedder, judge=judge, boilerplate=boilerplate)
        if m.passages:
            out.append(m)
    return out


def keep_linked(matches: Iterable[Match], min_coverage: float = 0.0) -> list[Match]:
    """Matches that link their documents: at least one passage and a coverage (of either side) of
    ``min_coverage`` or more."""
    return [m for m in matches if m.passages and m.score >= min_coverage]


def link_clusters(matches: Iterable[Match], min_coverage: float = 0.0) -> list[Cluster]:
    """Connected components of the documents linked by ``matches`` (union-find).

    Deterministic: documents sorted inside a cluster, matches sorted by (a, b),
    clusters ordered largest first, then by their first document id."""
    linked = keep_linked(matches, min_coverage)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in linked:
        ra, rb = find(m.a.id), find(m.b.id)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            parent[hi] = lo
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    by_root: dict[str, list[Match]] = {}
    for m in linked:
        by_root.setdefault(find(m.a.id), []).append(m)
    clusters = [
        Cluster(tuple(sorted(ids)), tuple(sorted(by_root.get(root, []), key=lambda m: (m.a.id, m.b.id))))
        for root, ids in members.items()
    ]
    clusters.sort(key=lambda c: (-len(c.documents), c.documents[0]))
    return clusters
