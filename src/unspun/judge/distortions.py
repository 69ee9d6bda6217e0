"""How the copy changed the story: compare paired sentences, quotations, and what was added or left out.

Kinds: ``quote-altered``, ``negation-flip``, ``number-changed``, ``entity-changed``
(inside paired sentences), ``added-claim``, ``dropped-material`` and
``attribution-added`` (sentences only one side has). Rewording that keeps
the meaning (synonyms, reordering, voice) is not reported: a change must
touch a quotation, a negation, a number, a name or a specific noun.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable

from ..text import STOPWORDS, stem
from ..types import Distortion, Span
from .attribution import bylines, credits
from .lexicon import MONTHS, NEGATIONS, NEGATIVE, POSITIVE, WEEKDAYS
from .models import embedder, nlp
from .numbers import Quantity, quantities, same_value
from .pairing import Pairing, Side, content_terms, dice

#: A sentence whose content words are mostly found in the other text is not new material.
ABSORBED = 0.75
#: A left-out block must be at least this long to be reported.
DROP_MIN_CHARS = 200
DROP_MIN_WORDS = 30
#: A copy this much made of reused text is a rewrite of the original (not a document quoting it).
MOSTLY_REUSED = 0.5
#: When less of the original than this is reused, only omissions inside a passage count as dropped.
PARTIAL_REUSE = 0.35
#: Noun phrases this close in embedding space are rewordings ("region hurricanes" / "area hurricanes").
SAME_PHRASE = 0.8

#: Pipes not needed to compare paired sentences: the fine tags suffice for most of it; the dependency parse,
#: needed only to tell a noun's modifiers, is added to just the sentences that need it (``_parser_for``).
PAIR_SKIP = ("ner", "attribute_ruler", "parser")
NAME_ENTS = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
_OPEN = "“\"‘'([:—–-"


@dataclass(frozen=True)
class Roles:
    """Which side is the copy, and how to name each side in a sentence."""

    copy: str  # "a" or "b"
    known: bool  # from the provenance verdict, not guessed from containment

    @property
    def orig(self) -> str:
        return "b" if self.copy == "a" else "a"

    def name(self, side: str) -> str:
        if self.known:
            return "the copy" if side == self.copy else "the original"
        return side

    def copy_subject(self) -> str:
        if self.known:
            return "The copy"
        return f"{self.copy} (taken as the copy because more of it is shared; which text is the original is unknown)"


# ---------------------------------------------------------------- helpers


def _clip(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _key(norm: str) -> str:
    if norm.endswith("'s"):
        norm = norm[:-2]
    return stem(norm)


def _is_neg(norm: str) -> bool:
    return norm in NEGATIONS or norm.endswith("n't") or norm == "nor"


def _neg_count(norms: list[str]) -> int:
    n = sum(1 for w in norms if _is_neg(w) and w != "nor")
    if "nor" in norms and "neither" not in norms:
        n += 1
    return n


def _sentiment(norms: list[str]) -> int:
    s = 0
    for w in norms:
        k = stem(w)
        if w in NEGATIVE or k in NEGATIVE:
            s -= 1
        elif w in POSITIVE or k in POSITIVE:
            s += 1
    return (s > 0) - (s < 0)


@dataclass
class Sent:
    """A sentence's words: absolute offsets, normalised forms and match keys."""

    side: Side
    idx: int
    lo: int
    hi: int

    @property
    def starts(self) -> list[int]:
        return self.side.tokens.starts[self.lo : self.hi]

    @property
    def ends(self) -> list[int]:
        return self.side.tokens.ends[self.lo : self.hi]

    @property
    def norms(self) -> list[str]:
        return self.side.tokens.norms[self.lo : self.hi]

    @property
    def keys(self) -> list[str]:
        return [_key(w) for w in self.norms]

    def span(self, i: int, j: int) -> Span:
        """Characters of words [i, j) (indices within the sentence)."""
        i = max(0, min(i, self.hi - self.lo - 1))
        j = max(i + 1, min(j, self.hi - self.lo))
        return Span(self.starts[i], self.ends[j - 1])

    def text(self, i: int, j: int) -> str:
        sp = self.span(i, j)
        return self.side.text[sp.start : sp.end]


def _sent(side: Side, i: int) -> Sent:
    lo, hi = side.tok_range(i)
    return Sent(side, i, lo, hi)


def _is_name_shaped(s: Sent, i: int) -> bool:
    """Capitalised, not the first word of a sentence or quotation, not a month or weekday."""
    t = s.side.text[s.starts[i] : s.ends[i]]
    if not t[:1].isupper() or s.norms[i] in MONTHS or s.norms[i] in WEEKDAYS or s.norms[i] in ("i", "i'm", "i've", "i'll", "i'd"):
        return False
    if i == 0:
        return False
    before = s.side.text[s.ends[i - 1] : s.starts[i]].strip()
    return not (before and before[-1] in _OPEN + ".!?")


def _context(s: Sent, i: int, j: int, left: int = 3) -> tuple[int, int]:
    """Extend word range [i, j) leftwards by up to ``left`` words, stopping at clause punctuation."""
    n = len(s.starts)
    if n == 0:
        return 0, 0
    i = k = min(i, n - 1)  # an edit at the very end of a sentence (e.g. a deleted last word)
    j = min(j, n)
    while k > 0 and i - k < left:
        gap = s.side.text[s.ends[k - 1] : s.starts[k]]
        if any(c in gap for c in ",;:.!?“”\"()"):
            break
        k -= 1
    return k, max(j, k + 1)


# ---------------------------------------------------------------- paired sentences


@dataclass
class PairDiff:
    a: Sent
    b: Sent
    ops: list[tuple[str, int, int, int, int]]


_SWAP_TAG = {"insert": "delete", "delete": "insert", "replace": "replace", "equal": "equal"}


def _opcodes(x: list[str], y: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes turning ``x`` into ``y``, the same whichever text is called a and which b.

    SequenceMatcher is not symmetric (its matching blocks can differ when the
    sequences swap places), so the diff is always computed in one canonical
    order and mirrored back when needed: compare(a, b) and compare(b, a) then
    report mirrored distortions.
    """
    if list(x) <= list(y):
        return SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    return [
        (_SWAP_TAG[tag], j1, j2, i1, i2)
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, y, x, autojunk=False).get_opcodes()
    ]


def _diffs(pairing: Pairing) -> list[PairDiff]:
    out = []
    for p in pairing.pairs:
        sa, sb = _sent(pairing.A, p.a), _sent(pairing.B, p.b)
        ka, kb = sa.keys, sb.keys
        if ka == kb:
            continue
        ops = _opcodes(ka, kb)
        out.append(PairDiff(sa, sb, ops))
    return out


def _unmatched(qa: list[Quantity], qb: list[Quantity]) -> tuple[list[Quantity], list[Quantity]]:
    """Quantities of each side left over after matching equal values one to one (a multiset difference)."""
    used: set[int] = set()
    only_a = []
    for q in qa:
        k = next((k for k, r in enumerate(qb) if k not in used and same_value(q.value, r.value)), None)
        if k is None:
            only_a.append(q)
        else:
            used.add(k)
    return only_a, [r for k, r in enumerate(qb) if k not in used]


def _numbers(d: PairDiff, roles: Roles) -> list[Distortion]:
    A, B = d.a.side, d.b.side
    sa, sb = A.spans[d.a.idx], B.spans[d.b.idx]
    qa = quantities(A.text, sa.start, sa.end)
    qb = quantities(B.text, sb.start, sb.end)
    only_a, only_b = _unmatched(qa, qb)
    # "one" comes and goes with wording ("one of them" / "a"); only count it against digits
    if only_a and only_b and all(q.is_word for q in only_a + only_b):
        only_a = [q for q in only_a if q.value != "n:1"]
        only_b = [q for q in only_b if q.value != "n:1"]
    out = []
    for x, y in zip(only_a, only_b):
        ta, tb = (x.text, y.text)
        o, c = (ta, tb) if roles.orig == "a" else (tb, ta)
        out.append(Distortion(
            "number-changed", Span(x.start, x.end), Span(y.start, y.end),
            f"{roles.name(roles.copy).capitalize()} gives \"{c}\" where {roles.name(roles.orig)} has \"{o}\".",
            "high",
        ))
    return out


def _negation(d: PairDiff, roles: Roles) -> list[Distortion]:
    na, nb = d.a.norms, d.b.norms
    flip_parity = _neg_count(na) % 2 != _neg_count(nb) % 2
    reversed_op = None
    for tag, i1, i2, j1, j2 in d.ops:
        if tag == "replace":
            sa_, sb_ = _sentiment(na[i1:i2]), _sentiment(nb[j1:j2])
            if sa_ * sb_ == -1:
                reversed_op = (i1, i2, j1, j2)
                break
    if flip_parity == (reversed_op is not None):
        return []  # no change of polarity, or a negation and an antonym that cancel out
    if reversed_op:
        i1, i2, j1, j2 = reversed_op
        why = "reverses the sentiment of the statement"
    else:
        i1, i2, j1, j2 = next(
            ((o[1], o[2], o[3], o[4]) for o in d.ops if o[0] != "equal"
             and _neg_count(na[o[1]:o[2]]) != _neg_count(nb[o[3]:o[4]])),
            (0, len(na), 0, len(nb)),
        )
        why = "flips the negation of the statement"
    i1, i2 = _context(d.a, i1, max(i2, i1 + 1))
    j1, j2 = _context(d.b, j1, max(j2, j1 + 1))
    i2, j2 = min(i2 + 1, len(na)), min(j2 + 1, len(nb))
    ta, tb = d.a.text(i1, i2), d.b.text(j1, j2)
    o, c = (ta, tb) if roles.orig == "a" else (tb, ta)
    return [Distortion(
        "negation-flip", d.a.span(i1, i2), d.b.span(j1, j2),
        f"{roles.name(roles.copy).capitalize()} {why}: \"{_clip(o)}\" becomes \"{_clip(c)}\".",
        "high",
    )]


def _entity_candidates(d: PairDiff) -> bool:
    """Could a replaced stretch hold a changed name or noun modifier? (Cheap test before parsing.)"""
    ka, kb = d.a.keys, d.b.keys
    set_a, set_b = set(ka), set(kb)
    for tag, i1, i2, j1, j2 in d.ops:
        if tag != "replace":
            continue
        new_a = [i for i in range(i1, i2) if ka[i] not in set_b and d.a.norms[i] not in STOPWORDS]
        new_b = [j for j in range(j1, j2) if kb[j] not in set_a and d.b.norms[j] not in STOPWORDS]
        if not new_a and not new_b:
            continue
        if any(_is_name_shaped(d.a, i) for i in new_a) or any(_is_name_shaped(d.b, j) for j in new_b):
            return True
        if not new_a or not new_b:
            continue
        if i2 < len(ka) and j2 < len(kb) and ka[i2] == kb[j2] and d.a.norms[i2] not in STOPWORDS \
                and i2 - i1 <= 4 and j2 - j1 <= 4:
            return True
    return False


def _tokmap(doc, base: int) -> dict[int, object]:
    return {base + t.idx: t for t in doc}


def _parser_for(doc_a, doc_b) -> Callable[[], None]:
    """Adds the dependency parse to two tagged sentences, on the first call only: the parser reads the
    vectors the tagging pass left on each doc (``doc.tensor``), so nothing is computed twice."""
    done: list[bool] = []

    def parse() -> None:
        if not done:
            parser = nlp().get_pipe("parser")
            parser(doc_a)
            parser(doc_b)
            done.append(True)

    return parse


_TAG_POS = {"NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "CD": "NUM", "DT": "DET", "PDT": "DET",
            "WDT": "DET", "PRP": "PRON", "PRP$": "PRON", "WP": "PRON", "WP$": "PRON", "EX": "PRON", "IN": "ADP",
            "RP": "PART", "TO": "PART", "POS": "PART", "CC": "CCONJ", "MD": "AUX", "RB": "ADV", "RBR": "ADV",
            "RBS": "ADV", "WRB": "ADV", "UH": "INTJ"}


def _pos(t) -> str:
    """Coarse part of speech from the fine tag (the attribute ruler is skipped to save time)."""
    tag = t.tag_
    if tag in _TAG_POS:
        return _TAG_POS[tag]
    if tag.startswith("JJ"):
        return "ADJ"
    if tag.startswith("VB"):
        return "VERB"
    return "PUNCT" if not t.text[:1].isalnum() else "X"


def _name_tokens(s: Sent, toks: dict[int, object], i1: int, i2: int) -> list[int]:
    out = []
    for i in range(i1, i2):
        t = toks.get(s.starts[i])
        if t is None or s.norms[i] in MONTHS or s.norms[i] in WEEKDAYS:
            continue
        if _pos(t) == "PROPN" and _is_name_shaped(s, i):
            out.append(i)
    return out


def _content(s: Sent, toks: dict[int, object], i1: int, i2: int) -> bool:
    for i in range(i1, i2):
        t = toks.get(s.starts[i])
        if t is not None and _pos(t) in ("NOUN", "PROPN", "ADJ", "VERB", "NUM") and s.norms[i] not in STOPWORDS:
            return True
    return False


def _entities(d: PairDiff, ta: dict, tb: dict, roles: Roles, parse: Callable[[], None]) -> list[Distortion]:
    """Changed names and noun modifiers in a pair of sentences; ``ta``/``tb`` map character offsets to tagged
    tokens, and ``parse()`` adds heads and dependency labels to those tokens (needed for modifiers only)."""
    out: list[Distortion] = []
    A_text, B_text = d.a.side.text.lower(), d.b.side.text.lower()
    set_a, set_b = set(d.a.keys), set(d.b.keys)
    for tag, i1, i2, j1, j2 in d.ops:
        if tag != "replace":
            continue
        na = [i for i in _name_tokens(d.a, ta, i1, i2) if d.a.keys[i] not in set_b]
        nb = [j for j in _name_tokens(d.b, tb, j1, j2) if d.b.keys[j] not in set_a]
        hit = False
        if na and nb:
            hit = True
        elif nb and _content(d.a, ta, i1, i2) and not any(d.b.norms[j] in A_text for j in nb):
            hit = True  # a name the other text never mentions replaced a content word
        elif na and _content(d.b, tb, j1, j2) and not any(d.a.norms[i] in B_text for i in na):
            hit = True  # the same, seen from the other side (the judge is symmetric in a and b)
        sev = "high"
        ra, rb = (i1, i2), (j1, j2)
        if not hit:
            hit, ra, rb = _modifier_change(d, ta, tb, i1, i2, j1, j2, parse)
            sev = "medium"
        if not hit:
            continue
        # take in the noun the changed words qualify ("holiday" -> "holiday campaign")
        a0, a1 = ra
        b0, b1 = rb
        if a1 < len(d.a.norms) and b1 < len(d.b.norms) and d.a.keys[a1] == d.b.keys[b1]:
            t = ta.get(d.a.starts[a1])
            if t is not None and _pos(t) in ("NOUN", "PROPN"):
                a1, b1 = a1 + 1, b1 + 1
        xa, xb = d.a.text(a0, a1), d.b.text(b0, b1)
        o, c = (xa, xb) if roles.orig == "a" else (xb, xa)
        out.append(Distortion(
            "entity-changed", d.a.span(a0, a1), d.b.span(b0, b1),
            f"{roles.name(roles.copy).capitalize()} says \"{_clip(c)}\" where {roles.name(roles.orig)} says \"{_clip(o)}\".",
            sev,
        ))
    return out


def _modifier_change(d: PairDiff, ta: dict, tb: dict, i1: int, i2: int, j1: int, j2: int,
                     parse: Callable[[], None]):
    """The words qualifying the same noun were replaced: "plush bear bags" -> "sleeping bags"."""
    no = (False, (i1, i2), (j1, j2))
    if i2 >= len(d.a.norms) or j2 >= len(d.b.norms) or d.a.keys[i2] != d.b.keys[j2]:
        return no
    ha, hb = ta.get(d.a.starts[i2]), tb.get(d.b.starts[j2])
    if ha is None or hb is None or _pos(ha) != "NOUN" or _pos(hb) != "NOUN":
        return no
    parse()  # heads and dependency labels on the same tokens

    def mods(s: Sent, toks: dict, lo: int, hi: int, head) -> list[int]:
        out = []
        for i in range(lo, hi):
            t = toks.get(s.starts[i])
            if t is None or _pos(t) in ("DET", "PRON", "ADP", "PART", "PUNCT", "CCONJ", "AUX"):
                continue
            if t.dep_ not in ("compound", "amod", "nmod") or not (t.head == head or t.head.head == head):
                return []  # the replaced words are not only modifiers of the noun
            out.append(i)
        return out

    ma, mb = mods(d.a, ta, i1, i2, ha), mods(d.b, tb, j1, j2, hb)
    if not ma or not mb:
        return no
    def nouny(s: Sent, toks: dict, ids: list[int]) -> bool:
        return any(_pos(toks[s.starts[i]]) in ("NOUN", "PROPN") or toks[s.starts[i]].dep_ == "compound" for i in ids)

    if not (nouny(d.a, ta, ma) and nouny(d.b, tb, mb)):
        return no  # adjectives only: wording ("large house" / "big house")
    set_a, set_b = set(d.a.keys), set(d.b.keys)
    if all(d.b.keys[j] in set_a for j in mb) or all(d.a.keys[i] in set_b for i in ma):
        return no  # moved, not replaced ("fashion show in Paris" / "Paris show")
    pa, pb = d.a.text(ma[0], i2 + 1), d.b.text(mb[0], j2 + 1)  # the modifiers with their noun
    if pa.replace("-", " ").lower() == pb.replace("-", " ").lower():
        return no
    v = embedder().encode([pa, pb])
    if float(v[0] @ v[1]) >= SAME_PHRASE:
        return no  # "region hurricanes" / "area hurricanes"
    return True, (ma[0], ma[-1] + 1), (mb[0], mb[-1] + 1)


# ---------------------------------------------------------------- quotations

_QUOTE = re.compile(r"“([^“”\n]+)”|\"([^\"\n]+)\"")  # short ones too, so '"I," ... "I."' is not read as one


def quotes(text: str) -> list[Span]:
    """Spans of the words inside quotation marks (curly or straight), without the marks."""
    out = []
    for m in _QUOTE.finditer(text):
        g = 1 if m.group(1) is not None else 2
        if len(m.group(g).split()) >= 3:
            out.append(Span(m.start(g), m.end(g)))
    return out


def _pair_quotes(A: Side, B: Side) -> list[tuple[Span, Span]]:
    qa, qb = quotes(A.text), quotes(B.text)
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
        out.append((qa[i], qb[j]))
    return sorted(out)


def _qwords(text: str, span: Span) -> tuple[list[int], list[int], list[str]]:
    from ..text import words

    w = words(text[span.start : span.end])
    return [span.start + s for s in w.starts], [span.start + e for e in w.ends], list(w.norms)


def _quote_altered(A: Side, B: Side, qa: Span, qb: Span, found: list[Distortion], roles: Roles) -> Distortion | None:
    sa, ea, na = _qwords(A.text, qa)
    sb, eb, nb = _qwords(B.text, qb)
    if na == nb:
        return None
    ops = [o for o in _opcodes(na, nb) if o[0] != "equal"]
    # a shorter excerpt of the same quotation, or a cut marked with an ellipsis, is not an alteration
    if all(o[0] == "delete" for o in ops) or all(o[0] == "insert" for o in ops):
        inner = [o for o in ops if 0 < o[1] < len(na) and 0 < o[3] < len(nb)]
        if not inner or "…" in B.text[qb.start : qb.end] + A.text[qa.start : qa.end] \
                or "..." in B.text[qb.start : qb.end] + A.text[qa.start : qa.end]:
            return None
    changed = sum(max(o[2] - o[1], o[4] - o[3]) for o in ops)
    inside = [d for d in found if d.kind in ("negation-flip", "number-changed", "entity-changed")
              and d.a is not None and d.b is not None and d.a.overlaps(qa) and d.b.overlaps(qb)]
    best = None
    reason = ""
    if inside:
        d0 = inside[0]
        best = next((o for o in ops if Span(sa[o[1]] if o[1] < len(sa) else qa.end, ea[max(o[1], o[2] - 1)] if o[1] < len(sa) else qa.end).overlaps(d0.a)), None)
        reason = {"negation-flip": "the meaning is reversed", "number-changed": "a number is changed",
                  "entity-changed": "a name or thing is changed"}[d0.kind]
        severity = "high"
    elif _neg_count(na) % 2 != _neg_count(nb) % 2:
        severity, reason = "high", "a negation is flipped"
    elif quantities(A.text, qa.start, qa.end) and [q.value for q in quantities(A.text, qa.start, qa.end)] != \
            [q.value for q in quantities(B.text, qb.start, qb.end)]:
        severity, reason = "high", "a number is changed"
    elif changed >= 0.4 * max(len(na), len(nb)):
        severity, reason = "medium", "it is heavily reworded"
    else:
        severity, reason = "low", "only the wording changed"
    if best is None:
        best = max(ops, key=lambda o: (max(o[2] - o[1], o[4] - o[3]), -o[1]))
    _, i1, i2, j1, j2 = best

    def seg(starts, ends, norms, text, lo, hi):
        n = len(norms)
        if n == 0:
            return Span(starts[0] if starts else 0, starts[0] if starts else 0), ""
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

    spa, xa = seg(sa, ea, na, A.text, i1, i2)
    spb, xb = seg(sb, eb, nb, B.text, j1, j2)
    o, c = (xa, xb) if roles.orig == "a" else (xb, xa)
    oq = A.text[qa.start : qa.end] if roles.orig == "a" else B.text[qb.start : qb.end]
    more = len(ops) - 1
    tail = f"; {more} other change{'s' if more > 1 else ''} in the same quotation" if more > 0 else ""
    return Distortion(
        "quote-altered", spa, spb,
        f"The quotation \"{_clip(oq, 50)}\" is not verbatim in {roles.name(roles.copy)} ({reason}): "
        f"\"{_clip(o)}\" became \"{_clip(c)}\"{tail}.",
        severity,
    )


# ---------------------------------------------------------------- added, dropped, attribution


def _absorbed(terms: frozenset[str], other: Side) -> bool:
    return bool(terms) and len(terms & other.all_terms) >= ABSORBED * len(terms)


def _attribution(pairing: Pairing, roles: Roles) -> tuple[list[Distortion], set[int]]:
    """Credit lines and bylines in the copy that the original lacks; also the copy sentences they cover."""
    C = pairing.A if roles.copy == "a" else pairing.B
    O = pairing.B if roles.copy == "a" else pairing.A
    o_low = " ".join(O.text.lower().split())
    out, covered = [], set()
    items = [c for c in credits(C.text) if c.kind in ("credit-line", "credit-phrase")] + bylines(C.text, C.spans)
    for c in sorted(items, key=lambda c: c.span):
        line = C.text[c.span.start : c.span.end]
        if " ".join(line.lower().split()) in o_low or (c.kind in ("byline", "bio") and c.name.lower() in o_low):
            continue
        span = c.span
        if c.kind == "bio":  # the rest of the bio paragraph belongs to it
            idx = [i for i, s in enumerate(C.spans) if s.overlaps(c.span)]
            if idx:
                k = idx[-1]
                while k + 1 < len(C) and C.block[k + 1] == C.block[idx[0]] and (k + 1) not in (
                        pairing.pair_of_a if roles.copy == "a" else pairing.pair_of_b):
                    k += 1
                span = Span(C.spans[idx[0]].start, C.spans[k].end)
        covered |= {i for i, s in enumerate(C.spans) if s.overlaps(span)}
        what = {"credit-line": "a credit line", "credit-phrase": "a credit line", "byline": "a byline",
                "bio": "an author bio"}[c.kind]
        out.append(Distortion(
            "attribution-added",
            span if roles.copy == "a" else None,
            span if roles.copy == "b" else None,
            f"{roles.copy_subject()} adds {what} that the original does not have: \"{_clip(line, 80)}\".",
            "medium",
        ))
    return out, covered


def _asserts_fact(doc, text: str) -> bool:
    has_verb = any(_pos(t) in ("VERB", "AUX") for t in doc)
    if not has_verb or len([t for t in doc if t.is_alpha]) < 5:
        return False
    if quantities(text):
        return True
    if any(e.label_ in NAME_ENTS or e.label_ in ("DATE", "MONEY", "PERCENT", "QUANTITY", "CARDINAL") for e in doc.ents):
        return True
    return bool(re.search(r"\b(?:said|says|told|according to|reported|announced|claimed|confirmed)\b", text, re.I))


def _added(pairing: Pairing, roles: Roles, skip: set[int], passages_copy: list[Span]) -> list[Distortion]:
    C = pairing.A if roles.copy == "a" else pairing.B
    O = pairing.B if roles.copy == "a" else pairing.A
    paired = pairing.pair_of_a if roles.copy == "a" else pairing.pair_of_b
    # "right after reused material" counts when the copy is mostly reused text; a long document that
    # quotes a passage has its own sentences around it
    mostly = pairing.reused_share(roles.copy) >= MOSTLY_REUSED
    cands = []
    for i in range(len(C)):
        if i in paired or i in skip or C.boiler[i] or _absorbed(C.terms[i], O):
            continue
        inside = any(p.start <= C.spans[i].start < p.end for p in passages_copy)
        if inside or (mostly and ((i - 1 in paired) or (i + 1 in paired))):
            cands.append(i)
    if not cands:
        return []
    out = []
    for i, doc in zip(cands, nlp().pipe([C.sent(i) for i in cands])):
        text = C.sent(i)
        if not _asserts_fact(doc, text):
            continue
        span = C.spans[i]
        named = any(e.label_ in NAME_ENTS for e in doc.ents)
        out.append(Distortion(
            "added-claim",
            span if roles.copy == "a" else None,
            span if roles.copy == "b" else None,
            f"{roles.copy_subject()} adds a claim the original does not make: \"{_clip(text, 200)}\".",
            "high" if named and quantities(text) else "medium",
        ))
    return out


def _dropped(pairing: Pairing, roles: Roles, passages_orig: list[Span]) -> list[Distortion]:
    O = pairing.A if roles.orig == "a" else pairing.B
    C = pairing.B if roles.orig == "a" else pairing.A
    paired = pairing.pair_of_a if roles.orig == "a" else pairing.pair_of_b
    # A copy of a small part of a long text did not "leave out" the rest: then only omissions
    # inside a reused stretch count.
    whole = pairing.reused_share(roles.orig) >= PARTIAL_REUSE
    blocks: list[list[int]] = []
    for i in range(len(O)):
        if i in paired or O.boiler[i] or not O.terms[i]:
            continue
        if not whole and not any(p.start <= O.spans[i].start < p.end for p in passages_orig):
            continue
        if blocks and blocks[-1][-1] == i - 1 and O.block[blocks[-1][-1]] == O.block[i]:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    out = []
    for blk in blocks:
        terms = frozenset().union(*(O.terms[i] for i in blk))
        if _absorbed(terms, C):
            continue
        span = Span(O.spans[blk[0]].start, O.spans[blk[-1]].end)
        text = O.text[span.start : span.end]
        if len(text) < DROP_MIN_CHARS or len(text.split()) < DROP_MIN_WORDS:
            continue
        n = len(blk)
        out.append(Distortion(
            "dropped-material",
            span if roles.orig == "a" else None,
            span if roles.orig == "b" else None,
            f"{roles.copy_subject()} leaves out {n} sentence{'s' if n > 1 else ''} of the original "
            f"({len(text)} characters): \"{_clip(text, 100)}\".",
            "medium",
        ))
    return out


# ---------------------------------------------------------------- entry point


def find_distortions(pairing: Pairing, roles: Roles, passages: list[tuple[Span, Span]]) -> list[Distortion]:
    """Every distortion between the two texts, sorted by position."""
    found: list[Distortion] = []
    diffs = _diffs(pairing)
    for d in diffs:
        found += _numbers(d, roles)
        found += _negation(d, roles)
    cands = [d for d in diffs if _entity_candidates(d)]
    if cands:

        texts = []
        for d in cands:
            texts += [d.a.side.sent(d.a.idx), d.b.side.sent(d.b.idx)]
        docs = list(nlp().pipe(texts, disable=PAIR_SKIP))
        for k, d in enumerate(cands):
            ta = _tokmap(docs[2 * k], d.a.side.spans[d.a.idx].start)
            tb = _tokmap(docs[2 * k + 1], d.b.side.spans[d.b.idx].start)
            found += _entities(d, ta, tb, roles, _parser_for(docs[2 * k], docs[2 * k + 1]))
    for qa, qb in _pair_quotes(pairing.A, pairing.B):
        q = _quote_altered(pairing.A, pairing.B, qa, qb, found, roles)
        if q is not None:
            found.append(q)
    attr, covered = _attribution(pairing, roles)
    found += attr
    copy_passages = [p[1] if roles.copy == "b" else p[0] for p in passages]
    found += _added(pairing, roles, covered, copy_passages)
    found += _dropped(pairing, roles, [p[0] if roles.orig == "a" else p[1] for p in passages])
    seen, out = set(), []
    for x in found:
        k = (x.kind, x.a, x.b)
        if k not in seen:
            seen.add(k)
            out.append(x)

    def pos(x: Distortion):
        return (x.a.start if x.a else -1, x.b.start if x.b else -1, x.kind, x.detail)

    return sorted(out, key=pos)
