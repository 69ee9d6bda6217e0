"""``Index.check``: one document against everything stored (RapidFuzz's ``extract`` beside ``cdist``).

It reads the same parameters and applies the same rules as the scan (star admission, verification,
boilerplate, alignment: :mod:`unspun.pipeline`), on the query's own buckets only: a query's pairs with
every document sharing one of its band buckets are counted on document numbers in numpy, and only the
few documents that pass are looked up by id.  The reference is ``query_bucket_pairs`` in
``tests/reference.py``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np

from ..fingerprint import DocRecord, band_keys, fingerprint_batch
from ..params import CandidateParams, ScanParams
from ..pipeline.ann import neighbour_pairs, passages_for_vectors
from ..pipeline.boilerplate import Boilerplate
from ..pipeline.candidates import Pair, admitted, dedupe_pairs, verify_pairs
from ..pipeline.matches import finish_match, judge_matches
from ..types import Document, Match

if TYPE_CHECKING:
    from . import Index

Signatures = Callable[[str], "np.ndarray | None"]


def signature_lookup(index: "Index", extra: dict[str, np.ndarray] | None = None, size: int = 4096) -> Signatures:
    """The stored window signatures behind a bounded cache (pairs come sorted, so one side repeats), with
    ``extra`` signatures (a query not in the index) looked up first."""
    cached = lru_cache(maxsize=size)(index.signatures)
    extra = extra or {}

    def lookup(id: str) -> np.ndarray | None:
        return extra[id] if id in extra else cached(id)

    return lookup


def query_pairs(index: "Index", query: str, keys: np.ndarray, params: CandidateParams,
                       also: Iterable[str] = ()) -> list[Pair]:
    """The pairs of ``query`` (its distinct band ``keys``) with the stored documents sharing at least
    ``min_hits`` of its buckets, those whose star evidence (buckets larger than ``max_bucket``, up to
    ``star_max_read`` members, the query as their hub) is :func:`~unspun.pipeline.candidates.admitted`, and
    those named in ``also`` (its ANN neighbours, whose bucket count still counts as evidence), each with
    the number of buckets it shares.  A stored document with the query's id is the query.  One snapshot."""
    store = index.store
    out: list[Pair] = []
    with store.snapshot():
        ks, ds = index.bands.members(keys)
        own = store.docno(query)
        if own is not None and len(ds):
            ks, ds = ks[ds != own], ds[ds != own]
        if not len(ks):
            return out
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        size = np.diff(np.r_[starts, len(ks)]) + 1  # members of each bucket, the query included
        size = np.repeat(size, size - 1)  # ... per row (size >= 2 always)
        docnos, counts = np.unique(ds[size <= params.max_bucket], return_counts=True)
        wanted = set(docnos[counts >= params.min_hits].tolist())
        n_of = dict(zip(docnos.tolist(), counts.tolist()))
        sdocs, scounts = np.unique(ds[(size > params.max_bucket) & (size <= params.star_max_read)], return_counts=True)
        if len(sdocs):  # star evidence: every member of the query's large buckets
            total = scounts + np.fromiter((n_of.get(d, 0) for d in sdocs.tolist()), dtype=np.int64, count=len(sdocs))
            ok = _admitted_stars(store, sdocs, total, len(keys), params)
            for d, t in zip(sdocs[ok].tolist(), total[ok].tolist()):
                n_of[d] = t
                wanted.add(d)
        wanted |= set(store.docnos(set(also) - {query}).values())
        ids = store.ids_of(wanted)
    for d in wanted:
        if d in ids and n_of.get(d):
            o = ids[d]
            out.append((min(query, o), max(query, o), n_of[d], 0))
    return sorted(out)


def _admitted_stars(store, docnos: np.ndarray, total: np.ndarray, query_keys: int, params: CandidateParams) -> np.ndarray:
    """Which of the star-evidence ``docnos`` (sharing ``total`` buckets with the query) are admitted: the
    smaller key count is at most the query's, so only the documents the query's own count does not
    settle have theirs read."""
    sure = admitted(total, query_keys, query_keys, params)
    maybe = ~sure & (total >= params.min_hits)
    others = np.full(len(docnos), query_keys, dtype=np.int64)
    counts = store.key_counts(docnos[maybe].tolist())
    known = np.ones(len(docnos), dtype=bool)
    for i in np.flatnonzero(maybe).tolist():
        d = int(docnos[i])
        known[i] = d in counts
        others[i] = counts.get(d, 0)
    return sure | (maybe & known & admitted(total, query_keys, others, params))


def candidates_of(index: "Index", doc: Document, rec: DocRecord, limit: int, lookup: Signatures,
                  params: ScanParams) -> list[tuple[str, int]]:
    """The candidates of ``doc`` (fingerprinted as ``rec``), ``(id, evidence)`` most evidence first:
    its ANN neighbours and bucket mates, deduplicated and verified as a scan's pairs are."""
    cp = params.candidates
    ann: list[Pair] = []
    if index.embedder is not None:
        spans = passages_for_vectors(doc.text, cp.passage_chars)
        if spans:
            q = np.asarray(index.embedder.encode([doc.text[s:e] for s, e in spans]), dtype=np.float32)
            ann = neighbour_pairs([doc.id] * len(spans), q, [index.vectors], cp.ann_neighbours, cp)
    near = {x for p in ann for x in p[:2]}
    pairs = query_pairs(index, doc.id, np.asarray(rec.keys, dtype=np.int64), cp, also=near) + ann
    found = verify_pairs(dedupe_pairs(pairs, cp.min_hits, cp.ann_min_hits), lookup, cp)
    scored = [(b if a == doc.id else a, n + v) for a, b, n, v in found]
    scored = [(i, n) for i, n in scored if i and i != doc.id]
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:limit]


def query_boilerplate(index: "Index", query: str, rec: DocRecord, stored: Sequence[str], lookup: Signatures,
                      params: ScanParams) -> Boilerplate:
    """What the boilerplate rule needs to judge the passages a query (fingerprinted as ``rec``) shares with
    the ``stored`` documents: the band keys of the query and of those documents whose buckets, the query
    counted in as if it were added, hold more than ``max_bucket`` documents (one bucket lookup for all)."""
    cap = params.candidates.max_bucket
    keys = [np.asarray(rec.keys, dtype=np.int64)]
    for i in stored:
        sig = lookup(i)
        if sig is not None and len(sig):
            keys.append(band_keys(sig, params.fingerprint).ravel())
    keys_all = np.unique(np.concatenate(keys))
    with index.store.snapshot():
        # entries per key, stale ones included (an upper bound, read without the entries): only the few
        # keys that could be over the cap are looked up and counted exactly
        bound = index.bands.size_bound(keys_all) + 1  # + 1: the query, as if it were added
        ks, ds = index.bands.members(keys_all[bound > cap])
        own = index.store.docno(query)
    if own is not None and len(ds):  # a stored document with the query's id is the query
        ks = ks[ds != own]
    uk, n = np.unique(ks, return_counts=True)
    n = n + np.isin(uk, np.asarray(rec.keys, dtype=np.int64))  # the query holds its own keys
    return Boilerplate(uk[n > cap].astype(np.int64), lookup, params.fingerprint, params.candidates)


def check(index: "Index", doc: Document, k: int, max_candidates: int, judge: bool, params: ScanParams) -> list[Match]:
    """The top ``max_candidates`` candidates aligned with ``doc`` (stored side ``a``, query side ``b``),
    boilerplate passages dropped, matches without a passage dropped, ranked by coverage, at most ``k``."""
    from ..align import align

    rec = fingerprint_batch([doc], params.fingerprint)[0]
    aligned: list[tuple[Document, list]] = []
    lookup = signature_lookup(index, {doc.id: rec.signatures}, size=max(64, max_candidates))
    for cand_id, _n in candidates_of(index, doc, rec, max_candidates, lookup, params):
        stored = index.get(cand_id)
        if stored is None:
            continue
        passages = align(stored.text, doc.text, embedder=index.embedder, params=params.align)
        if passages:
            aligned.append((stored, passages))
    boilerplate = query_boilerplate(index, doc.id, rec, [s.id for s, _p in aligned], lookup, params) if aligned else None
    matches: list[Match] = []
    for stored, passages in aligned:
        m = finish_match(stored, doc, passages, judge=False, boilerplate=boilerplate)
        if m.passages:
            matches.append(m)
    matches.sort(key=lambda m: (-m.score, m.a.id))  # coverage: the judge changes neither it nor the passages
    return judge_matches(matches[:k]) if judge else matches[:k]  # only the matches returned, the query's side once
