"""The core data types: frozen dataclasses over plain data.

Every offset is a character offset into ``Document.text`` and every span is
half-open: ``doc.text[span.start:span.end]`` is the passage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping



def _r(x: float) -> float:
    """Round scores for stable JSON output."""
    return round(float(x), 4)


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: Mapping[str, int] | None) -> "Span | None":
        return None if d is None else cls(int(d["start"]), int(d["end"]))


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as found
    byline: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __hash__(self) -> int:  # documents are identified by id and text
        return hash((self.id, self.text))

    def to_dict(self, with_text: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "length": len(self.text)}
        for k in ("title", "url", "published", "byline"):
            v = getattr(self, k)
            if v:
                d[k] = v
        if with_text:
            d["text"] = self.text
            if self.meta:
                d["meta"] = dict(self.meta)
        return d


@dataclass(frozen=True)
class Passage:
    a: Span
    b: Span
    score: float
    kind: str = "paraphrase"

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "score": _r(self.score), "kind": self.kind}

    def swapped(self) -> "Passage":
        return Passage(self.b, self.a, self.score, self.kind)


@dataclass(frozen=True)
class Evidence:
    kind: str
    detail: str
    weight: float  # > 0 favours a as the original, < 0 favours b

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "weight": _r(self.weight)}


@dataclass(frozen=True)
class Distortion:
    kind: str
    a: Span | None
    b: Span | None
    detail: str
    severity: str = "medium"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "a": self.a.to_dict() if self.a else None,
            "b": self.b.to_dict() if self.b else None,
            "detail": self.detail,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class Match:
    a: Document
    b: Document
    passages: tuple[Passage, ...]
    coverage_a: float
    coverage_b: float
    original: str = "unknown"
    evidence: tuple[Evidence, ...] = ()
    distortions: tuple[Distortion, ...] = ()

    @property
    def score(self) -> float:
        """A single ranking score: the larger of the two coverages."""
        return max(self.coverage_a, self.coverage_b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": {"id": self.a.id, "length": len(self.a.text)},
            "b": {"id": self.b.id, "length": len(self.b.text)},
            "passages": [p.to_dict() for p in self.passages],
            "coverage_a": _r(self.coverage_a),
            "coverage_b": _r(self.coverage_b),
            "original": self.original,
            "evidence": [e.to_dict() for e in self.evidence],
            "distortions": [d.to_dict() for d in self.distortions],
        }


@dataclass(frozen=True)
class Cluster:
    """Documents linked by reuse (a connected component) and the Match of every linked pair."""

    documents: tuple[str, ...]
    matches: tuple[Match, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": list(self.documents),
            "pairs": [m.to_dict() for m in self.matches],
        }
