"""The typed data that travels between the steps of a scan (all of it pickles: Dask ships it).

A step's result is one of these dataclasses; the driver passes on a field of it (``pick``), or one
partition of a field, so that only what the next step needs travels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..types import Document, Match
from .candidates import Pair


@dataclass(frozen=True)
class BandRows:
    """One batch's band rows of one band partition: row ``i`` is band key ``keys[i]`` of the document
    ``ids[owners[i]]`` (two arrays, not a tuple per row: pickled lists of (int, str) tuples cost seconds
    per transfer and repeat every id once per band key)."""

    ids: list[str]
    keys: np.ndarray  # int64
    owners: np.ndarray  # int32 or int64 positions into ``ids``


@dataclass(frozen=True)
class PairBlock:
    """The counted pairs of one band partition bound for one pair partition: the ids they name (sorted)
    and, per pair, the positions of its two ids in that list (a < b, as ids and as positions), its number
    of shared buckets and its star evidence."""

    names: list[str]
    a: np.ndarray
    b: np.ndarray
    n: np.ndarray
    star: np.ndarray


@dataclass(frozen=True)
class Joined:
    """What the band join of one band partition gives: a block per pair partition and the keys of the
    buckets larger than ``max_bucket`` (``oversize``), with counts for the statistics."""

    blocks: list[PairBlock]
    oversize: np.ndarray
    n_rows: int
    n_pairs: int  # pairs before counting, as one per shared bucket
    n_star: int  # star evidence before counting
    cpu: float


@dataclass(frozen=True)
class Vectors:
    """One batch's passage vectors: ``vecs[i]`` is a passage of document ``ids[i]``."""

    batch: int
    ids: list[str]
    vecs: np.ndarray  # float16 (n, dim)


@dataclass(frozen=True)
class AnnPairs:
    """ANN pairs split by pair partition."""

    parts: list[list[Pair]]
    n_pairs: int
    cpu: float


class DocStore(Protocol):
    """Where an align step finds documents, their window signatures and the embedder they were embedded
    with: one partition of the files scanned (:class:`DocPart`), or an index."""

    def document(self, id: str) -> Document | None: ...

    def signatures(self, id: str) -> np.ndarray | None: ...

    def embedder(self) -> Any: ...


@dataclass(frozen=True)
class DocPart:
    """The documents and window signatures of one document partition of a scan of files."""

    docs: dict[str, Document] = field(default_factory=dict)
    sigs: dict[str, np.ndarray] = field(default_factory=dict)
    embedder_name: str | None = None

    def document(self, id: str) -> Document | None:
        return self.docs.get(id)

    def signatures(self, id: str) -> np.ndarray | None:
        return self.sigs.get(id)

    def embedder(self) -> Any:
        from .executors.base import load_embedder

        return load_embedder(self.embedder_name)


@dataclass
class Stats:
    """What a source read: documents, sizes, the inputs it skipped and ignored, CPU-seconds by stage."""

    documents: int = 0
    chars: int = 0
    windows: int = 0
    band_rows: int = 0
    vectors: int = 0
    vector_dim: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (source, kind, reason)
    ignored: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    def __add__(self, other: "Stats") -> "Stats":
        ignored = dict(self.ignored)
        for k, v in other.ignored.items():
            ignored[k] = ignored.get(k, 0) + v
        cpu = dict(self.cpu)
        for k, v in other.cpu.items():
            cpu[k] = cpu.get(k, 0.0) + v
        return Stats(self.documents + other.documents, self.chars + other.chars, self.windows + other.windows,
                     self.band_rows + other.band_rows, self.vectors + other.vectors,
                     max(self.vector_dim, other.vector_dim), self.problems + other.problems, ignored, cpu)

    def sizes(self) -> dict[str, int]:
        return {"documents": self.documents, "chars": self.chars, "windows": self.windows, "band_rows": self.band_rows,
                "vectors": self.vectors, "vector_dim": self.vector_dim}


@dataclass(frozen=True)
class Prepared:
    """One batch of files read, fingerprinted and embedded, split by partition."""

    batch: int
    key_counts: dict[str, int]  # distinct band keys per document (for the admission of star evidence)
    rows: list[BandRows]  # per band partition
    docs: list[DocPart]  # per document partition
    vectors: Vectors
    stats: Stats


Groups = dict[tuple[int, int], list[Pair]]  # a pair partition's pairs by (partition of a, partition of b)


@dataclass(frozen=True)
class AlignOptions:
    """What an align step does besides aligning: judge, write part files into ``out``, return the full
    matches (``keep_matches``; else without texts, provenance and distortions), return the verified pairs."""

    judge: bool = True
    out: str | None = None
    keep_matches: bool = False
    keep_verified: bool = False


@dataclass(frozen=True)
class Aligned:
    """What one align step did with its chunk of candidate pairs."""

    matches: list[Match]  # the linked pairs, sorted by (a, b)
    verified: list[Pair]  # the pairs that passed verification (only with ``keep_verified``)
    n_pairs: int
    n_verified: int
    path: str | None  # the part file written
    cpu: float
