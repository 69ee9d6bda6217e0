"""The steps of a scan: pure functions from earlier steps' outputs (:mod:`.batches`) to a new output.

Each runs unchanged wherever an executor puts it (this process, a pool process, a Dask worker).  Every
step is deterministic (fixed MinHash seeds, sorted pairs, stable CRC-32 partitioning), so a step that is
lost with its worker is recomputed with the same result.
"""
from __future__ import annotations

import time
import zlib
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..fingerprint import fingerprint_batch, usable_documents
from ..params import CandidateParams, ScanParams
from ..types import Document
from .ann import KeyedShard, ann_build, embed_batch, neighbour_pairs
from .batches import AlignOptions, Aligned, AnnPairs, BandRows, DocPart, DocStore, Groups, Joined, PairBlock, Prepared, Stats, Vectors
from .boilerplate import Boilerplate
from .candidates import Pair, bucket_pair_counts, merge_counts, oversize_of_rows, verify_pairs
from .executors.base import load_embedder
from .inputs import FileRef, load_batch, write_text
from .matches import align_pairs, judge_matches, keep_linked, light, match_line


def _cpu() -> float:
    return time.thread_time()


def stable_part(s: str, n: int) -> int:
    """The partition (0..n-1) of a string: CRC-32 of its UTF-8 bytes, the same in every process."""
    return zlib.crc32(s.encode("utf-8", "surrogatepass")) % n if n > 1 else 0


def pick(result: Any, name: str, index: int | None = None) -> Any:
    """One field (or one partition of a field) of a step's result: what travels to the next step."""
    v = getattr(result, name)
    return v if index is None else v[index]


# --------------------------------------------------------------------------- prepare (a scan of files)


def prepare(batch_no: int, batch: Sequence[Document | FileRef], params: ScanParams, embedder_name: str | None,
            parts: int, fields: tuple[str, str] = ("text", "id")) -> Prepared:
    """Load a batch (``fields``: the JSONL text and id fields), keep its usable documents (the rule of
    ``Index.add``), fingerprint them, embed their passages, and split band rows and documents by partition."""
    t0 = _cpu()
    loaded, sink = load_batch(batch, fields)
    docs, skipped = usable_documents(loaded)
    problems = sink.problems + [(i, why, why) for i, why in skipped]
    t1 = _cpu()
    records = fingerprint_batch(docs, params.fingerprint)
    ids = [d.id for d in docs]
    keys = np.concatenate([r.keys for r in records]) if records else np.zeros(0, dtype=np.int64)
    owners = np.repeat(np.arange(len(records), dtype=np.int32), [len(r.keys) for r in records])  # rows in any order
    t2 = _cpu()
    emb = embed_batch(docs, load_embedder(embedder_name), params.candidates.passage_chars)
    t3 = _cpu()
    which = keys % parts
    rows = [BandRows(ids, keys[which == p], owners[which == p]) for p in range(parts)]
    doc_parts = [DocPart({}, {}, embedder_name) for _ in range(parts)]
    for d, r in zip(docs, records):
        part = doc_parts[stable_part(d.id, parts)]
        part.docs[d.id] = d
        part.sigs[d.id] = r.signatures
    vec_ids = [doc_id for doc_id, spans, _v in emb for _ in spans]
    vecs = np.concatenate([v for _i, _s, v in emb]).astype("<f2") if emb else np.zeros((0, 0), dtype="<f2")
    stats = Stats(len(docs), sum(len(d.text) for d in docs), int(sum(len(r.signatures) for r in records)), len(keys),
                  len(vec_ids), int(vecs.shape[1]) if vecs.ndim == 2 else 0, problems, sink.ignored,
                  {"load": t1 - t0, "fingerprint": t2 - t1, "embed": t3 - t2})
    return Prepared(batch_no, {r.id: len(r.keys) for r in records}, rows, doc_parts, Vectors(batch_no, vec_ids, vecs), stats)


def merge_parts(*parts: DocPart) -> DocPart:
    """One document partition from every batch's share of it (a later batch's version of an id wins)."""
    out = DocPart({}, {}, next((p.embedder_name for p in parts), None))
    for p in parts:
        out.docs.update(p.docs)
        out.sigs.update(p.sigs)
    return out


def merge_dicts(*parts: dict[str, Any]) -> dict[str, Any]:
    """Every batch's mapping as one (a later batch's value of a key wins)."""
    out: dict[str, Any] = {}
    for p in parts:
        out.update(p)
    return out


# --------------------------------------------------------------------------- band join


def band_join(pair_parts: int, params: CandidateParams, *parts: BandRows) -> Joined:
    """The band join of one band partition: every batch's rows, each row's document numbered by the rank
    of its id, are counted into pairs (:func:`~.candidates.bucket_pair_counts`: the ordinary pairs of
    buckets up to ``max_bucket`` documents, the star evidence of larger ones), which travel to their pair
    partition as a :class:`PairBlock` (not as a Python tuple each).  A bucket lies wholly in one band
    partition, so its hubs are its lowest ids and its size is known here: the keys of the buckets larger
    than ``max_bucket`` (``oversize``) go to the align steps, which drop boilerplate passages on them."""
    t0 = _cpu()
    n_rows = sum(len(p.keys) for p in parts)
    empty = np.zeros(0, dtype=np.int64)
    blocks = [PairBlock([], empty, empty, empty, empty) for _ in range(pair_parts)]
    if not n_rows:
        return Joined(blocks, empty, 0, 0, 0, _cpu() - t0)
    names = sorted({i for p in parts if len(p.keys) for i in p.ids})
    rank = {i: r for r, i in enumerate(names)}
    owners = np.concatenate([np.fromiter((rank[i] for i in p.ids), dtype=np.int64, count=len(p.ids))[p.owners]
                             for p in parts if len(p.keys)])
    keys = np.concatenate([p.keys for p in parts if len(p.keys)])
    a, b, n, st = bucket_pair_counts(keys, owners, params.max_bucket, params.star_hubs)
    oversize = oversize_of_rows(keys, owners, params.max_bucket)
    part_of = np.array([stable_part(i, pair_parts) for i in names], dtype=np.int64)
    q = part_of[a] if len(a) else empty
    for p in range(pair_parts):
        sel = q == p
        used = np.unique(np.concatenate([a[sel], b[sel]]))
        blocks[p] = PairBlock([names[i] for i in used.tolist()], np.searchsorted(used, a[sel]),
                              np.searchsorted(used, b[sel]), n[sel], st[sel])
    # pairs before counting, as one per shared bucket (and as one per star bucket)
    return Joined(blocks, oversize, n_rows, int(n.sum()), int(st.sum()), _cpu() - t0)


def concat_keys(*parts: np.ndarray) -> np.ndarray:
    """The oversize band keys of every band partition, as one sorted array (a bucket lies in one partition)."""
    return np.sort(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])) if parts else np.zeros(0, dtype=np.int64)


# --------------------------------------------------------------------------- ANN (a scan of files)


def _vec_key(batch_no: int, i: int) -> int:
    return (batch_no << 32) | i


def ann_shard(*vectors: Vectors) -> tuple[bytes, dict[int, str], float]:
    """A usearch index (:func:`~.ann.ann_build`) over the vectors of some batches, serialised, with the
    document of each key and the CPU-seconds it took."""
    t0 = _cpu()
    keys: list[int] = []
    owners: dict[int, str] = {}
    mats = []
    for v in vectors:
        for i, doc_id in enumerate(v.ids):
            k = _vec_key(v.batch, i)
            keys.append(k)
            owners[k] = doc_id
        if len(v.ids):
            mats.append(v.vecs.astype(np.float32))
    mat = np.concatenate(mats) if mats else np.zeros((0, 0), dtype=np.float32)
    ann = ann_build(np.asarray(keys, dtype=np.uint64), mat)
    return (bytes(ann.save()) if len(keys) else b""), owners, _cpu() - t0


def ann_query(pair_parts: int, params: CandidateParams, query: Vectors, *shards: tuple[bytes, dict[int, str], float]) -> AnnPairs:
    """Search one batch's vectors in every shard, keep each vector's nearest over all shards as ANN pairs
    (:func:`~.ann.neighbour_pairs`; ``ann_neighbours`` + 1: a vector finds itself), split by pair partition."""
    from usearch.index import Index as UIndex

    t0 = _cpu()
    pairs: list[Pair] = []
    if len(query.ids):
        found = [KeyedShard(UIndex.restore(data), owners) for data, owners, _cpu_s in shards if data]
        pairs = neighbour_pairs(query.ids, query.vecs, found, params.ann_neighbours + 1, params)
    parts: list[list[Pair]] = [[] for _ in range(pair_parts)]
    for p in pairs:
        parts[stable_part(p[0], pair_parts)].append(p)
    return AnnPairs(parts, len(pairs), _cpu() - t0)


# --------------------------------------------------------------------------- dedupe


def dedupe(doc_parts: int, params: CandidateParams, key_counts: dict[str, int], *sources: PairBlock | list[Pair]) -> Groups:
    """Deduplicate one pair partition — band-join blocks and ANN pair lists — into the candidate pairs
    (:func:`~.candidates.merge_counts`; star evidence admitted on ``key_counts``, every document's distinct
    band keys: a pair's counts from every band partition meet here), grouped by the document partitions of
    their two sides (so an align step needs two document partitions).  Band-join counts are summed in
    numpy; only the pairs kept become tuples."""
    blocks = [x for x in sources if isinstance(x, PairBlock)]
    tuples = [p for x in sources if not isinstance(x, PairBlock) for p in x]
    names = sorted({i for blk in blocks for i in blk.names})
    span = max(1, len(names))
    codes, hits, stars = [], [], []
    for blk in blocks:
        if len(blk.a):
            at = np.searchsorted(names, blk.names)  # this block's positions -> the partition's
            codes.append(np.asarray(at)[blk.a] * span + np.asarray(at)[blk.b])
            hits.append(blk.n)
            stars.append(blk.star)
    if len(codes) == 1:  # one band partition: its pairs are unique and sorted already
        uniq, total, star = codes[0], np.asarray(hits[0], dtype=np.int64), np.asarray(stars[0], dtype=np.int64)
    elif codes:
        uniq, inv = np.unique(np.concatenate(codes), return_inverse=True)
        total = np.bincount(inv, weights=np.concatenate(hits), minlength=len(uniq)).astype(np.int64)
        star = np.bincount(inv, weights=np.concatenate(stars), minlength=len(uniq)).astype(np.int64)
    else:
        uniq, total, star = (np.zeros(0, dtype=np.int64),) * 3
    kc = np.fromiter((key_counts.get(i, 0) for i in names), dtype=np.int64, count=len(names)) if star.any() else None
    pairs = merge_counts(names, uniq // span, uniq % span, total, tuples, params,
                         star=star if kc is not None else None, key_counts=kc)
    groups: Groups = {}
    for p in pairs:
        groups.setdefault((stable_part(p[0], doc_parts), stable_part(p[1], doc_parts)), []).append(p)
    return groups


def group_sizes(groups: Groups) -> dict[tuple[int, int], int]:
    return {k: len(v) for k, v in sorted(groups.items())}


def group_slice(groups: Groups, key: tuple[int, int], start: int, end: int) -> list[Pair]:
    return groups[key][start:end]


def all_pairs(*groups: Groups) -> list[Pair]:
    """Every pair of every group, sorted."""
    return sorted(p for g in groups for pairs in g.values() for p in pairs)


# --------------------------------------------------------------------------- align


def align_chunk(part_no: int, pairs: list[Pair], store_a: DocStore, store_b: DocStore, oversize: np.ndarray,
                params: ScanParams, options: AlignOptions) -> Aligned:
    """Verify a chunk of pairs on their window signatures (:func:`~.candidates.verify_pairs`), align and
    judge the rest (:func:`~.matches.align_pairs`; boilerplate passages dropped on the ``oversize`` band
    keys, :class:`~.boilerplate.Boilerplate`), keep the linked ones (``params.min_coverage``), write them as
    ``out/pairs/part-NNNNN.jsonl`` and return them.  Writing is idempotent: a retried step rewrites the
    same file."""
    t0 = _cpu()

    def fetch(i: str) -> Document | None:
        return store_a.document(i) or store_b.document(i)

    @lru_cache(maxsize=512)
    def signatures(i: str) -> np.ndarray | None:
        s = store_a.signatures(i)
        return s if s is not None else store_b.signatures(i)

    verified = verify_pairs(pairs, signatures, params.candidates)
    boilerplate = Boilerplate(oversize, signatures, params.fingerprint, params.candidates)
    embedder = store_a.embedder() if params.align is not None and params.align.use_embeddings else None
    matches = keep_linked(align_pairs(verified, fetch, params=params, embedder=embedder, judge=False,
                                      boilerplate=boilerplate), params.min_coverage)
    matches.sort(key=lambda m: (m.a.id, m.b.id))
    if options.judge:  # the linked pairs only, in one pass (each document's side built once)
        matches = judge_matches(matches)
    path = None
    if options.out is not None:
        path = f"{options.out.rstrip('/')}/pairs/part-{part_no:05d}.jsonl"
        write_text(path, "".join(match_line(m) + "\n" for m in matches))
    return Aligned(matches if options.keep_matches else [light(m) for m in matches],
                   verified if options.keep_verified else [], len(pairs), len(verified), path, _cpu() - t0)
