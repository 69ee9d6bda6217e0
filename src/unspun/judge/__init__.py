"""Judge a match: which text is the original, and every way the copy changed the story.

``judge(match)`` builds the sentence map of the two texts inside and around the aligned passages
(``sentmap``), weighs the evidence for the original (``provenance``) and lists the distortions
(``distortions``, ``quotes``, ``material``): altered quotations, flipped negations, changed figures,
dates and names, added claims, dropped material and added credit lines or bylines. Every
distortion carries a confidence and a severity (``severity``).

``judge`` is a pure function of the match. The per-document work (sentences, words) is a
:class:`~unspun.judge.sentmap.Side`; a caller judging one document against many may build each
document's side once with :func:`document_side` and pass them in.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Iterable

from ..types import Match
from .distortions import Roles, Work, find_distortions, prepare, tag
from .provenance import provenance
from .sentmap import Pairing, Side, pair_sentences

__all__ = ["judge", "judge_many", "document_side", "sentence_map"]

#: The copy is this much shorter than the original text it covers: it summarises.
SUMMARY_RATIO = 0.6


def document_side(text: str) -> Side:
    """The per-document part of judging (sentences with offsets, words): build it once per document."""
    return Side.of(text)


def sentence_map(match: Match, a: Side | None = None, b: Side | None = None) -> Pairing:
    """The judge's sentence map of ``match`` (indices into each side's sentences)."""
    return pair_sentences(match, a, b)


def _is_summary(match: Match, pairing: Pairing, copy: str) -> bool:
    if any(p.kind == "summary" for p in match.passages):
        return True
    ca, cb = pairing.A.chars(pairing.examined_a), pairing.B.chars(pairing.examined_b)
    c, o = (ca, cb) if copy == "a" else (cb, ca)
    return o > 0 and c < SUMMARY_RATIO * o


def _guess_copy(match: Match, pairing: Pairing) -> str:
    """With no verdict: a summary is the copy of what it summarises; else the text whose reused material
    is clearly shorter (copies leave more out than they add); else the text more of which is reused."""
    for p in match.passages:
        if p.kind == "summary":
            return "b" if len(p.b) < len(p.a) else "a"
    ca, cb = pairing.A.chars(pairing.examined_a), pairing.B.chars(pairing.examined_b)
    if min(ca, cb) < 0.85 * max(ca, cb):
        return "a" if ca < cb else "b"
    return "b" if pairing.reused_share("b") >= pairing.reused_share("a") else "a"


@dataclass
class _Plan:
    """A match judged up to the tagging: its sentence map, verdict and roles, and the work before any tagging."""

    match: Match
    pairing: Pairing
    original: str
    evidence: tuple
    roles: Roles
    work: Work


def _plan(match: Match, a: Side | None, b: Side | None) -> _Plan:
    pairing = pair_sentences(match, a, b)
    original, evidence = provenance(match.a, match.b, pairing)
    if original in ("a", "b"):
        sure = any(e.kind not in ("containment", "verdict") and e.weight != 0 for e in evidence)
        roles = Roles(copy="b" if original == "a" else "a", known=True, sure=sure)
    else:
        roles = Roles(copy=_guess_copy(match, pairing), known=False, sure=False)
    return _Plan(match, pairing, original, evidence, roles, prepare(pairing, roles))


def _finish(p: _Plan) -> Match:
    match, pairing, roles = p.match, p.pairing, p.roles
    distortions = find_distortions(pairing, roles, [(x.a, x.b) for x in match.passages],
                                   summary=_is_summary(match, pairing, roles.copy), work=p.work)
    return dataclasses.replace(match, original=p.original, evidence=p.evidence, distortions=tuple(distortions),
                               sentence_map=pairing.public())


def _unjudged(match: Match) -> Match:
    return dataclasses.replace(match, original="unknown", evidence=(), distortions=(), sentence_map=None)


def judge(match: Match, a: Side | None = None, b: Side | None = None) -> Match:
    """Return ``match`` with ``original``, ``evidence``, ``distortions`` and ``sentence_map`` filled in.

    ``a`` / ``b`` are optional prebuilt :func:`document_side` of ``match.a.text`` / ``match.b.text``.
    """
    return judge_many([(match, a, b)])[0]


#: Matches judged together: their texts are tagged in one pass of the tagger (the docs stay on the sides).
BATCH = 32


def judge_many(items: Iterable[tuple[Match, Side | None, Side | None]]) -> list[Match]:
    """:func:`judge` of each ``(match, a, b)``: the same matches, the rows and sentences of up to :data:`BATCH`
    matches tagged in one pass (bigger batches tag faster; a doc's tags do not depend on its batch)."""
    out: list[Match] = []
    batch: list[_Plan] = []

    def flush() -> None:
        tag(itertools.chain.from_iterable(p.work.spans() for p in batch))
        out.extend(_finish(p) for p in batch)
        batch.clear()

    for match, a, b in items:
        if not match.passages:
            flush()
            out.append(_unjudged(match))
            continue
        batch.append(_plan(match, a, b))
        if len(batch) >= BATCH:
            flush()
    flush()
    return out
