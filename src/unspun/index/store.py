"""The index's SQLite file: schema, transactions, one read snapshot, and the rows.

Tables (all written in one transaction per batch, so a crash never leaves a half-added document):

* ``meta`` — format marker, schema version, fingerprint parameters, embedder, the ``instance`` id
  that names this database in its cache files, a ``generation`` counter bumped by every write, the
  ``vectors_gen`` bumped by every write that changes the vectors, and the records of the cache files
  beside the database (``bands``: the bucket segments; ``vector_cache``: the usearch file), each with
  its size and CRC-32 so that a damaged file is known and rebuilt;
* ``documents`` — id, text (UTF-8, a zlib stream) and its length in characters, title, url, published, byline,
  content hash, meta JSON;
* ``signatures`` — per document: the MinHash window signatures (uint32 bytes), the number of its
  distinct LSH band keys and the generation that wrote them.  The band keys themselves are not stored
  here: they are a function of the signatures, kept (by key) in the bucket segments, and derived
  again from the signatures when a segment is missing or damaged;
* ``retired`` — documents removed or replaced, with the generation that did it;
* ``vectors`` — passage embeddings as float16 bytes, when an embedder is used.

Every read that must agree with other reads runs inside :meth:`Store.snapshot` (one read transaction;
WAL keeps it consistent while another process writes).  Lists of ids or docnos are bound
:data:`SQL_VARIABLES` at a time.
"""
from __future__ import annotations

import errno
import json
import os
import sqlite3
import uuid
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
from isal import isal_zlib

from ..errors import StoreError
from ..fingerprint import DocRecord, content_hash
from ..pipeline.ann import Embedded
from ..types import Document

FORMAT = "unspun-index"
SCHEMA_VERSION = 4  # 3: band keys only in the bucket segments (signatures.nkeys), cache records in meta;
#                     4: document text stored zlib-compressed (documents.text BLOB, documents.chars)
#: the page size of a new index file (SQLite's default, 4096, leaves a page's slack per stored document)
PAGE_SIZE = int(os.environ.get("UNSPUN_PAGE_SIZE", "65536"))
#: the WAL size at which a writer checkpoints (and to which the WAL file is cut back)
WAL_BYTES = 4 << 20
#: ids or docnos bound per ``IN (...)`` query (below SQLite's limit on bound variables)
SQL_VARIABLES = 900

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    docno INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text BLOB NOT NULL,
    chars INTEGER NOT NULL,
    title TEXT, url TEXT, published TEXT, byline TEXT,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS signatures (
    docno INTEGER PRIMARY KEY,
    windows INTEGER NOT NULL,
    nkeys INTEGER NOT NULL,
    data BLOB NOT NULL,
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

_DOC_COLUMNS = "id, text, title, url, published, byline, meta"


def meta_json(meta: Any) -> str:
    return json.dumps(dict(meta or {}), sort_keys=True, ensure_ascii=False, default=str)


def packed_text(text: str) -> bytes:
    """A document's text as stored: UTF-8 in a standard zlib stream (read back with :func:`zlib.decompress`),
    written by ISA-L's deflate at level 2: PAN source texts shrink to 45% (zlib level 1: 46.5%), generated news
    text to 51.5% (54%), at ~4 ns a byte against zlib level 1's ~12 (``benchmarks/text_compression.py``)."""
    return isal_zlib.compress(text.encode("utf-8"), 2)


def _row_doc(row: Sequence[Any]) -> Document:
    id_, text, title, url, published, byline, meta = row
    try:
        text = zlib.decompress(text).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, TypeError) as err:
        raise StoreError(f"the stored text of document {id_!r} is damaged ({err}); remove it and add it again") from None
    return Document(id=id_, text=text, title=title, url=url, published=published, byline=byline, meta=json.loads(meta))


def _chunks(xs: Sequence[Any], n: int = SQL_VARIABLES) -> Iterator[Sequence[Any]]:
    for i in range(0, len(xs), n):
        yield xs[i : i + n]


@dataclass
class BatchPlan:
    """What writing one batch of documents will do, by document (see :meth:`Store.plan`)."""

    new: list[Document] = field(default_factory=list)
    changed: list[Document] = field(default_factory=list)  # a known id with a new text
    meta_only: list[Document] = field(default_factory=list)  # a known text with new metadata
    unchanged: int = 0
    existing: dict[str, tuple] = field(default_factory=dict)  # id -> (docno, content hash, title, url, ...)
    hashes: dict[str, str] = field(default_factory=dict)

    @property
    def work(self) -> list[Document]:
        """The documents whose signatures (and vectors) are to be derived and written."""
        return self.new + self.changed


class Connection(sqlite3.Connection):
    """An SQLite connection that knows whether it was opened as immutable (read-only media)."""

    immutable = False


def connect(path: Path, readonly: bool) -> Connection:
    """The one way this package opens an index's SQLite file.  ``path`` is a file name, never a URI: it is
    made absolute and percent-escaped into a ``file:`` URI (so ``#``, ``?``, ``%`` and spaces are part of
    the name).  ``readonly`` opens it read-only; a sound index on a read-only filesystem (where SQLite
    cannot make the WAL's shared-memory file) is opened as immutable."""
    uri = Path(os.path.abspath(path)).as_uri()
    mode = "?mode=ro" if readonly else "?mode=rwc"
    try:
        db = sqlite3.connect(uri + mode, uri=True, timeout=60.0, isolation_level=None, check_same_thread=False,
                             factory=Connection)
    except sqlite3.Error as err:
        raise StoreError(f"{path}: cannot open the index: {err}") from None
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # SQLite opens lazily: open it now
        return db
    except sqlite3.Error as err:
        db.close()
        cannot_write = path.exists() and not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK))
        if not readonly and cannot_write and isinstance(err, sqlite3.OperationalError):
            raise StoreError(f"{path}: the index cannot be written here (a read-only file or filesystem)") from None
        if not (readonly and isinstance(err, sqlite3.OperationalError) and cannot_write):
            why = store_error(path, err, "opening the index")
            if why is None or "cannot open" in str(err):
                why = StoreError(f"{path}: not an unspun index ({err})")
            raise why from None
    # read-only media: nobody can write here, so the file is immutable (no WAL, no locks needed)
    try:
        db = sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False,
                             factory=Connection)
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        db.immutable = True
        return db
    except sqlite3.Error as err:
        raise StoreError(f"{path}: cannot open the index read-only: {err}") from None


def store_error(path: Path, err: BaseException, doing: str = "writing to the index") -> StoreError | None:
    """A one-line :class:`StoreError` a person can act on for an SQLite or OS error (full disk, read-only
    file, another writer holding the lock, a damaged file); None for an error that is a bug."""
    code = getattr(err, "sqlite_errorcode", None)
    text = str(err).lower()
    if isinstance(err, OSError) and err.errno == errno.ENOSPC or code == sqlite3.SQLITE_FULL or "disk is full" in text:
        where = getattr(err, "filename", None) or path
        return StoreError(f"{where}: the disk is full ({doing}); the index is sound, holding what was committed before "
                          "(whole batches only): free some space and run the command again")
    if isinstance(err, OSError) and err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        where = getattr(err, "filename", None) or path
        return StoreError(f"{where}: cannot write ({err.strerror}) while {doing}")
    if code == sqlite3.SQLITE_READONLY or "readonly database" in text:
        return StoreError(f"{path}: the index cannot be written here (a read-only file or filesystem)")
    if code == sqlite3.SQLITE_BUSY or "database is locked" in text:
        return StoreError(f"{path}: another process has held the index's write lock for over a minute "
                          f"(another 'unspun index add', 'rm' or a server); try again when it is done")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text:
        return StoreError(f"{path}: the index file is damaged ({err}); rebuild it with 'unspun index add' into a new file")
    if code == sqlite3.SQLITE_IOERR or isinstance(err, OSError):
        return StoreError(f"{path}: input/output error while {doing} ({err})")
    return None


class Store:
    """One SQLite connection on the index file (autocommit; transactions are explicit)."""

    def __init__(self, path: Path, readonly: bool):
        self.path = path
        self.readonly = readonly
        self.db = connect(path, readonly)
        self.immutable = self.db.immutable
        self.writing = False  # inside tx()
        try:
            self.db.execute("PRAGMA busy_timeout = 60000")
            if not readonly:
                # a new file gets big pages before WAL fixes its page size: a document row (~3 KB of text) and a
                # signature row (~2.7 KB) each took a 4 KB page of their own, ~2 KB of slack per document
                self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                self.db.execute("PRAGMA journal_mode = WAL")
                # checkpoint every ~4 MiB of WAL whatever the page size (SQLite counts 1000 pages: 64 MiB here),
                # and cut the WAL file back to that after a checkpoint
                page = int(self.db.execute("PRAGMA page_size").fetchone()[0])
                self.db.execute(f"PRAGMA wal_autocheckpoint = {max(1, WAL_BYTES // page)}")
                self.db.execute(f"PRAGMA journal_size_limit = {WAL_BYTES}")
                self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as err:
            self.db.close()
            why = store_error(path, err, "opening the index")
            raise (why or StoreError(f"{path}: not an unspun index ({err})")) from None

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ schema

    def read_meta(self) -> dict[str, str] | None:
        """The ``meta`` table of an unspun index; None for an empty database; a StoreError for another kind
        of database or another schema version."""
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "meta" not in tables:
            raise StoreError(f"{self.path}: a SQLite database but not an unspun index (no 'meta' table)")
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT:
            raise StoreError(f"{self.path}: a SQLite database but not an unspun index")
        if int(meta.get("schema", 0)) != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: index schema {meta.get('schema')} is not supported by this unspun (expects {SCHEMA_VERSION});"
                " rebuild it with 'unspun index add' into a new file"
            )
        return meta

    def create(self, fingerprint: dict[str, Any], embedder_name: str) -> str | None:
        """Make the tables of a new index; returns its instance id, or None when another process created the
        index meanwhile (checked inside the write transaction: a second writer starting on the same new
        file must never reset the first one's generation counter)."""
        instance = uuid.uuid4().hex
        with self.tx() as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
                return None
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    db.execute(stmt)
            db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [("format", FORMAT), ("schema", str(SCHEMA_VERSION)), ("params", json.dumps(fingerprint, sort_keys=True)),
                 ("embedder", embedder_name), ("generation", "0"), ("instance", instance)],
            )
        return instance

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), committed on success, rolled back on any error."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        if self.writing:  # nested: part of the caller's transaction
            yield self.db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.writing = True
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            finally:
                self.writing = False
            self.db.execute("COMMIT")
        except (sqlite3.Error, OSError) as err:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            why = store_error(self.path, err)
            if why is None:
                raise
            raise why from None

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read snapshot: every read inside agrees with the others, even while another process writes.
        Nested inside another transaction or snapshot, it is that one."""
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            self.db.execute("COMMIT")

    def generation(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    def bump_generation(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    def meta_value(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set one ``meta`` value (inside the caller's transaction)."""
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def vectors_generation(self) -> int:
        """The generation of the last write that changed the ``vectors`` table (0: none yet)."""
        return int(self.meta_value("vectors_gen") or 0)

    # ------------------------------------------------------------------ documents

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def contains(self, id: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE id = ?", (id,)).fetchone() is not None

    def ids(self) -> Iterator[str]:
        for (i,) in self.db.execute("SELECT id FROM documents ORDER BY id"):
            yield i

    def get(self, id: str) -> Document | None:
        row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE id = ?", (id,)).fetchone()
        return _row_doc(row) if row else None

    def docno(self, id: str) -> int | None:
        row = self.db.execute("SELECT docno FROM documents WHERE id = ?", (id,)).fetchone()
        return None if row is None else int(row[0])

    def _rows_in(self, sql: str, values: Iterable[Any]) -> list[tuple]:
        """The rows of ``sql``, whose one ``IN ({})`` takes ``values``, bound :data:`SQL_VARIABLES` at a time."""
        rows: list[tuple] = []
        for chunk in _chunks(sorted(set(values))):
            rows += self.db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    def docnos(self, ids: Iterable[str]) -> dict[str, int]:
        return dict(self._rows_in("SELECT id, docno FROM documents WHERE id IN ({})", ids))

    def ids_of(self, docnos: Iterable[int]) -> dict[int, str]:
        return dict(self._rows_in("SELECT docno, id FROM documents WHERE docno IN ({})", docnos))

    def all_ids(self) -> dict[int, str]:
        """``{docno: id}`` of every document."""
        return dict(self.db.execute("SELECT docno, id FROM documents").fetchall())

    def lookup(self, ids: list[str]) -> dict[str, tuple]:
        """``{id: (docno, content hash, title, url, published, byline, meta JSON)}`` of the stored ``ids``."""
        sql = "SELECT id, docno, content_hash, title, url, published, byline, meta FROM documents WHERE id IN ({})"
        return {row[0]: row[1:] for row in self._rows_in(sql, ids)}

    def counts(self) -> dict[str, int]:
        """Documents, characters, windows, band rows, vectors and the generation, from one snapshot."""
        q = lambda sql: int(self.db.execute(sql).fetchone()[0])  # noqa: E731
        with self.snapshot():
            return {
                "documents": q("SELECT COUNT(*) FROM documents"),
                "characters": q("SELECT COALESCE(SUM(chars), 0) FROM documents"),
                "windows": q("SELECT COALESCE(SUM(windows), 0) FROM signatures"),
                "band_rows": q("SELECT COALESCE(SUM(nkeys), 0) FROM signatures"),
                "vectors": q("SELECT COUNT(*) FROM vectors"),
                "generation": self.generation(),
            }

    # ------------------------------------------------------------------ signatures and band keys

    def signatures(self, id: str, num_perm: int) -> np.ndarray | None:
        """The stored MinHash window signatures of document ``id`` (uint32, windows x num_perm), or None."""
        row = self.db.execute(
            "SELECT s.windows, s.data FROM signatures s JOIN documents d ON d.docno = s.docno WHERE d.id = ?", (id,)
        ).fetchone()
        if row is None:
            return None
        return np.frombuffer(row[1], dtype="<u4").reshape(int(row[0]), num_perm)

    def key_counts(self, docnos: Iterable[int]) -> dict[int, int]:
        """The number of distinct band keys of each stored document in ``docnos``."""
        return dict(self._rows_in("SELECT docno, nkeys FROM signatures WHERE docno IN ({})", docnos))

    def signature_rows(self, since: int | None = None) -> sqlite3.Cursor:
        """``(docno, windows, signatures blob)`` of every document (by docno), or of those written after
        generation ``since``: what the band keys are derived from."""
        if since is None:
            return self.db.execute("SELECT docno, windows, data FROM signatures ORDER BY docno")
        return self.db.execute("SELECT docno, windows, data FROM signatures WHERE gen > ? ORDER BY docno", (since,))

    def retired_since(self, gen: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT docno FROM retired WHERE gen > ?", (gen,))]

    # ------------------------------------------------------------------ vectors

    def vector_stamp(self) -> tuple[int, int, int]:
        """(count, sum, max) of the vecnos: what the vector cache file must hold."""
        n, s, m = self.db.execute("SELECT COUNT(*), COALESCE(SUM(vecno), 0), COALESCE(MAX(vecno), 0) FROM vectors").fetchone()
        return int(n), int(s), int(m)

    def vector_rows(self, after: int = 0) -> list[tuple[int, bytes]]:
        """``(vecno, float16 bytes)`` of every stored vector (or of those after vecno ``after``), by vecno."""
        return self.db.execute("SELECT vecno, data FROM vectors WHERE vecno > ? ORDER BY vecno", (after,)).fetchall()

    def vecnos(self) -> np.ndarray:
        """Every stored vecno, sorted (uint64)."""
        rows = self.db.execute("SELECT vecno FROM vectors ORDER BY vecno").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))

    def vectors_by_id(self) -> list[tuple[int, str, bytes]]:
        """``(vecno, document id, float16 bytes)`` of every stored vector, by vecno."""
        return self.db.execute(
            "SELECT v.vecno, d.id, v.data FROM vectors v JOIN documents d ON d.docno = v.docno ORDER BY v.vecno"
        ).fetchall()

    def vector_owners(self, vecnos: Iterable[int]) -> dict[int, str]:
        sql = "SELECT v.vecno, d.id FROM vectors v JOIN documents d ON d.docno = v.docno WHERE v.vecno IN ({})"
        return dict(self._rows_in(sql, (int(v) for v in vecnos)))

    # ------------------------------------------------------------------ writing

    def plan(self, docs: list[Document]) -> BatchPlan:
        """Sort usable documents into new, changed, metadata-only and unchanged ones (as of now: call it
        inside the write transaction for the plan that is written)."""
        plan = BatchPlan(existing=self.lookup([d.id for d in docs]), hashes={d.id: content_hash(d.text) for d in docs})
        for d in docs:
            old = plan.existing.get(d.id)
            if old is None:
                plan.new.append(d)
            elif old[1] != plan.hashes[d.id]:
                plan.changed.append(d)
            elif old[2:] != (d.title, d.url, d.published, d.byline, meta_json(d.meta)):
                plan.meta_only.append(d)
            else:
                plan.unchanged += 1
        return plan

    def write(self, docs: list[Document], derived: dict[str, tuple], derive: Callable[[list[Document]], dict[str, tuple]]
              ) -> "Written":
        """Write a batch of usable documents in one transaction.  The batch is planned (new, changed,
        metadata-only, unchanged) *inside* the write transaction, so a document another writer stored
        meanwhile is seen, never inserted twice; ``derived`` (id -> (DocRecord, Embedded | None)) holds
        what was derived ahead of time, ``derive(docs)`` derives what it lacks.  A new text gets a new
        docno: a docno's band keys never change, so the bucket segments only ever need to forget docnos
        (``retired``), never to update them."""
        with self.tx() as db:
            plan = self.plan(docs)
            missing = [d for d in plan.work if d.id not in derived or derived[d.id][0].content_hash != plan.hashes[d.id]]
            if missing:
                derived = {**derived, **derive(missing)}
            gen = self.generation() + 1  # the generation this transaction commits (bumped below)
            vectors_changed = self._retire(db, [plan.existing[d.id][0] for d in plan.changed], gen) if plan.changed else 0
            for d in plan.meta_only:
                db.execute(
                    "UPDATE documents SET title=?, url=?, published=?, byline=?, meta=? WHERE docno=?",
                    (d.title, d.url, d.published, d.byline, meta_json(d.meta), plan.existing[d.id][0]),
                )
            db.executemany("DELETE FROM documents WHERE docno = ?", [(plan.existing[d.id][0],) for d in plan.changed])
            db.executemany(
                "INSERT INTO documents(id, text, chars, title, url, published, byline, content_hash, meta)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                [(d.id, packed_text(d.text), len(d.text), d.title, d.url, d.published, d.byline, plan.hashes[d.id],
                  meta_json(d.meta)) for d in plan.work],
            )
            docnos = self.docnos([d.id for d in plan.work])
            records = [derived[d.id][0] for d in plan.work]
            db.executemany(
                "INSERT INTO signatures(docno, windows, nkeys, data, gen) VALUES (?, ?, ?, ?, ?)",
                [(docnos[r.id], len(r.signatures), len(r.keys), r.signatures.astype("<u4").tobytes(), gen) for r in records],
            )
            rows = [(docnos[doc_id], s, e, v.astype("<f2").tobytes())
                    for doc_id, spans, vecs in (derived[d.id][1] for d in plan.work if derived[d.id][1] is not None)
                    for (s, e), v in zip(spans, vecs)]
            db.executemany("INSERT INTO vectors(docno, start, end, data) VALUES (?, ?, ?, ?)", rows)
            if plan.work or plan.meta_only:
                self.bump_generation()
            if rows or vectors_changed:
                self.set_meta("vectors_gen", str(gen))
        keys = {docnos[r.id]: r.keys for r in records}
        return Written(plan, docnos, keys, gen if (plan.work or plan.meta_only) else gen - 1)

    def remove(self, ids: Sequence[str]) -> list[str]:
        """Remove documents and everything derived from them, in one transaction; returns the ids that
        were stored (and are now removed)."""
        with self.tx() as db:
            docnos = self.docnos(ids)
            if not docnos:
                return []
            gen = self.generation() + 1
            vectors_changed = self._retire(db, sorted(docnos.values()), gen)
            db.executemany("DELETE FROM documents WHERE docno = ?", [(d,) for d in sorted(docnos.values())])
            self.bump_generation()
            if vectors_changed:
                self.set_meta("vectors_gen", str(gen))
        return [i for i in ids if i in docnos]

    @staticmethod
    def _retire(db: sqlite3.Connection, docnos: list[int], gen: int) -> int:
        """Remove the signatures and vectors of documents, and record them as retired at generation ``gen``
        (inside the caller's transaction); returns the number of vectors removed."""
        vectors = 0
        for chunk in _chunks(docnos):
            marks = ",".join("?" * len(chunk))
            db.execute(f"DELETE FROM signatures WHERE docno IN ({marks})", chunk)
            vectors += db.execute(f"DELETE FROM vectors WHERE docno IN ({marks})", chunk).rowcount
        db.executemany("INSERT OR REPLACE INTO retired(docno, gen) VALUES (?, ?)", [(d, gen) for d in docnos])
        return max(vectors, 0)


@dataclass
class Written:
    """What :meth:`Store.write` did: the batch's plan, the docnos and band keys of the texts written
    (``plan.work``), and the generation committed."""

    plan: BatchPlan
    docnos: dict[str, int]
    keys: dict[int, np.ndarray]
    generation: int


def is_sqlite(path: Path) -> bool:
    """Whether the file starts as every SQLite database does."""
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def record_meta(path: Path, key: str, expected: str | None, value: str, vectors_gen: int | None = None) -> bool:
    """Set ``meta[key]`` to ``value`` through a short write transaction of its own, only if it still holds
    ``expected`` (another process may have recorded a newer cache meanwhile): how a read-only handle
    records a cache file it rebuilt.  False when it was not recorded (changed meanwhile, or the index
    cannot be written here).  With ``vectors_gen``, only while the vectors are still at that generation."""
    try:
        db = connect(path, readonly=False)
    except StoreError:
        return False
    try:
        db.execute("PRAGMA busy_timeout = 5000")
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        vg = db.execute("SELECT value FROM meta WHERE key = 'vectors_gen'").fetchone()
        if (None if row is None else row[0]) != expected or (
                vectors_gen is not None and int(vg[0] if vg else 0) != vectors_gen):
            db.execute("ROLLBACK")
            return False
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
        db.execute("COMMIT")
        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()


def latest_meta(path: Path, key: str) -> str | None:
    """``meta[key]`` as now committed (read through a connection of its own, outside any snapshot of the
    caller's); None when it cannot be read."""
    try:
        db = connect(path, readonly=True)
    except StoreError:
        return None
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])
    except sqlite3.Error:
        return None
    finally:
        db.close()
