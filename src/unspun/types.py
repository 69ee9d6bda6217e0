"""The core data types: frozen dataclasses over plain data.

Every offset is a character offset into ``Document.text`` and every span is
half-open: ``doc.text[span.start:span.end]`` is the passage.

Every type has ``to_dict()``; :meth:`Match.from_dict` is its exact inverse
(``Match.from_dict(m.to_dict()).to_dict() == m.to_dict()``), so JSON written
by ``unspun compare --json``, ``scan --json`` or the HTTP service reads back
into the same objects.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, get_args

#: How a passage was reused, from the aligner: word for word, nearly, reworded, loosely (a translation
#: chain), or a short passage summarising a whole text.
PassageKind = Literal["verbatim", "near-verbatim", "paraphrase", "translation-like", "summary"]
#: What the copy changed (see ``docs/distortions.md`` for each kind).
DistortionKind = Literal[
    "quote-altered",
    "negation-flip",
    "number-changed",
    "date-changed",
    "entity-changed",
    "added-claim",
    "dropped-material",
    "attribution-added",
]
#: How much a distortion matters; ``high`` and ``medium`` are shown by default, ``low`` on request.
Severity = Literal["high", "medium", "low"]
#: One row of a sentence map: the same sentence(s) on both sides, reworded, or on one side only.
LinkKind = Literal["same", "reworded", "a-only", "b-only"]
#: Which text is the original.
Original = Literal["a", "b", "unknown"]

PASSAGE_KINDS: tuple[str, ...] = get_args(PassageKind)
DISTORTION_KINDS: tuple[str, ...] = get_args(DistortionKind)
SEVERITIES: tuple[str, ...] = get_args(Severity)
LINK_KINDS: tuple[str, ...] = get_args(LinkKind)


def _r(x: float) -> float:
    """Round scores for stable JSON output."""
    return round(float(x), 4)


@dataclass(frozen=True, order=True)
class Span:
    """A half-open character range ``[start, end)`` of one document's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"bad span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        """True when the two ranges share at least one character."""
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: Mapping[str, int] | None) -> "Span | None":
        """The inverse of :meth:`to_dict` (``None`` stays ``None``)."""
        return None if d is None else cls(int(d["start"]), int(d["end"]))


@dataclass(frozen=True)
class Document:
    """One text and what is known about it; ``text`` is the clean body every offset points into.

    ``published`` is an ISO 8601 date or datetime as found; ``meta`` holds anything else an
    ingest step found (site name, source file) and takes no part in equality.
    """

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as found
    byline: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __hash__(self) -> int:  # documents are identified by id and text
        return hash((self.id, self.text))

    @classmethod
    def from_path(cls, path: "str | os.PathLike[str]") -> "Document":
        """The one document in a file (text, Markdown, HTML, a one-document JSONL or WARC), its id the path as
        given: :func:`unspun.ingest.load_document`; raises :class:`~unspun.errors.InputError` naming the file."""
        from .ingest import load_document

        return load_document(path)

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
    """One aligned pair of passages: ``a`` in the first text, ``b`` in the second, with the aligner's score."""

    a: Span
    b: Span
    score: float
    kind: PassageKind = "paraphrase"

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "score": _r(self.score), "kind": self.kind}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Passage":
        return cls(Span.from_dict(d["a"]), Span.from_dict(d["b"]), float(d["score"]), d["kind"])  # type: ignore[arg-type]

    def swapped(self) -> "Passage":
        """The same passage seen from the other text."""
        return Passage(self.b, self.a, self.score, self.kind)


@dataclass(frozen=True)
class Evidence:
    """One reason for the provenance verdict; ``weight`` > 0 favours a as the original, < 0 favours b."""

    kind: str
    detail: str
    weight: float  # > 0 favours a as the original, < 0 favours b

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "weight": _r(self.weight)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Evidence":
        return cls(d["kind"], d["detail"], float(d["weight"]))


@dataclass(frozen=True)
class Distortion:
    """One way the copy changed the story.

    ``a`` / ``b`` are where it is in each text (``None`` where that text has nothing: an added
    claim has no ``a`` when ``a`` is the original). ``detail`` is a sentence for an editor.
    ``confidence`` (0-1) is the judge's estimate that the flag is real; ``severity`` follows from it
    and from the kind (see ``docs/distortions.md`` for how both were calibrated).
    """

    kind: DistortionKind
    a: Span | None
    b: Span | None
    detail: str
    severity: Severity = "medium"
    confidence: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "a": self.a.to_dict() if self.a is not None else None,
            "b": self.b.to_dict() if self.b is not None else None,
            "detail": self.detail,
            "severity": self.severity,
            "confidence": _r(self.confidence),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Distortion":
        return cls(d["kind"], Span.from_dict(d.get("a")), Span.from_dict(d.get("b")), d["detail"], d["severity"],
                   float(d.get("confidence", 0.5)))


@dataclass(frozen=True)
class SentenceLink:
    """One row of a :class:`SentenceMap`.

    ``a`` and ``b`` hold the sentences of each text in this row: one or two on each side for a
    match (1:1, 1:2 or 2:1), none on one side for a sentence only one text has. ``kind`` is
    ``same`` (identical words), ``reworded``, ``a-only`` or ``b-only``; ``score`` is the similarity
    that linked them (0 for one-sided rows); ``moved`` marks a match found out of order.
    """

    a: tuple[Span, ...]
    b: tuple[Span, ...]
    kind: LinkKind
    score: float = 0.0
    moved: bool = False

    @property
    def shape(self) -> str:
        """``"1:1"``, ``"1:2"``, ``"2:1"``, ``"1:0"`` or ``"0:1"``."""
        return f"{len(self.a)}:{len(self.b)}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "a": [s.to_dict() for s in self.a],
            "b": [s.to_dict() for s in self.b],
            "kind": self.kind,
            "score": _r(self.score),
        }
        if self.moved:
            d["moved"] = True
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SentenceLink":
        return cls(tuple(Span.from_dict(s) for s in d["a"]), tuple(Span.from_dict(s) for s in d["b"]),  # type: ignore[misc]
                   d["kind"], float(d["score"]), bool(d.get("moved", False)))


@dataclass(frozen=True)
class SentenceMap:
    """Which sentence of one text says what in the other, inside and around the aligned passages.

    ``links`` are in reading order of text a (one-sided ``b-only`` rows sit where they fall in b).
    ``covered_a`` / ``covered_b``: share of the examined sentences (by characters) of each text that
    are matched, which is what a summary is judged by. ``capped`` is true when the judge examined
    only part of a very long match (``note`` says which part).
    """

    links: tuple[SentenceLink, ...] = ()
    covered_a: float = 0.0
    covered_b: float = 0.0
    capped: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "links": [x.to_dict() for x in self.links],
            "covered_a": _r(self.covered_a),
            "covered_b": _r(self.covered_b),
        }
        if self.capped:
            d["capped"] = True
        if self.note:
            d["note"] = self.note
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SentenceMap":
        return cls(tuple(SentenceLink.from_dict(x) for x in d["links"]), float(d["covered_a"]), float(d["covered_b"]),
                   bool(d.get("capped", False)), d.get("note", ""))

    def matched(self) -> list[SentenceLink]:
        """The rows that link sentences of both texts."""
        return [x for x in self.links if x.a and x.b]


@dataclass(frozen=True)
class Match:
    """Two documents, the passages they share, and what the judge found.

    ``passages`` are the aligned passages (offsets into ``a.text`` and ``b.text``);
    ``coverage_a`` / ``coverage_b`` the share of each text inside a passage; ``original`` is
    ``"a"``, ``"b"`` or ``"unknown"`` with the ``evidence`` that decided it; ``distortions``
    lists how the copy changed the story; ``sentence_map`` (filled by the judge) links every
    examined sentence of one text to its counterpart in the other, or marks it one-sided.
    """

    a: Document
    b: Document
    passages: tuple[Passage, ...]
    coverage_a: float
    coverage_b: float
    original: Original = "unknown"
    evidence: tuple[Evidence, ...] = ()
    distortions: tuple[Distortion, ...] = ()
    sentence_map: SentenceMap | None = None

    @property
    def score(self) -> float:
        """A single ranking score: the larger of the two coverages."""
        return max(self.coverage_a, self.coverage_b)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "a": {"id": self.a.id, "length": len(self.a.text)},
            "b": {"id": self.b.id, "length": len(self.b.text)},
            "passages": [p.to_dict() for p in self.passages],
            "coverage_a": _r(self.coverage_a),
            "coverage_b": _r(self.coverage_b),
            "original": self.original,
            "evidence": [e.to_dict() for e in self.evidence],
            "distortions": [d.to_dict() for d in self.distortions],
        }
        if self.sentence_map is not None:
            d["sentence_map"] = self.sentence_map.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], documents: Mapping[str, Document] | None = None) -> "Match":
        """The inverse of :meth:`to_dict`.

        The JSON carries each document's id and length, not its text: pass ``documents``
        (``{id: Document}``) to attach the real ones. A document not given is rebuilt with blank
        text of the recorded length (offsets stay valid; ``meta["text_missing"]`` is true).
        """
        docs = documents or {}

        def doc(x: Mapping[str, Any]) -> Document:
            got = docs.get(x["id"])
            if got is not None:
                if len(got.text) != int(x["length"]):
                    from .errors import InputError

                    raise InputError(f"document {x['id']!r} has {len(got.text)} characters, the match says {x['length']}")
                return got
            return Document(x["id"], " " * int(x["length"]), meta={"text_missing": True})

        sm = d.get("sentence_map")
        return cls(
            doc(d["a"]),
            doc(d["b"]),
            tuple(Passage.from_dict(p) for p in d["passages"]),
            float(d["coverage_a"]),
            float(d["coverage_b"]),
            d.get("original", "unknown"),
            tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
            tuple(Distortion.from_dict(x) for x in d.get("distortions", ())),
            None if sm is None else SentenceMap.from_dict(sm),
        )


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
