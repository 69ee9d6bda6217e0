"""Normalisation, words and sentences, all with character offsets into the original text."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .types import Span

_WORD = re.compile(r"\w+(?:['’]\w+)*")

#: Function words: they carry style, not content. Used for stop-word n-grams and tf-idf.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your yours
    yourself yourselves also may might must shall upon us""".split()
)


@lru_cache(maxsize=65536)
def norm_word(w: str) -> str:
    """Case-fold, strip accents and unify apostrophes: 'Café' -> 'cafe'."""
    w = unicodedata.normalize("NFKD", w.casefold())
    w = "".join(c for c in w if not unicodedata.combining(c))
    return w.replace("’", "'")


@lru_cache(maxsize=65536)
def stem(w: str) -> str:
    """A light suffix stripper (enough to match inflections across rewrites)."""
    for suf in ("ingly", "edly", "ments", "ment", "ness", "ings", "ing", "ies", "ied", "ers", "est", "ed", "es", "er", "ly", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            if suf in ("ies", "ied"):
                w += "y"
            break
    return w


@dataclass(frozen=True)
class Words:
    """Tokens of a text: parallel lists of start, end offsets and normalised forms."""

    starts: list[int]
    ends: list[int]
    norms: list[str]

    def __len__(self) -> int:
        return len(self.norms)


def words(text: str) -> Words:
    """The tokens of ``text`` (the pattern ``\\w+(?:['’]\\w+)*``) with their offsets and normalised forms."""
    starts, ends, norms = normed_tokens(text)
    return Words(starts.tolist(), ends.tolist(), norms)


def normed_tokens(text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`token_spans` with every token in its normalised form (:func:`norm_word`): the tokens of ASCII
    letters and digits only are that already (``norm_word`` of them is lower-casing), the others pass through
    ``norm_word`` (lower-casing their ASCII letters first changes nothing: case folding is per character)."""
    starts, ends, raw, other = _tokens(text)
    for k in other:
        raw[k] = norm_word(raw[k])
    return starts, ends, raw


# --------------------------------------------------------------------------- bulk tokenisation

#: ``\\w`` of Python's ``re`` for the ASCII characters: letters, digits and the underscore
_ASCII_WORD_CHARS = np.array([chr(c).isalnum() or c == 95 for c in range(128)], dtype=bool)
#: ASCII lower-casing as a byte table
_ASCII_LOWER = np.array([ord(chr(c).lower()) for c in range(128)], dtype=np.uint8)
_BMP_WORD_CHARS: list[np.ndarray] = []  # filled on first use: ``\\w`` for every code point below 0x10000


def _bmp_word_chars() -> np.ndarray:
    if not _BMP_WORD_CHARS:
        _BMP_WORD_CHARS.append(np.array([chr(c).isalnum() or c == 95 for c in range(0x10000)], dtype=bool))
    return _BMP_WORD_CHARS[0]


def _word_chars(cp: np.ndarray) -> np.ndarray:
    """Which code points ``cp`` (uint32) ``re``'s ``\\w`` matches: ``str.isalnum()`` or the underscore."""
    bmp = cp < 0x10000
    out = np.zeros(len(cp), dtype=bool)
    out[bmp] = _bmp_word_chars()[cp[bmp]]
    if not bmp.all():  # characters beyond the BMP: each distinct one asked once
        far, inv = np.unique(cp[~bmp], return_inverse=True)
        out[~bmp] = np.array([chr(int(c)).isalnum() for c in far], dtype=bool)[inv]
    return out


def token_spans(text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Start and end offsets (int64 arrays) and the strings of the tokens of ``text`` — exactly what
    ``_WORD.finditer`` finds, in bulk: each character classified by array look-ups, a token being a run of
    word characters with single apostrophes (' or ’) between them.  The tokens come with their ASCII letters
    lower-cased, other characters as written (an all-ASCII token is then in its normalised form)."""
    return _tokens(text)[:3]


def _tokens(text: str) -> tuple[np.ndarray, np.ndarray, list[str], list[int]]:
    """:func:`token_spans` and the indices of the tokens holding a character beyond ASCII."""
    if text.isascii():
        code = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        word = _ASCII_WORD_CHARS[code]
        apos = code == 39
    else:
        code = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        word = _word_chars(code)
        apos = (code == 39) | (code == 0x2019)
    tok = word.copy()
    if len(code) > 2:
        tok[1:-1] |= apos[1:-1] & word[:-2] & word[2:]
    edges = np.diff(tok.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if not len(starts):
        return starts, ends, [], []
    if code.dtype == np.uint8:
        kept = np.where(tok, _ASCII_LOWER[code], np.uint8(32))
        return starts, ends, kept.tobytes().decode("ascii").split(), []
    ascii_ = code < 128
    lowered = np.where(ascii_, _ASCII_LOWER[np.where(ascii_, code, 0)], code)
    kept = np.where(tok, lowered, np.uint32(32))
    raw = kept.tobytes().decode("utf-32-le", "surrogatepass").split()
    other = np.flatnonzero(np.logical_or.reduceat(tok & ~ascii_, starts))
    return starts, ends, raw, other.tolist()


_SENT_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s)|\n\s*\n|[.!?]["”’]?(?=[A-Z“"])""")
_LINE_BREAK = re.compile(r"\n")

MAX_SENTENCE = 600

_ABBREV = frozenset(
    """mr mrs ms dr prof sr jr st mt ft vs etc inc ltd co corp dept gen gov sen rep rev hon capt col lt sgt
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun no nos vol pp fig approx
    a.m p.m e.g i.e u.s u.k""".split()
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(text: str, start: int, end: int) -> bool:
    """A period that ends an abbreviation or an initial ("Nov. 27", "J. Smith", "9:59 P.M. ET")."""
    if text[start] != "." or end - start != 1:
        return False
    m = _WORD_BEFORE.search(text, max(0, start - 12), start)
    if not m:
        return False
    w = m.group(1).lower().rstrip(".")
    if w in _ABBREV or (len(w) == 1 and w.isalpha()):
        nxt = text[end : end + 40].lstrip()
        # "Inc." or "P.M." at the very end of a sentence followed by a capitalised sentence stays a cut
        if w in ("inc", "ltd", "co", "corp", "etc") and nxt[:1].isupper():
            return False
        return True
    nxt = text[end : end + 2].lstrip()
    return bool(nxt) and (nxt[0].islower())


def sentences(text: str) -> list[Span]:
    """Split ``text`` into sentence spans (whitespace trimmed, never empty).

    Breaks at sentence punctuation followed by space, at blank lines, and at a
    single newline when the line before is short (a title, a list item) or ends
    a sentence; hard-wrapped lines inside a paragraph are kept together.
    Over-long sentences are cut at clause punctuation.
    """
    cuts = {0, len(text)}
    for m in _SENT_END.finditer(text):
        if not _is_abbreviation(text, m.start(), m.end()):
            cuts.add(m.end())
    line_start = 0
    for m in _LINE_BREAK.finditer(text):
        if _line_ends_sentence(text[line_start : m.start()], text[m.end() : m.end() + 2]):
            cuts.add(m.end())
        line_start = m.end()
    points = sorted(cuts)
    spans: list[Span] = []
    for s, e in zip(points, points[1:]):
        for piece in _split_long(text, s, e):
            t = _trim(text, *piece)
            if t is not None:
                spans.append(t)
    return spans


_LAST_WORD = re.compile(r"(\w+)\W*$")


def _line_ends_sentence(line: str, following: str) -> bool:
    """Does a single line break end a sentence?  Hard-wrapped prose keeps going on the next line."""
    line = line.rstrip()
    if not line or not following.strip():
        return True
    if line.endswith((".", "!", "?", ":", '"', "”", "’", ")", "…")):
        return True
    nxt = following.lstrip()[:1]
    if not (nxt.isupper() or nxt.isdigit() or nxt in "•*-–—#>![(“\""):
        return False
    if line.endswith((",", ";", "-", "–", "—", "(")):
        return False
    last = _LAST_WORD.search(line)
    if last and last.group(1).lower() in STOPWORDS:
        return False
    return len(line) < 60 or len(line) > 100


def _split_long(text: str, s: int, e: int):
    if e - s <= MAX_SENTENCE:
        yield (s, e)
        return
    while e - s > MAX_SENTENCE:
        window = text[s + MAX_SENTENCE // 3 : s + MAX_SENTENCE]
        cut = max(window.rfind(c) for c in ";:,")
        if cut < 0:
            cut = window.rfind(" ")
        if cut < 0:
            cut = len(window) - 1
        mid = s + MAX_SENTENCE // 3 + cut + 1
        yield (s, mid)
        s = mid
    yield (s, e)


_ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() is true


def _trim(text: str, s: int, e: int) -> Span | None:
    """``text[s:e]`` without the whitespace around it, or None when it holds no letter or digit."""
    piece = text[s:e]
    kept = piece.lstrip()
    s += len(piece) - len(kept)
    e = s + len(kept.rstrip())
    if e <= s or not _ALNUM.search(text, s, e):
        return None
    return Span(s, e)
