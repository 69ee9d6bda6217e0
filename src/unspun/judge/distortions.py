"""How the copy changed the story: compare the matched sentences of the sentence map by meaning.

Each matched row of the map (1:1, 1:2 or 2:1) is token-aligned (difflib on stemmed words); a change
is reported only after normalising what it touches:

- figures by value and unit (``numbers``): "four" / "4" and "$25 million" / "$25,000,000" are equal,
  "$114.3 million" / "$114 million" is rounding (low), a date or a year is a ``date-changed``;
- names through aliases, spelling variants and initials (``names``): "the UK" / "Britain" is no
  change, "Minogue" / "Madonna" is; a name the original names elsewhere is not new;
- polarity from the predicates and their negations (``polarity``, on the dependency parse);
- quotations strictly (``quotes``), added and dropped sentences off the map (``material``).

Rewording that keeps the meaning (synonyms, reordering, voice) is not reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from typing import Callable, Iterable

from ..text import STOPWORDS
from ..types import Distortion, Span
from .lexicon import MONTHS, WEEKDAYS
from .models import AFTER_TAGGER, embedder, nlp
from .names import mentioned_in, same_name
from .numbers import Quantity, is_date, kind, quantities, rounded, same_quantity, same_value
from .polarity import flipped, is_cue, sentiment
from .sentmap import Link, Pairing, Side
from .severity import CONF, Flag

#: Noun phrases this close in embedding space are rewordings ("region hurricanes" / "area hurricanes").
SAME_PHRASE = 0.8
#: Two names this close in embedding space are taken as one ("Beginner Trombone" / "trumpet trombone").
SAME_NAME_PHRASE = 0.9
#: Shares of a row's words kept equal below which word-level changes are less certain (see ``looseness``).
LOOSE = (0.7, 0.45)
#: A matched row this similar is close enough to read a one-sided figure as added.
CLOSE = 0.6

_OPEN = "“\"‘'([:—–-"


@dataclass(frozen=True)
class Roles:
    """Which side is the copy, and how to name each side in a sentence."""

    copy: str  # "a" or "b"
    known: bool  # from the provenance verdict, not guessed from containment
    sure: bool = True  # the verdict rests on more than containment (dates, credit lines, links, notes)

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

    def says(self, xa: str, xb: str) -> tuple[str, str]:
        """(original's words, copy's words) from a's and b's."""
        return (xa, xb) if self.orig == "a" else (xb, xa)


def clip(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


# ---------------------------------------------------------------- one side of a matched row


@dataclass
class Seg:
    """The words of one side of a matched row (one or two consecutive sentences)."""

    side: Side
    first: int
    last: int
    lo: int
    hi: int

    @classmethod
    def of(cls, side: Side, idx: tuple[int, ...], within: list[Span] | None = None) -> "Seg":
        """The words of sentences ``idx``; with ``within``, only those inside these passage spans (a sentence
        the passage starts or ends in holds words of the document's own text too)."""
        lo, hi = side.tok_range(idx[0], idx[-1])
        if within:
            starts = side.tokens.starts
            keep = [k for k in range(lo, hi) if any(p.start <= starts[k] < p.end for p in within)]
            if keep:
                lo, hi = keep[0], keep[-1] + 1
        return cls(side, idx[0], idx[-1], lo, hi)

    @property
    def start(self) -> int:
        return self.side.tokens.starts[self.lo] if self.hi > self.lo else self.side.spans[self.first].start

    @property
    def end(self) -> int:
        return self.side.tokens.ends[self.hi - 1] if self.hi > self.lo else self.side.spans[self.last].end

    @property
    def text(self) -> str:
        """The words of the row with the punctuation that ends it (what the tagger reads)."""
        last_tok = self.side.tok_range(self.last)[1]
        end = self.side.spans[self.last].end if self.hi >= last_tok else self.end
        return self.side.text[self.start : end]

    @cached_property
    def starts(self) -> list[int]:
        return self.side.tokens.starts[self.lo : self.hi]

    @cached_property
    def ends(self) -> list[int]:
        return self.side.tokens.ends[self.lo : self.hi]

    @cached_property
    def norms(self) -> list[str]:
        return self.side.tokens.norms[self.lo : self.hi]

    @cached_property
    def keys(self) -> list[str]:
        return self.side.word_keys[self.lo : self.hi]

    def span(self, i: int, j: int) -> Span:
        """Characters of words [i, j) (indices within the row)."""
        n = self.hi - self.lo
        i = max(0, min(i, n - 1))
        j = max(i + 1, min(j, n))
        return Span(self.starts[i], self.ends[j - 1])

    def words(self, i: int, j: int) -> str:
        sp = self.span(i, j)
        return self.side.text[sp.start : sp.end]

    def word_at(self, offset: int) -> int:
        """Index of the word that holds character ``offset`` (or the next one)."""
        for k, (s, e) in enumerate(zip(self.starts, self.ends)):
            if offset < e:
                return k
        return max(0, self.hi - self.lo - 1)


def _is_name_shaped(s: Seg, i: int) -> bool:
    """Capitalised, not the first word of a sentence or quotation, not a month or weekday."""
    t = s.side.text[s.starts[i] : s.ends[i]]
    if not t[:1].isupper() or s.norms[i] in MONTHS or s.norms[i] in WEEKDAYS or s.norms[i] in ("i", "i'm", "i've", "i'll", "i'd"):
        return False
    if i == 0:
        return False
    before = s.side.text[s.ends[i - 1] : s.starts[i]].strip()
    return not (before and before[-1] in _OPEN + ".!?")


def _context(s: Seg, i: int, j: int, left: int = 3) -> tuple[int, int]:
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


_SWAP_TAG = {"insert": "delete", "delete": "insert", "replace": "replace", "equal": "equal"}


def opcodes(x: list[str], y: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes turning ``x`` into ``y``, the same whichever text is called a and which b.

    SequenceMatcher is not symmetric (its matching blocks can differ when the sequences swap
    places), so the diff is computed in one canonical order and mirrored back when needed.
    """
    if list(x) <= list(y):
        return SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    return [
        (_SWAP_TAG[tag], j1, j2, i1, i2)
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, y, x, autojunk=False).get_opcodes()
    ]


@dataclass
class RowDiff:
    a: Seg
    b: Seg
    ops: list[tuple[str, int, int, int, int]]
    sim: float

    def changed(self) -> list[tuple[str, int, int, int, int]]:
        return [o for o in self.ops if o[0] != "equal"]


def row_diffs(pairing: Pairing) -> list[RowDiff]:
    out = []
    for x in pairing.pairs:
        r = pairing.regions[x.region] if x.region >= 0 and not pairing.rewrite else None
        sa = Seg.of(pairing.A, x.a, r.pa if r else None)
        sb = Seg.of(pairing.B, x.b, r.pb if r else None)
        ka, kb = sa.keys, sb.keys
        if ka == kb:
            continue
        out.append(RowDiff(sa, sb, opcodes(ka, kb), x.sim))
    return out


# ---------------------------------------------------------------- figures and dates


def _op_of(d: RowDiff, side: str, offset: int) -> int | None:
    s = d.a if side == "a" else d.b
    w = s.word_at(offset)
    for k, (tag, i1, i2, j1, j2) in enumerate(d.ops):
        lo, hi = (i1, i2) if side == "a" else (j1, j2)
        if lo <= w < hi or (lo == hi == w):
            return k
    return None


def crispness(d: RowDiff, side: str, offset: int) -> float:
    """How sure a word-level change is, from the changed stretch holding it: a swap of up to 3 words between
    equal words is crisp (1.0); inside a longer reworded stretch the token alignment itself is a guess."""
    k = _op_of(d, side, offset)
    if k is None:
        return 0.6
    tag, i1, i2, j1, j2 = d.ops[k]
    n = max(i2 - i1, j2 - j1)
    return 1.0 if n <= 3 else 0.85 if n <= 6 else 0.6


def looseness(d: RowDiff) -> float:
    """Rows matched loosely (a translation chain, heavy rewording) make word-level changes less certain: the
    share of the row's words the token alignment keeps equal says how loose (an edited sentence keeps most)."""
    same = sum(i2 - i1 for tag, i1, i2, _, _ in d.ops if tag == "equal")
    share = 2 * same / max(1, len(d.a.norms) + len(d.b.norms))
    return 1.0 if share >= LOOSE[0] else 0.55 if share >= LOOSE[1] else 0.45


def _compatible(x: Quantity, y: Quantity) -> bool:
    kx, ky = kind(x.value), kind(y.value)
    if kx == ky or {kx, ky} <= {"n", "money"}:
        return True
    return {kx, ky} == {"n", "pct"}


def _marker(text: str, q: Quantity) -> bool:
    """A footnote or citation marker ("[2]", "^ 3"), not a figure of the story."""
    return text[q.start - 1 : q.start] in ("[", "^") and text[q.end : q.end + 1] in ("]", "") or \
        (text[q.start - 1 : q.start] == "[" and text[q.end : q.end + 1] == "]")


def _counts(q: Quantity) -> bool:
    """Word figures "one", "first", "second", "half" come and go with wording; only count them against digits."""
    return not (q.is_word and q.value in ("n:1", "n:2", "n:0.5"))


def numbers(d: RowDiff, roles: Roles) -> list[Flag]:
    qa = [q for q in quantities(d.a.side.text, d.a.start, d.a.end) if not _marker(d.a.side.text, q)]
    qb = [q for q in quantities(d.b.side.text, d.b.start, d.b.end) if not _marker(d.b.side.text, q)]
    used: set[int] = set()
    only_a = []
    for q in qa:
        k = next((k for k, r in enumerate(qb) if k not in used and same_quantity(q, r)), None)
        if k is None:
            only_a.append(q)
        else:
            used.add(k)
    only_b = [r for k, r in enumerate(qb) if k not in used]
    out: list[Flag] = []
    # pair the leftovers that sit in the same changed stretch of the token alignment
    taken_b: set[int] = set()
    pairs: list[tuple[Quantity, Quantity]] = []
    for x in only_a:
        ox = _op_of(d, "a", x.start)
        best = None
        for k, y in enumerate(only_b):
            if k in taken_b:
                continue
            if ox is not None and _op_of(d, "b", y.start) == ox and is_date(x) == is_date(y) and _compatible(x, y):
                best = k
                break
        if best is None and len(only_a) == 1 and len(only_b) == 1 and is_date(x) == is_date(only_b[0]) \
                and _compatible(x, only_b[0]):
            best = 0  # one figure each side: the same slot, reworded around it
        if best is not None:
            taken_b.add(best)
            pairs.append((x, only_b[best]))
    for x, y in pairs:
        if not (_counts(x) or _counts(y)) or (x.is_word and y.is_word and not (_counts(x) and _counts(y))):
            continue
        o, c = roles.says(x.text, y.text)
        if is_date(x) or is_date(y):
            kind, conf = "date-changed", CONF["date"]
            what = "date"
        elif rounded(x, y):
            kind, conf, what = "number-changed", CONF["number-rounded"], "rounded figure"
        else:
            kind = "number-changed"
            conf = CONF["number-words"] if x.is_word or y.is_word else CONF["number-digits"]
            what = "figure"
        conf *= min(crispness(d, "a", x.start), crispness(d, "b", y.start)) * looseness(d)
        out.append(Flag(kind, Span(x.start, x.end), Span(y.start, y.end),
                        f"{roles.name(roles.copy).capitalize()} gives the {what} \"{c}\" where "
                        f"{roles.name(roles.orig)} has \"{o}\".", conf))
    # a month named alone ("in August" / "in July")
    covered = [(q.start, q.end) for q in qa + qb]
    for tag, i1, i2, j1, j2 in d.changed():
        if tag != "replace":
            continue
        mo_a = [i for i in range(i1, i2) if d.a.norms[i] in MONTHS and len(d.a.norms[i]) > 3
                and not any(s <= d.a.starts[i] < e for s, e in covered)]
        mo_b = [j for j in range(j1, j2) if d.b.norms[j] in MONTHS and len(d.b.norms[j]) > 3
                and not any(s <= d.b.starts[j] < e for s, e in covered)]
        if mo_a and mo_b and MONTHS[d.a.norms[mo_a[0]]] != MONTHS[d.b.norms[mo_b[0]]]:
            o, c = roles.says(d.a.words(mo_a[0], mo_a[0] + 1), d.b.words(mo_b[0], mo_b[0] + 1))
            out.append(Flag("date-changed", d.a.span(mo_a[0], mo_a[0] + 1), d.b.span(mo_b[0], mo_b[0] + 1),
                            f"{roles.name(roles.copy).capitalize()} gives the month \"{c}\" where "
                            f"{roles.name(roles.orig)} has \"{o}\".", CONF["date"] * crispness(d, "a", d.a.starts[mo_a[0]])))
    # a figure only the copy has, in a row that otherwise says the same
    copy_only = [y for k, y in enumerate(only_b) if k not in taken_b] if roles.copy == "b" else \
        [x for x in only_a if all(x is not p[0] for p in pairs)]
    if d.sim >= CLOSE:
        other = d.a if roles.copy == "b" else d.b
        other_vals = set(other.side.values) if copy_only else set()
        for q in copy_only:
            if not _counts(q) or any(same_value(q.value, v) for v in other_vals):
                continue
            sp = Span(q.start, q.end)
            what = "date-changed" if is_date(q) else "number-changed"
            out.append(Flag(what, sp if roles.copy == "a" else None, sp if roles.copy == "b" else None,
                            f"{roles.name(roles.copy).capitalize()} adds the figure \"{q.text}\", which "
                            f"{roles.name(roles.orig)} does not give.", CONF["number-one-sided"]))
    return out


# ---------------------------------------------------------------- polarity


def _polarity_candidate(d: RowDiff) -> bool:
    for tag, i1, i2, j1, j2 in d.changed():
        if any(is_cue(w) for w in d.a.norms[i1:i2]) or any(is_cue(w) for w in d.b.norms[j1:j2]):
            return True
        if tag == "replace" and sentiment(d.a.norms[i1:i2]) * sentiment(d.b.norms[j1:j2]) == -1:
            return True
    return False


def _edge_stretch(d: RowDiff, op: tuple[str, int, int, int, int]) -> bool:
    """Is ``op`` words one row has beyond the other's edge that cannot negate the clause both rows share?

    Words after the shared clause ("… teams, etc. without minimum order or setup fees" against "… teams,
    etc.") add material, they do not reverse it (an added claim is judged as such). Words before it can,
    but only a negation right at its start ("Not everyone agreed" against "Everyone agreed"): "No Comments
    Soeben hat …" is a heading. And a negation the other text has too, in the part of the same sentence
    that the passage boundary cut off its row ("… planet. not Martians, but" against a passage starting
    at "Martians, but" in "Bedford not Martians, but"), was never compared: a boundary, not an edit."""
    tag, i1, i2, j1, j2 = op
    if tag == "delete":
        words, other, at_start, at_end = d.a.norms[i1:i2], d.b, j1 == 0, j1 == len(d.b.norms)
    elif tag == "insert":
        words, other, at_start, at_end = d.b.norms[j1:j2], d.a, i1 == 0, i1 == len(d.a.norms)
    else:
        return False
    if at_end and not at_start:
        return True
    if not at_start:
        return False
    if not is_cue(words[-1]):
        return True
    first, _ = other.side.tok_range(other.first, other.last)
    cut = other.side.tokens.norms[first:other.lo]
    return words[-1] in cut[-len(words):]


def negation(d: RowDiff, doc_a, doc_b, roles: Roles, parse: Callable[..., None]) -> list[Flag]:
    na, nb = d.a.norms, d.b.norms
    reversed_op = None
    for tag, i1, i2, j1, j2 in d.ops:
        if tag == "replace" and sentiment(na[i1:i2]) * sentiment(nb[j1:j2]) == -1:
            reversed_op = (i1, i2, j1, j2)
            break
    cue_ops = [o for o in d.changed() if (any(is_cue(w) for w in na[o[1]:o[2]]) != any(is_cue(w) for w in nb[o[3]:o[4]])
               or sum(map(is_cue, na[o[1]:o[2]])) != sum(map(is_cue, nb[o[3]:o[4]]))) and not _edge_stretch(d, o)]
    flips: list[str] = []
    if cue_ops:
        parse()
        flips = flipped(doc_a, doc_b)
    if bool(flips) == (reversed_op is not None):
        return []  # no change of polarity, or a negation and an antonym that cancel out
    if reversed_op:
        i1, i2, j1, j2 = reversed_op
        why, conf = "reverses the sentiment of the statement", CONF["negation-sentiment"] * max(looseness(d), 0.8)
    else:
        o = cue_ops[0]
        i1, i2, j1, j2 = o[1], o[2], o[3], o[4]
        why = "flips the negation of the statement"
        conf = CONF["negation-parse"] * looseness(d) * (1.0 if max(i2 - i1, j2 - j1) <= 3 else 0.8)
    i1, i2 = _context(d.a, i1, max(i2, i1 + 1))
    j1, j2 = _context(d.b, j1, max(j2, j1 + 1))
    i2, j2 = min(i2 + 1, len(na)), min(j2 + 1, len(nb))
    o, c = roles.says(d.a.words(i1, i2), d.b.words(j1, j2))
    return [Flag("negation-flip", d.a.span(i1, i2), d.b.span(j1, j2),
                 f"{roles.name(roles.copy).capitalize()} {why}: \"{clip(o)}\" becomes \"{clip(c)}\".", conf)]


# ---------------------------------------------------------------- names and things


def _entity_candidate(d: RowDiff) -> bool:
    """Could a replaced stretch hold a changed name or noun modifier? (Cheap test before tagging.)"""
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
        if new_a and new_b and i2 < len(ka) and j2 < len(kb) and ka[i2] == kb[j2] and d.a.norms[i2] not in STOPWORDS \
                and i2 - i1 <= 4 and j2 - j1 <= 4:
            return True
    return False


_TAG_POS = {"NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "CD": "NUM", "DT": "DET", "PDT": "DET",
            "WDT": "DET", "PRP": "PRON", "PRP$": "PRON", "WP": "PRON", "WP$": "PRON", "EX": "PRON", "IN": "ADP",
            "RP": "PART", "TO": "PART", "POS": "PART", "CC": "CCONJ", "MD": "AUX", "RB": "ADV", "RBR": "ADV",
            "RBS": "ADV", "WRB": "ADV", "UH": "INTJ"}


def pos(t) -> str:
    """Coarse part of speech from the fine tag (the attribute ruler is skipped to save time)."""
    tag = t.tag_
    if tag in _TAG_POS:
        return _TAG_POS[tag]
    if tag.startswith("JJ"):
        return "ADJ"
    if tag.startswith("VB"):
        return "VERB"
    return "PUNCT" if not t.text[:1].isalnum() else "X"


def _mentions(s: Seg, toks: dict, i1: int, i2: int) -> list[tuple[int, int]]:
    """Runs of name words in [i1, i2) (word index ranges): proper nouns, and capitalised adjectives
    ("Irish", "Scottish") that are not the first word of a sentence. A sentence's first word counts
    when tagged a proper noun and not a function word ("Barcelona won")."""
    out: list[tuple[int, int]] = []
    for i in range(i1, i2):
        t = toks.get(s.starts[i])
        if t is None or s.norms[i] in MONTHS or s.norms[i] in WEEKDAYS:
            continue
        p = pos(t)
        shaped = _is_name_shaped(s, i)
        first = not shaped and s.side.text[s.starts[i]:s.starts[i] + 1].isupper() and p == "PROPN" \
            and s.norms[i] not in STOPWORDS and len(s.norms[i]) > 2
        if (p == "PROPN" and (shaped or first)) or (p == "ADJ" and shaped):
            gap = s.side.text[s.ends[i - 1] : s.starts[i]] if i > 0 else ""
            if out and out[-1][1] == i and gap.strip(" -'’") == "":
                out[-1] = (out[-1][0], i + 1)
            else:
                out.append((i, i + 1))
    return out


def _content(s: Seg, toks: dict, i1: int, i2: int) -> bool:
    for i in range(i1, i2):
        t = toks.get(s.starts[i])
        if t is not None and pos(t) in ("NOUN", "PROPN", "ADJ", "VERB", "NUM") and s.norms[i] not in STOPWORDS:
            return True
    return False


def entities(d: RowDiff, ta: dict, tb: dict, roles: Roles, parse: Callable[..., None], norm_a: str, norm_b: str) -> list[Flag]:
    """Changed names and noun modifiers in a matched row; ``ta``/``tb`` map character offsets to tagged tokens,
    ``norm_a``/``norm_b`` are the whole texts normalised for name look-ups."""
    out: list[Flag] = []
    for tag, i1, i2, j1, j2 in d.ops:
        if tag != "replace":
            continue
        ma, mb = _mentions(d.a, ta, i1, i2), _mentions(d.b, tb, j1, j2)
        names_a = [d.a.words(x, y) for x, y in ma]
        names_b = [d.b.words(x, y) for x, y in mb]
        # a name is no change when the other row has an alias or variant of it, or the other text names it
        new_a = [k for k, n in enumerate(names_a) if not any(same_name(n, m) for m in names_b) and not mentioned_in(n, norm_b)]
        new_b = [k for k, n in enumerate(names_b) if not any(same_name(n, m) for m in names_a) and not mentioned_in(n, norm_a)]
        new_c, names_o = (new_b, names_a) if roles.copy == "b" else (new_a, names_b)
        hit, conf, ra, rb = False, 0.0, (i1, i2), (j1, j2)
        swapped = [(x, y) for x in range(len(names_a)) for y in range(len(names_b))
                   if not same_name(names_a[x], names_b[y]) and (x in new_a or y in new_b)]
        if new_c and names_o and swapped:
            # a name the original never mentions where the original names something else
            x, y = next(((x, y) for x, y in swapped if (y if roles.copy == "b" else x) in new_c), swapped[0])
            ra, rb = ma[x], mb[y]
            v = embedder().encode([d.a.words(*ra), d.b.words(*rb)])
            if float(v[0] @ v[1]) < SAME_NAME_PHRASE:  # near-identical phrases are variants the rules missed
                hit, conf = True, CONF["name-swap"]
        elif new_c and not names_o:
            # a name the original never mentions, put where the original has other content words
            m_c, seg_o, toks_o, lo, hi = (mb, d.a, ta, i1, i2) if roles.copy == "b" else (ma, d.b, tb, j1, j2)
            if _content(seg_o, toks_o, lo, hi):
                phrase_c = (d.b if roles.copy == "b" else d.a).words(*m_c[new_c[0]])
                v = embedder().encode([phrase_c, seg_o.words(lo, hi)])
                if float(v[0] @ v[1]) < SAME_PHRASE:
                    hit, conf = True, CONF["name-new"]
        if not hit:
            hit, ra, rb = _modifier_change(d, ta, tb, i1, i2, j1, j2, parse)
            conf = CONF["modifier"]
        if not hit:
            continue
        n = max(i2 - i1, j2 - j1)
        conf *= (1.0 if n <= 3 else 0.85 if n <= 6 else 0.5) * looseness(d)
        # take in the noun the changed words qualify ("holiday" -> "holiday campaign")
        a0, a1 = ra
        b0, b1 = rb
        if a1 < len(d.a.norms) and b1 < len(d.b.norms) and d.a.keys[a1] == d.b.keys[b1]:
            t = ta.get(d.a.starts[a1])
            if t is not None and pos(t) in ("NOUN", "PROPN"):
                a1, b1 = a1 + 1, b1 + 1
        o, c = roles.says(d.a.words(a0, a1), d.b.words(b0, b1))
        out.append(Flag("entity-changed", d.a.span(a0, a1), d.b.span(b0, b1),
                        f"{roles.name(roles.copy).capitalize()} says \"{clip(c)}\" where {roles.name(roles.orig)} says \"{clip(o)}\".",
                        conf))
    return out


def _modifier_change(d: RowDiff, ta: dict, tb: dict, i1: int, i2: int, j1: int, j2: int, parse: Callable[..., None]):
    """The words qualifying the same noun were replaced: "plush bear bags" -> "sleeping bags".

    The tests that need no dependency parse come first; the parse is added only to rows that pass them (the
    answer is the same either way: every test must pass)."""
    no = (False, (i1, i2), (j1, j2))
    if i2 >= len(d.a.norms) or j2 >= len(d.b.norms) or d.a.keys[i2] != d.b.keys[j2]:
        return no
    ha, hb = ta.get(d.a.starts[i2]), tb.get(d.b.starts[j2])
    if ha is None or hb is None or pos(ha) != "NOUN" or pos(hb) != "NOUN":
        return no

    def words(s: Seg, toks: dict, lo: int, hi: int) -> list[int]:
        """The replaced words that must all qualify the noun (function words and punctuation aside)."""
        return [i for i in range(lo, hi) if (t := toks.get(s.starts[i])) is not None
                and pos(t) not in ("DET", "PRON", "ADP", "PART", "PUNCT", "CCONJ", "AUX")]

    ma, mb = words(d.a, ta, i1, i2), words(d.b, tb, j1, j2)
    if not ma or not mb:
        return no
    set_a, set_b = set(d.a.keys), set(d.b.keys)
    if all(d.b.keys[j] in set_a for j in mb) or all(d.a.keys[i] in set_b for i in ma):
        return no  # moved, not replaced ("fashion show in Paris" / "Paris show")
    pa, pb = d.a.words(ma[0], i2 + 1), d.b.words(mb[0], j2 + 1)  # the modifiers with their noun
    if pa.replace("-", " ").lower() == pb.replace("-", " ").lower():
        return no
    v = embedder().encode([pa, pb])
    if float(v[0] @ v[1]) >= SAME_PHRASE:
        return no  # "region hurricanes" / "area hurricanes"

    def modify(s: Seg, toks: dict, ids: list[int], head) -> bool:
        return all(toks[s.starts[i]].dep_ in ("compound", "amod", "nmod") and
                   (toks[s.starts[i]].head == head or toks[s.starts[i]].head.head == head) for i in ids)

    # heads and dependency labels on the same tokens, one row at a time (the second only if the first passes)
    for side, seg, toks, ids, head in (("a", d.a, ta, ma, ha), ("b", d.b, tb, mb, hb)):
        parse(side)
        if not modify(seg, toks, ids, head):
            return no  # the replaced words are not only modifiers of the noun

    def nouny(s: Seg, toks: dict, ids: list[int]) -> bool:
        return any(pos(toks[s.starts[i]]) in ("NOUN", "PROPN") or toks[s.starts[i]].dep_ == "compound" for i in ids)

    if not (nouny(d.a, ta, ma) and nouny(d.b, tb, mb)):
        return no  # adjectives only: wording ("large house" / "big house")
    return True, (ma[0], ma[-1] + 1), (mb[0], mb[-1] + 1)


def _tokmap(doc, base: int) -> dict[int, object]:
    return {base + t.idx: t for t in doc}


def _parser_for(doc_a, doc_b) -> Callable[..., None]:
    """Adds the dependency parse to two tagged rows, each on the first call that asks for it (``parse()`` both,
    ``parse("a")`` one): the parser reads the vectors the tagging pass left on each doc (``doc.tensor``), so
    nothing is computed twice, and a doc parsed alone gets what it gets beside another."""
    todo = {"a": doc_a, "b": doc_b}

    def parse(which: str = "ab") -> None:
        docs = [todo.pop(w) for w in which if w in todo]
        if docs:
            parser = nlp().get_pipe("parser")
            for doc in docs:
                parser(doc)

    return parse


def tag(items: Iterable[tuple[Side, int, int]]) -> None:
    """Tag the text ``side.text[start:end]`` of each ``(side, start, end)`` not tagged yet, all in one pass of the
    tagger (bigger batches run faster; a doc's tags do not depend on the others in its batch).  The docs are kept
    on their :class:`~.sentmap.Side` (one per document when the caller shares sides), by ``(start, end)``."""
    todo: dict[tuple[int, int, int], tuple[Side, int, int]] = {}
    for side, start, end in items:
        if (start, end) not in side._tagged:
            todo.setdefault((id(side), start, end), (side, start, end))
    if todo:
        spans = list(todo.values())
        for (side, start, end), doc in zip(spans, nlp().pipe([side.text[a:b] for side, a, b in spans], disable=AFTER_TAGGER)):
            side._tagged[(start, end)] = doc


def tagged(items: list[tuple[Side, int, int]]) -> list:
    """The tagged doc of each ``(side, start, end)`` (see :func:`tag`), a copy for each caller: the parse and the
    entities are added to it in place."""
    tag(items)
    return [side._tagged[(start, end)].copy() for side, start, end in items]


def _row_span(s: Seg) -> tuple[Side, int, int]:
    return s.side, s.start, s.start + len(s.text)


def tagged_rows(segs: list[Seg]) -> list:
    """The tagged spaCy doc of each row's text (what the tagger reads: :attr:`Seg.text`)."""
    return tagged([_row_span(s) for s in segs])


# ---------------------------------------------------------------- entry point


@dataclass
class Work:
    """What judging a sentence map reads before any tagging: the matched rows that differ and which of them the
    tagger must read (entity or polarity candidates), the copy's credit lines and the copy sentences that may be
    added claims.  :meth:`spans` lists the texts to tag, so that many pairs can be tagged in one pass."""

    diffs: list[RowDiff]
    ent: list[bool]
    pol: list[bool]
    attribution: list[Flag]
    covered: set[int]
    added: list[int]
    copy: Side

    @property
    def todo(self) -> list[int]:
        return [k for k in range(len(self.diffs)) if self.ent[k] or self.pol[k]]

    def rows(self) -> list[Seg]:
        return [s for k in self.todo for s in (self.diffs[k].a, self.diffs[k].b)]

    def spans(self) -> list[tuple[Side, int, int]]:
        return [_row_span(s) for s in self.rows()] + \
            [(self.copy, self.copy.spans[i].start, self.copy.spans[i].end) for i in self.added]


def prepare(pairing: Pairing, roles: Roles) -> Work:
    from .material import added_candidates, attribution

    diffs = row_diffs(pairing)
    attr, covered = attribution(pairing, roles)
    return Work(diffs, [_entity_candidate(d) for d in diffs], [_polarity_candidate(d) for d in diffs], attr, covered,
                added_candidates(pairing, roles, covered), pairing.A if roles.copy == "a" else pairing.B)


def compare_rows(pairing: Pairing, roles: Roles, work: Work | None = None) -> list[Flag]:
    """Figures, dates, polarity, names and things in every matched row that is not word for word the same."""
    work = work or prepare(pairing, roles)
    diffs, ent, pol = work.diffs, work.ent, work.pol
    found: list[Flag] = []
    for d in diffs:
        found += numbers(d, roles)
    todo = work.todo
    if not todo:
        return found
    docs = tagged_rows(work.rows())
    norm_a = pairing.A.normed if any(ent) else ""
    norm_b = pairing.B.normed if any(ent) else ""
    for n, k in enumerate(todo):
        d = diffs[k]
        doc_a, doc_b = docs[2 * n], docs[2 * n + 1]
        parse = _parser_for(doc_a, doc_b)
        if pol[k]:
            found += negation(d, doc_a, doc_b, roles, parse)
        if ent[k]:
            found += entities(d, _tokmap(doc_a, d.a.start), _tokmap(doc_b, d.b.start), roles, parse, norm_a, norm_b)
    return found


def find_distortions(pairing: Pairing, roles: Roles, passages: list[tuple[Span, Span]], summary: bool = False,
                     work: Work | None = None) -> list[Distortion]:
    """Every distortion between the two texts, sorted by position (``work``: :func:`prepare` of the same pairing
    and roles, when the caller has it)."""
    from .material import added, dropped
    from .quotes import quote_flags

    work = work or prepare(pairing, roles)
    found = compare_rows(pairing, roles, work)
    found += quote_flags(pairing, roles, found)
    found += work.attribution
    found += added(pairing, roles, work.added)
    if not summary:
        found += dropped(pairing, roles, passages)
    seen, out = set(), []
    for x in found:
        k = (x.kind, x.a, x.b)
        if k not in seen:
            seen.add(k)
            out.append(x.distortion())

    def position(x: Distortion):
        return (x.a.start if x.a else -1, x.b.start if x.b else -1, x.kind, x.detail)

    return sorted(out, key=position)


__all__ = ["Roles", "Work", "find_distortions", "prepare", "tag", "Link"]
