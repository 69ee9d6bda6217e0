"""The bucket lookup of an index (band key -> documents), kept current with the bucket segment files.

SQLite holds the truth (each document's distinct band keys, one blob per document, stamped with the
generation that wrote it).  Looking keys up needs them the other way round, by key: sorted
:class:`~unspun.index.segments.BandArrays`, memory-mapped from *segments* that a manifest
(``<db>.bands``) names as holding every document up to a generation ``G``, less its *dead* docnos.

A :class:`BandView` is the lookup as of the current generation: those segments, plus the *delta* read
from SQLite (documents written after ``G``), less the *stale* docnos (removed or replaced since).  The
writer folds the delta into a new segment once it holds :data:`FOLD_ENTRIES` entries; segments of
similar sizes are merged two by two (so there are O(log n) of them).  All files are caches: written
through private temporary files and atomic renames, rebuilt from SQLite when missing, damaged or
another index's, so they never decide an answer.  A read-only handle writes its segments into a
private temporary directory and unlinks them once mapped.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import StoreError
from .segments import (
    BandArrays,
    Manifest,
    merge_segments,
    new_segment_name,
    read_manifest,
    read_segment,
    shared_entries,
    stamp,
    write_manifest,
    write_segment,
)
from .store import Store

#: the entries read from SQLite since the last bucket segment are written as a new segment at this many
#: (≈ 3,000 articles; 16 MB in memory)
FOLD_ENTRIES = 1_000_000


@dataclass(frozen=True)
class BandView:
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

    @staticmethod
    def empty(gen: int, disk: tuple[int, int, int] | None) -> "BandView":
        return BandView((), (), gen, BandArrays.empty(), np.zeros(0, dtype=np.int64), gen, disk, ())


class Bands:
    """The bucket lookup of one index handle (its store, its path, its instance id)."""

    def __init__(self, store: Store, path: Path, instance: str):
        self.store, self.path, self.instance = store, path, instance
        self.view: BandView | None = None  # as last read (None: not yet)
        self._tmpdir: Any = None  # a read-only handle's private directory for segments

    def close(self) -> None:
        self.view = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    # ------------------------------------------------------------------ files

    def manifest_path(self) -> Path:
        return Path(f"{self.path}.bands")

    def segment_files(self) -> list[Path]:
        """The bucket segment files beside the database (named by the manifest or not)."""
        return sorted(self.path.parent.glob(f"{glob_escape(self.path.name)}.bands.*.seg"))

    def _segment_dir(self) -> Path:
        if not self.store.readonly:
            return self.path.parent
        if self._tmpdir is None:
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
        if self.store.readonly:
            path.unlink(missing_ok=True)  # the mapping keeps it
        return name, arrays

    def _add_segment(self, view: BandView, arrays: BandArrays) -> BandView:
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
        return replace(view, segments=tuple(segs), names=tuple(names), obsolete=tuple(obsolete) + view.obsolete)

    # ------------------------------------------------------------------ the view

    def current(self, fold: bool | None = False) -> BandView:
        """The bucket lookup as of the current generation.  ``fold``: True turns the delta into a segment
        (and, unless read-only, writes the manifest), None does so when the delta holds
        :data:`FOLD_ENTRIES` entries, False never.  Call it inside a read snapshot when its answer must
        agree with other reads."""
        gen = self.store.generation()
        disk = stamp(self.manifest_path())
        view = self.view
        if view is None or view.disk != disk:
            view = self._load_manifest(gen, disk)
        if view.generation != gen:
            fresh = BandArrays.from_blobs(self.store.key_rows(since=view.generation).fetchall())
            new_stale = np.unique(np.asarray(self.store.retired_since(view.generation), dtype=np.int64))
            view = replace(view, delta=view.delta.without(new_stale).plus(fresh),
                           stale=np.union1d(view.stale, new_stale).astype(np.int64), generation=gen)
        if fold is None:
            fold = len(view.delta) >= FOLD_ENTRIES
        if fold and (len(view.delta) or view.base_generation != gen):
            view = replace(self._add_segment(view, view.delta), base_generation=gen, delta=BandArrays.empty())
            if not self.store.readonly:
                self._write_manifest(view, tuple(view.stale.tolist()))
                for name in view.obsolete:
                    (self.path.parent / name).unlink(missing_ok=True)
                view = replace(view, disk=stamp(self.manifest_path()), obsolete=())
        self.view = view
        return view

    def _write_manifest(self, view: BandView, dead: tuple[int, ...]) -> None:
        write_manifest(self.manifest_path(), Manifest(self.instance, view.generation, view.names, dead))

    def _load_manifest(self, gen: int, disk: tuple[int, int, int] | None) -> BandView:
        """The view of the segments the manifest names, or (none, unusable, or newer than this snapshot) a
        view built from SQLite in segments of bounded size."""
        m = read_manifest(self.manifest_path(), self.instance) if disk is not None else None
        if m is not None and m.generation <= gen:
            segs = [read_segment(self.path.parent / name) for name in m.segments]
            if all(sg is not None for sg in segs):
                return BandView(tuple(segs), m.segments, m.generation, BandArrays.empty(),  # type: ignore[arg-type]
                                np.asarray(m.dead, dtype=np.int64), m.generation, disk, ())
        newer = m is not None and m.generation > gen  # never written over
        view = BandView.empty(gen, None if newer else disk)
        cur = self.store.key_rows()
        chunk: list[tuple[int, bytes]] = []
        size = 0
        while True:  # every stored document, a segment per FOLD_ENTRIES entries
            rows = cur.fetchmany(2000)
            for r in rows:
                chunk.append(r)
                size += len(r[1]) // 8
            if size >= FOLD_ENTRIES or (not rows and chunk):
                view = self._add_segment(view, BandArrays.from_blobs(chunk))
                chunk, size = [], 0
            if not rows:
                break
        if not self.store.readonly and view.segments and not newer:
            self._write_manifest(view, ())
            for orphan in self.segment_files():  # segments of an unusable manifest (a reader still mapping one keeps it)
                if orphan.name not in view.names:
                    orphan.unlink(missing_ok=True)
            view = replace(view, disk=stamp(self.manifest_path()), obsolete=())
        return view

    # ------------------------------------------------------------------ lookups

    def members(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(band keys, docnos)``: every live stored document holding one of ``keys`` (sorted distinct
        int64), one row per (key, document), sorted."""
        view = self.current()
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

    def size_bound(self, keys: np.ndarray) -> np.ndarray:
        """An upper bound of each bucket's size (entries per key, stale ones included), read without the
        entries: only the keys whose bound is over a cap need :meth:`members`."""
        view = self.current()
        bound = view.delta.counts(keys)
        for seg in view.segments:
            bound += seg.counts(keys)
        return bound

    def shared(self) -> tuple[np.ndarray, np.ndarray]:
        """``(band keys, docnos)`` of every bucket held by two or more live documents (the rows that can make
        a candidate pair), sorted by key: the delta folded in, every segment merged into one sorted run
        (streamed into a private temporary segment)."""
        view = self.current(fold=True)
        segs = list(view.segments)
        while len(segs) > 1:
            a, b = segs.pop(), segs.pop()
            segs.append(self._merge_private(a, b, view.stale))
        if not segs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys, docnos = shared_entries(segs[0], view.stale)
        return np.asarray(keys, dtype=np.int64), np.asarray(docnos, dtype=np.int64)

    def _merge_private(self, a: BandArrays, b: BandArrays, stale: np.ndarray) -> BandArrays:
        """Merge two segments into a mapped temporary one that no manifest names (unlinked once mapped)."""
        with tempfile.TemporaryDirectory(prefix="unspun-bands-") as d:
            path = Path(d) / "merged.seg"
            merge_segments(path, a, b, stale)
            arrays = read_segment(path)
        if arrays is None:
            raise StoreError(f"{self.path}: a temporary bucket segment cannot be read back")
        return arrays
