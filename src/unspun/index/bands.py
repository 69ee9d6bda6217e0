"""The bucket lookup of an index (band key -> documents), kept current with the bucket segment files.

SQLite holds the truth: each document's window signatures, from which its distinct band keys follow.
Looking keys up needs them the other way round, by key: sorted
:class:`~unspun.index.segments.BandArrays`, memory-mapped from *segments* that the manifest (the
``bands`` value of the ``meta`` table) names as holding every document up to a generation ``G``, less
its *dead* docnos, each with its size and CRC-32.

A :class:`BandView` is the lookup as of the current generation: those segments, plus the *delta*
(documents written after ``G``, their keys derived from their signatures), less the *stale* docnos
(removed or replaced since).  The writer folds the keys it has just computed into a new segment at the
end of every ``add`` (and every :data:`FOLD_ENTRIES` entries during a long one), without reading them
back; segments of similar sizes are merged two by two (so there are O(log n) of them).  Segment files
are caches: written through private temporary files and atomic renames under the cache lock, used only
when their bytes are those recorded, and otherwise rebuilt from the signatures in SQLite (and recorded,
when the index can be written), so they never decide an answer.  A handle that cannot write beside the
database keeps what it rebuilds in a private temporary directory, unlinked once mapped.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from ..errors import StoreError
from ..fingerprint import band_keys
from ..params import FingerprintParams
from .locks import cache_lock
from .segments import (
    BandArrays,
    Manifest,
    SegmentInfo,
    merge_segments,
    new_segment_name,
    read_segment,
    segment_info,
    shared_entries,
    stable_key_order,
    write_segment,
)
from .store import Store, latest_meta, record_meta, store_error

#: new band keys are written as a segment at the end of every add, and during a long one at this many
#: entries (≈ 3,000 articles; 16 MB in memory)
FOLD_ENTRIES = 1_000_000
#: signatures whose keys are derived per numpy call when the segments are rebuilt from SQLite
DERIVE_ROWS = 2000
META_KEY = "bands"


def derive_arrays(rows: Iterable[tuple[int, int, bytes]], fp: FingerprintParams) -> BandArrays:
    """The band-key entries of ``(docno, windows, signatures blob)`` rows: each document's distinct band
    keys, derived from its signatures as :func:`unspun.fingerprint.fingerprint_batch` derives them."""
    docnos: list[int] = []
    windows: list[int] = []
    blobs: list[bytes] = []
    for docno, n, blob in rows:
        docnos.append(int(docno))
        windows.append(int(n))
        blobs.append(blob)
    if not blobs:
        return BandArrays.empty()
    sig = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(-1, fp.num_perm)
    keys = band_keys(sig, fp)  # (windows, bands)
    owners = np.repeat(np.repeat(np.asarray(docnos, dtype=np.int64), windows), fp.bands)
    flat = keys.ravel()
    order = np.lexsort((flat, owners))  # by document, then key: distinct keys per document
    flat, owners = flat[order], owners[order]
    first = np.r_[True, (flat[1:] != flat[:-1]) | (owners[1:] != owners[:-1])] if len(flat) else np.zeros(0, dtype=bool)
    flat, owners = flat[first], owners[first]
    by_key = stable_key_order(flat)
    return BandArrays(flat[by_key], owners[by_key], len(set(docnos)))


@dataclass(frozen=True)
class BandView:
    """The bucket lookup of an index at ``generation``: the ``segments`` (every document up to
    ``base_generation``) less the ``stale`` docnos, plus ``delta``.  ``raw`` is the manifest it was read
    from (None: rebuilt, not recorded)."""

    segments: tuple[BandArrays, ...]
    infos: tuple[SegmentInfo, ...]
    base_generation: int
    delta: BandArrays
    stale: np.ndarray
    generation: int
    raw: str | None
    obsolete: tuple[str, ...] = ()

    @staticmethod
    def empty(gen: int) -> "BandView":
        return BandView((), (), gen, BandArrays.empty(), np.zeros(0, dtype=np.int64), gen, None, ())


@dataclass
class _Pending:
    """Band keys this handle wrote and has not folded into a segment yet (docno -> sorted keys)."""

    keys: dict[int, np.ndarray] = field(default_factory=dict)
    entries: int = 0


class Bands:
    """The bucket lookup of one index handle (its store, its path, its fingerprint parameters)."""

    def __init__(self, store: Store, path: Path, fp: FingerprintParams):
        self.store, self.path, self.fp = store, path, fp
        self.view: BandView | None = None  # as last read (None: not yet)
        self.pending = _Pending()
        self._seen: dict[Any, bool] = {}  # files verified by this handle (by stamp)
        self._tmpdir: Any = None  # a private directory for segments that cannot be written beside the database
        self._locked = False  # this handle holds the cache lock (it is not re-entrant across descriptors)

    def close(self) -> None:
        self.view = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    # ------------------------------------------------------------------ files

    def segment_files(self) -> list[Path]:
        """The bucket segment files beside the database (named by the manifest or not)."""
        return sorted(self.path.parent.glob(f"{glob_escape(self.path.name)}.bands.*.seg"))

    def _private_dir(self) -> Path:
        if self._tmpdir is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="unspun-bands-")
        return Path(self._tmpdir.name)

    def _new_segment(self, write: Callable[[Path], None], where: Path) -> tuple[SegmentInfo, BandArrays]:
        """Write a segment into ``where`` with ``write(path)``, record its size and CRC, and map it."""
        path = where / new_segment_name(self.path)
        tmp = Path(f"{path}.tmp")
        try:
            write(tmp)
            os.replace(tmp, path)
        except OSError as err:
            raise (store_error(self.path, err, f"writing the bucket segment {path.name}") or err) from None
        finally:
            tmp.unlink(missing_ok=True)
        arrays = read_segment(path)
        if arrays is None:
            raise StoreError(f"{path}: the bucket segment just written cannot be read back")
        info = segment_info(path, arrays)
        if where != self.path.parent:
            path.unlink(missing_ok=True)  # private: the mapping keeps it
        return info, arrays

    def _add_segment(self, view: BandView, arrays: BandArrays, where: Path) -> BandView:
        """``view`` with ``arrays`` as one more segment, merged with the last ones while they are of similar
        size (two by two, streaming, dropping the stale docnos)."""
        if len(arrays) == 0:
            return view
        info, seg = self._new_segment(lambda p: write_segment(p, arrays), where)
        infos, segs = list(view.infos) + [info], list(view.segments) + [seg]
        obsolete: list[str] = []
        while len(segs) >= 2 and 2 * len(segs[-1]) >= len(segs[-2]):
            a, b = segs[-2], segs[-1]
            minfo, merged = self._new_segment(lambda p: merge_segments(p, a, b, view.stale), where)
            obsolete += [i.name for i in infos[-2:]]
            infos[-2:], segs[-2:] = [minfo], [merged]
        return replace(view, segments=tuple(segs), infos=tuple(infos), obsolete=tuple(obsolete) + view.obsolete)

    # ------------------------------------------------------------------ the view

    def current(self) -> BandView:
        """The bucket lookup as of the current generation.  Call it inside a read snapshot when its answer
        must agree with other reads."""
        meta = dict(self.store.db.execute("SELECT key, value FROM meta WHERE key IN ('generation', ?)", (META_KEY,)))
        gen, raw = int(meta["generation"]), meta.get(META_KEY)
        view = self.view
        if view is None or view.raw != raw or view.generation > gen:
            view = self._load(raw, gen)
        if view.generation != gen:
            view = self._with_delta(view, gen)
        self.view = view
        return view

    def _with_delta(self, view: BandView, gen: int) -> BandView:
        """``view`` brought to generation ``gen``: the documents written since, their keys from this
        handle's pending keys or derived from their signatures, and the docnos retired since."""
        rows = self.store.db.execute("SELECT docno FROM signatures WHERE gen > ?", (view.generation,)).fetchall()
        known = {d: self.pending.keys[d] for (d,) in rows if d in self.pending.keys}
        fresh = BandArrays.from_keys(known)
        unknown = [d for (d,) in rows if d not in known]
        if unknown:
            fresh = fresh.plus(derive_arrays(self.store._rows_in(
                "SELECT docno, windows, data FROM signatures WHERE docno IN ({})", unknown), self.fp))
        new_stale = np.unique(np.asarray(self.store.retired_since(view.generation), dtype=np.int64))
        return replace(view, delta=view.delta.without(new_stale).plus(fresh),
                       stale=np.union1d(view.stale, new_stale).astype(np.int64), generation=gen)

    def _load(self, raw: str | None, gen: int) -> BandView:
        """The view of the segments the manifest names, each verified against its recorded size and CRC;
        when there is none, or one is missing or damaged, the segments rebuilt from SQLite."""
        m = Manifest.from_json(raw)
        if m is not None and m.generation <= gen:
            segs = [read_segment(self.path.parent / i.name, i, self._seen) for i in m.segments]
            if all(sg is not None for sg in segs):
                return BandView(tuple(segs), m.segments, m.generation, BandArrays.empty(),  # type: ignore[arg-type]
                                np.asarray(m.dead, dtype=np.int64), m.generation, raw, ())
        elif m is None and raw is None and self.store.count() == 0:
            return replace(BandView.empty(gen), raw=raw)
        # a manifest newer than this snapshot (reads outside one snapshot) is never written over
        return self._rebuild(raw, gen, record=m is None or m.generation <= gen)

    def _rebuild(self, raw: str | None, gen: int, record: bool = True) -> BandView:
        """Segments of every stored document, derived from the signatures of this snapshot; recorded (under
        the cache lock, only if nobody recorded another manifest meanwhile) when the index can be written.
        A process that waited for the lock while another rebuilt uses that one's segments instead."""
        if self._locked:
            return self._rebuild_locked(raw, gen, record, True)
        with cache_lock(self.path) as locked:
            self._locked = True
            try:
                latest = latest_meta(self.path, META_KEY) if locked else None
                m = Manifest.from_json(latest)
                if latest != raw and m is not None and m.generation <= gen:
                    segs = [read_segment(self.path.parent / i.name, i, self._seen) for i in m.segments]
                    if all(sg is not None for sg in segs):  # rebuilt meanwhile: the delta brings it to this snapshot
                        view = BandView(tuple(segs), m.segments, m.generation, BandArrays.empty(),  # type: ignore[arg-type]
                                        np.asarray(m.dead, dtype=np.int64), m.generation, raw, ())
                        return self._with_delta(view, gen) if m.generation != gen else view
                return self._rebuild_locked(raw, gen, record, locked)
            finally:
                self._locked = False

    def _rebuild_locked(self, raw: str | None, gen: int, record: bool, locked: bool) -> BandView:
        writable = record and locked and os.access(self.path.parent, os.W_OK) and not self.store.immutable
        where = self.path.parent if writable else self._private_dir()
        view = BandView.empty(gen)
        cur = self.store.signature_rows()
        size, chunk = 0, []
        while True:  # every stored document, a segment per FOLD_ENTRIES entries
            rows = cur.fetchmany(DERIVE_ROWS)
            if rows:
                part = derive_arrays(rows, self.fp)
                chunk.append(part)
                size += len(part)
            if chunk and (size >= FOLD_ENTRIES or not rows):
                merged = chunk[0]
                for c in chunk[1:]:
                    merged = merged.plus(c)
                view = self._add_segment(view, merged, where)
                chunk, size = [], 0
            if not rows:
                break
        if not writable:
            return view
        manifest = Manifest(gen, view.infos, ())
        if self._record(raw, manifest.to_json()):
            self._drop_orphans({i.name for i in view.infos})
            return replace(view, raw=manifest.to_json(), obsolete=())
        for info in view.infos:  # not recorded (another process recorded a manifest meanwhile): ours are private
            (self.path.parent / info.name).unlink(missing_ok=True)
        return view

    def _record(self, expected: str | None, value: str) -> bool:
        """Record a manifest in SQLite: in this handle's write transaction when it is in one, else through a
        short transaction of its own (a read-only handle), only if the manifest is still ``expected``."""
        if self.store.writing:
            if self.store.meta_value(META_KEY) != expected:
                return False
            self.store.set_meta(META_KEY, value)
            return True
        if not self.store.readonly and not self.store.db.in_transaction:
            with self.store.tx():
                if self.store.meta_value(META_KEY) != expected:
                    return False
                self.store.set_meta(META_KEY, value)
            return True
        return record_meta(self.path, META_KEY, expected, value)

    def _drop_orphans(self, named: set[str]) -> None:
        """Delete segment files no manifest names (a reader still mapping one keeps it); under the cache lock."""
        for orphan in self.segment_files():
            if orphan.name not in named:
                orphan.unlink(missing_ok=True)

    # ------------------------------------------------------------------ the writer

    def begin(self) -> None:
        """A writer's first step: read the lookup as it stands before its writes, so that the keys it writes
        are folded from memory (:meth:`remember`) instead of derived again from their signatures (a new
        index's first fold would otherwise rebuild every segment from SQLite)."""
        if not self.store.readonly and self.view is None:
            self.current()

    def remember(self, keys: dict[int, np.ndarray]) -> None:
        """Keep the band keys of documents just written (by docno), to fold them without reading them back."""
        for d, k in keys.items():
            self.pending.keys[d] = k
            self.pending.entries += len(k)

    def fold(self, force: bool = True) -> None:
        """Write the delta (the documents written since the manifest's generation: this handle's pending
        keys, others derived from their signatures) as a segment and record the new manifest, under the
        cache lock and in one write transaction.  ``force`` False folds only when the pending keys hold
        :data:`FOLD_ENTRIES` entries.  A writer calls it at the end of every add and remove."""
        if self.store.readonly or (not force and self.pending.entries < FOLD_ENTRIES):
            return
        with cache_lock(self.path):
            self._locked = True
            try:
                self._fold_locked()
            finally:
                self._locked = False
        self.pending = _Pending()
        self.view = None

    def _fold_locked(self) -> None:
        with self.store.tx():
            view = self.current()
            gen = view.generation
            if view.base_generation == gen and view.raw is not None and not len(view.delta):
                return
            view = self._add_segment(view, view.delta, self.path.parent)
            manifest = Manifest(gen, view.infos, tuple(view.stale.tolist()))
            self.store.set_meta(META_KEY, manifest.to_json())
        for name in view.obsolete:
            (self.path.parent / name).unlink(missing_ok=True)

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
        a candidate pair), sorted by key: every segment and the delta merged into one sorted run (streamed
        into private temporary segments)."""
        view = self.current()
        segs = list(view.segments)
        if len(view.delta):
            segs.append(view.delta)
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
