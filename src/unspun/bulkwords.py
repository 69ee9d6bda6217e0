"""The words of many ASCII texts at once, in numpy: the tokens :func:`unspun.fingerprint.norms` finds, each
named by a small integer shared by every occurrence of the same word, without a Python object per word.

The texts are joined (by a NUL, never part of a token) into one byte array.  Every byte is classed by table
look-up: a word character (ASCII letter, digit or ``_``), or an apostrophe that is part of a token (both its
neighbours are word characters: the pattern ``\\w+(?:'\\w+)*`` on ASCII text), or a separator; the tokens are
the runs of token bytes.  A token is coded exactly by its characters, lower-cased, seven at a time in six bits
each (38 symbols: 42 bits a chunk); the first chunks of a batch are sorted once with their positions in the
low bits (``np.sort``), the longer words are told apart by their further chunks, so every distinct word of
the batch gets one number.  Only one occurrence of each distinct word is cut out of the text as a string.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: chunks of this many characters, six bits each
CHUNK = 7
_CODE_BITS = 6 * CHUNK  # 42
_POS_BITS = 64 - _CODE_BITS  # 22: positions (tokens of one call) and word numbers below 2**22
#: the joined bytes of one call stay under this (a token takes two bytes with its separator, so the tokens
#: and the word numbers stay below 2**22)
MAX_BYTES = 1 << _POS_BITS  # 4 MiB

_APOSTROPHE = ord("'")


def _tables() -> tuple[np.ndarray, np.ndarray]:
    word = np.zeros(256, dtype=bool)
    symbol = np.zeros(256, dtype=np.uint8)
    for i, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789_'", 1):
        symbol[ord(c)] = symbol[ord(c.upper())] = i
    for c in range(128):
        word[c] = chr(c).isalnum() or chr(c) == "_"
    return word, symbol


_WORD, _SYMBOL = _tables()
#: the low k bytes of a 64-bit word, k = 0..7
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(CHUNK + 1)], dtype=np.uint64)
_U = np.uint64


@dataclass(frozen=True)
class BulkWords:
    """The tokens of a batch of ASCII texts: ``word[i]`` numbers token ``i`` (tokens in text order, texts one
    after the other, ``counts`` tokens each); ``first[w]`` is a token of word ``w`` and ``text(w)`` its string."""

    joined: bytes
    starts: np.ndarray  # int64: each token's first byte in ``joined``
    ends: np.ndarray
    counts: np.ndarray  # int64, per text
    word: np.ndarray  # int64, per token
    first: np.ndarray  # int64, per word: one of its tokens

    def strings(self) -> list[str]:
        """Each distinct word, lower-cased, in word-number order."""
        j, s, e = self.joined, self.starts[self.first].tolist(), self.ends[self.first].tolist()
        return [j[a:b].lower().decode("ascii") for a, b in zip(s, e)]


def bulk_words(texts: Sequence[str]) -> BulkWords:
    """The tokens and word numbers of ``texts`` (each ``str.isascii()``, joined under :data:`MAX_BYTES`)."""
    joined = "\0".join(texts).encode("ascii")
    if len(joined) >= MAX_BYTES:
        raise ValueError(f"bulk_words takes texts of under {MAX_BYTES} bytes together, not {len(joined)}")
    b = np.frombuffer(joined, dtype=np.uint8)
    tok = _WORD[b]
    ap = np.flatnonzero(b == _APOSTROPHE)
    if len(ap):
        ap = ap[(ap > 0) & (ap < len(b) - 1)]
        tok[ap[tok[ap - 1] & tok[ap + 1]]] = True  # an apostrophe between two word characters
    padded = np.zeros(len(tok) + 2, dtype=bool)
    padded[1:-1] = tok
    edges = np.flatnonzero(padded[1:] != padded[:-1])  # a token starts, or ends, here
    starts, ends = edges[0::2].astype(np.int64), edges[1::2].astype(np.int64)
    lengths = ends - starts
    text_starts = np.zeros(len(texts), dtype=np.int64)
    if len(texts) > 1:
        np.cumsum(np.fromiter((len(t) + 1 for t in texts[:-1]), dtype=np.int64, count=len(texts) - 1),
                  out=text_starts[1:])
    firsts = np.searchsorted(starts, text_starts)
    counts = np.diff(np.append(firsts, len(starts))).astype(np.int64)
    word, first = _number(b, starts, lengths)
    return BulkWords(joined, starts, ends, counts, word, first)


def _chunks(symbols: np.ndarray, starts: np.ndarray, lengths: np.ndarray, chunk: int) -> np.ndarray:
    """The codes (42 bits) of characters ``7*chunk`` to ``7*chunk + 6`` of tokens (fewer at a token's end)."""
    buf = symbols  # padded: 8 readable bytes from every start
    words64 = np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, offset=0, strides=(1,))
    x = words64[starts + CHUNK * chunk] & _LOW_BYTES[np.minimum(lengths - CHUNK * chunk, CHUNK)]
    x = (x & _U(0x00FF00FF00FF00FF)) | ((x & _U(0xFF00FF00FF00FF00)) >> _U(2))  # 2 symbols in 12 bits
    x = (x & _U(0x0000FFFF0000FFFF)) | ((x & _U(0xFFFF0000FFFF0000)) >> _U(4))  # 4 in 24
    return (x & _U(0x00000000FFFFFFFF)) | ((x & _U(0xFFFFFFFF00000000)) >> _U(8))  # 8 in 48 (7 here: 42)


def _number(b: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A number per distinct token (0..W-1) for every token, and one token of each number."""
    n = len(starts)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    symbols = np.zeros(len(b) + 8, dtype=np.uint8)
    symbols[: len(b)] = _SYMBOL[b]
    low = _U((1 << _POS_BITS) - 1)
    packed = np.sort((_chunks(symbols, starts, lengths, 0) << _U(_POS_BITS)) | np.arange(n, dtype=np.uint64))
    where = (packed & low).astype(np.int64)
    code = packed >> _U(_POS_BITS)
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(code[1:], code[:-1], out=new[1:])
    word = np.empty(n, dtype=np.int64)
    word[where] = np.cumsum(new) - 1
    count = int(new.sum())
    level, active = 1, np.arange(n, dtype=np.int64)
    while True:  # words longer than 7*level characters: told apart by their next chunk
        active = active[lengths[active] > CHUNK * level]
        if not len(active):
            break
        key = (word[active].astype(np.uint64) << _U(_CODE_BITS)) | _chunks(symbols, starts[active], lengths[active], level)
        uniq = np.unique(key)  # a plain sort (vectorised); the inverse by binary search is cheaper than an argsort
        word[active] = count + np.searchsorted(uniq, key)
        count += len(uniq)
        level += 1
    # renumber densely (the numbers held only by longer words are gone) and keep one token of each
    present = np.zeros(count, dtype=bool)
    present[word] = True
    word = (np.cumsum(present) - 1)[word]
    first = np.empty(int(present.sum()), dtype=np.int64)
    first[word] = np.arange(n, dtype=np.int64)  # any one of its tokens
    return word, first
