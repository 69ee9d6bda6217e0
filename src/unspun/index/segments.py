"""The on-disk form of the bucket lookup (band key -> documents): sorted arrays in segment files, and
the record (in SQLite) that names them.  :mod:`unspun.index.bands` keeps the lookup current with them.

SQLite holds the truth: each document's window signatures, from which its band keys follow
(:func:`unspun.fingerprint.band_keys`).  Looking keys up needs them the other way round, by key: that
is this module's job.  The keys are stored once, here.

* :class:`BandArrays` — ``(key, docno)`` entries sorted by key, searched with
  ``numpy.searchsorted``; memory-mapped from a *segment* file (``<db>.bands.<name>.seg``).
* A :class:`Manifest` — the ``bands`` value of the index's ``meta`` table — names the segments that
  together hold every document written up to a generation ``G``, the *dead* docnos whose entries in
  them are no longer valid, and for each segment its size and CRC-32: a segment is used only when its
  bytes are the ones recorded (a damaged, truncated, zeroed or foreign file is rebuilt from SQLite).
  Segments are immutable and merged two by two when they reach similar sizes (so there are O(log n)
  of them, and every merge streams in bounded memory).
* The *delta*: documents written after ``G`` (``signatures.gen > G``, their keys derived from their
  signatures) and documents removed or replaced since (``retired.gen > G``), whose older entries are
  *stale* and ignored.

A lookup therefore always answers for the current generation, whatever the age of the files.
"""
from __future__ import annotations

import json
import mmap
import os
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

SEG_MAGIC = b"UNSPSEG1"
_SEG_HEADER = 8 + 8 + 8  # magic, entries, documents
#: entries merged per step of a streaming merge (bounds its memory: ~80 bytes an entry, 40 MB)
MERGE_CHUNK = 1 << 19


@dataclass(frozen=True)
class BandArrays:
    """``(key, docno)`` entries sorted by key (documents inside a bucket in no particular order)."""

    keys: np.ndarray  # int64
    docnos: np.ndarray  # int64 or int32
    n_docs: int = 0

    @staticmethod
    def empty() -> "BandArrays":
        return BandArrays(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0)

    @staticmethod
    def from_keys(keys: dict[int, np.ndarray]) -> "BandArrays":
        """Arrays of each docno's sorted distinct int64 band keys."""
        if not keys:
            return BandArrays.empty()
        docnos = list(keys)
        runs = list(keys.values())
        flat = np.concatenate(runs).astype(np.int64, copy=False)
        owners = np.repeat(np.asarray(docnos, dtype=np.int64), np.fromiter(map(len, runs), dtype=np.int64, count=len(runs)))
        order = stable_key_order(flat)
        return BandArrays(flat[order], owners[order], len(docnos))

    def __len__(self) -> int:
        return int(len(self.keys))

    def without(self, stale: np.ndarray) -> "BandArrays":
        """These entries less those of the ``stale`` docnos (sorted int64); for in-memory arrays."""
        if len(stale) == 0 or len(self.keys) == 0:
            return self
        dn = np.asarray(self.docnos)
        keep = ~np.isin(dn, stale)
        if keep.all():
            return self
        n_docs = self.n_docs - len(np.unique(dn[~keep]))
        return BandArrays(np.asarray(self.keys)[keep], dn[keep], max(n_docs, 0))

    def plus(self, other: "BandArrays") -> "BandArrays":
        """Both sets of entries, sorted (a stable sort over two sorted runs is a linear merge); in memory."""
        if len(other) == 0:
            return self
        if len(self) == 0:
            return other
        keys = np.concatenate([np.asarray(self.keys), other.keys])
        docnos = np.concatenate([np.asarray(self.docnos, dtype=np.int64), other.docnos.astype(np.int64)])
        order = np.argsort(keys, kind="stable")
        return BandArrays(keys[order], docnos[order], self.n_docs + other.n_docs)

    def counts(self, keys: np.ndarray) -> np.ndarray:
        """The number of entries of each of ``keys`` (sorted distinct int64), without reading them."""
        if len(self.keys) == 0 or len(keys) == 0:
            return np.zeros(len(keys), dtype=np.int64)
        return (np.searchsorted(self.keys, keys, side="right") - np.searchsorted(self.keys, keys, side="left")).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``(key, docno)`` entries whose key is one of ``keys`` (sorted distinct int64)."""
        if len(self.keys) == 0 or len(keys) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        lo = np.searchsorted(self.keys, keys, side="left")
        hi = np.searchsorted(self.keys, keys, side="right")
        hit = hi > lo
        if not hit.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        idx = np.concatenate([np.arange(a, b) for a, b in zip(lo[hit].tolist(), hi[hit].tolist())])
        return np.asarray(self.keys[idx], dtype=np.int64), np.asarray(self.docnos[idx], dtype=np.int64)


_SIGN = np.uint64(1 << 63)


def stable_key_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` of int64 keys, faster: numpy's stable sort of int64 is a merge sort
    (~85 ns a key for random keys), its plain ``np.sort`` a vectorised one (~5 ns).  Each key's high bits (its order as
    unsigned) with its position in the low bits are sorted with ``np.sort``; keys that share those high bits
    but differ below them (rare: distinct 64-bit hashes) are put in order by a stable sort of the nearly
    sorted result (linear: a merge sort of sorted runs)."""
    n = len(keys)
    if n < 2:
        return np.arange(n, dtype=np.int64)
    bits = np.uint64(int(n - 1).bit_length())
    low = (np.uint64(1) << bits) - np.uint64(1)
    packed = (np.asarray(keys, dtype=np.int64).view(np.uint64) ^ _SIGN) & ~low | np.arange(n, dtype=np.uint64)
    order = (np.sort(packed) & low).astype(np.int64)
    ordered = keys[order]
    if len(ordered) > 1 and not (ordered[1:] >= ordered[:-1]).all():
        order = order[np.argsort(ordered, kind="stable")]
    return order


def shared_entries(arrays: BandArrays, stale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The live entries (docno not in ``stale``) whose key is held by two or more live entries, in chunks
    of bounded memory (the buckets that can make a pair)."""
    out_k: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    n = len(arrays)
    start = 0
    while start < n:
        end = min(n, start + MERGE_CHUNK)
        if end < n:  # never split a bucket between chunks
            end = int(np.searchsorted(arrays.keys, arrays.keys[end - 1], side="right"))
        k = np.asarray(arrays.keys[start:end], dtype=np.int64)
        d = np.asarray(arrays.docnos[start:end], dtype=np.int64)
        if len(stale):
            keep = ~np.isin(d, stale)
            k, d = k[keep], d[keep]
        if len(k) > 1:
            same = k[1:] == k[:-1]
            mask = np.zeros(len(k), dtype=bool)
            mask[1:] |= same
            mask[:-1] |= same
            out_k.append(k[mask])
            out_d.append(d[mask])
        start = end
    if not out_k:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_k), np.concatenate(out_d)


# --------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class SegmentInfo:
    """What the manifest records of one segment file: its name beside the database, its entries and
    documents, its size and the CRC-32 of all its bytes."""

    name: str
    entries: int
    docs: int
    size: int
    crc: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "entries": self.entries, "docs": self.docs, "size": self.size, "crc": self.crc}


def file_crc(path: Path) -> int:
    """The CRC-32 of every byte of a file (memory-mapped: no copy; ~7 GB/s from the page cache)."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return 0
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return zlib.crc32(m)


def file_stamp(path: Path) -> tuple[int, int, int, int] | None:
    """(device, inode, size, mtime) of a file, None when it is missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def verified(path: Path, size: int, crc: int, seen: dict[Any, bool]) -> bool:
    """Whether the file at ``path`` holds exactly ``size`` bytes whose CRC-32 is ``crc``.  ``seen`` memoises
    the answer per file stamp (a file changed since is checked again)."""
    st = file_stamp(path)
    if st is None or st[2] != size:
        return False
    key = (st, size, crc)
    if key not in seen:
        try:
            seen[key] = file_crc(path) == crc
        except OSError:
            return False
    return seen[key]


def read_segment(path: Path, info: SegmentInfo | None = None, seen: dict[Any, bool] | None = None) -> BandArrays | None:
    """The arrays of a segment file, memory-mapped; None when it is missing, malformed, or (given
    ``info``) not byte for byte the file the manifest recorded."""
    try:
        if info is not None and not verified(path, info.size, info.crc, {} if seen is None else seen):
            return None
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_SEG_HEADER)
        if len(head) != _SEG_HEADER or head[:8] != SEG_MAGIC:
            return None
        n, n_docs = (int.from_bytes(head[i : i + 8], "little", signed=True) for i in (8, 16))
        if n < 0 or size != _SEG_HEADER + 12 * n:
            return None
        if n == 0:
            return BandArrays.empty()
        keys = np.memmap(path, dtype="<i8", mode="r", offset=_SEG_HEADER, shape=(n,))
        docnos = np.memmap(path, dtype="<i4", mode="r", offset=_SEG_HEADER + 8 * n, shape=(n,))
        return BandArrays(keys, docnos, n_docs)
    except (OSError, ValueError):
        return None


def segment_info(path: Path, arrays: BandArrays) -> SegmentInfo:
    """The manifest's record of a segment file just written (its CRC read back from the page cache)."""
    return SegmentInfo(path.name, len(arrays), int(arrays.n_docs), path.stat().st_size, file_crc(path))


def write_segment(path: Path, arrays: BandArrays) -> None:
    with open(path, "wb") as fh:
        fh.write(SEG_MAGIC + len(arrays).to_bytes(8, "little", signed=True) + int(arrays.n_docs).to_bytes(8, "little", signed=True))
        fh.write(np.ascontiguousarray(arrays.keys, dtype="<i8").tobytes())
        fh.write(np.ascontiguousarray(arrays.docnos, dtype="<i4").tobytes())


def merge_segments(path: Path, a: BandArrays, b: BandArrays, dead: np.ndarray) -> None:
    """Write the merge of two sorted segments (less the ``dead`` docnos) to ``path``, streaming: the
    memory it takes is bounded by :data:`MERGE_CHUNK`, not by the segments' sizes."""
    tmp_docnos = Path(f"{path}.docnos")
    n = 0
    docs = a.n_docs + b.n_docs
    try:
        with open(path, "wb") as fk, open(tmp_docnos, "wb") as fd:
            fk.write(b"\0" * _SEG_HEADER)
            ia = ib = 0
            na, nb = len(a), len(b)
            while ia < na or ib < nb:
                if ia < na:
                    ea = min(na, ia + MERGE_CHUNK)
                    bound = a.keys[ea - 1]
                    eb = int(np.searchsorted(b.keys, bound, side="right")) if ea < na else nb
                    eb = max(eb, ib)
                else:
                    ea, eb = na, min(nb, ib + MERGE_CHUNK)
                k = np.concatenate([np.asarray(a.keys[ia:ea], dtype=np.int64), np.asarray(b.keys[ib:eb], dtype=np.int64)])
                d = np.concatenate([np.asarray(a.docnos[ia:ea], dtype=np.int64), np.asarray(b.docnos[ib:eb], dtype=np.int64)])
                if len(dead):
                    keep = ~np.isin(d, dead)
                    k, d = k[keep], d[keep]
                order = np.argsort(k, kind="stable")
                fk.write(k[order].astype("<i8").tobytes())
                fd.write(d[order].astype("<i4").tobytes())
                n += len(k)
                ia, ib = ea, eb
                _release(a), _release(b)  # the pages read so far leave this process's resident set
        if len(dead):  # documents are counted for the manifest's bookkeeping only: an estimate is enough
            docs = max(0, docs - len(dead))
        with open(path, "r+b") as fk, open(tmp_docnos, "rb") as fd:
            fk.write(SEG_MAGIC + n.to_bytes(8, "little", signed=True) + docs.to_bytes(8, "little", signed=True))
            fk.seek(0, os.SEEK_END)
            while True:
                buf = fd.read(1 << 24)
                if not buf:
                    break
                fk.write(buf)
    finally:
        tmp_docnos.unlink(missing_ok=True)


def _release(arrays: BandArrays) -> None:
    """Drop the resident pages of a memory-mapped segment (they are clean file pages: read again on demand)."""
    import mmap

    for arr in (arrays.keys, arrays.docnos):
        m = getattr(arr, "_mmap", None)
        if m is not None and hasattr(m, "madvise"):
            try:
                m.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):
                pass


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Manifest:
    """The segments holding every document written up to ``generation``, less the ``dead`` docnos."""

    generation: int
    segments: tuple[SegmentInfo, ...]
    dead: tuple[int, ...]

    def to_json(self) -> str:
        return json.dumps({"generation": self.generation, "segments": [s.to_dict() for s in self.segments],
                           "dead": list(self.dead)}, sort_keys=True)

    @staticmethod
    def from_json(raw: str | None) -> "Manifest | None":
        """The manifest recorded in SQLite; None when there is none or it cannot be read."""
        if not raw:
            return None
        try:
            d = json.loads(raw)
            segs = tuple(SegmentInfo(str(s["name"]), int(s["entries"]), int(s["docs"]), int(s["size"]), int(s["crc"]))
                         for s in d["segments"])
            m = Manifest(int(d["generation"]), segs, tuple(int(x) for x in d["dead"]))
        except (ValueError, KeyError, TypeError):
            return None
        if m.generation < 0 or any("/" in s.name or not s.name.endswith(".seg") for s in m.segments):
            return None
        return m


def new_segment_name(db: Path) -> str:
    return f"{db.name}.bands.{uuid.uuid4().hex}.seg"
