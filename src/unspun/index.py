"""The embedded corpus index: one SQLite file (WAL) plus a rebuildable vector cache beside it.

Tables (all written in one transaction per batch, so a crash never leaves a
half-added document):

* ``meta`` — format marker, schema version, fingerprint parameters, embedder,
  and a ``generation`` counter bumped by every write;
* ``documents`` — id, text, title, url, published, byline, content hash, meta JSON;
* ``signatures`` — per document: the MinHash window signatures (uint32 bytes), its
  distinct LSH band keys (sorted int64 bytes: one row per document, not one per
  key, is what makes adding fast) and the generation that wrote them;
* ``retired`` — documents removed or replaced, with the generation that did it;
* ``vectors`` — passage embeddings as float16 bytes, when an embedder is used.

The bucket lookup (band key -> documents) is :mod:`unspun.bandcache`: sorted
arrays in ``<db>.bands``, valid up to a generation, plus the documents written or
retired since, read from SQLite; the file is a cache and never decides an answer.

The vector file (``<db>.usearch``, with ``<db>.usearch.json`` naming the
generation it was built at) is only a cache of the ``vectors`` table: when its
generation does not agree with the database it is rebuilt from SQLite, so it
can never drift.
"""
from __future__ import annotations

import json
import os
import sqlite3
from glob import escape as glob_escape
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .errors import ConfigError, InputError, StoreError
from .bandcache import (
    BandArrays,
    Manifest,
    merge_segments,
    new_segment_name,
    read_manifest,
    read_segment,
    shared_entries,
    write_manifest,
    write_segment,
)
from .bandcache import stamp as file_stamp
from .fingerprint import DEFAULT_PARAMS, FingerprintParams, band_keys, fingerprint
from .scan import (
    ANN_NEIGHBOURS,
    ANN_THRESHOLD,
    ANN_MIN_HITS,
    MAX_BUCKET,
    MIN_HITS,
    MIN_WINDOW_SIMILARITY,
    STAR_MAX_READ,
    STAR_MIN_SHARE,
    Boilerplate,
    align_pairs,
    ann_build,
    ann_pairs,
    ann_search,
    bucket_pair_counts,
    content_hash,
    dedupe_pairs,
    embed_batch,
    finish_match,
    fingerprint_batch,
    link_clusters,
    merge_counts,
    oversize_of_rows,
    passages_for_vectors,
    verify_pairs,
)
from .types import Cluster, Document, Match

FORMAT = "unspun-index"
SCHEMA_VERSION = 2  # 2: band keys as one blob per document (signatures.keys), no 'bands' table
#: the entries read from SQLite since the last bucket segment are written as a new segment at this many
#: (≈ 3,000 articles; 16 MB in memory)
FOLD_ENTRIES = 1_000_000
DEFAULT_BATCH = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    docno INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    title TEXT, url TEXT, published TEXT, byline TEXT,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS signatures (
    docno INTEGER PRIMARY KEY,
    windows INTEGER NOT NULL,
    data BLOB NOT NULL,
    keys BLOB NOT NULL,
    gen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS signatures_gen ON signatures(gen);
CREATE TABLE IF NOT EXISTS retired (docno INTEGER PRIMARY KEY, gen INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS retired_gen ON retired(gen);
CREATE TABLE IF NOT EXISTS vectors (
    vecno INTEGER PRIMARY KEY AUTOINCREMENT,
    docno INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS vectors_docno ON vectors(docno);
"""


@dataclass(frozen=True)
class AddResult:
    """What one :meth:`Index.add` call did, by document."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: tuple[tuple[str, str], ...] = ()  # (id, reason)

    def __add__(self, other: "AddResult") -> "AddResult":
        return AddResult(
            self.added + other.added,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.skipped + other.skipped,
        )

    def summary(self) -> str:
        s = f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, skipped {len(self.skipped)}"
        return s


def _meta_json(meta: Any) -> str:
    return json.dumps(dict(meta or {}), sort_keys=True, ensure_ascii=False, default=str)


def _row_doc(row: Sequence[Any]) -> Document:
    id_, text, title, url, published, byline, meta = row
    return Document(id=id_, text=text, title=title, url=url, published=published, byline=byline, meta=json.loads(meta))


def _auto_embedder() -> Any:
    """The default embedder (``UNSPUN_EMBEDDER``, else the static one)."""
    from .embed import get_embedder

    return get_embedder()


def _embedder_name(embedder: Any) -> str:
    if embedder is None:
        return "none"
    return str(getattr(embedder, "name", None) or type(embedder).__name__)


class Index:
    """A corpus of documents, fingerprinted for fast ``check`` and ``scan``.

    ``Index(path)`` opens the index at ``path``, creating it when the file does
    not exist.  ``embedder`` is ``"auto"`` (use :func:`unspun.embed.get_embedder`
    when it is installed), ``None`` (no vectors) or an object with
    ``encode(list[str]) -> float32 (n, dim)``; an index remembers at creation
    whether it holds vectors.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        params: FingerprintParams | None = None,
        embedder: Any = "auto",
        readonly: bool = False,
    ):
        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not an unspun index file")
        exists = self.path.exists() and self.path.stat().st_size > 0
        if readonly and not exists:
            raise StoreError(f"{self.path}: no such index (create it with 'unspun index add ... --db {self.path}')")
        self._readonly = readonly
        try:
            if exists:
                with open(self.path, "rb") as fh:
                    head = fh.read(16)
                if head != b"SQLite format 3\x00":
                    raise StoreError(f"{self.path}: not an unspun index (not a SQLite database)")
            uri = f"file:{self.path}?mode=ro" if readonly else f"file:{self.path}"
            self._db = sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            raise StoreError(f"{self.path}: cannot open the index: {err}") from None
        self._ann: Any = None  # usearch index over vectors (loaded lazily)
        self._ann_generation: int | None = None
        self._ann_dirty = False
        self._bands: _BandView | None = None  # the bucket lookup as of a generation (loaded lazily)
        self._tmpdir: Any = None  # a read-only handle's private directory for bucket segments
        try:
            self._db.execute("PRAGMA busy_timeout = 60000")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._open_schema(exists, params, embedder)
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StoreError(f"{self.path}: not an unspun index ({err})") from None
        except Exception:
            self._db.close()
            raise

    # ------------------------------------------------------------------ schema

    def _open_schema(self, exists: bool, params: FingerprintParams | None, embedder: Any) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if exists and tables:
            if "meta" not in tables:
                raise StoreError(f"{self.path}: a SQLite database but not an unspun index (no 'meta' table)")
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT:
                raise StoreError(f"{self.path}: a SQLite database but not an unspun index")
            if int(meta.get("schema", 0)) != SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: index schema {meta.get('schema')} is not supported by this unspun (expects {SCHEMA_VERSION});"
                    " rebuild it with 'unspun index add' into a new file"
                )
            stored = FingerprintParams(**json.loads(meta["params"]))
            if params is not None and params != stored:
                raise ConfigError(f"{self.path}: built with fingerprint parameters {stored.to_dict()}, not {params.to_dict()}")
            self.params = stored
            self._instance = meta.get("instance", "")
            self._embedder_name = meta.get("embedder", "none")
            if self._embedder_name == "none":
                self._embedder = None
            else:
                emb = _auto_embedder() if isinstance(embedder, str) else embedder
                if emb is None:
                    raise StoreError(
                        f"{self.path}: the index holds vectors from the embedder '{self._embedder_name}', which is not available"
                    )
                self._embedder = emb
            return
        if self._readonly:
            raise StoreError(f"{self.path}: not an unspun index (empty database)")
        self.params = params or DEFAULT_PARAMS
        self._instance = uuid.uuid4().hex  # names this database in its cache files
        emb = _auto_embedder() if isinstance(embedder, str) else embedder
        self._embedder = emb
        self._embedder_name = _embedder_name(emb)
        with self._tx():
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            self._db.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [
                    ("format", FORMAT),
                    ("schema", str(SCHEMA_VERSION)),
                    ("params", json.dumps(self.params.to_dict(), sort_keys=True)),
                    ("embedder", self._embedder_name),
                    ("generation", "0"),
                    ("instance", self._instance),
                ],
            )

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb) -> None:
            if exc_type is None:
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")

    def _tx(self) -> "Index._Tx":
        if self._readonly:
            raise StoreError(f"{self.path}: opened read-only")
        return Index._Tx(self._db)

    def _generation(self) -> int:
        return int(self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def _bump_generation(self) -> None:
        self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    # ------------------------------------------------------------------ basics

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._db is None:
            return
        try:
            if self._ann is not None and self._ann_dirty and not self._readonly:
                self._save_ann()
        finally:
            self._db.close()
            self._db = None  # type: ignore[assignment]
            self._bands = None
            if self._tmpdir is not None:
                self._tmpdir.cleanup()
                self._tmpdir = None

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def __contains__(self, id: object) -> bool:
        if not isinstance(id, str):
            return False
        return self._db.execute("SELECT 1 FROM documents WHERE id = ?", (id,)).fetchone() is not None

    def ids(self) -> Iterator[str]:
        """Every document id, sorted."""
        for (i,) in self._db.execute("SELECT id FROM documents ORDER BY id"):
            yield i

    def get(self, id: str) -> Document | None:
        row = self._db.execute(
            "SELECT id, text, title, url, published, byline, meta FROM documents WHERE id = ?", (id,)
        ).fetchone()
        return _row_doc(row) if row else None

    def stats(self) -> dict[str, Any]:
        """Counts, parameters and size on disk; the counts come from one snapshot (a read transaction),
        so they agree with each other even while another process writes."""
        q = lambda sql: int(self._db.execute(sql).fetchone()[0])  # noqa: E731
        files = [self.path, Path(f"{self.path}-wal"), self._ann_path(), self._ann_meta_path(), self._bands_path()]
        files += self._segment_files()
        own_tx = not self._db.in_transaction
        if own_tx:
            self._db.execute("BEGIN")
        try:
            counts = {
                "documents": q("SELECT COUNT(*) FROM documents"),
                "characters": q("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM documents"),
                "windows": q("SELECT COALESCE(SUM(windows), 0) FROM signatures"),
                "band_rows": q("SELECT COALESCE(SUM(LENGTH(keys)), 0) / 8 FROM signatures"),
                "vectors": q("SELECT COUNT(*) FROM vectors"),
                "generation": self._generation(),
            }
        finally:
            if own_tx:
                self._db.execute("COMMIT")
        return {
            "path": str(self.path),
            **{k: counts[k] for k in ("documents", "characters", "windows", "band_rows", "vectors")},
            "embedder": self._embedder_name,
            "generation": counts["generation"],
            "params": self.params.to_dict(),
            "bytes_on_disk": sum(p.stat().st_size for p in files if p.exists()),
        }

    # ------------------------------------------------------------------ writing

    def add(
        self,
        docs: Iterable[Document],
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[AddResult], None] | None = None,
        workers: int | None = None,
    ) -> AddResult:
        """Add documents in batches of ``batch_size``, one transaction per batch.

        Idempotent: a document whose id and text are already stored is left
        alone (metadata changes are written); a known id with a new text
        replaces the old entry everywhere (text, signatures, bands, vectors).
        Documents without a single word are skipped with their reason.
        ``progress`` is called with the running totals after every batch.

        With ``workers`` > 1 (default: ``UNSPUN_WORKERS``, else 1), signatures
        and vectors of the next batch are computed by that many processes while
        this one is written; they are pure functions of the text, so the index
        is the same whatever the number of workers.  Worker processes are
        spawned, so a script that uses them needs the usual
        ``if __name__ == "__main__":`` guard.
        """
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size}")
        derive = _Deriver(self, _worker_count(workers))
        total = AddResult()
        pending: list[tuple[list[Document], Any]] = []

        def write_oldest() -> None:
            nonlocal total
            batch, derived = pending.pop(0)
            total = total + self._add_batch(batch, derived.result() if derived is not None else None)
            self._db.execute("BEGIN")  # one snapshot
            try:
                self._band_view(fold=None)  # a bucket segment once enough new keys are in
            finally:
                self._db.execute("COMMIT")
            if progress:
                progress(total)

        try:
            batch: list[Document] = []
            for d in docs:
                if not isinstance(d, Document):
                    raise InputError(f"Index.add expects Document objects, got {type(d).__name__}")
                batch.append(d)
                if len(batch) >= batch_size:
                    pending.append((batch, derive.submit(batch)))
                    batch = []
                    if len(pending) > 1:
                        write_oldest()
            if batch:
                pending.append((batch, derive.submit(batch)))
            while pending:
                write_oldest()
        finally:
            derive.close()
        return total

    def _add_batch(self, batch: list[Document], derived: dict[str, tuple] | None = None) -> AddResult:
        latest: dict[str, Document] = {}
        skipped: list[tuple[str, str]] = []
        for d in batch:  # the last of several versions of an id in one batch wins
            if not d.id:
                skipped.append((d.id, "empty id"))
            elif not d.text or d.text.isspace():
                skipped.append((d.id, "empty text"))
            else:
                latest[d.id] = d
        docs = list(latest.values())
        existing = self._lookup([d.id for d in docs])
        new: list[Document] = []
        changed: list[Document] = []
        meta_only: list[Document] = []
        unchanged = 0
        hashes = {d.id: content_hash(d.text) for d in docs}
        for d in docs:
            old = existing.get(d.id)
            if old is None:
                new.append(d)
            elif old[1] != hashes[d.id]:
                changed.append(d)
            elif old[2:] != (d.title, d.url, d.published, d.byline, _meta_json(d.meta)):
                meta_only.append(d)
            else:
                unchanged += 1
        work = new + changed
        derived = derived or {}
        missing = [d for d in work if d.id not in derived or derived[d.id][0].content_hash != hashes[d.id]]
        if missing:
            derived = {**derived, **_derive(missing, self.params, self._embedder)}
        records = [derived[d.id][0] for d in work]
        vectors = [derived[d.id][1] for d in work if derived[d.id][1] is not None]
        with self._tx() as db:
            gen = self._generation() + 1  # the generation this transaction commits (bumped below)
            if changed:
                self._delete_derived(db, [existing[d.id][0] for d in changed], gen)
            for d in meta_only:
                db.execute(
                    "UPDATE documents SET title=?, url=?, published=?, byline=?, meta=? WHERE docno=?",
                    (d.title, d.url, d.published, d.byline, _meta_json(d.meta), existing[d.id][0]),
                )
            # a new text gets a new docno: a docno's band keys never change, so the bucket segments only ever
            # need to forget docnos (``retired``), never to update them
            db.executemany("DELETE FROM documents WHERE docno = ?", [(existing[d.id][0],) for d in changed])
            db.executemany(
                "INSERT INTO documents(id, text, title, url, published, byline, content_hash, meta) VALUES (?,?,?,?,?,?,?,?)",
                [(d.id, d.text, d.title, d.url, d.published, d.byline, hashes[d.id], _meta_json(d.meta)) for d in new + changed],
            )
            docnos = self._lookup_docnos([d.id for d in new + changed])
            db.executemany(
                "INSERT INTO signatures(docno, windows, data, keys, gen) VALUES (?, ?, ?, ?, ?)",
                [(docnos[r.id], r.windows, r.signatures, r.keys, gen) for r in records],
            )
            new_vecs = [
                (docnos[doc_id], s, e, v.astype("<f2").tobytes())
                for doc_id, spans, vecs in vectors
                for (s, e), v in zip(spans, vecs)
            ]
            db.executemany("INSERT INTO vectors(docno, start, end, data) VALUES (?, ?, ?, ?)", new_vecs)
            if work or meta_only:
                self._bump_generation()
        if self._ann is not None and (changed or new_vecs):
            self._ann = None  # cheaper to rebuild lazily than to patch in the general case
        return AddResult(len(new), len(changed) + len(meta_only), unchanged, tuple(skipped))

    def _lookup(self, ids: list[str]) -> dict[str, tuple]:
        out: dict[str, tuple] = {}
        for chunk in _chunks(ids, 500):
            q = ",".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT id, docno, content_hash, title, url, published, byline, meta FROM documents WHERE id IN ({q})", chunk
            ):
                out[row[0]] = row[1:]
        return out

    def _lookup_docnos(self, ids: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(ids, 500):
            q = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT id, docno FROM documents WHERE id IN ({q})", chunk).fetchall())
        return out

    def _delete_derived(self, db: sqlite3.Connection, docnos: list[int], gen: int) -> None:
        """Remove the signatures, band keys and vectors of documents, and record them as retired at
        generation ``gen`` (inside the caller's transaction)."""
        for docno in docnos:
            db.execute("DELETE FROM signatures WHERE docno = ?", (docno,))
            db.execute("DELETE FROM vectors WHERE docno = ?", (docno,))
            db.execute("INSERT OR REPLACE INTO retired(docno, gen) VALUES (?, ?)", (docno, gen))

    def remove(self, id: str) -> bool:
        """Remove a document and everything derived from it; ``False`` when the id is not in the index."""
        row = self._db.execute("SELECT docno FROM documents WHERE id = ?", (id,)).fetchone()
        if row is None:
            return False
        with self._tx() as db:
            self._delete_derived(db, [row[0]], self._generation() + 1)
            db.execute("DELETE FROM documents WHERE docno = ?", (row[0],))
            self._bump_generation()
        self._ann = None
        return True

    # ------------------------------------------------------------------ bucket lookup

    def _bands_path(self) -> Path:
        return Path(f"{self.path}.bands")

    def _segment_files(self) -> list[Path]:
        """The bucket segment files beside the database (named by the manifest or not)."""
        return sorted(self.path.parent.glob(f"{glob_escape(self.path.name)}.bands.*.seg"))

    def _segment_dir(self) -> Path:
        """Where segments are written: beside the database, or for a read-only handle a private temporary
        directory (its segments are unlinked once mapped)."""
        if not self._readonly:
            return self.path.parent
        if self._tmpdir is None:
            import tempfile

            self._tmpdir = tempfile.TemporaryDirectory(prefix="unspun-bands-")
        return Path(self._tmpdir.name)

    def _new_segment(self, write: Callable[[Path], None]) -> tuple[str, BandArrays]:
        """Write a segment with ``write(path)`` and map it."""
        name = new_segment_name(self.path)
        path = self._segment_dir() / name
        tmp = Path(f"{path}.tmp")
        try:
            write(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        arrays = read_segment(path)
        if arrays is None:
            raise StoreError(f"{path}: the bucket segment just written cannot be read back")
        if self._readonly:
            path.unlink(missing_ok=True)  # the mapping keeps it
        return name, arrays

    def _add_segment(self, view: "_BandView", arrays: BandArrays) -> "_BandView":
        """``view`` with ``arrays`` as one more segment, merged with the last ones while they are of similar
        size (two by two, streaming, dropping the stale docnos)."""
        if len(arrays) == 0:
            return view
        name, seg = self._new_segment(lambda p: write_segment(p, arrays))
        names, segs = list(view.names) + [name], list(view.segments) + [seg]
        obsolete: list[str] = []
        while len(segs) >= 2 and 2 * len(segs[-1]) >= len(segs[-2]):
            a, b = segs[-2], segs[-1]
            mname, merged = self._new_segment(lambda p: merge_segments(p, a, b, view.stale))
            obsolete += names[-2:]
            names[-2:], segs[-2:] = [mname], [merged]
        return _BandView(tuple(segs), tuple(names), view.base_generation, view.delta, view.stale, view.generation,
                         view.disk, tuple(obsolete) + view.obsolete)

    def _band_view(self, fold: bool | None = False) -> "_BandView":
        """The bucket lookup as of the current generation: the segments (named by ``<db>.bands``), the
        entries of documents written since, and the docnos whose entries are stale.

        ``fold``: True turns the delta into a segment (and, unless read-only, writes the manifest), None does
        so when the delta holds :data:`FOLD_ENTRIES` entries, False never.  Call it inside a read snapshot
        when its answer must agree with other reads."""
        gen = self._generation()
        mpath = self._bands_path()
        disk = file_stamp(mpath)
        view = self._bands
        if view is None or view.disk != disk:
            view = self._load_manifest(gen, disk)
        if view.generation != gen:
            rows = self._db.execute("SELECT docno, keys FROM signatures WHERE gen > ?", (view.generation,)).fetchall()
            retired = [r[0] for r in self._db.execute("SELECT docno FROM retired WHERE gen > ?", (view.generation,))]
            fresh = BandArrays.from_blobs(rows)
            new_stale = np.unique(np.asarray(retired, dtype=np.int64))
            view = _BandView(view.segments, view.names, view.base_generation, view.delta.without(new_stale).plus(fresh),
                             np.union1d(view.stale, new_stale).astype(np.int64), gen, view.disk, view.obsolete)
        if fold is None:
            fold = len(view.delta) >= FOLD_ENTRIES
        if fold and (len(view.delta) or view.base_generation != gen):
            view = self._add_segment(view, view.delta)
            view = _BandView(view.segments, view.names, gen, BandArrays.empty(), view.stale, gen, view.disk, view.obsolete)
            if not self._readonly:
                write_manifest(mpath, Manifest(self._instance, gen, view.names, tuple(view.stale.tolist())))
                for name in view.obsolete:
                    (self.path.parent / name).unlink(missing_ok=True)
                view = _BandView(view.segments, view.names, gen, view.delta, view.stale, gen, file_stamp(mpath), ())
        self._bands = view
        return view

    def _load_manifest(self, gen: int, disk: tuple[int, int, int] | None) -> "_BandView":
        """The view of the segments the manifest names, or (none, unusable, or newer than this snapshot) a
        view built from SQLite in segments of bounded size."""
        m = read_manifest(self._bands_path(), self._instance) if disk is not None else None
        if m is not None and m.generation <= gen:
            segs = [read_segment(self.path.parent / name) for name in m.segments]
            if all(sg is not None for sg in segs):
                return _BandView(tuple(segs), m.segments, m.generation, BandArrays.empty(),  # type: ignore[arg-type]
                                 np.asarray(m.dead, dtype=np.int64), m.generation, disk, ())
        # rebuild: every stored document, a segment per FOLD_ENTRIES entries
        view = _BandView((), (), gen, BandArrays.empty(), np.zeros(0, dtype=np.int64), gen,
                         None if m is not None and m.generation > gen else disk, ())
        cur = self._db.execute("SELECT docno, keys FROM signatures ORDER BY docno")
        chunk: list[tuple[int, bytes]] = []
        size = 0
        while True:
            rows = cur.fetchmany(2000)
            for r in rows:
                chunk.append(r)
                size += len(r[1]) // 8
            if size >= FOLD_ENTRIES or (not rows and chunk):
                view = self._add_segment(view, BandArrays.from_blobs(chunk))
                chunk, size = [], 0
            if not rows:
                break
        if not self._readonly and view.segments and not (m is not None and m.generation > gen):  # never over a newer one
            write_manifest(self._bands_path(), Manifest(self._instance, gen, view.names, ()))
            for orphan in self._segment_files():  # segments of an unusable manifest (a reader still mapping one keeps it)
                if orphan.name not in view.names:
                    orphan.unlink(missing_ok=True)
            view = _BandView(view.segments, view.names, gen, view.delta, view.stale, gen, file_stamp(self._bands_path()), ())
        return view

    def _bucket_members(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(band keys, docnos)``: every live stored document holding one of ``keys`` (sorted distinct
        int64), one row per (key, document), sorted; one read snapshot."""
        view = self._band_view()
        found = [seg.lookup(keys) for seg in view.segments]
        k1 = np.concatenate([f[0] for f in found]) if found else np.zeros(0, dtype=np.int64)
        d1 = np.concatenate([f[1] for f in found]) if found else np.zeros(0, dtype=np.int64)
        if len(view.stale) and len(d1):
            keep = ~np.isin(d1, view.stale)
            k1, d1 = k1[keep], d1[keep]
        k2, d2 = view.delta.lookup(keys)
        ks = np.concatenate([k1, k2]).astype(np.int64)
        ds = np.concatenate([d1, d2]).astype(np.int64)
        if not len(ks):
            return ks, ds
        order = np.lexsort((ds, ks))
        ks, ds = ks[order], ds[order]
        first = np.r_[True, (ks[1:] != ks[:-1]) | (ds[1:] != ds[:-1])]
        return ks[first], ds[first]

    def _query_bucket_pairs(self, query: str, keys: np.ndarray, max_bucket: int = MAX_BUCKET,
                            min_hits: int = MIN_HITS, also: Iterable[str] = (), *,
                            min_share: float = STAR_MIN_SHARE, max_read: int = STAR_MAX_READ) -> list[tuple[str, str, int, int]]:
        """:func:`unspun.scan.query_bucket_pairs` (with every document's key count) over the stored buckets
        of ``keys`` (the query's own, distinct), for the documents sharing at least ``min_hits`` buckets with
        the query, those whose star evidence (buckets larger than ``max_bucket``) is admitted, and those
        named in ``also`` (its ANN neighbours, whose bucket count still counts as evidence): the counting is
        done on document numbers, so only those few are looked up by id.  A stored document with the
        query's id is the query."""
        own_tx = not self._db.in_transaction
        if own_tx:
            self._db.execute("BEGIN")
        try:
            ks, ds = self._bucket_members(keys)
            row = self._db.execute("SELECT docno FROM documents WHERE id = ?", (query,)).fetchone()
            if row is not None and len(ds):
                ks, ds = ks[ds != row[0]], ds[ds != row[0]]
            out: list[tuple[str, str, int, int]] = []
            if len(ks):
                starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
                size = np.diff(np.r_[starts, len(ks)]) + 1  # members of each bucket, the query included
                size = np.repeat(size, size - 1)  # ... per row (size >= 2 always)
                docnos, counts = np.unique(ds[size <= max_bucket], return_counts=True)
                wanted = set(docnos[counts >= min_hits].tolist())
                n_of = dict(zip(docnos.tolist(), counts.tolist()))
                sdocs, scounts = np.unique(ds[(size > max_bucket) & (size <= max_read)], return_counts=True)
                if len(sdocs):  # star evidence: every member of the query's large buckets
                    total = scounts + np.fromiter((n_of.get(d, 0) for d in sdocs.tolist()), dtype=np.int64, count=len(sdocs))
                    can = total >= min_hits
                    sure = can & (total >= min_share * len(keys))  # the smaller key count is at most the query's
                    maybe = sdocs[can & ~sure].tolist()
                    kd = self._key_counts(maybe)
                    ok = sure.copy()
                    for i in np.flatnonzero(can & ~sure).tolist():
                        d = int(sdocs[i])
                        ok[i] = d in kd and total[i] >= min_share * min(len(keys), kd[d])
                    for d, t in zip(sdocs[ok].tolist(), total[ok].tolist()):
                        n_of[d] = t
                        wanted.add(d)
                also = set(also) - {query}
                for chunk in _chunks(sorted(also), 900):  # SQLite's limit on bound variables
                    q = ",".join("?" * len(chunk))
                    wanted |= {r[0] for r in self._db.execute(f"SELECT docno FROM documents WHERE id IN ({q})", chunk)}
                ids = self._ids_of(wanted)
                for d in wanted:
                    if d in ids and n_of.get(d):
                        o = ids[d]
                        out.append((min(query, o), max(query, o), n_of[d], 0))
        finally:
            if own_tx:
                self._db.execute("COMMIT")
        return sorted(out)

    def _key_counts(self, docnos: Iterable[int]) -> dict[int, int]:
        """The number of distinct band keys of each stored document in ``docnos``."""
        out: dict[int, int] = {}
        for chunk in _chunks(sorted(docnos), 900):
            q = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT docno, LENGTH(keys) / 8 FROM signatures WHERE docno IN ({q})", chunk).fetchall())
        return out

    def _ids_of(self, docnos: Iterable[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(sorted(docnos), 900):
            q = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT docno, id FROM documents WHERE docno IN ({q})", chunk).fetchall())
        return out

    def _shared_bucket_arrays(self) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
        """``(band keys, docnos, {docno: id})`` of every bucket held by two or more documents (the rows
        that can make a candidate pair); one read snapshot."""
        own_tx = not self._db.in_transaction
        if own_tx:
            self._db.execute("BEGIN")
        try:
            view = self._band_view(fold=True)
            segs = list(view.segments)
            while len(segs) > 1:  # one sorted run over every segment (streamed into a temporary segment)
                a, b = segs.pop(), segs.pop()
                segs.append(self._merge_private(a, b, view.stale))
            keys, docnos = shared_entries(segs[0], view.stale) if segs else (np.zeros(0), np.zeros(0))
            ids = dict(self._db.execute("SELECT docno, id FROM documents").fetchall())
        finally:
            if own_tx:
                self._db.execute("COMMIT")
        return np.asarray(keys, dtype=np.int64), np.asarray(docnos, dtype=np.int64), ids

    def _merge_private(self, a: BandArrays, b: BandArrays, stale: np.ndarray) -> BandArrays:
        """Merge two segments into a mapped temporary one that no manifest names (unlinked once mapped)."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="unspun-bands-") as d:
            path = Path(d) / "merged.seg"
            merge_segments(path, a, b, stale)
            arrays = read_segment(path)
        if arrays is None:
            raise StoreError(f"{self.path}: a temporary bucket segment cannot be read back")
        return arrays

    # ------------------------------------------------------------------ vectors

    def _ann_path(self) -> Path:
        return Path(f"{self.path}.usearch")

    def _ann_meta_path(self) -> Path:
        return Path(f"{self.path}.usearch.json")

    def _ensure_ann(self) -> Any:
        """The usearch index over the ``vectors`` table, loaded from the cache file when its generation
        agrees with the database, else rebuilt from SQLite."""
        if self._embedder is None:
            return None
        gen = self._generation()
        if self._ann is not None and self._ann_generation == gen:
            return self._ann
        from usearch.index import Index as UIndex

        cached = None
        try:
            info = json.loads(self._ann_meta_path().read_text())
            n_vec, key_sum, key_max = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(vecno), 0), COALESCE(MAX(vecno), 0) FROM vectors").fetchone()
            if info.get("generation") == gen and info.get("count") == n_vec and self._ann_path().exists():
                cached = UIndex.restore(str(self._ann_path()))
                # the file itself must hold exactly the vectors of SQLite: two processes saving at once
                # can leave one's file under the other's stamp
                if cached is not None and _key_stamp(cached) != (n_vec, key_sum, key_max):
                    cached = None
        except (OSError, ValueError, KeyError, TypeError):
            cached = None
        if cached is not None:
            self._ann, self._ann_generation, self._ann_dirty = cached, gen, False
            return cached
        rows = self._db.execute("SELECT vecno, data FROM vectors ORDER BY vecno").fetchall()
        dim = len(rows[0][1]) // 2 if rows else 0
        keys = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2").reshape(len(rows), dim)
        ann = ann_build(keys, mat)
        self._ann, self._ann_generation, self._ann_dirty = ann, gen, True
        return ann

    def _save_ann(self) -> None:
        """Write the cache and its stamp, each through a private temporary file and an atomic rename."""
        unique = f"{os.getpid()}.{uuid.uuid4().hex}.tmp"
        tmp = Path(f"{self._ann_path()}.{unique}")
        tmp_meta = Path(f"{self._ann_meta_path()}.{unique}")
        try:
            self._ann.save(str(tmp))
            os.replace(tmp, self._ann_path())
            count = _key_stamp(self._ann)[0]
            tmp_meta.write_text(json.dumps({"generation": self._ann_generation, "count": count}))
            os.replace(tmp_meta, self._ann_meta_path())
        finally:
            tmp.unlink(missing_ok=True)
            tmp_meta.unlink(missing_ok=True)
        self._ann_dirty = False

    def _vector_owner(self, vecnos: Iterable[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(sorted(set(int(v) for v in vecnos)), 500):
            q = ",".join("?" * len(chunk))
            out.update(
                self._db.execute(
                    f"SELECT v.vecno, d.id FROM vectors v JOIN documents d ON d.docno = v.docno WHERE v.vecno IN ({q})", chunk
                ).fetchall()
            )
        return out

    def _ann_search(self, queries: np.ndarray, count: int) -> tuple[list[list[str]], list[list[float]]]:
        ann = self._ensure_ann()
        if ann is None or len(ann) == 0 or len(queries) == 0:
            return [[] for _ in queries], [[] for _ in queries]
        keys, sims = ann_search(ann, queries, count)
        owner = self._vector_owner(k for row in keys for k in row.tolist())
        return [[owner.get(int(k), "") for k in krow] for krow in keys.tolist()], sims.tolist()

    # ------------------------------------------------------------------ check

    def signatures(self, id: str) -> np.ndarray | None:
        """The stored MinHash window signatures of document ``id`` (uint32, windows x num_perm), or None."""
        row = self._db.execute(
            "SELECT s.windows, s.data FROM signatures s JOIN documents d ON d.docno = s.docno WHERE d.id = ?", (id,)
        ).fetchone()
        if row is None:
            return None
        return np.frombuffer(row[1], dtype="<u4").reshape(int(row[0]), self.params.num_perm)

    def _signature_lookup(self, extra: dict[str, np.ndarray] | None = None, size: int = 4096) -> Callable[[str], np.ndarray | None]:
        """:meth:`signatures` behind a bounded cache (pairs come sorted, so one side repeats), with
        ``extra`` signatures (a query not in the index) looked up first."""
        from functools import lru_cache

        cached = lru_cache(maxsize=size)(self.signatures)
        extra = extra or {}

        def lookup(id: str) -> np.ndarray | None:
            return extra[id] if id in extra else cached(id)

        return lookup

    def candidates(self, doc: Document | str, *, limit: int = 20) -> list[tuple[str, int]]:
        """Candidate documents for ``doc``: ``(id, evidence)`` pairs, most evidence first.  A stored document
        is a candidate when it shares ``MIN_HITS`` LSH band buckets with ``doc`` and one of its windows is
        similar to one of ``doc``'s (``MIN_WINDOW_SIMILARITY``), or when ``ANN_MIN_HITS`` passages of
        ``doc`` have a near neighbour in it; evidence counts the shared buckets and near passages."""
        from .api import as_document

        doc = as_document(doc, "query")
        rec = fingerprint_batch([doc], self.params)[0]
        return self._candidates_of(doc, rec, limit, self._signature_lookup({doc.id: rec.signatures}, size=64))

    def _candidates_of(self, doc: Document, rec: Any, limit: int,
                       lookup: Callable[[str], np.ndarray | None]) -> list[tuple[str, int]]:
        """:meth:`candidates` of ``doc``, fingerprinted as ``rec`` (a :class:`unspun.scan.DocRecord`), with
        ``lookup`` the window signatures (the query's included, :meth:`_signature_lookup`)."""
        ann: list[tuple[str, str, int, int]] = []
        if self._embedder is not None:
            spans = passages_for_vectors(doc.text)
            if spans:
                q = np.asarray(self._embedder.encode([doc.text[s:e] for s, e in spans]), dtype=np.float32)
                nids, nsims = self._ann_search(q, ANN_NEIGHBOURS)
                ann = ann_pairs([doc.id] * len(spans), nids, nsims, ANN_THRESHOLD)
        near = {x for p in ann for x in p[:2]}
        pairs = self._query_bucket_pairs(doc.id, np.asarray(rec.keys, dtype=np.int64), also=near) + ann
        found = verify_pairs(dedupe_pairs(pairs), lookup)
        scored = [(b if a == doc.id else a, n + v) for a, b, n, v in found]
        scored = [(i, n) for i, n in scored if i and i != doc.id]
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:limit]

    def check(self, doc: Document | str, k: int = 10, *, max_candidates: int = 20, judge: bool = True) -> list[Match]:
        """Is ``doc`` a copy of anything held?  The top ``max_candidates`` candidates are aligned with
        ``doc`` (the stored document is side ``a``, the query side ``b``); boilerplate passages (text held by
        more than ``MAX_BUCKET`` documents, the query counted in, that is a small part of both:
        :func:`unspun.scan.boilerplate_passages`) are dropped, then matches without a passage; the rest come
        back ranked by coverage, at most ``k``."""
        from .api import as_document

        if k < 1:
            raise ConfigError(f"k must be at least 1, not {k}")
        from .align import align

        doc = as_document(doc, "query")
        rec = fingerprint_batch([doc], self.params)[0]
        aligned: list[tuple[Document, list]] = []
        lookup = self._signature_lookup({doc.id: rec.signatures}, size=max(64, max_candidates))
        for cand_id, _n in self._candidates_of(doc, rec, max_candidates, lookup):
            stored = self.get(cand_id)
            if stored is None:
                continue
            passages = align(stored.text, doc.text, embedder=self._embedder)
            if passages:
                aligned.append((stored, passages))
        boilerplate = self._query_boilerplate(doc.id, rec, [s.id for s, _p in aligned], lookup) if aligned else None
        matches: list[Match] = []
        for stored, passages in aligned:
            m = finish_match(stored, doc, passages, judge=judge, boilerplate=boilerplate)
            if m.passages:
                matches.append(m)
        matches.sort(key=lambda m: (-m.score, m.a.id))
        return matches[:k]

    def _query_boilerplate(self, query: str, rec: Any, stored: Sequence[str], lookup: Callable[[str], np.ndarray | None],
                           max_bucket: int = MAX_BUCKET) -> Boilerplate:
        """What :func:`unspun.scan.boilerplate_passages` needs to judge the passages a query (fingerprinted as
        ``rec``) shares with the ``stored`` documents: the band keys of the query and of those documents whose
        buckets, the query counted in as if it were added, hold more than ``max_bucket`` documents (one
        bucket lookup for all of them); ``lookup`` gives window signatures (the query's included)."""
        keys = [np.asarray(rec.keys, dtype=np.int64)]
        for i in stored:
            sig = lookup(i)
            if sig is not None and len(sig):
                keys.append(band_keys(sig, self.params).ravel())
        keys_all = np.unique(np.concatenate(keys))
        own_tx = not self._db.in_transaction
        if own_tx:
            self._db.execute("BEGIN")
        try:
            # entries per key, stale ones included (an upper bound, read without the entries): only the few
            # keys that could be over the cap are looked up and counted exactly
            view = self._band_view()
            bound = view.delta.counts(keys_all) + 1  # + 1: the query, as if it were added
            for seg in view.segments:
                bound += seg.counts(keys_all)
            ks, ds = self._bucket_members(keys_all[bound > max_bucket])
            row = self._db.execute("SELECT docno FROM documents WHERE id = ?", (query,)).fetchone()
        finally:
            if own_tx:
                self._db.execute("COMMIT")
        if row is not None and len(ds):  # a stored document with the query's id is the query
            ks = ks[ds != row[0]]
        uk, n = np.unique(ks, return_counts=True)
        n = n + np.isin(uk, np.asarray(rec.keys, dtype=np.int64))  # the query holds its own keys
        return Boilerplate(uk[n > max_bucket].astype(np.int64), lookup, self.params)

    # ------------------------------------------------------------------ scan

    def candidate_pairs(
        self,
        *,
        max_bucket: int = MAX_BUCKET,
        min_hits: int = MIN_HITS,
        min_similarity: float = MIN_WINDOW_SIMILARITY,
        min_ann: int = ANN_MIN_HITS,
        verify: bool = True,
        min_share: float = STAR_MIN_SHARE,
    ) -> list[tuple[str, str, int, int]]:
        """Every candidate pair of the corpus, sorted: the LSH band join plus ANN neighbours, deduplicated
        (:func:`unspun.scan.dedupe_pairs`) and, unless ``verify`` is false, verified on window signatures
        (:func:`unspun.scan.verify_pairs`; :meth:`aligned_chunks` verifies as it goes, in parallel).
        Buckets larger than ``max_bucket`` give star evidence, admitted for pairs that share at least
        ``min_share`` of the smaller document's band keys (:func:`unspun.scan.admit_star_pairs`; above 1:
        none)."""
        return self._candidates(max_bucket=max_bucket, min_hits=min_hits, min_similarity=min_similarity, min_ann=min_ann,
                                verify=verify, min_share=min_share)[0]

    def _candidates(
        self,
        *,
        max_bucket: int = MAX_BUCKET,
        min_hits: int = MIN_HITS,
        min_similarity: float = MIN_WINDOW_SIMILARITY,
        min_ann: int = ANN_MIN_HITS,
        verify: bool = True,
        min_share: float = STAR_MIN_SHARE,
    ) -> tuple[list[tuple[str, str, int, int]], np.ndarray]:
        """:meth:`candidate_pairs` and the band keys of the buckets larger than ``max_bucket`` (sorted; for
        :func:`unspun.scan.boilerplate_passages`), from one read snapshot."""
        own_tx = not self._db.in_transaction
        if own_tx:
            self._db.execute("BEGIN")
        try:
            keys, docnos, ids = self._shared_bucket_arrays()
            names = sorted(set(ids.values()))  # owners numbered in id order, so a < b as numbers and as ids
            rank_of = {i: r for r, i in enumerate(names)}
            live = np.fromiter((d in ids for d in docnos.tolist()), dtype=bool, count=len(docnos))
            owners = np.fromiter((rank_of[ids[d]] for d in docnos[live].tolist()), dtype=np.int64, count=int(live.sum()))
            a, b, n, s = bucket_pair_counts(keys[live], owners, max_bucket)
            oversize = oversize_of_rows(keys[live], owners, max_bucket)
            key_counts = np.zeros(len(names), dtype=np.int64)
            if s.any():  # star evidence is admitted on the documents' key counts
                docno_of = {i: d for d, i in ids.items()}
                starred = np.unique(np.concatenate([a[s > 0], b[s > 0]])).tolist()
                counts = self._key_counts(docno_of[names[r]] for r in starred)
                for r in starred:
                    key_counts[r] = counts.get(docno_of[names[r]], 0)
        finally:
            if own_tx:
                self._db.execute("COMMIT")
        ann: list[tuple[str, str, int, int]] = []
        if self._embedder is not None:
            vrows = self._db.execute(
                "SELECT v.vecno, d.id, v.data FROM vectors v JOIN documents d ON d.docno = v.docno ORDER BY v.vecno"
            ).fetchall()
            for chunk in _chunks(vrows, 1024):
                q = np.frombuffer(b"".join(r[2] for r in chunk), dtype="<f2").reshape(len(chunk), -1).astype(np.float32)
                nids, nsims = self._ann_search(q, ANN_NEIGHBOURS + 1)
                ann += ann_pairs([r[1] for r in chunk], nids, nsims, ANN_THRESHOLD)
        unique = merge_counts(names, a, b, n, ann, min_hits, min_ann, star=s, key_counts=key_counts, min_share=min_share)
        if not verify:
            return unique, oversize
        return verify_pairs(unique, self._signature_lookup(), min_similarity=min_similarity, min_ann=min_ann), oversize

    def aligned_chunks(
        self,
        *,
        judge: bool = True,
        workers: int = 1,
        chunk_size: int = 200,
        progress: Callable[[str], None] | None = None,
    ) -> Iterator[tuple[list[tuple[str, str, int, int]], list[Match]]]:
        """Every candidate pair verified and aligned, a chunk at a time in candidate order: yields
        ``(verified pairs, matches with a passage)``.  With ``workers`` > 1 the chunks run in that many
        processes, each with its own read-only handle on this file (and the index's own embedder); the
        answer is the same as with one.  The processes are spawned, so a script that asks for several
        must guard its entry point with ``if __name__ == "__main__":``.  Boilerplate passages (text held by
        more than ``MAX_BUCKET`` documents that is a small part of both, :func:`unspun.scan.boilerplate_passages`)
        are dropped from the matches."""
        if workers < 1:
            raise ConfigError(f"workers must be at least 1, not {workers}")
        pairs, oversize = self._candidates(verify=False)
        if workers > 1:  # at least four chunks per process, so a small scan is still shared out
            chunk_size = max(1, min(chunk_size, -(-len(pairs) // (4 * workers))))
        chunks = [pairs[i : i + chunk_size] for i in range(0, len(pairs), chunk_size)]
        if progress:
            progress(f"{len(pairs)} candidate pairs to verify and align" + (f" on {workers} processes" if workers > 1 else ""))
        if workers == 1 or len(chunks) <= 1:
            results: Iterable[tuple[list, list[Match]]] = (_verify_and_align(self, c, judge, oversize) for c in chunks)
            yield from _report_chunks(results, len(pairs), chunk_size, progress)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        spawn = multiprocessing.get_context("spawn")  # fork could deadlock on this process's thread pools
        embedder = "auto" if self._embedder is not None else None
        with ProcessPoolExecutor(
            min(workers, len(chunks)), mp_context=spawn, initializer=_open_reader,
            initargs=(str(self.path), embedder, oversize),
        ) as pool:
            results = pool.map(_verify_and_align_in_worker, chunks, [judge] * len(chunks))
            yield from _report_chunks(results, len(pairs), chunk_size, progress)

    def scan(
        self,
        min_coverage: float = 0.0,
        *,
        judge: bool = True,
        progress: Callable[[str], None] | None = None,
        workers: int = 1,
    ) -> Iterator[Cluster]:
        """Every copy cluster of the corpus: connected components of documents linked by reuse (a pair is
        linked when its alignment has a passage and covers at least ``min_coverage`` of either side),
        largest first, each with the Match of every linked pair.  ``workers`` processes verify and align
        the candidate pairs (same answer for any number)."""
        if not 0.0 <= min_coverage <= 1.0:
            raise ConfigError(f"min_coverage must be between 0 and 1, not {min_coverage}")
        matches: list[Match] = []
        for _verified, found in self.aligned_chunks(judge=judge, workers=workers, progress=progress):
            matches += found
        yield from link_clusters(matches, min_coverage)


@dataclass(frozen=True)
class _BandView:
    """The bucket lookup of an index at ``generation``: the ``segments`` (every document up to
    ``base_generation``) less the ``stale`` docnos, plus ``delta``.  ``disk`` is the stamp of the manifest it
    was read from; ``obsolete`` names merged-away segment files to delete once a manifest no longer names them."""

    segments: tuple[BandArrays, ...]
    names: tuple[str, ...]
    base_generation: int
    delta: BandArrays
    stale: np.ndarray
    generation: int
    disk: tuple[int, int, int] | None
    obsolete: tuple[str, ...] = ()


def _key_stamp(ann: Any) -> tuple[int, int, int]:
    """(count, sum, max) of a usearch index's keys, to compare with the ``vectors`` table's vecnos."""
    keys = np.asarray(ann.keys, dtype=np.uint64) if len(ann) else np.zeros(0, dtype=np.uint64)
    return int(len(keys)), int(keys.sum(dtype=np.uint64)) if len(keys) else 0, int(keys.max()) if len(keys) else 0


def _chunks(xs: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(xs), n):
        yield xs[i : i + n]


# --------------------------------------------------------------------------- parallel derivation

#: a batch with fewer documents to derive than this is derived in-process (a pool costs a start-up)
MIN_PARALLEL = 200


def _worker_count(workers: int | None) -> int:
    if workers is None:
        env = os.environ.get("UNSPUN_WORKERS")
        if env:
            try:
                workers = int(env)
            except ValueError:
                raise ConfigError(f"UNSPUN_WORKERS must be a whole number, not {env!r}") from None
        else:
            workers = 1
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, not {workers}")
    return workers


@dataclass(frozen=True)
class _Stored:
    """What the index stores of a fingerprinted document: the rows of :func:`unspun.scan.fingerprint_batch`'s
    DocRecord, already in their stored form (little-endian bytes; cheap to pass between processes)."""

    id: str
    content_hash: str
    windows: int
    signatures: bytes  # <u4 (windows, num_perm)
    keys: bytes  # <i8 sorted distinct band keys


def _fingerprint_stored(docs: list[Document], params: FingerprintParams) -> list[_Stored]:
    """:func:`unspun.scan.fingerprint_batch` for storage: the same signatures and keys, kept as the bytes the
    index stores (no tuple of Python ints per document), each document's distinct keys by a sort and a mask."""
    fp = fingerprint([d.text for d in docs], params)
    keys = band_keys(fp.signatures, params).astype("<i8")
    sb = np.searchsorted(fp.owner, np.arange(len(docs) + 1)).tolist()  # windows of a document are contiguous
    sigs = fp.signatures.astype("<u4")
    out = []
    for i, d in enumerate(docs):
        s, e = sb[i], sb[i + 1]
        k = np.sort(keys[s:e], axis=None)
        if len(k) > 1:
            k = k[np.concatenate(([True], k[1:] != k[:-1]))]
        out.append(_Stored(d.id, content_hash(d.text), e - s, sigs[s:e].tobytes(), k.tobytes()))
    return out


def _derive(docs: list[Document], params: FingerprintParams, embedder: Any) -> dict[str, tuple]:
    """Signatures, band keys and passage vectors of documents: ``{id: (_Stored, vectors or None)}``."""
    records = _fingerprint_stored(docs, params)
    vectors = {v[0]: v for v in embed_batch(docs, embedder)} if embedder is not None else {}
    return {r.id: (r, vectors.get(r.id)) for r in records}


def _die_with_parent(parent: int) -> None:
    """Worker set-up: exit when the writer process dies (even by SIGKILL), never linger as an orphan."""
    import signal
    import threading
    import time

    try:  # Linux: the kernel delivers SIGKILL to this worker when its parent dies
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere (and as a fallback): poll for re-parenting
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="unspun-parent-watch").start()


def _derive_named(docs: list[Document], params: FingerprintParams, embedder_name: str) -> dict[str, tuple]:
    """:func:`_derive` in a worker process, with the embedder loaded there by name."""
    from .embed import get_embedder

    return _derive(docs, params, None if embedder_name == "none" else get_embedder(embedder_name))


class _Deriver:
    """Derives batches ahead of the writer in a process pool, or in-process when that is not worth it."""

    def __init__(self, index: "Index", workers: int) -> None:
        self.index = index
        self.workers = workers
        self.pool: Any = None
        self.named = index._embedder is None or _is_registered(index._embedder_name)

    def submit(self, batch: list[Document]) -> Any:
        ix = self.index
        if self.workers < 2 or len(batch) < MIN_PARALLEL or not self.named:
            return None  # derived at write time, in this process
        hashes = {d.id: content_hash(d.text) for d in batch if d.id and d.text and not d.text.isspace()}
        known = ix._lookup(list(hashes))
        todo = list({d.id: d for d in batch if d.id in hashes and (known.get(d.id) or (None, None))[1] != hashes[d.id]}.values())
        if self.workers < 2 or len(todo) < MIN_PARALLEL or not self.named:
            return None  # derived at write time, in this process
        if self.pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: forking a process that runs thread pools (tokenizers, BLAS) can deadlock.
            # Like any spawning library, this needs the caller's script guarded by `if __name__ == "__main__":`.
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=_die_with_parent, initargs=(os.getpid(),)
            )
        size = -(-len(todo) // self.workers)
        futures = [
            self.pool.submit(_derive_named, todo[i : i + size], ix.params, ix._embedder_name)
            for i in range(0, len(todo), size)
        ]
        return _Merged(futures)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class _Merged:
    def __init__(self, futures: list[Any]) -> None:
        self.futures = futures

    def result(self) -> dict[str, tuple]:
        out: dict[str, tuple] = {}
        for f in self.futures:
            out.update(f.result())
        return out


def _is_registered(name: str) -> bool:
    from .embed import EMBEDDERS

    return name in EMBEDDERS


# --------------------------------------------------------------------------- parallel verify + align

_READER: dict[str, Index] = {}  # the read-only handle of a worker process (set by _open_reader)


def _open_reader(path: str, embedder: Any, oversize: np.ndarray) -> None:
    _READER["index"] = Index(path, readonly=True, embedder=embedder)
    _READER["oversize"] = oversize


def _verify_and_align(index: Index, pairs: list, judge: bool, oversize: np.ndarray) -> tuple[list, list[Match]]:
    """One chunk of candidate pairs: verified on window signatures, then aligned (and judged), boilerplate
    passages (on the ``oversize`` band keys) dropped."""
    lookup = index._signature_lookup(size=512)
    verified = verify_pairs(pairs, lookup)
    boilerplate = Boilerplate(oversize, lookup, index.params)
    return verified, align_pairs(verified, index.get, embedder=index._embedder, judge=judge, boilerplate=boilerplate)


def _verify_and_align_in_worker(pairs: list, judge: bool) -> tuple[list, list[Match]]:
    return _verify_and_align(_READER["index"], pairs, judge, _READER["oversize"])


def _report_chunks(
    results: Iterable[tuple[list, list[Match]]], total: int, chunk_size: int, progress: Callable[[str], None] | None
) -> Iterator[tuple[list, list[Match]]]:
    verified = linked = 0
    every = max(1, total // chunk_size // 20)  # about 20 progress lines
    for k, (pairs, found) in enumerate(results, 1):
        verified += len(pairs)
        linked += len(found)
        if progress and (k % every == 0 or k * chunk_size >= total):
            progress(f"verified and aligned {min(k * chunk_size, total)}/{total} candidate pairs:"
                     f" {verified} similar enough to align, {linked} with reuse")
        yield pairs, found
