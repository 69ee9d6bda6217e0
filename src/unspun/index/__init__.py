"""The embedded corpus index: storage plus ``check``; its ``scan`` is the pipeline's.

One SQLite file (WAL) holds the documents, their window signatures and their passage vectors
(:mod:`unspun.index.store`); beside it live two caches that never decide an answer, each recorded in
SQLite with its size and CRC-32 and rebuilt from SQLite when missing or damaged: the bucket segments
of the band lookup, the one place the band keys are stored (:mod:`unspun.index.bands`,
:mod:`unspun.index.segments`), and the usearch graph of the vectors (:mod:`unspun.index.vectors`).  ``add`` derives signatures and vectors in
this process or in a pool (:mod:`unspun.index.derive`); ``check`` is one document against the corpus
(:mod:`unspun.index.check`); ``scan`` runs :func:`unspun.pipeline.scan` over an
:class:`~unspun.pipeline.sources.IndexSource` of this index.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np

from ..errors import ConfigError, InputError, StoreError
from ..fingerprint import usable_documents
from ..params import DEFAULT_PARAMS, FingerprintParams, ScanParams
from ..progress import ProgressFn, report
from ..types import Cluster, Document, Match
from .bands import Bands
from .derive import Deriver, derive, worker_count
from .store import Store, Written, is_sqlite, store_error
from .vectors import VectorCache

if TYPE_CHECKING:
    from ..pipeline.candidates import Pair

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class AddResult:
    """What one :meth:`Index.add` call did, by document."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: tuple[tuple[str, str], ...] = ()  # (id, reason)
    #: documents whose text was replaced by a text from another source (another file, or the same id given
    #: twice in this call): (id, the replaced text's source, the new text's source); counted in ``updated``
    replaced: tuple[tuple[str, str, str], ...] = ()

    def __add__(self, other: "AddResult") -> "AddResult":
        return AddResult(self.added + other.added, self.updated + other.updated, self.unchanged + other.unchanged,
                         self.skipped + other.skipped, self.replaced + other.replaced)

    @property
    def documents(self) -> int:
        """Documents seen: added, updated, unchanged or skipped."""
        return self.added + self.updated + self.unchanged + len(self.skipped)

    def summary(self) -> str:
        text = f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, skipped {len(self.skipped)}"
        if self.replaced:
            text += f" ({len(self.replaced)} replaced with a text from another source)"
        return text

    def replaced_lines(self, max_lines: int = 20) -> list[str]:
        """What the summary of an add says about :attr:`replaced`: a head line, then one line per document
        (``id: the text from OLD was replaced by the text from NEW``), up to ``max_lines``; [] when none."""
        if not self.replaced:
            return []
        n = len(self.replaced)
        lines = [f"{n} document{'s' if n > 1 else ''} replaced by a different text with the same id (only the last"
                 f" text is kept):"]
        for doc_id, before, now in self.replaced[:max_lines]:
            same = before == now
            lines.append(f"  {doc_id}: the text from {before or 'an unknown source'} was replaced by "
                         + ("another text with the same id in the same input" if same else f"the text from {now or 'an unknown source'}"))
        if n > max_lines:
            lines.append(f"  ... and {n - max_lines} more")
        return lines


def _source(meta: Any) -> str:
    """Where a document's text came from (``meta["source"]``), "" when unknown."""
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return ""
    return str(meta.get("source") or "") if isinstance(meta, dict) else ""


def _auto_embedder() -> Any:
    """The default embedder (``UNSPUN_EMBEDDER``, else the static one)."""
    from ..embed import get_embedder

    return get_embedder()


def _embedder_name(embedder: Any) -> str:
    if embedder is None:
        return "none"
    return str(getattr(embedder, "name", None) or type(embedder).__name__)


class Index:
    """A corpus of documents, fingerprinted for fast ``check`` and ``scan``.

    ``Index(path)`` opens the index at ``path``, creating it when the file does not exist.  ``params``
    (:class:`~unspun.params.ScanParams`) are this handle's defaults for ``check`` and ``scan``; their
    fingerprint part is stored when the index is created and must agree with it later.  ``embedder`` is
    ``"auto"`` (use :func:`unspun.embed.get_embedder` when it is installed), ``None`` (no vectors) or an
    object with ``encode(list[str]) -> float32 (n, dim)``; an index remembers at creation whether it
    holds vectors.
    """

    def __init__(self, path: str | os.PathLike[str], *, params: ScanParams | None = None, embedder: Any = "auto",
                 readonly: bool = False):
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not an unspun index file")
        exists = self.path.exists() and self.path.stat().st_size > 0
        if readonly and not exists:
            raise StoreError(f"{self.path}: no such index (create it with 'unspun index add ... --db {self.path}')")
        if exists and not is_sqlite(self.path):
            raise StoreError(f"{self.path}: not an unspun index (not a SQLite database)")
        self.store = Store(self.path, readonly)
        try:
            self._open(params, embedder)
        except sqlite3.DatabaseError as err:
            self.store.close()
            raise (store_error(self.path, err, "opening the index") or StoreError(
                f"{self.path}: not an unspun index ({err})")) from None
        except BaseException:
            self.store.close()
            raise
        self.bands = Bands(self.store, self.path, self.params.fingerprint)
        self.vectors = VectorCache(self.store, self.path) if self.embedder is not None else None
        self._closed = False

    def _open(self, params: ScanParams | None, embedder: Any) -> None:
        meta = self.store.read_meta()
        if meta is None:
            if self.store.readonly:
                raise StoreError(f"{self.path}: not an unspun index (empty database)")
            self.params = params or DEFAULT_PARAMS
            self.embedder = _auto_embedder() if isinstance(embedder, str) else embedder
            self.embedder_name = _embedder_name(self.embedder)
            instance = self.store.create(self.params.fingerprint.to_dict(), self.embedder_name)
            if instance is not None:
                self._instance = instance
                return
            meta = self.store.read_meta()  # another process created it meanwhile: open it as it is
            assert meta is not None
        stored = FingerprintParams(**json.loads(meta["params"]))
        if params is not None and params.fingerprint != stored:
            raise ConfigError(f"{self.path}: built with fingerprint parameters {stored.to_dict()}, "
                              f"not {params.fingerprint.to_dict()}")
        self.params = replace(params or DEFAULT_PARAMS, fingerprint=stored)
        self._instance = meta.get("instance", "")
        self.embedder_name = meta.get("embedder", "none")
        self.embedder = None
        if self.embedder_name != "none":
            self.embedder = _auto_embedder() if isinstance(embedder, str) else embedder
            if self.embedder is None:
                raise StoreError(
                    f"{self.path}: the index holds vectors from the embedder '{self.embedder_name}', which is not available"
                )

    def _params(self, params: ScanParams | None) -> ScanParams:
        """``params`` for an operation on this index (default: the handle's); their fingerprint part must be
        the index's."""
        if params is None:
            return self.params
        if params.fingerprint != self.params.fingerprint:
            raise ConfigError(f"{self.path}: built with fingerprint parameters {self.params.fingerprint.to_dict()},"
                              f" not {params.fingerprint.to_dict()}")
        return params

    # ------------------------------------------------------------------ basics

    @property
    def readonly(self) -> bool:
        return self.store.readonly

    @property
    def instance(self) -> str:
        """The id that names this database in its cache files (and lets a worker find the same file)."""
        return self._instance

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.store.close()
        finally:
            self.bands.close()

    def __len__(self) -> int:
        return self.store.count()

    def __contains__(self, id: object) -> bool:
        return isinstance(id, str) and self.store.contains(id)

    def ids(self) -> Iterator[str]:
        """Every document id, sorted."""
        return self.store.ids()

    def get(self, id: str) -> Document | None:
        return self.store.get(id)

    def signatures(self, id: str) -> np.ndarray | None:
        """The stored MinHash window signatures of document ``id`` (uint32, windows x num_perm), or None."""
        return self.store.signatures(id, self.params.fingerprint.num_perm)

    def stats(self) -> dict[str, Any]:
        """Counts, parameters and size on disk; the counts come from one snapshot, so they agree with each
        other even while another process writes."""
        files = [self.path, Path(f"{self.path}-wal"), *self.bands.segment_files(),
                 *(self.vectors.files() if self.vectors is not None else [])]
        counts = self.store.counts()
        return {
            "path": str(self.path),
            **{k: counts[k] for k in ("documents", "characters", "windows", "band_rows", "vectors")},
            "embedder": self.embedder_name,
            "generation": counts["generation"],
            "params": self.params.fingerprint.to_dict(),
            "bytes_on_disk": sum(p.stat().st_size for p in files if p.exists()),
        }

    # ------------------------------------------------------------------ writing

    def add(self, docs: Iterable[Document], *, batch_size: int = DEFAULT_BATCH, progress: ProgressFn | None = None,
            workers: int | None = None) -> AddResult:
        """Add documents in batches of ``batch_size``, one transaction per batch.

        Idempotent: a document whose id and text are already stored is left alone (metadata changes are
        written); a known id with a new text replaces the old entry everywhere (text, signatures, bands,
        vectors).  Documents without a single word are skipped with their reason.  ``progress`` receives
        ``Progress("add", documents so far)`` after every batch.

        With ``workers`` > 1 (default: ``UNSPUN_WORKERS``, else 1), signatures and vectors of the next batch
        are computed by that many processes while this one is written; they are pure functions of the
        text, so the index is the same whatever the number of workers.  Worker processes are spawned, so
        a script that uses them needs the usual ``if __name__ == "__main__":`` guard.
        """
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size}")
        deriver = Deriver(worker_count(workers), self.params, self.embedder_name, self.embedder)
        total = AddResult()
        pending: list[tuple[list[Document], Any]] = []
        run = _Run()

        def write_oldest() -> None:
            nonlocal total
            batch, derived = pending.pop(0)
            total = total + self._add_batch(batch, derived.result() if derived is not None else None, run)
            self.bands.fold(force=False)  # a bucket segment once enough new keys are in
            report(progress, "add", total.documents)

        try:
            self.bands.begin()
            batch: list[Document] = []
            for d in docs:
                if not isinstance(d, Document):
                    raise InputError(f"Index.add expects Document objects, got {type(d).__name__}")
                batch.append(d)
                if len(batch) >= batch_size:
                    pending.append((batch, deriver.submit(batch, self._to_derive)))
                    batch = []
                    if len(pending) > 1:
                        write_oldest()
            if batch:
                pending.append((batch, deriver.submit(batch, self._to_derive)))
            while pending:
                write_oldest()
        finally:
            deriver.close()
        self._leave_caches(run.vectors_changed)
        return total

    def _leave_caches(self, vectors_changed: bool) -> None:
        """The writer's last step: the new band keys folded into a segment and the vector cache saved, so
        that readers find both valid (never rebuilt per call)."""
        self.bands.fold()
        if self.vectors is not None and (vectors_changed or self.store.vectors_generation()):
            self.vectors.refresh()

    def _to_derive(self, batch: list[Document]) -> list[Document]:
        """The documents of ``batch`` whose text is not stored yet (new ids and changed texts), in order
        (planned outside the write transaction: the write plans again inside it)."""
        docs = usable_documents(batch)[0]
        work = {d.id for d in self.store.plan(docs).work}
        return [d for d in docs if d.id in work]

    def _add_batch(self, batch: list[Document], derived: dict[str, tuple] | None, run: "_Run") -> AddResult:
        docs, skipped = usable_documents(batch)
        replaced = _repeated_in_batch(batch)
        written: Written = self.store.write(docs, derived or {}, lambda missing: derive(missing, self.params, self.embedder))
        plan = written.plan
        for d in plan.changed:
            old = plan.existing[d.id]
            before, now = _source(old[6]), _source(d.meta)
            if run.wrote(old[0]) or before != now:
                replaced.append((d.id, before, now))
        run.add(written)
        self.bands.remember(written.keys)
        return AddResult(len(plan.new), len(plan.changed) + len(plan.meta_only), plan.unchanged, tuple(skipped),
                         tuple(replaced))

    def remove(self, id: str) -> bool:
        """Remove a document and everything derived from it; ``False`` when the id is not in the index."""
        return bool(self.remove_many([id]))

    def remove_many(self, ids: Iterable[str]) -> list[str]:
        """Remove documents (one transaction) and everything derived from them; returns the ids that were
        in the index.  The caches are brought up to date once, at the end."""
        removed = self.store.remove(list(ids))
        if removed:
            self._leave_caches(True)
        return removed

    # ------------------------------------------------------------------ check

    def candidates(self, doc: Document | str, *, limit: int = 20, params: ScanParams | None = None) -> list[tuple[str, int]]:
        """Candidate documents for ``doc``: ``(id, evidence)`` pairs, most evidence first.  A stored document
        is a candidate when it shares ``min_hits`` LSH band buckets with ``doc`` (or its star evidence is
        admitted) and one of its windows is similar to one of ``doc``'s (``min_window_similarity``), or when
        ``ann_min_hits`` passages of ``doc`` have a near neighbour in it; evidence counts the shared buckets
        and near passages."""
        from ..api import as_document
        from ..fingerprint import fingerprint_batch
        from .check import candidates_of, signature_lookup

        p = self._params(params)
        doc = as_document(doc, "query")
        rec = fingerprint_batch([doc], p.fingerprint)[0]
        return candidates_of(self, doc, rec, limit, signature_lookup(self, {doc.id: rec.signatures}, size=64), p)

    def check(self, doc: Document | str, k: int = 10, *, max_candidates: int = 20, judge: bool = True,
              params: ScanParams | None = None) -> list[Match]:
        """Is ``doc`` a copy of anything held?  The top ``max_candidates`` candidates are aligned with ``doc``
        (the stored document is side ``a``, the query side ``b``); boilerplate passages (text held by more
        than ``max_bucket`` documents, the query counted in, that is a small part of both) are dropped, then
        matches without a passage; the rest come back ranked by coverage, at most ``k``."""
        from ..api import as_document
        from .check import check

        if k < 1:
            raise ConfigError(f"k must be at least 1, not {k}")
        return check(self, as_document(doc, "query"), k, max_candidates, judge, self._params(params))

    # ------------------------------------------------------------------ scan

    def candidate_pairs(self, *, params: ScanParams | None = None, verify: bool = True) -> list["Pair"]:
        """Every candidate pair of the corpus, sorted: the LSH band join (with star evidence) plus ANN
        neighbours, deduplicated and, unless ``verify`` is false, verified on window signatures: the
        candidates stage of :meth:`scan`."""
        from ..pipeline import candidate_pairs
        from ..pipeline.executors import LocalExecutor
        from ..pipeline.sources import IndexSource

        with LocalExecutor() as ex:
            return candidate_pairs(IndexSource(self), ex, self._params(params), verify=verify)

    def scan(self, min_coverage: float | None = None, *, params: ScanParams | None = None, judge: bool = True,
             progress: ProgressFn | None = None, workers: int = 1) -> Iterator[Cluster]:
        """Every copy cluster of the corpus: connected components of documents linked by reuse (a pair is
        linked when its alignment has a passage and covers at least ``params.min_coverage`` of either side;
        ``min_coverage`` is a shorthand for it), largest first, each with the Match of every linked pair.
        ``workers`` processes verify and align the candidate pairs (the same answer for any number): this
        is :func:`unspun.pipeline.scan` over this index on a :class:`~unspun.pipeline.executors.LocalExecutor`."""
        from ..pipeline import scan
        from ..pipeline.executors import LocalExecutor
        from ..pipeline.sources import IndexSource

        p = self._params(params)
        if min_coverage is not None:
            p = replace(p, min_coverage=min_coverage)
        with LocalExecutor(workers) as ex, self.store.snapshot():  # one snapshot: a write meanwhile is not seen
            result = scan(IndexSource(self), ex, p, judge=judge, keep_matches=True, progress=progress)
        yield from result.clusters


class _Run:
    """What one ``add`` call wrote so far: its docno ranges (a transaction's new docnos are consecutive)
    and whether it changed any vectors."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []
        self.vectors_changed = False

    def add(self, written: Written) -> None:
        if written.docnos:
            self.ranges.append((min(written.docnos.values()), max(written.docnos.values())))
            self.vectors_changed = True

    def wrote(self, docno: int) -> bool:
        return any(lo <= docno <= hi for lo, hi in self.ranges)


def _repeated_in_batch(batch: list[Document]) -> list[tuple[str, str, str]]:
    """The ids given twice in one batch with different texts (the last one is kept): (id, source of the
    text dropped, source of the text kept)."""
    first: dict[str, Document] = {}
    out: list[tuple[str, str, str]] = []
    for d in batch:
        prev = first.get(d.id)
        if prev is not None and prev.text != d.text and d.text and not d.text.isspace():
            out.append((d.id, _source(prev.meta), _source(d.meta)))
        first[d.id] = d
    return out
