"""The index's SQLite file: schema, transactions, one read snapshot, and the rows.

Tables (all written in one transaction per batch, so a crash never leaves a half-added document):

* ``meta`` — format marker, schema version, fingerprint parameters, embedder, the ``instance`` id
  that names this database in its cache files, and a ``generation`` counter bumped by every write;
* ``documents`` — id, text, title, url, published, byline, content hash, meta JSON;
* ``signatures`` — per document: the MinHash window signatures (uint32 bytes), its distinct LSH band
  keys (sorted int64 bytes: one row per document, not one per key, is what makes adding fast) and the
  generation that wrote them;
* ``retired`` — documents removed or replaced, with the generation that did it;
* ``vectors`` — passage embeddings as float16 bytes, when an embedder is used.

Every read that must agree with other reads runs inside :meth:`Store.snapshot` (one read transaction;
WAL keeps it consistent while another process writes).  Lists of ids or docnos are bound
:data:`SQL_VARIABLES` at a time.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ..errors import StoreError
from ..fingerprint import DocRecord, content_hash
from ..pipeline.ann import Embedded
from ..types import Document

FORMAT = "unspun-index"
SCHEMA_VERSION = 2  # 2: band keys as one blob per document (signatures.keys), no 'bands' table
#: ids or docnos bound per ``IN (...)`` query (below SQLite's limit on bound variables)
SQL_VARIABLES = 900

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

_DOC_COLUMNS = "id, text, title, url, published, byline, meta"


def meta_json(meta: Any) -> str:
    return json.dumps(dict(meta or {}), sort_keys=True, ensure_ascii=False, default=str)


def _row_doc(row: Sequence[Any]) -> Document:
    id_, text, title, url, published, byline, meta = row
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


class Store:
    """One SQLite connection on the index file (autocommit; transactions are explicit)."""

    def __init__(self, path: Path, readonly: bool):
        self.path = path
        self.readonly = readonly
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            raise StoreError(f"{path}: cannot open the index: {err}") from None
        try:
            self.db.execute("PRAGMA busy_timeout = 60000")
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as err:
            self.db.close()
            raise StoreError(f"{path}: not an unspun index ({err})") from None

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

    def create(self, fingerprint: dict[str, Any], embedder_name: str) -> str:
        """Make the tables of a new index; returns its instance id."""
        instance = uuid.uuid4().hex
        with self.tx() as db:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    db.execute(stmt)
            db.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
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
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

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
                "characters": q("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM documents"),
                "windows": q("SELECT COALESCE(SUM(windows), 0) FROM signatures"),
                "band_rows": q("SELECT COALESCE(SUM(LENGTH(keys)), 0) / 8 FROM signatures"),
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
        return dict(self._rows_in("SELECT docno, LENGTH(keys) / 8 FROM signatures WHERE docno IN ({})", docnos))

    def key_rows(self, since: int | None = None) -> sqlite3.Cursor:
        """``(docno, keys blob)`` of every document (by docno), or of those written after generation ``since``."""
        if since is None:
            return self.db.execute("SELECT docno, keys FROM signatures ORDER BY docno")
        return self.db.execute("SELECT docno, keys FROM signatures WHERE gen > ?", (since,))

    def retired_since(self, gen: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT docno FROM retired WHERE gen > ?", (gen,))]

    # ------------------------------------------------------------------ vectors

    def vector_stamp(self) -> tuple[int, int, int]:
        """(count, sum, max) of the vecnos: what the vector cache file must hold."""
        n, s, m = self.db.execute("SELECT COUNT(*), COALESCE(SUM(vecno), 0), COALESCE(MAX(vecno), 0) FROM vectors").fetchone()
        return int(n), int(s), int(m)

    def vector_rows(self) -> list[tuple[int, bytes]]:
        return self.db.execute("SELECT vecno, data FROM vectors ORDER BY vecno").fetchall()

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
        """Sort usable documents into new, changed, metadata-only and unchanged ones."""
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

    def write(self, plan: BatchPlan, records: dict[str, DocRecord], vectors: dict[str, Embedded]) -> bool:
        """Write a planned batch in one transaction (``records`` and ``vectors`` by id, for ``plan.work``);
        True when anything was written.  A new text gets a new docno: a docno's band keys never change, so
        the bucket segments only ever need to forget docnos (``retired``), never to update them."""
        with self.tx() as db:
            gen = self.generation() + 1  # the generation this transaction commits (bumped below)
            if plan.changed:
                self._retire(db, [plan.existing[d.id][0] for d in plan.changed], gen)
            for d in plan.meta_only:
                db.execute(
                    "UPDATE documents SET title=?, url=?, published=?, byline=?, meta=? WHERE docno=?",
                    (d.title, d.url, d.published, d.byline, meta_json(d.meta), plan.existing[d.id][0]),
                )
            db.executemany("DELETE FROM documents WHERE docno = ?", [(plan.existing[d.id][0],) for d in plan.changed])
            db.executemany(
                "INSERT INTO documents(id, text, title, url, published, byline, content_hash, meta) VALUES (?,?,?,?,?,?,?,?)",
                [(d.id, d.text, d.title, d.url, d.published, d.byline, plan.hashes[d.id], meta_json(d.meta)) for d in plan.work],
            )
            docnos = self.docnos([d.id for d in plan.work])
            db.executemany(
                "INSERT INTO signatures(docno, windows, data, keys, gen) VALUES (?, ?, ?, ?, ?)",
                [(docnos[r.id], len(r.signatures), r.signatures.astype("<u4").tobytes(), r.keys.astype("<i8").tobytes(), gen)
                 for r in (records[d.id] for d in plan.work)],
            )
            db.executemany(
                "INSERT INTO vectors(docno, start, end, data) VALUES (?, ?, ?, ?)",
                [(docnos[doc_id], s, e, v.astype("<f2").tobytes())
                 for doc_id, spans, vecs in (vectors[d.id] for d in plan.work if d.id in vectors)
                 for (s, e), v in zip(spans, vecs)],
            )
            if plan.work or plan.meta_only:
                self.bump_generation()
        return bool(plan.work or plan.meta_only)

    def remove(self, id: str) -> bool:
        """Remove a document and everything derived from it; False when the id is not stored."""
        docno = self.docno(id)
        if docno is None:
            return False
        with self.tx() as db:
            self._retire(db, [docno], self.generation() + 1)
            db.execute("DELETE FROM documents WHERE docno = ?", (docno,))
            self.bump_generation()
        return True

    @staticmethod
    def _retire(db: sqlite3.Connection, docnos: list[int], gen: int) -> None:
        """Remove the signatures, band keys and vectors of documents, and record them as retired at
        generation ``gen`` (inside the caller's transaction)."""
        for docno in docnos:
            db.execute("DELETE FROM signatures WHERE docno = ?", (docno,))
            db.execute("DELETE FROM vectors WHERE docno = ?", (docno,))
            db.execute("INSERT OR REPLACE INTO retired(docno, gen) VALUES (?, ?)", (docno, gen))



def is_sqlite(path: Path) -> bool:
    """Whether the file starts as every SQLite database does."""
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"
