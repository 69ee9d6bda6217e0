"""Request and response bodies of the HTTP service, as pydantic models (the OpenAPI document shows them all).

Request models forbid unknown fields; response models describe what the
endpoints send (the JSON of :meth:`unspun.Match.to_dict` and friends) and allow
fields added later, so a client can validate against them.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# --------------------------------------------------------------------------- requests


class DocIn(BaseModel):
    """One document. ``text`` is required unless the service was started with URL fetching allowed."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=1000, description="document id (generated from the text when absent)")
    text: str | None = Field(None, min_length=1, description="the document's clean text")
    title: str | None = Field(None, max_length=1000)
    url: str | None = Field(None, max_length=10000, description="metadata only; fetched only with --allow-fetch and no text")
    published: str | None = Field(None, max_length=100, description="ISO 8601 date")
    byline: str | None = Field(None, max_length=1000)
    meta: dict[str, Any] | None = Field(None, description="any JSON object (numbers of at most 100 digits, nesting at most 32 deep)")


class CompareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str | DocIn = Field(description="the first text, or a document object")
    b: str | DocIn = Field(description="the second text, or a document object")
    judge: bool = Field(True, description="decide the original and list distortions")


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[DocIn] = Field(min_length=1)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, min_length=1)
    document: DocIn | None = None
    k: int = Field(10, ge=1, le=100, description="how many matches to return")


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_coverage: float = Field(0.0, ge=0.0, le=1.0)
    judge: bool = True


REQUEST_MODELS: list[type[BaseModel]] = [CompareIn, DocumentsIn, DocIn, CheckIn, ScanIn]

# --------------------------------------------------------------------------- responses


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class SpanOut(_Out):
    """A half-open character range ``[start, end)`` of one document's text."""

    start: int
    end: int


class DocRefOut(_Out):
    id: str
    length: int = Field(description="characters of the document's text")


class PassageOut(_Out):
    a: SpanOut
    b: SpanOut
    score: float
    kind: str = Field(description="verbatim, near-verbatim, paraphrase, translation-like or summary")


class EvidenceOut(_Out):
    kind: str
    detail: str
    weight: float = Field(description="> 0 favours a as the original, < 0 favours b")


class DistortionOut(_Out):
    kind: str = Field(description="quote-altered, negation-flip, number-changed, date-changed, entity-changed, "
                                  "added-claim, dropped-material or attribution-added")
    a: SpanOut | None
    b: SpanOut | None
    detail: str
    severity: str = Field(description="high, medium or low")
    confidence: float = Field(description="how sure the judge is that this is a real change (0-1); the severity "
                                          "follows from it: high >= 0.8, medium >= 0.5")


class SentenceLinkOut(_Out):
    a: list[SpanOut] = Field(description="the sentence(s) of a in this row (empty for a b-only row)")
    b: list[SpanOut] = Field(description="the sentence(s) of b in this row (empty for an a-only row)")
    kind: Literal["same", "reworded", "a-only", "b-only"]
    score: float


class SentenceMapOut(_Out):
    """Every sentence in and around the reused passages, matched 1:1, 1:2 or 2:1 (monotone), or on one side only."""

    links: list[SentenceLinkOut]
    covered_a: float = Field(description="share of a's examined sentences (by characters) matched in b")
    covered_b: float = Field(description="share of b's examined sentences (by characters) matched in a")
    capped: bool | None = Field(None, description="true when only part of a very long match was examined")
    note: str | None = Field(None, description="which part was examined, when capped")


class MatchOut(_Out):
    """Two documents, the passages they share (character offsets into each), provenance and distortions."""

    a: DocRefOut
    b: DocRefOut
    passages: list[PassageOut]
    coverage_a: float
    coverage_b: float
    original: Literal["a", "b", "unknown"]
    evidence: list[EvidenceOut]
    distortions: list[DistortionOut]
    sentence_map: SentenceMapOut | None = Field(None, description="absent when the match was not judged")


class DocumentOut(_Out):
    id: str
    length: int
    title: str | None = None
    url: str | None = None
    published: str | None = None
    byline: str | None = None
    text: str | None = None
    meta: dict[str, Any] | None = None


class CheckOut(_Out):
    """The query (without its text) and the stored documents it shares passages with, best first."""

    query: DocumentOut
    matches: list[MatchOut]


class SkippedOut(_Out):
    id: str
    reason: str


class ProblemOut(_Out):
    source: str
    reason: str


class AddedOut(_Out):
    added: int
    updated: int
    unchanged: int
    skipped: list[SkippedOut]
    ids: list[str]
    problems: list[ProblemOut] = Field(description="parts of uploaded files that were skipped, with the reason")


class DeletedOut(_Out):
    deleted: str


class ProgressOut(_Out):
    done: int
    total: int
    unit: str
    message: str


class ClusterOut(_Out):
    documents: list[str]
    pairs: list[MatchOut]


class ScanResultOut(_Out):
    clusters: list[ClusterOut]
    stats: dict[str, int]


class JobOut(_Out):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: ProgressOut
    params: dict[str, Any]
    error: str | None = None
    result: ScanResultOut | None = Field(None, description="when done: the clusters, as scan --json writes them")


class JobStartedOut(_Out):
    id: str
    status: str
    href: str


class FieldProblem(BaseModel):
    field: str = Field(description="the field, as a dotted path into the body ('documents.0.text'), or 'body'")
    message: str


class ErrorOut(BaseModel):
    """Every error answer: one line a person can act on, and for a bad field which one and why."""

    error: str
    detail: list[FieldProblem] | None = None


RESPONSE_MODELS: list[type[BaseModel]] = [
    MatchOut, CheckOut, DocumentOut, AddedOut, DeletedOut, JobOut, JobStartedOut, ErrorOut,
]
