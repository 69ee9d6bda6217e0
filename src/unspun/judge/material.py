"""Material only one text has, read off the sentence map: added claims, dropped runs, added credit lines.

A sentence of the copy that the map leaves unmatched is *added*; it is an ``added-claim`` when it
asserts a fact the original never states (a figure, a name, an attribution the original lacks),
wherever it sits in the passage. A run of original sentences left unmatched is ``dropped-material``,
once per run.

Only sentences *inside* reused material count: between the first and last matched sentences of a
region, or inside a passage. A document that reuses one passage among its own text has not
"added" its own text, and a copy of part of a long text has not "dropped" the rest. When most of
both texts is reused (a rewrite) every sentence counts. A summary leaves most of the original out by
design: nothing is dropped (the map's coverage says how much it covers), and only its sentences
with facts the original never states are added.
"""
from __future__ import annotations

import re

from ..types import Span
from .attribution import bylines, credits
from .distortions import Roles, clip, tag
from .models import complete
from .names import mentioned_in
from .numbers import quantities, same_value
from .sentmap import Pairing, Side, dice
from .severity import CONF, Flag

#: A left-out run must be at least this long to be reported.
DROP_MIN_CHARS = 120
DROP_MIN_WORDS = 20
#: An unmatched copy sentence sharing this much of its content words with a sentence of the original restates it.
RESTATED = 0.35
#: A left-out run whose content words are mostly in the copy's examined text was merged, not dropped.
ABSORBED = 0.6
NAME_ENTS = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|according to|reported|announced|claimed|confirmed|stated|alleged)\b", re.I)


def inside(P: Pairing, side: str) -> set[int]:
    """Sentences of ``side`` that lie inside reused material (see the module docstring).

    In a rewrite every examined sentence; otherwise the sentences at least half inside one passage
    and between two of its matched sentences (the text between two passages is the document's own, or
    material it chose not to take)."""
    S = P.A if side == "a" else P.B
    if P.rewrite:
        return set(P.examined_a if side == "a" else P.examined_b)
    out: set[int] = set()
    for r_i, r in enumerate(P.regions):
        idx = r.ia if side == "a" else r.ib
        spans = r.pa if side == "a" else r.pb
        linked = sorted(i for x in P.links if x.region == r_i and x.a and x.b for i in (x.a if side == "a" else x.b))
        for i in idx:
            s = S.spans[i]
            # reused text on both sides of it: at a passage's edge the aligner may have run over the document's own text
            if linked and linked[0] < i < linked[-1] and \
                    any(min(s.end, p.end) - max(s.start, p.start) >= 0.5 * len(s) for p in spans):
                out.add(i)
    return out


def _guessed(P: Pairing, roles: Roles) -> float:
    """Without a verdict that rests on more than containment, a sentence one text has inside a partly reused
    passage may as well be a cut from the other: "added" and "dropped" are then guesses."""
    return 1.0 if roles.sure or P.rewrite else 0.5


def _sides(P: Pairing, roles: Roles) -> tuple[Side, Side, dict, dict]:
    C, O = (P.A, P.B) if roles.copy == "a" else (P.B, P.A)
    pc, po = (P.pair_of_a, P.pair_of_b) if roles.copy == "a" else (P.pair_of_b, P.pair_of_a)
    return C, O, pc, po


def _one_sided(span: Span, roles_side: str, copy: bool, roles: Roles) -> tuple[Span | None, Span | None]:
    side = roles.copy if copy else roles.orig
    return (span, None) if side == "a" else (None, span)


def attribution(P: Pairing, roles: Roles) -> tuple[list[Flag], set[int]]:
    """Credit lines and bylines in the copy that the original lacks; also the copy sentences they cover.

    In a rewrite the whole copy is looked at; otherwise only around the reused material."""
    C, O, paired, _ = _sides(P, roles)
    o_low = " ".join(O.text.lower().split())
    near = set(P.examined_a if roles.copy == "a" else P.examined_b)
    out, covered = [], set()
    items = [c for c in credits(C.text) if c.kind in ("credit-line", "credit-phrase")] + bylines(C.text, C.spans)
    for c in sorted(items, key=lambda c: c.span):
        line = C.text[c.span.start : c.span.end]
        if " ".join(line.lower().split()) in o_low or (c.kind in ("byline", "bio") and c.name.lower() in o_low):
            continue
        idx = [i for i, s in enumerate(C.spans) if s.overlaps(c.span)]
        if not P.rewrite and not any(i in near for i in idx):
            continue
        span = c.span
        if c.kind == "bio" and idx:  # the rest of the bio paragraph belongs to it
            k = idx[-1]
            while k + 1 < len(C) and C.block[k + 1] == C.block[idx[0]] and (k + 1) not in paired:
                k += 1
            span = Span(C.spans[idx[0]].start, C.spans[k].end)
        covered |= {i for i, s in enumerate(C.spans) if s.overlaps(span)}
        what = {"credit-line": "a credit line", "credit-phrase": "a credit line", "byline": "a byline",
                "bio": "an author bio"}[c.kind]
        a, b = _one_sided(span, roles.copy, True, roles)
        out.append(Flag("attribution-added", a, b,
                        f"{roles.copy_subject()} adds {what} that the original does not have: \"{clip(line, 80)}\".",
                        CONF["attribution"]))
    return out, covered


def _new_facts(doc, text: str, O: Side, o_norm: str, o_values: list[str]) -> tuple[list[str], list[str], bool]:
    """(new figures, new names, attribution) of a sentence: facts the original never states."""
    figures = [q.text for q in quantities(text) if not any(same_value(q.value, v) for v in o_values)
               and not (q.is_word and q.value in ("n:1", "n:2", "n:0.5"))]
    names = []
    for e in doc.ents:
        if e.label_ in NAME_ENTS and not mentioned_in(e.text, o_norm):
            names.append(e.text)
    attributed = bool(_ATTRIBUTION.search(text)) and bool(names or figures)
    return figures, names, attributed


def _asserts(doc) -> bool:
    """A statement: a verb and five words.  The same on a doc only tagged (``models.AFTER_TAGGER`` disabled) as
    on the whole pipeline's: the only tag the later pipes change is a space token's (the attribute ruler makes
    it ``_SP``), and a space token is never taken for the verb."""
    return any(not t.is_space and (t.tag_.startswith("VB") or t.tag_ == "MD") for t in doc) and \
        len([t for t in doc if t.is_alpha]) >= 5


def added_candidates(P: Pairing, roles: Roles, skip: set[int]) -> list[int]:
    """The copy's sentences that may be added claims (``added`` tags them): inside reused material, off the map, not
    credit lines (``skip``), and no loose restatement of a sentence the original has (no tagging needed for that)."""
    C, O, paired, _ = _sides(P, roles)
    ins = inside(P, roles.copy)
    cands = [i for i in sorted(ins) if i not in paired and i not in skip and not C.boiler[i] and C.terms(i)]
    if not cands:
        return []
    o_terms = [O.terms(i) for i in (P.examined_b if roles.copy == "a" else P.examined_a)]
    return [i for i in cands if not any(dice(C.terms(i), t) >= RESTATED for t in o_terms)]


def added(P: Pairing, roles: Roles, cands: list[int]) -> list[Flag]:
    """Added claims among the copy's sentences ``cands`` (:func:`added_candidates`)."""
    if not cands:
        return []
    C, O, _, _ = _sides(P, roles)
    # tagged first; the parser and NER (for the names) run on just the statements
    spans = [(C, C.spans[i].start, C.spans[i].end) for i in cands]
    tag(spans)
    kept = [(i, sp) for i, sp in zip(cands, spans) if _asserts(C._tagged[sp[1:]])]
    docs = complete([C._tagged[sp[1:]].copy() for _, sp in kept])
    o_norm = O.normed
    o_values = O.values
    out = []
    for (i, _), doc in zip(kept, docs):
        text = C.sent(i)
        figures, names, attributed = _new_facts(doc, text, O, o_norm, o_values)
        if not (figures or names):
            continue
        conf = (CONF["added-number-name"] if figures and names else CONF["added-fact"]) * _guessed(P, roles)
        what = ", ".join(f"\"{x}\"" for x in list(dict.fromkeys(figures + names))[:3])
        a, b = _one_sided(C.spans[i], roles.copy, True, roles)
        out.append(Flag("added-claim", a, b,
                        f"{roles.copy_subject()} adds a claim the original does not make: \"{clip(text, 200)}\" "
                        f"(new: {what}).", conf))
    return out


def _seamless(P: Pairing, roles: Roles, blk: list[int]) -> bool:
    """Do the copy's rows just before and after a run of the original sit next to each other in the copy?"""
    po = P.pair_of_a if roles.orig == "a" else P.pair_of_b
    before = [po[i] for i in range(blk[0] - 1, -1, -1) if i in po][:1]
    after = [po[i] for i in range(blk[-1] + 1, blk[-1] + 50) if i in po][:1]
    if not before or not after:
        return False
    cb = before[0].b if roles.copy == "b" else before[0].a
    ca = after[0].b if roles.copy == "b" else after[0].a
    C = P.B if roles.copy == "b" else P.A
    return all(C.boiler[j] or not C.terms(j) for j in range(cb[-1] + 1, ca[0]))


def dropped(P: Pairing, roles: Roles, passages: list[tuple[Span, Span]]) -> list[Flag]:
    C, O, _, paired = _sides(P, roles)
    ins = inside(P, roles.orig)
    copy_terms = frozenset().union(*(C.terms(j) for j in (P.examined_a if roles.copy == "a" else P.examined_b))) \
        if (P.examined_a if roles.copy == "a" else P.examined_b) else frozenset()
    blocks: list[list[int]] = []
    for i in sorted(ins):
        if i in paired or O.boiler[i] or not O.terms(i):
            continue
        if blocks and blocks[-1][-1] == i - 1 and O.block[blocks[-1][-1]] == O.block[i]:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    out = []
    for blk in blocks:
        terms = frozenset().union(*(O.terms(i) for i in blk))
        if terms and len(terms & copy_terms) >= ABSORBED * len(terms):
            continue
        span = Span(O.spans[blk[0]].start, O.spans[blk[-1]].end)
        text = O.text[span.start : span.end]
        if len(text) < DROP_MIN_CHARS or len(text.split()) < DROP_MIN_WORDS:
            continue
        n = len(blk)
        if not P.rewrite and (n < 2 or not _seamless(P, roles, blk)):
            continue  # a single sentence at a passage's edge is the aligner's boundary; text of the copy's own
            # between the rows around the run means two reused pieces, not a cut
        a, b = _one_sided(span, roles.orig, False, roles)
        out.append(Flag("dropped-material", a, b,
                        f"{roles.copy_subject()} leaves out {n} sentence{'s' if n > 1 else ''} of the original "
                        f"({len(text)} characters): \"{clip(text, 100)}\".",
                        (CONF["dropped-long"] if n >= 3 else CONF["dropped"]) * _guessed(P, roles)))
    return out
