"""Fingerprints for candidate generation: word shingles, MinHash (rensa) and LSH band keys.

A document is cut into overlapping *windows* of shingles, so that a passage
reused inside a longer text still yields a window whose MinHash signature is
close to one of the source's windows (whole-document signatures miss the
short reused passages that PAN and real content farms are made of).

Shingles are built over :func:`unspun.text.words` normalised forms with the
function words dropped (a spinner rewrites the glue, not the facts), hashed
with BLAKE2b and combined with fixed integer arithmetic, so every signature
and band key is the same in every process and on every platform (Python's
``hash()`` of a string is salted per process and is never used here).

The defaults come from ``benchmarks/fingerprint_params.py``, which prints the
candidate recall on the PAN 2013 pairs and the number of candidate pairs for
each setting it tries.
"""
from __future__ import annotations

import hashlib
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat
from typing import Iterable, Sequence

import numpy as np

from .bulkwords import MAX_BYTES, bulk_words
from .params import DEFAULT_PARAMS, FingerprintParams
from .text import STOPWORDS, norm_word
from .types import Document

_WORD = re.compile(r"\w+(?:['’]\w+)*")  # the same token pattern as unspun.text.words
# ASCII characters that can be part of a token (\w and the apostrophe); every other one separates tokens
_ASCII_SEP = str.maketrans({chr(i): " " for i in range(128) if not (chr(i).isalnum() or chr(i) in "_'")})

_UINT = array("I")
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)




# --------------------------------------------------------------------------- tokens and shingles


def norms(text: str) -> list[str]:
    """The normalised word forms of ``text`` — exactly ``unspun.text.words(text).norms``, faster
    (no offsets are kept; ASCII text is lower-cased once instead of word by word)."""
    if text.isascii():
        # the runs of token characters, split in C; a run with an apostrophe is cut as the pattern cuts it
        # ("'tis", "rock'n'roll'" and "a''b" hold several tokens or none at their ends)
        runs = text.lower().translate(_ASCII_SEP).split()
        if "'" not in text:
            return runs
        out: list[str] = []
        for r in runs:
            if "'" in r:
                out.extend(_WORD.findall(r))
            else:
                out.append(r)
        return out
    return [norm_word(w) for w in _WORD.findall(text)]


def tokens(text: str, params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> list[str]:
    """The words that are shingled: normalised forms, without function words when configured."""
    ws = norms(text)
    if params.content_words:
        ws = [w for w in ws if w not in STOPWORDS]
    return ws


@lru_cache(maxsize=1 << 18)
def word_hash(word: str) -> int:
    """A stable 64-bit hash of a word (BLAKE2b; identical in every process and platform)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


#: markers in the word-hash table: a function word (dropped) and a word not in the table yet.  A word whose real
#: hash is one of them is never put in the table (its document takes the plain path).
_DROP = 0
_MISS = 1
#: the table is emptied when it holds this many words (a bound on memory; it refills as words come back)
_TABLE_WORDS = 1 << 20


@lru_cache(maxsize=2)
def _hash_table(content_words: bool) -> dict[str, int]:
    """word -> :func:`word_hash`, with the function words marked as dropped when ``content_words`` (a cache
    shared by every call in this process)."""
    return {w: _DROP for w in STOPWORDS} if content_words else {}


def token_hashes(text: str, params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> np.ndarray:
    """``[word_hash(w) for w in tokens(text, params)]`` as uint64 (:func:`batch_token_hashes` of one text)."""
    return batch_token_hashes([text], params)[0]


def batch_token_hashes(texts: Sequence[str], params: FingerprintParams = DEFAULT_PARAMS.fingerprint
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The :func:`token_hashes` of every text, one after the other in one uint64 array, and each text's
    count (int64).  Runs of ASCII texts are cut into words in bulk (:mod:`unspun.bulkwords`: no Python
    object per word, one per distinct word); other texts go through :func:`norms`.  Each distinct word is
    looked up in a process-wide word table; only a word not in it yet is hashed in Python."""
    hashes: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    run: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal run, size
        if run:
            h, c = _bulk_hashes(run, params)
            hashes.append(h)
            counts.append(c)
            run, size = [], 0

    for t in texts:
        if t.isascii() and len(t) < MAX_BYTES // 2:
            if size + len(t) + 1 >= MAX_BYTES:
                flush()
            run.append(t)
            size += len(t) + 1
        else:
            flush()
            h, c = _word_hashes([norms(t)], params)
            hashes.append(h)
            counts.append(c)
    flush()
    if not hashes:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    if len(hashes) == 1:
        return hashes[0], counts[0]
    return np.concatenate(hashes), np.concatenate(counts)


def _bulk_hashes(texts: list[str], params: FingerprintParams) -> tuple[np.ndarray, np.ndarray]:
    bw = bulk_words(texts)
    values, stop = _distinct_hashes(bw.strings(), params)
    return _dropped(values[bw.word], None if stop is None else stop[bw.word], bw.counts)


def _word_hashes(per_text: list[list[str]], params: FingerprintParams) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of texts given as their :func:`norms` (every word looked up in the table in one pass)."""
    counts = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    ws = list(chain.from_iterable(per_text))
    values, stop = _distinct_hashes(ws, params)
    return _dropped(values, stop, counts)


def _distinct_hashes(ws: list[str], params: FingerprintParams) -> tuple[np.ndarray, np.ndarray | None]:
    """``word_hash`` of every word in ``ws`` (uint64), and which are function words (None when they are kept),
    through the process-wide word table (one dict look-up per word, in C; a new word hashed once)."""
    table = _hash_table(params.content_words)
    if len(table) > _TABLE_WORDS:
        table.clear()
        if params.content_words:
            table.update((w, _DROP) for w in STOPWORDS)
    arr = np.fromiter(map(table.get, ws, repeat(_MISS)), dtype=np.uint64, count=len(ws))
    stop = arr == _DROP if params.content_words else None  # the function words, as the table knew them
    missing = np.flatnonzero(arr == _MISS)
    if len(missing):
        absent = list(map(ws.__getitem__, missing.tolist()))
        fresh: dict[str, int] = {}
        for w in dict.fromkeys(absent):
            fresh[w] = h = word_hash(w)
            if h > _MISS and not (params.content_words and w in STOPWORDS):
                table[w] = h  # a hash equal to a marker is never put in the table (it is written here directly)
        arr[missing] = np.fromiter(map(fresh.__getitem__, absent), dtype=np.uint64, count=len(absent))
        if stop is not None:  # a function word missing from the table (another thread refilling it) is dropped
            stop[missing] = np.fromiter(map(STOPWORDS.__contains__, absent), dtype=bool, count=len(absent))
    return arr, stop


def _dropped(arr: np.ndarray, stop: np.ndarray | None, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``arr`` without its ``stop`` entries, and the texts' counts of what is left."""
    if stop is None or not stop.any():
        return arr, counts
    keep = ~stop
    kept = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept[1:])
    ends = np.cumsum(counts)
    return arr[keep], kept[ends] - kept[ends - counts]


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser over a uint64 array (wrap-around arithmetic, platform-independent)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * _C1
        h = h ^ (h >> np.uint64(27))
        h = h * _C2
        return h ^ (h >> np.uint64(31))


def shingle_hashes(words: Sequence[str], k: int) -> np.ndarray:
    """uint64 hashes of the ``k``-word shingles of ``words`` (one shingle for texts shorter than k)."""
    if not len(words):
        return np.zeros(0, dtype=np.uint64)
    h = np.array([word_hash(w) for w in words], dtype=np.uint64)
    return _shingle(h, k)


def _shingle(h: np.ndarray, k: int) -> np.ndarray:
    """:func:`shingle_hashes` from the word hashes."""
    if not len(h):
        return np.zeros(0, dtype=np.uint64)
    if k == 1:
        return h
    if len(h) < k:
        k = len(h)
    n = len(h) - k + 1
    out = h[:n].copy()
    with np.errstate(over="ignore"):
        for i in range(1, k):
            out = _mix(out * _GOLD ^ h[i : i + n])
    return out


def window_bounds(n: int, window: int, step: int) -> list[tuple[int, int]]:
    """Half-open shingle ranges of the windows over ``n`` shingles: every shingle is in at least one
    window, the last window ends at ``n``, and a text shorter than a window is one window."""
    if n <= 0:
        return []
    step = min(step, window)  # a step longer than the window would skip shingles
    if n <= window:
        return [(0, n)]
    starts = list(range(0, n - window + 1, step))
    if starts[-1] + window < n:
        starts.append(n - window)
    return [(s, s + window) for s in starts]


# --------------------------------------------------------------------------- MinHash and bands


@dataclass(frozen=True)
class Fingerprints:
    """Window signatures of a batch of texts: ``signatures[i]`` belongs to text ``owner[i]``."""

    signatures: np.ndarray  # uint32 (n_windows, num_perm)
    owner: np.ndarray  # int64 (n_windows,) index of the text in the batch

    def of(self, i: int) -> np.ndarray:
        return self.signatures[self.owner == i]


def fingerprint(texts: Sequence[str], params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> Fingerprints:
    """MinHash signatures (rensa, fixed seed) of every window of every text; a text without a single
    word has no window."""
    from rensa import RMinHash

    hashes, counts = batch_token_hashes(texts, params)
    if params.shingle > 1:
        parts = np.split(hashes, np.cumsum(counts)[:-1]) if len(texts) else []
        shingled = [_shingle(h, params.shingle) for h in parts]
        counts = np.fromiter(map(len, shingled), dtype=np.int64, count=len(shingled))
        hashes = np.concatenate(shingled) if shingled else np.zeros(0, dtype=np.uint64)
    owner, picks, offsets = _windows(counts, params.window, params.step)
    if not len(owner):
        return Fingerprints(np.zeros((0, params.num_perm), dtype=np.uint32), np.zeros(0, dtype=np.int64))
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(hashes[picks], offsets, params.num_perm, params.seed)
    return Fingerprints(_matrix_array(matrix.to_rows()).reshape(len(owner), params.num_perm), owner)


def _matrix_array(rows: list[list[int]]) -> np.ndarray:
    """rensa's digest rows (lists: rensa 0.5 exports no buffer) as one uint32 array, through the C ``array``
    type (~30% faster than ``np.asarray`` of the nested lists)."""
    if _UINT.itemsize != 4:
        return np.asarray(rows, dtype=np.uint32)
    return np.frombuffer(array("I", chain.from_iterable(rows)), dtype=np.uint32)


def _windows(counts: np.ndarray, window: int, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The :func:`window_bounds` of texts of ``counts`` shingles laid one after the other: each window's
    text (int64), the positions of the windows' shingles one window after the other (int64), and the
    windows' offsets into those (uint64, one more than the windows)."""
    step = min(step, window)
    n = np.asarray(counts, dtype=np.int64)
    regular = np.where(n > window, (n - window) // step + 1, (n > 0).astype(np.int64))
    extra = (n > window) & ((regular - 1) * step + window < n)  # the last window, ending at n
    per_text = regular + extra
    owner = np.repeat(np.arange(len(n), dtype=np.int64), per_text)
    j = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(per_text) - per_text, per_text)
    n_w = n[owner]
    start = np.where(j < regular[owner], j * step, n_w - window)
    length = np.minimum(n_w, window)
    offsets = np.zeros(len(owner) + 1, dtype=np.uint64)
    np.cumsum(length, out=offsets[1:])
    first = (np.cumsum(n) - n)[owner] + start  # the window's first shingle in the whole batch
    picks = np.repeat(first - (offsets[:-1].astype(np.int64)), length) + np.arange(int(offsets[-1]), dtype=np.int64)
    return owner, picks, offsets


def band_keys(signatures: np.ndarray, params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> np.ndarray:
    """LSH band keys, int64 (n_windows, bands): a stable hash of the band number and its rows' values.
    Two windows share a key in some band when their signatures agree on all of that band's rows."""
    sig = np.asarray(signatures, dtype=np.uint32)
    n = sig.shape[0]
    if n == 0:
        return np.zeros((0, params.bands), dtype=np.int64)
    rows = sig.reshape(n, params.bands, params.rows).astype(np.uint64)
    h = np.broadcast_to(_mix(np.arange(1, params.bands + 1, dtype=np.uint64) * _GOLD), (n, params.bands)).copy()
    with np.errstate(over="ignore"):
        for r in range(params.rows):
            h = _mix(h * _GOLD ^ rows[:, :, r])
    return h.view(np.int64)


def content_hash(text: str) -> str:
    """The identity of a text (SHA-256 of its UTF-8 bytes, hex): re-adding an unchanged text is a no-op."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class DocRecord:
    """A fingerprinted document: its window signatures and the distinct LSH band keys of its windows."""

    id: str
    content_hash: str
    signatures: np.ndarray  # uint32 (windows, num_perm)
    keys: np.ndarray  # int64, sorted distinct band keys


def usable_documents(docs: Iterable[Document]) -> tuple[list[Document], list[tuple[str, str]]]:
    """The documents that can be fingerprinted, and ``(id, reason)`` for each one skipped: an empty id or a
    text without a character other than space is skipped; of several versions of an id the last wins (in
    the place of the first).  The one rule for ``Index.add`` and a scan of files."""
    latest: dict[str, Document] = {}
    skipped: list[tuple[str, str]] = []
    for d in docs:
        if not d.id:
            skipped.append((d.id, "empty id"))
        elif not d.text or d.text.isspace():
            skipped.append((d.id, "empty text"))
        else:
            latest[d.id] = d
    return list(latest.values()), skipped


def fingerprint_batch(docs: Sequence[Document], params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> list[DocRecord]:
    """Fingerprint a batch of documents (one rensa call for the whole batch): what the index stores and
    what a scan of files computes."""
    fp = fingerprint([d.text for d in docs], params)
    keys = band_keys(fp.signatures, params)
    bounds = np.searchsorted(fp.owner, np.arange(len(docs) + 1)).tolist()  # windows of a document are contiguous
    out: list[DocRecord] = []
    for i, d in enumerate(docs):
        s, e = bounds[i], bounds[i + 1]
        k = np.sort(keys[s:e], axis=None)
        if len(k) > 1:
            k = k[np.concatenate(([True], k[1:] != k[:-1]))]
        out.append(DocRecord(d.id, content_hash(d.text), fp.signatures[s:e], k))
    return out


#: How many window pairs each way of counting is used up to: every window with every window in one
#: broadcast comparison (small texts: one numpy call), one permutation at a time into a counter matrix
#: (no (windows, windows, num_perm) temporary), and above that matching equal values by sorting (long
#: texts).  The limits come from timing the three on random signatures (``tests/test_scan.py`` checks
#: that they agree).
BROADCAST_WINDOW_PAIRS = 4096
DENSE_WINDOW_PAIRS = 100_000


def best_window_agreement(sigs_a: np.ndarray, sigs_b: np.ndarray) -> int:
    """The most signature values any window of one text shares with any window of the other (the
    estimated Jaccard similarity of those two windows times ``num_perm``); 0 when either has no window."""
    a = np.asarray(sigs_a, dtype=np.uint32)
    b = np.asarray(sigs_b, dtype=np.uint32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] == 0 or b.shape[0] == 0:
        return 0
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"signatures of {a.shape[1]} and {b.shape[1]} permutations cannot be compared")
    size = a.shape[0] * b.shape[0]
    if size <= BROADCAST_WINDOW_PAIRS:
        return int((a[:, None, :] == b[None, :, :]).sum(axis=2, dtype=np.uint16).max())
    if size <= DENSE_WINDOW_PAIRS:
        return _dense_agreement(a, b)
    found = _sparse_agreement(a, b)
    return _dense_agreement(a, b) if found is None else found


def _dense_agreement(a: np.ndarray, b: np.ndarray) -> int:
    """Every window against every window, one permutation at a time into a counter matrix."""
    at, bt = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)  # (num_perm, windows)
    acc = np.zeros((a.shape[0], b.shape[0]), dtype=np.uint16)
    for k in range(at.shape[0]):
        acc += at[k][:, None] == bt[k][None, :]
    return int(acc.max())


def _sparse_agreement(a: np.ndarray, b: np.ndarray) -> int | None:
    """The same count from the equal values only: each (permutation, value) of ``b`` sorted once, each of
    ``a`` looked up in it, and the matches counted per window pair.  None when the texts repeat themselves
    so much that the matches outnumber the window pairs (the dense comparison is then the cheaper one)."""
    wa, num_perm = a.shape
    wb = b.shape[0]
    perm = np.arange(num_perm, dtype=np.uint64) << np.uint64(32)
    ka = (a.astype(np.uint64) | perm).ravel()  # (permutation, value) per cell, row-major: window = index // num_perm
    kb = (b.astype(np.uint64) | perm).ravel()
    order = np.argsort(kb, kind="stable")
    kb = kb[order]
    lo = np.searchsorted(kb, ka, "left")
    count = np.searchsorted(kb, ka, "right") - lo
    hit = np.flatnonzero(count)
    if not len(hit):
        return 0
    count = count[hit]
    total = int(count.sum())
    if total > wa * wb:
        return None
    # every matching cell of b for every hit cell of a: its run [lo, lo + count) of the sorted b
    first = np.repeat(lo[hit] - (np.cumsum(count) - count), count) + np.arange(total)
    win_a = np.repeat(hit // num_perm, count)
    win_b = order[first] // num_perm
    codes = np.sort(win_a * wb + win_b)
    edges = np.flatnonzero(np.diff(codes)) + 1
    runs = np.diff(np.concatenate(([0], edges, [len(codes)])))
    return int(runs.max())


def best_window_similarity(sigs_a: np.ndarray, sigs_b: np.ndarray) -> float:
    """The highest estimated Jaccard similarity between any window of one text and any of the other."""
    sig = np.asarray(sigs_a)
    if sig.ndim != 2 or sig.shape[1] == 0:
        return 0.0
    return best_window_agreement(sigs_a, sigs_b) / sig.shape[1]
