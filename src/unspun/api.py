"""``compare()``: align two texts and judge the copy."""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .types import Document, Match, Passage, Span

if TYPE_CHECKING:
    from .params import ScanParams


def as_document(x: "str | Document", default_id: str) -> Document:
    """Accept a ``Document`` or a plain string (given an id derived from its content)."""
    if isinstance(x, Document):
        return x
    if isinstance(x, str):
        return Document(id=default_id, text=x)
    raise InputError(f"{default_id}: expected text (str) or a Document, got {type(x).__name__}")


def coverage(spans: list[Span], length: int) -> float:
    """Share of ``length`` characters covered by the union of ``spans``."""
    if length <= 0:
        return 0.0
    covered = 0
    end = -1
    for s in sorted(spans):
        if s.end <= end:
            continue
        covered += s.end - max(s.start, end)
        end = s.end
    return covered / length


def build_match(a: Document, b: Document, passages: list[Passage]) -> Match:
    passages = sorted(passages, key=lambda p: (p.a.start, p.b.start, p.a.end, p.b.end))
    return Match(
        a=a,
        b=b,
        passages=tuple(passages),
        coverage_a=coverage([p.a for p in passages], len(a.text)),
        coverage_b=coverage([p.b for p in passages], len(b.text)),
    )


def compare(a: "str | Document", b: "str | Document", *, judge: bool = True, embedder: Any = None,
            params: "ScanParams | None" = None) -> Match:
    """Find every passage of ``b`` reused from ``a`` (or the other way round).

    Returns a :class:`Match` with the aligned passages (character offsets into
    each text), the coverage of each side and, when ``judge`` is true, which
    text is the original and the list of distortions.  ``params`` (a
    :class:`~unspun.params.ScanParams`; its ``align`` part is the one used here)
    are those a scan or ``check`` takes.
    """
    from .align import align

    da = as_document(a, "a")
    db = as_document(b, "b")
    match = build_match(da, db, align(da.text, db.text, embedder=embedder, params=params.align if params else None))
    if judge:
        match = judge_match(match)
    return match


def judge_match(match: Match) -> Match:
    """Fill ``original``, ``evidence`` and ``distortions``."""
    from .judge import judge

    return judge(match)


def text_id(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
