"""Quotations must be verbatim: any change inside one is reported, its severity from what changed.

A negation, a figure or a name changed inside a quotation is ``high``; other content words changed
are ``medium``; function words, case or punctuation only are ``low``. A shorter excerpt of the same
quotation, or a cut marked with an ellipsis, is not an alteration.
"""
from __future__ import annotations

import re

from ..text import STOPWORDS, words
from ..types import Span
from .distortions import Roles, clip, opcodes
from .numbers import quantities
from .polarity import is_cue
from .sentmap import Pairing, Side, content_terms, dice
from .severity import CONF, Flag

_QUOTE = re.compile(r"“([^“”\n]+)”|\"([^\"\n]+)\"")  # short ones too, so '"I," ... "I."' is not read as one
#: At most this many quotations of each text are compared (the judge's work stays bounded).
MAX_QUOTES = 200


def quotes(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Spans of the words inside quotation marks (curly or straight), without the marks."""
    out = []
    for m in _QUOTE.finditer(text, start, len(text) if end is None else end):
        g = 1 if m.group(1) is not None else 2
        if len(m.group(g).split()) >= 3:
            out.append(Span(m.start(g), m.end(g)))
    return out


def _examined_quotes(S: Side, idx: list[int]) -> list[Span]:
    out: list[Span] = []
    if not idx:
        return out
    # consecutive examined sentences form stretches; quotations may run over sentence ends
    runs: list[list[int]] = []
    for i in idx:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for r in runs:
        out += quotes(S.text, S.spans[r[0]].start, S.spans[r[-1]].end)
        if len(out) >= MAX_QUOTES:
            return out[:MAX_QUOTES]
    return out


def _pair_quotes(P: Pairing) -> list[tuple[Span, Span]]:
    A, B = P.A, P.B
    qa, qb = _examined_quotes(A, P.examined_a), _examined_quotes(B, P.examined_b)
    ta = [frozenset(content_terms(A.text[q.start : q.end])) for q in qa]
    tb = [frozenset(content_terms(B.text[q.start : q.end])) for q in qb]
    cand = sorted(
        ((dice(x, y), i, j) for i, x in enumerate(ta) for j, y in enumerate(tb)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_a, used_b, out = set(), set(), []
    for sim, i, j in cand:
        if sim < 0.35:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append((qa[i], qb[j], sim))
    return sorted(out)


def _qwords(text: str, span: Span) -> tuple[list[int], list[int], list[str]]:
    w = words(text[span.start : span.end])
    return [span.start + s for s in w.starts], [span.start + e for e in w.ends], list(w.norms)


def _seg(starts, ends, norms, text, lo, hi) -> tuple[Span, str]:
    n = len(norms)
    lo2 = lo
    while lo2 > 0 and lo - lo2 < 3:
        gap = text[ends[lo2 - 1] : starts[lo2]] if lo2 < n else ""
        if any(c in gap for c in ",;:.!?"):
            break
        lo2 -= 1
    hi2 = max(hi, lo2 + 1)
    lo2, hi2 = min(lo2, n - 1), min(hi2, n)
    sp = Span(starts[lo2], ends[hi2 - 1])
    return sp, text[sp.start : sp.end]


def quote_altered(A: Side, B: Side, qa: Span, qb: Span, found: list[Flag], roles: Roles) -> Flag | None:
    sa, ea, na = _qwords(A.text, qa)
    sb, eb, nb = _qwords(B.text, qb)
    if na == nb or not na or not nb:
        return None
    ops = [o for o in opcodes(na, nb) if o[0] != "equal"]
    # a shorter excerpt of the same quotation, or a cut marked with an ellipsis, is not an alteration
    if all(o[0] == "delete" for o in ops) or all(o[0] == "insert" for o in ops):
        inner = [o for o in ops if 0 < o[1] < len(na) and 0 < o[3] < len(nb)]
        both = B.text[qb.start : qb.end] + A.text[qa.start : qa.end]
        if not inner or "…" in both or "..." in both:
            return None
    inside = [d for d in found if d.kind in ("negation-flip", "number-changed", "date-changed", "entity-changed")
              and d.a is not None and d.b is not None and d.a.overlaps(qa) and d.b.overlaps(qb)]
    best = None
    changed_words = [w for o in ops for w in na[o[1]:o[2]] + nb[o[3]:o[4]]]
    if inside:
        d0 = inside[0]
        best = next((o for o in ops if o[1] < len(sa) and Span(sa[o[1]], ea[max(o[1], o[2] - 1)]).overlaps(d0.a)), None)
        reason = {"negation-flip": "the meaning is reversed", "number-changed": "a number is changed",
                  "date-changed": "a date is changed", "entity-changed": "a name or thing is changed"}[d0.kind]
        conf = CONF["quote-meaning"]
    elif sum(map(is_cue, na)) % 2 != sum(map(is_cue, nb)) % 2:
        conf, reason = CONF["quote-meaning"], "a negation is flipped"
    elif [q.value for q in quantities(A.text, qa.start, qa.end)] != [q.value for q in quantities(B.text, qb.start, qb.end)]:
        conf, reason = CONF["quote-meaning"], "a number is changed"
    elif any(w not in STOPWORDS for w in changed_words):
        conf, reason = CONF["quote-words"], "words are changed"
    else:
        conf, reason = CONF["quote-function"], "only small words changed"
    if best is None:
        best = max(ops, key=lambda o: (max(o[2] - o[1], o[4] - o[3]), -o[1]))
    _, i1, i2, j1, j2 = best
    spa, xa = _seg(sa, ea, na, A.text, i1, i2)
    spb, xb = _seg(sb, eb, nb, B.text, j1, j2)
    o, c = roles.says(xa, xb)
    oq = A.text[qa.start : qa.end] if roles.orig == "a" else B.text[qb.start : qb.end]
    more = len(ops) - 1
    tail = f"; {more} other change{'s' if more > 1 else ''} in the same quotation" if more > 0 else ""
    return Flag("quote-altered", spa, spb,
                f"The quotation \"{clip(oq, 50)}\" is not verbatim in {roles.name(roles.copy)} ({reason}): "
                f"\"{clip(o)}\" became \"{clip(c)}\"{tail}.", conf)


#: Two quotations sharing less than this of their content words (Dice) may not be the same quotation.
SAME_QUOTE = 0.5
#: Quotations in rows matched more loosely than this (a translation chain) are less surely altered.
LOOSE_ROW = 0.6


def _row_sim(P: Pairing, q: Span) -> float:
    """Similarity of the matched row holding quotation ``q`` of text a (1 when it is in no row)."""
    for x in P.pairs:
        if P.A.spans[x.a[0]].start <= q.start < P.A.spans[x.a[-1]].end:
            return x.sim
    return 1.0


def quote_flags(pairing: Pairing, roles: Roles, found: list[Flag]) -> list[Flag]:
    out = []
    for qa, qb, sim in _pair_quotes(pairing):
        q = quote_altered(pairing.A, pairing.B, qa, qb, found, roles)
        if q is not None:
            if _row_sim(pairing, qa) < LOOSE_ROW:
                q = Flag(q.kind, q.a, q.b, q.detail, q.confidence * 0.55)
            elif sim < SAME_QUOTE:  # quotations that share little may be two different ones
                q = Flag(q.kind, q.a, q.b, q.detail, q.confidence * 0.6)
            out.append(q)
    return out
