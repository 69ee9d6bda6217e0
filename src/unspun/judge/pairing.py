"""Pair the sentences of two texts: inside each aligned passage first, then moved sentences anywhere.

The result says, for every sentence of either text, which sentence of the
other text says the same thing (or that none does). Distortions are read off
the pairs; added and dropped material off the sentences left alone.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..text import STOPWORDS, sentences, stem, words
from ..types import Match, Span
from .lexicon import BOILERPLATE_LINE
from .models import embedder

#: Below this similarity two sentences are not taken to say the same thing.
PAIR_MIN = 0.42
#: Sentences outside any common passage pair only when clearly the same (moved sentences).
MOVED_MIN = 0.6


def content_terms(text: str) -> list[str]:
    """Stems of the content words of ``text`` (possessive 's dropped)."""
    out = []
    for w in words(text).norms:
        if w.endswith("'s"):
            w = w[:-2]
        if w and w not in STOPWORDS:
            out.append(stem(w))
    return out


@dataclass
class Side:
    """One text cut into sentences, with what the pairing needs about each."""

    text: str
    spans: list[Span]
    terms: list[frozenset[str]]
    block: list[int]  # paragraph (block) number of each sentence
    boiler: list[bool]  # page furniture: image lines, "Reading time", galleries

    @classmethod
    def of(cls, text: str) -> "Side":
        spans = sentences(text)
        terms = [frozenset(content_terms(text[s.start : s.end])) for s in spans]
        sep = re.compile(r"\n\s*\n") if _hard_wrapped(text) else re.compile(r"\n")
        breaks = [m.start() for m in sep.finditer(text)]
        block, bi = [], 0
        for s in spans:
            while bi < len(breaks) and breaks[bi] < s.start:
                bi += 1
            block.append(bi)
        boiler = [_is_boiler(text, s) for s in spans]
        return cls(text, spans, terms, block, boiler)

    def __len__(self) -> int:
        return len(self.spans)

    def sent(self, i: int) -> str:
        s = self.spans[i]
        return self.text[s.start : s.end]

    @cached_property
    def tokens(self):
        """Words of the whole text (offsets and normalised forms), computed once."""
        return words(self.text)

    def tok_range(self, i: int) -> tuple[int, int]:
        """Indices [lo, hi) into ``tokens`` of the words of sentence ``i``."""
        s = self.spans[i]
        return bisect_left(self.tokens.starts, s.start), bisect_left(self.tokens.starts, s.end)

    @cached_property
    def all_terms(self) -> frozenset[str]:
        return frozenset().union(*self.terms) if self.terms else frozenset()

    @cached_property
    def vectors(self) -> np.ndarray | None:
        emb = embedder()
        if emb is None or not self.spans:
            return None
        return emb.encode([self.sent(i) for i in range(len(self))])


def _hard_wrapped(text: str) -> bool:
    """Lines cut at a fixed width (paragraphs then end at blank lines, not at every newline)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    wrapped = sum(1 for ln in lines if 55 <= len(ln.rstrip()) <= 100)
    return len(lines) >= 5 and wrapped >= 0.6 * len(lines)


def _is_boiler(text: str, s: Span) -> bool:
    line_start = text.rfind("\n", 0, s.start) + 1
    line_end = text.find("\n", s.end)
    line = text[line_start : len(text) if line_end < 0 else line_end].strip()
    if BOILERPLATE_LINE.match(line):
        return True
    seg = text[s.start : s.end]
    return len(seg) < 25 and "\n" not in seg and not any(c in seg for c in ".!?") and len(seg.split()) <= 3 and line == seg


def dice(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True)
class SentencePair:
    a: int  # sentence index in side a
    b: int
    sim: float
    moved: bool = False  # paired outside the aligned passages


@dataclass
class Pairing:
    A: Side
    B: Side
    pairs: list[SentencePair]

    @cached_property
    def pair_of_a(self) -> dict[int, SentencePair]:
        return {p.a: p for p in self.pairs}

    @cached_property
    def pair_of_b(self) -> dict[int, SentencePair]:
        return {p.b: p for p in self.pairs}

    def reused_share(self, side: str) -> float:
        """Share of the side's content characters (furniture excluded) that pair with the other side."""
        S, got = (self.A, self.pair_of_a) if side == "a" else (self.B, self.pair_of_b)
        total = sum(len(s) for i, s in enumerate(S.spans) if not S.boiler[i])
        used = sum(len(S.spans[i]) for i in got if not S.boiler[i])
        return used / total if total else 0.0


def _sim_matrix(A: Side, B: Side, ia: list[int], ib: list[int]) -> np.ndarray:
    m = np.zeros((len(ia), len(ib)), dtype=np.float32)
    for x, i in enumerate(ia):
        ti = A.terms[i]
        for y, j in enumerate(ib):
            m[x, y] = dice(ti, B.terms[j])
    va, vb = A.vectors, B.vectors
    if va is not None and vb is not None and ia and ib:
        cos = va[ia] @ vb[ib].T
        # lexical overlap is precise but misses synonyms; the embedding catches rewording
        m = np.maximum(m, 0.5 * m + 0.5 * np.clip(cos, 0.0, 1.0) - 0.1)
    return m


def _monotone(m: np.ndarray, floor: float) -> list[tuple[int, int]]:
    """Order-preserving assignment maximising the summed gain (sim - floor) of the pairs taken."""
    n, k = m.shape
    gain = m - floor
    best = np.zeros((n + 1, k + 1), dtype=np.float64)
    move = np.zeros((n + 1, k + 1), dtype=np.int8)
    for i in range(1, n + 1):
        for j in range(1, k + 1):
            opts = (best[i - 1, j], best[i, j - 1], best[i - 1, j - 1] + gain[i - 1, j - 1] if gain[i - 1, j - 1] > 0 else -1.0)
            c = int(np.argmax(opts))
            best[i, j] = opts[c]
            move[i, j] = c
    out = []
    i, j = n, k
    while i > 0 and j > 0:
        c = move[i, j]
        if c == 2:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif c == 0:
            i -= 1
        else:
            j -= 1
    return out[::-1]


def _inside(S: Side, span: Span) -> list[int]:
    """Sentences of S mostly inside ``span``."""
    out = []
    for i, s in enumerate(S.spans):
        ov = min(s.end, span.end) - max(s.start, span.start)
        if ov > 0 and ov >= 0.5 * len(s):
            out.append(i)
    return out


def pair_sentences(match: Match) -> Pairing:
    """Pair the sentences of the two texts, the same whichever text is called a and which b.

    The order-preserving assignment and the greedy pass for moved sentences break ties by
    position, so the pairing is computed in one canonical order (the smaller text first) and
    mirrored back when needed: compare(a, b) and compare(b, a) then see mirrored pairings."""
    if (match.b.text, match.b.id) < (match.a.text, match.a.id):
        mirrored = _pair_sentences(
            Match(match.b, match.a, tuple(p.swapped() for p in match.passages), match.coverage_b, match.coverage_a)
        )
        pairs = sorted((SentencePair(p.b, p.a, p.sim, p.moved) for p in mirrored.pairs), key=lambda p: (p.a, p.b))
        return Pairing(mirrored.B, mirrored.A, pairs)
    return _pair_sentences(match)


def _pair_sentences(match: Match) -> Pairing:
    A, B = Side.of(match.a.text), Side.of(match.b.text)
    pairs: list[SentencePair] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for p in match.passages:
        ia = [i for i in _inside(A, p.a) if i not in used_a]
        ib = [j for j in _inside(B, p.b) if j not in used_b]
        if not ia or not ib:
            continue
        m = _sim_matrix(A, B, ia, ib)
        for x, y in _monotone(m, PAIR_MIN):
            pairs.append(SentencePair(ia[x], ib[y], float(m[x, y])))
            used_a.add(ia[x])
            used_b.add(ib[y])
    if match.passages:
        # sentences moved out of order, or just outside a passage's edge
        ia = [i for i in range(len(A)) if i not in used_a and not A.boiler[i] and A.terms[i]]
        ib = [j for j in range(len(B)) if j not in used_b and not B.boiler[j] and B.terms[j]]
        if ia and ib:
            m = _sim_matrix(A, B, ia, ib)
            order = np.dstack(np.unravel_index(np.argsort(-m, axis=None, kind="stable"), m.shape))[0]
            for x, y in order:
                if m[x, y] < MOVED_MIN:
                    break
                if ia[x] in used_a or ib[y] in used_b:
                    continue
                pairs.append(SentencePair(ia[x], ib[y], float(m[x, y]), moved=True))
                used_a.add(ia[x])
                used_b.add(ib[y])
    pairs.sort(key=lambda p: (p.a, p.b))
    return Pairing(A, B, pairs)
