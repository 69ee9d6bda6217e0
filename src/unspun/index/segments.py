"""The on-disk form of the bucket lookup (band key -> documents): sorted arrays in segment files, and
the manifest that names them.  :mod:`unspun.index.bands` keeps the lookup current with them.

The index stores each document's distinct band keys as one blob beside its
signatures (``signatures.keys``, sorted little-endian int64), stamped with the
generation that wrote it.  That is the truth, written in the batch's
transaction.  Looking keys up needs them the other way round, by key: that is
this module's job.

* :class:`BandArrays` — ``(key, docno)`` entries sorted by key, searched with
  ``numpy.searchsorted``; memory-mapped from a *segment* file.
* A *manifest* (``<db>.bands``) names the segments (``<db>.bands.<name>.seg``)
  that together hold every document written up to a generation ``G``, the
  *dead* docnos whose entries in them are no longer valid, and the index's
  instance id.  Segments are immutable and merged two by two when they reach
  similar sizes (so there are O(log n) of them, and every merge streams in
  bounded memory).  All of it is a cache: written through private temporary
  files and atomic renames, rebuilt from SQLite when missing, damaged or another
  index's.
* The *delta* is read from SQLite: documents written after ``G``
  (``signatures.gen > G``) and documents removed or replaced since
  (``retired.gen > G``), whose older entries are *stale* and ignored.

A lookup therefore always answers for the current generation, whatever the age
of the files; the writer turns the delta into a segment once it holds
``FOLD_ENTRIES`` entries, so the delta held in memory stays small.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

MAGIC = b"UNSPBND2"
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
    def from_blobs(rows: Iterable[tuple[int, bytes]]) -> "BandArrays":
        """Arrays of ``(docno, keys blob)`` rows (each blob sorted distinct ``<i8`` keys)."""
        docnos: list[int] = []
        sizes: list[int] = []
        blobs: list[bytes] = []
        for docno, blob in rows:
            docnos.append(int(docno))
            sizes.append(len(blob) // 8)
            blobs.append(blob)
        if not blobs:
            return BandArrays.empty()
        keys = np.frombuffer(b"".join(blobs), dtype="<i8").astype(np.int64, copy=False)
        owners = np.repeat(np.asarray(docnos, dtype=np.int64), sizes)
        order = np.argsort(keys)  # the order of documents inside a bucket does not matter
        return BandArrays(keys[order], owners[order], len(docnos))

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


def stamp(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of a file, None when it is missing: a changed manifest has another stamp."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_segment(path: Path) -> BandArrays | None:
    try:
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

    instance: str
    generation: int
    segments: tuple[str, ...]  # file names beside the manifest
    dead: tuple[int, ...]


def read_manifest(path: Path, instance: str) -> Manifest | None:
    try:
        raw = path.read_bytes()
        if not raw.startswith(MAGIC):
            return None
        d = json.loads(raw[len(MAGIC) :].decode("utf-8"))
        m = Manifest(str(d["instance"]), int(d["generation"]), tuple(str(s) for s in d["segments"]),
                     tuple(int(x) for x in d["dead"]))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if m.instance != instance or m.generation < 0 or any("/" in s or not s.endswith(".seg") for s in m.segments):
        return None
    return m


def write_manifest(path: Path, m: Manifest) -> None:
    tmp = Path(f"{path}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(MAGIC + json.dumps({"instance": m.instance, "generation": m.generation,
                                            "segments": list(m.segments), "dead": list(m.dead)}).encode("utf-8"))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def new_segment_name(db: Path) -> str:
    return f"{db.name}.bands.{uuid.uuid4().hex}.seg"

