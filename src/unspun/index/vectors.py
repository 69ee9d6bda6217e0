"""The index's vector cache: a usearch index over the ``vectors`` table, saved beside the database.

``<db>.usearch`` holds the graph, ``<db>.usearch.json`` the generation it was built at and its vector
count.  It is only a cache: when the stamp does not agree with SQLite (another generation, another
count, or keys that are not exactly the table's vecnos) it is rebuilt from SQLite, so it can never
drift.  It is saved (private temporary files, atomic renames) when a writing handle closes.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from ..pipeline.ann import ann_build, ann_search
from .store import Store


def _key_stamp(ann: Any) -> tuple[int, int, int]:
    """(count, sum, max) of a usearch index's keys, to compare with the ``vectors`` table's vecnos."""
    keys = np.asarray(ann.keys, dtype=np.uint64) if len(ann) else np.zeros(0, dtype=np.uint64)
    return int(len(keys)), int(keys.sum(dtype=np.uint64)) if len(keys) else 0, int(keys.max()) if len(keys) else 0


class VectorCache:
    """The usearch index of one handle's passage vectors (keys: vecnos), loaded lazily."""

    def __init__(self, store: Store, path: Path):
        self.store = store
        self.path = Path(f"{path}.usearch")
        self.meta_path = Path(f"{path}.usearch.json")
        self._ann: Any = None
        self._generation: int | None = None
        self._dirty = False

    def files(self) -> list[Path]:
        return [self.path, self.meta_path]

    def invalidate(self) -> None:
        """Forget the loaded index (the table changed): cheaper to rebuild lazily than to patch."""
        self._ann = None

    def ensure(self) -> Any:
        """The usearch index over the ``vectors`` table, loaded from the cache file when its stamp agrees
        with the database, else rebuilt from SQLite."""
        gen = self.store.generation()
        if self._ann is not None and self._generation == gen:
            return self._ann
        cached = self._restore(gen)
        if cached is not None:
            self._ann, self._generation, self._dirty = cached, gen, False
            return cached
        rows = self.store.vector_rows()
        dim = len(rows[0][1]) // 2 if rows else 0
        keys = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
        mat = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2").reshape(len(rows), dim)
        self._ann, self._generation, self._dirty = ann_build(keys, mat), gen, True
        return self._ann

    def _restore(self, gen: int) -> Any:
        from usearch.index import Index as UIndex

        try:
            info = json.loads(self.meta_path.read_text())
            stamp = self.store.vector_stamp()
            if info.get("generation") != gen or info.get("count") != stamp[0] or not self.path.exists():
                return None
            cached = UIndex.restore(str(self.path))
            # the file itself must hold exactly the vectors of SQLite: two processes saving at once can
            # leave one's file under the other's stamp
            return cached if cached is not None and _key_stamp(cached) == stamp else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save_if_dirty(self) -> None:
        """Write the cache and its stamp, each through a private temporary file and an atomic rename."""
        if self._ann is None or not self._dirty or self.store.readonly:
            return
        unique = f"{os.getpid()}.{uuid.uuid4().hex}.tmp"
        tmp, tmp_meta = Path(f"{self.path}.{unique}"), Path(f"{self.meta_path}.{unique}")
        try:
            self._ann.save(str(tmp))
            os.replace(tmp, self.path)
            tmp_meta.write_text(json.dumps({"generation": self._generation, "count": _key_stamp(self._ann)[0]}))
            os.replace(tmp_meta, self.meta_path)
        finally:
            tmp.unlink(missing_ok=True)
            tmp_meta.unlink(missing_ok=True)
        self._dirty = False

    def search(self, queries: np.ndarray, count: int) -> tuple[list[list[str]], list[list[float]]]:
        """The ``count`` nearest stored vectors of each query: their documents' ids ("" for one no longer
        stored) and cosine similarities (an :class:`unspun.pipeline.ann.Shard`)."""
        ann = self.ensure()
        if ann is None or len(ann) == 0 or len(queries) == 0:
            return [[] for _ in queries], [[] for _ in queries]
        keys, sims = ann_search(ann, queries, count)
        owner = self.store.vector_owners(k for row in keys for k in row.tolist())
        return [[owner.get(int(k), "") for k in krow] for krow in keys.tolist()], sims.tolist()
