"""The LSH bucket lookup of an index: band key -> documents, as sorted arrays.

The index stores each document's distinct band keys as one blob beside its
signatures (``signatures.keys``, sorted little-endian int64), stamped with the
generation that wrote it.  That is the truth, written in the batch's
transaction.  Looking keys up needs them the other way round, by key: that is
this module's job.

* :class:`BandArrays` — every ``(key, docno)`` of a set of documents, sorted by
  key (then docno), searched with ``numpy.searchsorted``.
* The *base* is a file beside the database (``<db>.bands``) holding the arrays of
  every document written up to a generation ``G``, with the index's instance id
  and ``G`` in its header.  It is a cache: written through a private temporary
  file and an atomic rename, rebuilt from SQLite when it is missing, damaged or
  belongs to another database.
* The *delta* is read from SQLite: documents written after ``G``
  (``signatures.gen > G``) and documents removed or replaced since
  (``retired.gen > G``), whose base entries are *stale* and ignored.

A lookup therefore always answers for the current generation, whatever the age
of the file; the writer folds the delta into a new base file when it grows
(:func:`merge`), so a lookup's cost stays a few binary searches.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

MAGIC = b"UNSPBND1"
_HEADER = 8 + 32 + 8 + 8 + 8  # magic, instance (hex), generation, entries, documents


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
        """These entries less those of the ``stale`` docnos (sorted int64)."""
        if len(stale) == 0 or len(self.keys) == 0:
            return self
        lo = int(stale[0])
        dn = np.asarray(self.docnos)
        if lo > int(dn.max(initial=-1)):  # appends only: nothing here is stale
            return self
        keep = ~np.isin(dn, stale)
        n_docs = self.n_docs - len(np.unique(dn[~keep]))
        return BandArrays(np.asarray(self.keys)[keep], dn[keep], max(n_docs, 0))

    def plus(self, other: "BandArrays") -> "BandArrays":
        """Both sets of entries, sorted (a stable sort over two sorted runs is a linear merge)."""
        if len(other) == 0:
            return self
        if len(self) == 0:
            return other
        keys = np.concatenate([np.asarray(self.keys), other.keys])
        docnos = np.concatenate([np.asarray(self.docnos, dtype=np.int64), other.docnos.astype(np.int64)])
        order = np.argsort(keys, kind="stable")  # two sorted runs: a linear merge
        return BandArrays(keys[order], docnos[order], self.n_docs + other.n_docs)

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

    def shared(self) -> "BandArrays":
        """Only the entries whose key is held by two or more entries (the buckets that can make a pair)."""
        k = np.asarray(self.keys)
        if len(k) < 2:
            return BandArrays.empty()
        same = k[1:] == k[:-1]
        mask = np.zeros(len(k), dtype=bool)
        mask[1:] |= same
        mask[:-1] |= same
        return BandArrays(k[mask], np.asarray(self.docnos, dtype=np.int64)[mask], 0)


@dataclass(frozen=True)
class BaseFile:
    """A base read from disk: the arrays of every document written up to ``generation``."""

    instance: str
    generation: int
    arrays: BandArrays
    stamp: tuple[int, int, int] = field(default=(0, 0, 0))  # (inode, size, mtime_ns) of the file read


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def read_base(path: Path, instance: str) -> BaseFile | None:
    """The base file at ``path`` (memory-mapped), or None when it is missing, damaged or another index's."""
    stamp = _stamp(path)
    if stamp is None:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER)
        if len(head) != _HEADER or head[:8] != MAGIC or head[8:40].decode("ascii") != instance:
            return None
        gen, n, n_docs = (int.from_bytes(head[i : i + 8], "little", signed=True) for i in (40, 48, 56))
        if n < 0 or gen < 0 or stamp[1] != _HEADER + 12 * n:
            return None
        if n == 0:
            return BaseFile(instance, gen, BandArrays.empty(), stamp)
        keys = np.memmap(path, dtype="<i8", mode="r", offset=_HEADER, shape=(n,))
        docnos = np.memmap(path, dtype="<i4", mode="r", offset=_HEADER + 8 * n, shape=(n,))
        return BaseFile(instance, gen, BandArrays(keys, docnos, n_docs), stamp)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def write_base(path: Path, instance: str, generation: int, arrays: BandArrays) -> None:
    """Write a base file through a private temporary file and an atomic rename (best effort: a cache
    that cannot be written is rebuilt next time)."""
    tmp = Path(f"{path}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    n = len(arrays)
    try:
        with open(tmp, "wb") as fh:
            fh.write(MAGIC + instance.encode("ascii"))
            for v in (generation, n, arrays.n_docs):
                fh.write(int(v).to_bytes(8, "little", signed=True))
            fh.write(np.ascontiguousarray(arrays.keys, dtype="<i8").tobytes())
            fh.write(np.ascontiguousarray(arrays.docnos, dtype="<i4").tobytes())
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def keys_blob(keys: Iterable[int] | np.ndarray) -> bytes:
    """The stored form of a document's band keys: sorted distinct little-endian int64."""
    return np.unique(np.asarray(keys, dtype=np.int64)).astype("<i8").tobytes()


def blob_keys(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<i8").astype(np.int64)
