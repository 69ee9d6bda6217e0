"""Judge a match: which text is the original, and every way the copy changed the story.

``judge(match)`` pairs the sentences of the two texts inside the aligned
passages (``pairing``), weighs the evidence for the original (``provenance``)
and lists the distortions (``distortions``): altered quotations, flipped
negations, changed numbers and entities, added claims, dropped material and
added credit lines or bylines.
"""
from __future__ import annotations

import dataclasses

from ..types import Match
from .distortions import Roles, find_distortions
from .pairing import pair_sentences
from .provenance import provenance

__all__ = ["judge"]


def judge(match: Match) -> Match:
    """Return ``match`` with ``original``, ``evidence`` and ``distortions`` filled in."""
    if not match.passages:
        original, evidence = "unknown", ()
        return dataclasses.replace(match, original=original, evidence=evidence, distortions=())
    pairing = pair_sentences(match)
    original, evidence = provenance(match.a, match.b, pairing)
    if original in ("a", "b"):
        roles = Roles(copy="b" if original == "a" else "a", known=True)
    else:
        roles = Roles(copy="b" if pairing.reused_share("b") >= pairing.reused_share("a") else "a", known=False)
    distortions = find_distortions(pairing, roles, [(p.a, p.b) for p in match.passages])
    return dataclasses.replace(match, original=original, evidence=evidence, distortions=tuple(distortions))
