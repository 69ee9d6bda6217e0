"""Where a scan's documents come from: files read by the workers (:class:`FileSource`), or an index
(:class:`IndexSource`: its stored band rows, signatures and vectors, read in one snapshot).

A source turns itself into a :class:`SourcePlan` on an executor: per band partition the band rows, the
ANN pairs per pair partition, every document's distinct key count (for star evidence), per document
partition where the align steps find documents and signatures, and what it read.  The rest of the
scan (band join, dedupe, align, clusters) is the same whatever the source.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..errors import InputError, StoreError
from ..params import ScanParams
from ..progress import ProgressFn, report
from ..types import Document
from .ann import neighbour_pairs
from .batches import AnnPairs, BandRows, Stats
from .executors.base import Executor, Ready, resolve_embedder_name
from .inputs import BATCH_BYTES, BATCH_DOCS, FileRef, document_batches, expand_inputs, file_batches
from .steps import ann_query, ann_shard, merge_dicts, merge_parts, pick, prepare, stable_part

#: Vectors per ANN shard.  Up to this many vectors a scan of files builds one usearch index over all of
#: them, exactly as the embedded index does; beyond it each shard is searched and the top neighbours are
#: merged (HNSW is approximate, so very large scans may differ in a few ANN pairs).
ANN_SHARD_VECTORS = 2_000_000


@dataclass
class SourcePlan:
    """What a source hands the driver (handles or :class:`Ready` values)."""

    rows: list[list[Any]]  # per band partition: the BandRows of every batch
    ann: list[Any]  # AnnPairs, each split by pair partition
    key_counts: Any  # dict id -> distinct band keys (at least of every member of a bucket over max_bucket)
    stores: list[Any]  # per document partition: a DocStore
    stats: Stats
    here: bool = False  # run the candidate steps in this process (the rows live here)
    release: list[Any] = field(default_factory=list)  # handles to free once the scan is done


class FileSource:
    """Batches of files (read on the workers) or of documents already in memory.  An align step carries at
    most :attr:`align_chunk` pairs (the documents travel with the step's two partitions).

    ``embedder``: ``"auto"`` (the default embedder), a registered name, or None (no passage vectors);
    ``fields``: the JSONL text and id fields.  Problems met while listing the inputs are kept and reported
    with the scan's."""

    def __init__(self, batches: Sequence[Sequence[Document | FileRef]], *, embedder: str | None = "auto",
                 fields: tuple[str, str] = ("text", "id"), ann_shard_vectors: int = ANN_SHARD_VECTORS,
                 problems: Sequence[tuple[str, str, str]] = (), ignored: dict[str, int] | None = None):
        self.align_chunk = 64
        self.batches = [list(b) for b in batches]
        self.embedder_name = resolve_embedder_name(embedder)
        self.fields = fields
        self.ann_shard_vectors = ann_shard_vectors
        self.listed = Stats(problems=list(problems), ignored=dict(ignored or {}))

    @classmethod
    def of_paths(cls, inputs: Sequence[str], *, batch_bytes: int = BATCH_BYTES, **kwargs: Any) -> "FileSource":
        """Files, directories, globs or fsspec URLs (the formats of :mod:`unspun.ingest`), in batches of
        about ``batch_bytes``; an :class:`InputError` when nothing at all can be scanned."""
        plan = expand_inputs(inputs)
        if not plan.files:
            why = "; ".join(f"{s}: {r}" for s, _k, r in plan.problems[:3]) or "no input file of a supported format"
            raise InputError(f"nothing to scan ({why})")
        return cls(file_batches(plan.files, batch_bytes), problems=plan.problems, ignored=plan.ignored, **kwargs)

    @classmethod
    def of_documents(cls, docs: Sequence[Document], *, batch_docs: int = BATCH_DOCS, **kwargs: Any) -> "FileSource":
        """Documents already in memory, in batches of ``batch_docs``."""
        return cls(document_batches(docs, batch_docs), **kwargs)

    def partitions(self, ex: Executor) -> int:
        """Two partitions per worker: the band join, the dedupe and the documents are shared out."""
        return max(1, 2 * ex.workers)

    def plan(self, ex: Executor, params: ScanParams, parts: int, progress: ProgressFn | None) -> SourcePlan:
        prep = [ex.submit(prepare, i, b, params, self.embedder_name, parts, self.fields, name="prepare")
                for i, b in enumerate(self.batches)]
        for done, _h in enumerate(ex.as_completed(prep), 1):
            report(progress, "fingerprint", done, len(prep))
        per_batch = ex.gather([ex.submit(pick, p, "stats", name="stats") for p in prep])
        stats = sum(per_batch, self.listed)
        rows = [[ex.submit(pick, b, "rows", p, name="rows") for b in prep] for p in range(parts)]
        key_counts = ex.submit(merge_dicts, *[ex.submit(pick, b, "key_counts", name="key-counts") for b in prep],
                               name="key-counts")
        stores = [ex.submit(merge_parts, *[ex.submit(pick, b, "docs", h, name="docs") for b in prep], name="doc-partition")
                  for h in range(parts)]
        ann = self._ann(ex, prep, [s.vectors for s in per_batch], params, parts) if stats.vectors else []
        return SourcePlan(rows, ann, key_counts, stores, stats, release=[*prep, key_counts, *stores, *ann])

    def _ann(self, ex: Executor, prep: list[Any], n_vecs: list[int], params: ScanParams, parts: int) -> list[Any]:
        """ANN shards of up to ``ann_shard_vectors`` vectors (whole batches), and each batch's queries."""
        vectors = [ex.submit(pick, b, "vectors", name="vectors") for b in prep]
        shards, cur, cur_n = [], [], 0
        for v, n in zip(vectors, n_vecs):
            if cur and cur_n + n > self.ann_shard_vectors:
                shards.append(ex.submit(ann_shard, *cur, name="ann-shard"))
                cur, cur_n = [], 0
            cur.append(v)
            cur_n += n
        if cur:
            shards.append(ex.submit(ann_shard, *cur, name="ann-shard"))
        return [ex.submit(ann_query, parts, params.candidates, v, *shards, name="ann-query") for v in vectors]


class StoredDocs:
    """An index (an :class:`unspun.Index`) as the align steps' document store.  In this process it reads
    through the index's own handle; pickled to a worker process, it opens a read-only handle on the same
    file there, with the index's own class (once per process)."""

    def __init__(self, index: Any):
        self.opener = type(index)
        self.path, self.instance = str(index.path), index.instance
        self.with_vectors = index.embedder is not None
        self.generation = index.store.generation()  # the snapshot the scan reads (a worker reads the same one)
        self._index: Any = index

    def __getstate__(self) -> dict[str, Any]:
        return {"opener": self.opener, "path": self.path, "instance": self.instance, "with_vectors": self.with_vectors,
                "generation": self.generation}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._index = None

    def _handle(self) -> Any:
        if self._index is None:
            self._index = _reader(self.opener, self.path, self.instance, self.with_vectors, self.generation)
        return self._index

    def document(self, id: str) -> Document | None:
        return self._handle().get(id)

    def signatures(self, id: str) -> np.ndarray | None:
        return self._handle().signatures(id)

    def embedder(self) -> Any:
        return self._handle().embedder


@lru_cache(maxsize=4)
def _reader(opener: Any, path: str, instance: str, with_vectors: bool, generation: int) -> Any:
    """A read-only handle on an index file, opened once per worker process (``instance`` keys the cache: a
    new database at the same path is another) and held in one read snapshot, which must be the scan's
    (``generation``): a scan never mixes two states of the index."""
    ix = opener(path, readonly=True, embedder="auto" if with_vectors else None)
    ix.store.db.execute("BEGIN")
    if ix.store.generation() != generation:
        ix.close()
        raise StoreError(f"{path}: the index changed while it was scanned (another process wrote to it); "
                         "run the scan again, or scan with --workers 1 (which reads one snapshot throughout)")
    return ix


class IndexSource:
    """An index's stored documents: the band rows of every bucket held by two or more documents (split by
    band key), the ANN pairs of every stored passage vector, and the key counts of the documents in
    buckets over ``max_bucket``, all read in one snapshot.  The candidate steps run in this process (the
    rows are mapped here); the align steps read documents and signatures from the index."""

    def __init__(self, index: Any):
        self.index = index  # an unspun.Index
        # an align step reads its documents and signatures from the index: larger chunks share more reads
        self.align_chunk = 200
        # what a worker's read-only handle loads (StoredDocs): the default embedder, when there are vectors
        self.embedder_name = resolve_embedder_name("auto") if index.embedder is not None else None

    def partitions(self, ex: Executor) -> int:
        """One partition: the rows are mapped here, and one band join over them is what the index always did."""
        return 1

    def plan(self, ex: Executor, params: ScanParams, parts: int, progress: ProgressFn | None) -> SourcePlan:
        ix, cp = self.index, params.candidates
        with ix.store.snapshot():
            keys, docnos = ix.bands.shared()
            ids = ix.store.all_ids()
            names = sorted(ids.values())  # owners numbered in id order, so a < b as numbers and as ids
            rank_of = {i: r for r, i in enumerate(names)}
            rank = np.full(max(ids, default=0) + 1, -1, dtype=np.int64)  # docno -> rank (-1: not stored)
            rank[np.fromiter(ids, dtype=np.int64, count=len(ids))] = np.fromiter(
                (rank_of[i] for i in ids.values()), dtype=np.int64, count=len(ids))
            inside = docnos < len(rank)
            owners = np.where(inside, rank[np.where(inside, docnos, 0)], -1) if len(docnos) else np.zeros(0, dtype=np.int64)
            live = owners >= 0  # a docno no longer stored (defensive: the segments forget retired ones)
            keys, owners = keys[live], owners[live]
            key_counts = self._key_counts(keys, owners, names, ids, cp.max_bucket)
            ann = self._ann_pairs(params, parts)
            n_vectors = ix.store.vector_stamp()[0] if ix.vectors is not None else 0
        which = keys % parts if parts > 1 else None
        rows = [[Ready(BandRows(names, keys, owners) if which is None else BandRows(names, keys[which == p], owners[which == p]))]
                for p in range(parts)]
        stats = Stats(documents=len(ids), band_rows=int(len(keys)), vectors=n_vectors)
        return SourcePlan(rows, [Ready(ann)], Ready(key_counts), [Ready(StoredDocs(ix))] * parts, stats, here=True)

    def _key_counts(self, keys: np.ndarray, owners: np.ndarray, names: list[str], ids: dict[int, str],
                    max_bucket: int) -> dict[str, int]:
        """The distinct band keys of every document in a bucket over ``max_bucket`` (the only documents with
        star evidence to admit)."""
        if not len(keys):
            return {}
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        big = np.repeat(sizes > max_bucket, sizes)
        if not big.any():
            return {}
        members = {names[r] for r in np.unique(owners[big]).tolist()}
        docno_of = {i: d for d, i in ids.items() if i in members}
        counts = self.index.store.key_counts(docno_of.values())
        return {i: counts.get(d, 0) for i, d in docno_of.items()}

    def _ann_pairs(self, params: ScanParams, parts: int) -> AnnPairs:
        """The ANN pairs of every stored passage vector (its ``ann_neighbours`` nearest others: + 1, for
        itself), split by pair partition."""
        ix, cp = self.index, params.candidates
        split: list[list] = [[] for _ in range(parts)]
        if ix.vectors is None:
            return AnnPairs(split, 0, 0.0)
        rows = ix.store.vectors_by_id()
        if not rows:
            return AnnPairs(split, 0, 0.0)
        q = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f2").reshape(len(rows), -1).astype(np.float32)
        pairs = neighbour_pairs([r[1] for r in rows], q, [ix.vectors], cp.ann_neighbours + 1, cp)
        for p in pairs:
            split[stable_part(p[0], parts)].append(p)
        return AnnPairs(split, len(pairs), 0.0)
