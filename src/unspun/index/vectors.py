"""The index's vector cache: a usearch index over the ``vectors`` table, saved beside the database.

``<db>.vectors.<name>.usearch`` holds the HNSW graph; the ``vector_cache`` value of the ``meta`` table
records which file it is, the ``vectors_gen`` (the generation of the last write that changed the
vectors) it was built at, its vector count, size and CRC-32.  It is only a cache:

* the writer leaves a valid one behind: at the end of every ``add`` and ``remove`` it brings the last
  cache up to date (the new vectors added, the removed ones taken out) or builds it from SQLite, saves
  it (private temporary file, atomic rename, under the cache lock) and records it;
* a reader loads it memory-mapped (``usearch.Index.restore(view=True)``) once its bytes are verified;
* a missing, stale or damaged one is rebuilt from SQLite once, under the cache lock (a process that
  waited for the lock takes the file the other one saved), and saved and recorded when the index can
  be written; on read-only media it is kept in memory.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StoreError
from ..pipeline.ann import ann_build, ann_search
from .locks import cache_lock
from .segments import file_crc, verified
from .store import Store, latest_meta, record_meta

META_KEY = "vector_cache"


@dataclass(frozen=True)
class CacheRecord:
    """What ``meta.vector_cache`` says of the cache file."""

    name: str
    vgen: int
    count: int
    size: int
    crc: int

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "vgen": self.vgen, "count": self.count, "size": self.size,
                           "crc": self.crc}, sort_keys=True)

    @staticmethod
    def from_json(raw: str | None) -> "CacheRecord | None":
        if not raw:
            return None
        try:
            d = json.loads(raw)
            rec = CacheRecord(str(d["name"]), int(d["vgen"]), int(d["count"]), int(d["size"]), int(d["crc"]))
        except (ValueError, KeyError, TypeError):
            return None
        return None if "/" in rec.name or not rec.name.endswith(".usearch") else rec


class VectorCache:
    """The usearch index of one handle's passage vectors (keys: vecnos), loaded lazily."""

    def __init__(self, store: Store, path: Path):
        self.store = store
        self.db_path = path
        self._ann: Any = None
        self._vgen: int | None = None
        self._mutable = False  # loaded whole (can be brought up to date), not a read-only view
        self._seen: dict[Any, bool] = {}

    def files(self) -> list[Path]:
        """The cache files beside the database (recorded or not)."""
        return sorted(self.db_path.parent.glob(f"{glob_escape(self.db_path.name)}.vectors.*.usearch"))

    def _state(self) -> tuple[int, str | None]:
        """(vectors_gen, the cache record) from one statement."""
        meta = dict(self.store.db.execute("SELECT key, value FROM meta WHERE key IN ('vectors_gen', ?)", (META_KEY,)))
        return int(meta.get("vectors_gen") or 0), meta.get(META_KEY)

    def invalidate(self) -> None:
        """Forget the loaded index (kept for callers; :meth:`ensure` notices a changed table by itself)."""
        self._ann, self._vgen = None, None

    # ------------------------------------------------------------------ reading

    def ensure(self) -> Any:
        """The usearch index over the ``vectors`` table: the one loaded, the recorded file once verified,
        else rebuilt from SQLite (once, under the cache lock)."""
        vgen, raw = self._state()
        if self._ann is not None and self._vgen == vgen:
            return self._ann
        rec = CacheRecord.from_json(raw)
        if rec is not None and rec.vgen == vgen:
            ann = self._load(rec, view=True)
            if ann is not None:
                self._ann, self._vgen, self._mutable = ann, vgen, False
                return ann
        return self._rebuild(raw, vgen)

    def _load(self, rec: CacheRecord, view: bool) -> Any:
        """The recorded file, if its bytes are the ones recorded (else None)."""
        from usearch.index import Index as UIndex

        path = self.db_path.parent / rec.name
        if not verified(path, rec.size, rec.crc, self._seen):
            return None
        try:
            ann = UIndex.restore(str(path), view=view)
        except Exception:  # noqa: BLE001 - usearch raises assorted errors on a file it cannot read
            return None
        return ann if ann is not None and len(ann) == rec.count else None

    def _rebuild(self, raw: str | None, vgen: int) -> Any:
        with cache_lock(self.db_path) as locked:
            latest = latest_meta(self.db_path, META_KEY) if locked else None
            rec = CacheRecord.from_json(latest)
            if latest != raw and rec is not None and rec.vgen == vgen:  # another process rebuilt it meanwhile
                ann = self._load(rec, view=True)
                if ann is not None:
                    self._ann, self._vgen, self._mutable = ann, vgen, False
                    return ann
            ann = self._build()
            self._ann, self._vgen, self._mutable = ann, vgen, True
            if locked and ann is not None:
                self._save_and_record(ann, raw, vgen)
            return ann

    def _build(self) -> Any:
        """The usearch index of every stored vector, added in vecno order (one thread: deterministic)."""
        rows = self.store.vector_rows()
        if not rows:
            return None
        dim = len(rows[0][1]) // 2
        keys = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2").reshape(len(rows), dim)
        return ann_build(keys, mat)

    # ------------------------------------------------------------------ the writer

    def refresh(self) -> None:
        """Leave a valid, recorded cache behind (the writer, after its writes): the recorded or loaded
        cache brought up to date (new vectors added in vecno order, removed ones taken out), else built
        from SQLite."""
        if self.store.readonly:
            return
        with cache_lock(self.db_path):
            with self.store.snapshot():
                vgen, raw = self._state()
                rec = CacheRecord.from_json(raw)
                if rec is not None and rec.vgen == vgen and verified(self.db_path.parent / rec.name, rec.size, rec.crc,
                                                                     self._seen):
                    return
                ann = self._ann if self._mutable and self._ann is not None else None
                if ann is None and rec is not None:
                    ann = self._load(rec, view=False)
                ann = self._brought_up_to_date(ann) if ann is not None else self._build()
            self._ann, self._vgen, self._mutable = ann, vgen, True
            if ann is not None:
                self._save_and_record(ann, raw, vgen)

    def _brought_up_to_date(self, ann: Any) -> Any:
        """``ann`` with the vectors stored since it was built added and those removed since taken out."""
        have = np.asarray(ann.keys, dtype=np.uint64) if len(ann) else np.zeros(0, dtype=np.uint64)
        stored = self.store.vecnos()
        gone = np.setdiff1d(have, stored, assume_unique=True)
        if len(gone):
            ann.remove(gone)
        rows = self.store.vector_rows(after=int(have.max()) if len(have) else 0)
        if rows:
            dim = len(rows[0][1]) // 2
            keys = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
            mat = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2").reshape(len(rows), dim)
            ann.add(keys, mat.astype(np.float32), threads=1)
        return ann

    def _save_and_record(self, ann: Any, raw: str | None, vgen: int) -> None:
        """Save ``ann`` under a new name and record it, if the vectors are still at ``vgen`` and nobody
        recorded another cache meanwhile; the file it replaces is deleted (a reader mapping it keeps it)."""
        if self.store.immutable or not os.access(self.db_path.parent, os.W_OK):
            return
        name = f"{self.db_path.name}.vectors.{uuid.uuid4().hex}.usearch"
        path = self.db_path.parent / name
        tmp = Path(f"{path}.tmp")
        try:
            ann.save(str(tmp))
            os.replace(tmp, path)
            rec = CacheRecord(name, vgen, len(ann), path.stat().st_size, file_crc(path))
        except Exception as err:  # noqa: BLE001 - usearch reports a full disk as a RuntimeError
            tmp.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            raise _save_error(path, err) from None
        old = CacheRecord.from_json(raw)
        if self._record(raw, rec.to_json(), vgen):
            if old is not None and old.name != name:
                (self.db_path.parent / old.name).unlink(missing_ok=True)
            for orphan in self.files():  # files of a cache never recorded (a crash mid-save)
                if orphan.name != name:
                    orphan.unlink(missing_ok=True)
        else:
            path.unlink(missing_ok=True)

    def _record(self, expected: str | None, value: str, vgen: int) -> bool:
        if self.store.readonly:
            return record_meta(self.db_path, META_KEY, expected, value, vectors_gen=vgen)
        with self.store.tx():
            vg = int(self.store.meta_value("vectors_gen") or 0)
            if vg != vgen or self.store.meta_value(META_KEY) != expected:
                return False
            self.store.set_meta(META_KEY, value)
        return True

    # ------------------------------------------------------------------ search

    def search(self, queries: np.ndarray, count: int) -> tuple[list[list[str]], list[list[float]]]:
        """The ``count`` nearest stored vectors of each query: their documents' ids ("" for one no longer
        stored) and cosine similarities (an :class:`unspun.pipeline.ann.Shard`)."""
        ann = self.ensure()
        if ann is None or len(ann) == 0 or len(queries) == 0:
            return [[] for _ in queries], [[] for _ in queries]
        keys, sims = ann_search(ann, queries, count)
        owner = self.store.vector_owners(k for row in keys for k in row.tolist())
        return [[owner.get(int(k), "") for k in krow] for krow in keys.tolist()], sims.tolist()


def _save_error(path: Path, err: BaseException) -> StoreError:
    import shutil

    try:
        full = shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        full = False
    if full or "space" in str(err).lower() or getattr(err, "errno", None) == 28:
        return StoreError(f"{path}: the disk is full (saving the vector cache); the documents are stored and the index "
                          "is sound: free some space and run 'unspun index add' again to save the cache")
    return StoreError(f"{path}: cannot save the vector cache ({err}); the documents are stored and the index is sound")
