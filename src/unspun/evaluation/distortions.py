"""Distortion benchmark: apply labelled edits to real paragraphs and score the judge per kind.

The generator takes prose paragraphs (PAN 2013 source documents and the seed
original), makes one edit per example and remembers where it is:

meaning-changing (the judge must report this kind at this place)
    ``negation-flip`` (insert or remove "not"), ``number-changed`` (a number or
    year), ``entity-changed`` (a name replaced by another), ``quote-altered``
    (words inside a quotation changed), ``added-claim`` (a factual sentence
    appended to a paragraph), ``dropped-material`` (a paragraph removed),
    ``attribution-added`` (a credit line appended);
meaning-preserving (the judge must report nothing)
    ``synonyms``, ``reorder`` (two sentences swapped), ``voice`` (active to passive).

Each example is judged with ``unspun.compare(original, edited)``; the two
documents carry publication dates a day apart, as a corpus scan would, so
which text is the copy is known. A detection is a true positive when its kind
is the edit's kind and its span touches the edit; every other detection is a
false positive of its kind (so any detection on a preserving rewrite is one).

Honesty: the generator keeps its own word lists (names, synonyms, claims) and
never imports ``unspun.judge``; the judge never sees the labels.

Run ``python -m unspun.evaluation.distortions [--n N] [--seed S]``.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

CHANGING = ("negation-flip", "number-changed", "entity-changed", "quote-altered", "added-claim",
            "dropped-material", "attribution-added")
PRESERVING = ("synonyms", "reorder", "voice")
KINDS = CHANGING + PRESERVING

# ------------------------------------------------------------------ the generator's own word lists

_AUX = ("is", "was", "are", "were", "has", "had", "will", "would", "could", "should", "can", "did", "does", "must")
_NEW_NAMES = ("Halvorsen", "Okonkwo", "Brisbane", "Tashkent", "Marguerite", "Delacroix", "Ingrid", "Valparaiso",
              "Fitzwilliam", "Nakamura", "Ostrowski", "Kilimanjaro", "Esperanza", "Winterbourne", "Rajasthan",
              "Bartholomew", "Quimby", "Lindqvist", "Abernathy", "Santorini")
_NOT_NAMES = frozenset("""I Mr Mrs Ms Dr Sir Madam God Lord The A An And But Or If In On At To Of For With By From
    As It He She They We You This That These Those There Here When Where What Who Why How Yes No Oh O
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December English French American British Christian Chapter
    Not No Never Nothing None Nobody Neither Nor Without""".split())
_SPELLED = {"two": "five", "three": "seven", "four": "nine", "five": "eleven", "six": "two", "seven": "three",
            "eight": "twelve", "nine": "four", "ten": "six", "twelve": "eight", "twenty": "forty", "hundred": "thousand"}
_QUOTE_WORDS = ("certainly", "probably", "entirely", "somewhat", "rather", "merely", "honestly", "simply")
# one part of speech each, so a swap never turns a noun into a verb ("show appearances" / "display appearances")
_SYNONYMS = {
    "began": "started", "quickly": "rapidly", "rapidly": "quickly", "answered": "replied", "replied": "answered",
    "almost": "nearly", "nearly": "almost", "perhaps": "maybe", "often": "frequently", "frequently": "often",
    "helped": "assisted", "bought": "purchased", "showed": "displayed", "started": "began",
    "finished": "completed", "wealthy": "rich", "difficult": "hard", "simple": "easy", "soon": "shortly",
    "chose": "selected", "understand": "comprehend", "spoke": "talked", "looked": "glanced", "many": "numerous",
    "whole": "entire", "entire": "whole", "journey": "voyage", "silent": "quiet",
    "large": "big", "huge": "enormous", "enormous": "huge",
    "usually": "generally", "generally": "usually", "immediately": "instantly", "completely": "entirely",
    "important": "significant", "significant": "important", "received": "got", "purchased": "bought",
    "attempted": "tried", "tried": "attempted", "discovered": "found", "required": "needed", "needed": "required",
}
_CLAIMS = (
    "{p} later told reporters that {o} had paid {n} dollars for the rights in {y}.",
    "According to {o}, {p} received a payment of {n} dollars in {y}.",
    "{o} confirmed in {y} that {p} had signed a contract worth {n} dollars.",
    "In {y}, {p} sued {o} for {n} dollars in damages.",
    "According to the {s}, {o} was fined {n} dollars over the matter in {y}.",
)
_PEOPLE = ("Edmund Kessler", "Lucia Ferrante", "Amos Whitcombe", "Priya Raman", "Tobias Greaves", "Helena Marsh")
_ORGS = ("the Northgate Trust", "Calloway Brothers", "the Meridian Society", "Ashford & Vale", "the Harbour Board")
_SITES = ("Daily Clarion", "NewsPulse Online", "The Morning Ledger", "WireFeed", "Global Gazette")

# ------------------------------------------------------------------ base documents

_SENT = re.compile(r"[^.!?]+[.!?]+[\"”’)]*(?:\s+|$)")
_PROSE = re.compile(r"^[A-Z“\"].{99,}[.!?\"”]$")


def _paragraphs(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not _PROSE.match(line) or len(_SENT.findall(line)) < 2:
            continue
        letters = sum(c.isalpha() or c.isspace() for c in line)
        if letters < 0.9 * len(line) or "http" in line or len(line) > 1200:
            continue
        out.append(line)
    return out


def repo_data() -> Path:
    """The repository's own data (``tests/data`` and ``examples/corpus`` beside ``src/``)."""
    return Path(__file__).resolve().parents[3]


def _chunks(paras: list[str], rng: random.Random) -> str | None:
    if len(paras) < 4:
        return None
    start = rng.randrange(0, len(paras) - 3)
    text = ""
    for p in paras[start : start + rng.randint(4, 6)]:
        if len(text) + len(p) > 4500 and text.count("\n\n") >= 3:
            break
        text = f"{text}\n\n{p}" if text else p
    return text if text.count("\n\n") >= 3 else None


def _judge_sample_sources(pan: Path) -> list[Path]:
    """The source texts of the judge's fixed PAN sample (``judge-sample.txt``): a fixed list, so the generator's
    base texts do not change when other samples are vendored into the same folder."""
    listing = pan / "judge-sample.txt"
    if not listing.exists():
        return []
    names = {line.split()[1] for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()}
    return [pan / "src" / n for n in sorted(names) if (pan / "src" / n).exists()]


def base_documents(rng: random.Random, count: int, root: Path | None = None) -> list[str]:
    """``count`` documents of 4 to 6 prose paragraphs from the repository's data: the seed original
    (``examples/corpus``), the PAN source texts of the judge's sample in ``tests/data/pan13`` and articles made of the unchanged
    VitaminC sentences of ``tests/data/vitaminc`` (four paragraphs of four sentences)."""
    from ..errors import ConfigError

    root = root or repo_data()
    docs: list[str] = []
    seed = root / "examples" / "corpus" / "seed-000_39c885e149670517.txt"
    pan = _judge_sample_sources(root / "tests" / "data" / "pan13")
    vc = root / "tests" / "data" / "vitaminc" / "real-test-sample.jsonl"
    if not seed.exists() and not pan and not vc.exists():
        raise ConfigError(f"the generator's base texts are not in {root} (examples/corpus, tests/data): run it from a checkout")
    if seed.exists():
        paras = _paragraphs(seed.read_text(encoding="utf-8"))
        if len(paras) >= 4:
            docs.append("\n\n".join(paras))
    pool: list[str] = []
    for path in pan:
        text = _chunks(_paragraphs(path.read_text(encoding="utf-8", errors="replace")), rng)
        if text:
            pool.append(text)
    if vc.exists():
        from .vitaminc import detokenise

        sents = sorted({detokenise(json.loads(line)["evidence"]) for line in vc.read_text(encoding="utf-8").splitlines()
                        if line.strip()})
        sents = [x for x in sents if 60 <= len(x) <= 400 and x[:1].isupper() and x.endswith(".") and "\"" not in x]
        rng.shuffle(sents)
        for k in range(0, len(sents) - 16, 16):
            pool.append("\n\n".join(" ".join(sents[k + 4 * j : k + 4 * j + 4]) for j in range(4)))
    rng.shuffle(pool)
    docs += pool
    return docs[:count]


# ------------------------------------------------------------------ edits


@dataclass(frozen=True)
class Example:
    kind: str
    original: str
    edited: str
    orig_span: tuple[int, int] | None  # where the edit is in the original (None: nothing there)
    edit_span: tuple[int, int] | None  # where it is in the edited text


def _quoted(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"“[^“”\n]+”|\"[^\"\n]+\"", text)]


def _outside(spans: list[tuple[int, int]], i: int, j: int) -> bool:
    return not any(s < j and i < e for s, e in spans)


_BOUNDARY = re.compile(r"(?<=[a-z]{3}[.!?])[\"”’)]*\s+(?=[A-Z“\"])")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentences for reordering: cut only after a lower-case word of 3+ letters, never after "Dec." or "i.e."."""
    out = []
    for para in re.finditer(r"[^\n]+", text):
        start = para.start()
        for m in _BOUNDARY.finditer(para.group()):
            end = para.start() + m.start() + re.search(r"\s", m.group()).start()
            out.append((start, end))
            start = para.start() + m.end()
        out.append((start, para.end()))
    return [(s, e) for s, e in out if e > s]


def _replace(text: str, i: int, j: int, new: str, kind: str) -> Example:
    return Example(kind, text, text[:i] + new + text[j:], (i, j), (i, i + len(new)))


def negate(text: str, rng: random.Random) -> Example | None:
    q = _quoted(text)
    sites = []
    for m in re.finditer(r"\b(" + "|".join(_AUX) + r")\b( not\b)?", text):
        if _outside(q, m.start(), m.end()) and text[m.end() : m.end() + 1] == " ":
            sites.append(m)
    if not sites:
        return None
    m = rng.choice(sites)
    if m.group(2):  # remove an existing "not"
        return _replace(text, m.start(), m.end(), m.group(1), "negation-flip")
    return _replace(text, m.start(), m.end(), m.group(1) + " not", "negation-flip")


def change_number(text: str, rng: random.Random) -> Example | None:
    q = _quoted(text)
    digits = [m for m in re.finditer(r"(?<![\w.,/:-])\d{1,4}(?![\w.,/:-]\d)", text) if _outside(q, m.start(), m.end())]
    if digits:
        m = rng.choice(digits)
        v = int(m.group())
        new = v + rng.choice((2, 3, 5, 7, 11)) if v < 1000 else v + rng.choice((-9, -4, 3, 6, 12))
        return _replace(text, m.start(), m.end(), str(new), "number-changed")
    words = [m for m in re.finditer(r"\b(" + "|".join(_SPELLED) + r")\b", text) if _outside(q, m.start(), m.end())]
    if not words:
        return None
    m = rng.choice(words)
    return _replace(text, m.start(), m.end(), _SPELLED[m.group()], "number-changed")


def swap_entity(text: str, rng: random.Random) -> Example | None:
    q = _quoted(text)
    sites = []
    for m in re.finditer(r"(?<=[a-z,;] )([A-Z][a-z]{2,})\b", text):
        w = m.group(1)
        if w in _NOT_NAMES or not _outside(q, m.start(), m.end()):
            continue
        sites.append(m)
    if not sites:
        return None
    m = rng.choice(sites)
    new = rng.choice([n for n in _NEW_NAMES if n not in text])
    return _replace(text, m.start(1), m.end(1), new, "entity-changed")


def alter_quote(text: str, rng: random.Random) -> Example | None:
    quotes = [(s, e) for s, e in _quoted(text) if len(text[s:e].split()) >= 6]
    if not quotes:
        return None
    s, e = rng.choice(quotes)
    # words whose loss would flip or change the statement itself are left alone: that edit has its own kind
    ws = [m for m in re.finditer(r"[A-Za-z’']{4,}", text[s:e])][1:-1]
    ws = [m for m in ws if not re.search(r"n[’']t$|^(?:not|never|none|nothing|nobody|neither|without)$", m.group(), re.I)
          and not m.group()[0].isupper()]
    if len(ws) < 2:
        return None
    how = rng.choice(("insert", "delete", "replace"))
    m = rng.choice(ws)
    i, j = s + m.start(), s + m.end()
    if how == "insert":
        return _replace(text, i, j, f"{rng.choice(_QUOTE_WORDS)} {m.group()}", "quote-altered")
    if how == "delete":
        k = ws.index(m)
        if k + 1 < len(ws):
            j = s + ws[k + 1].end()
        end = j + 1 if text[j : j + 1] == " " else j
        return Example("quote-altered", text, text[:i] + text[end:], (i, j), (max(i - 1, 0), i + 1))
    return _replace(text, i, j, rng.choice(_QUOTE_WORDS), "quote-altered")


def add_claim(text: str, rng: random.Random) -> Example | None:
    """A fact-bearing sentence inserted between two sentences of the paragraph (never at its edge)."""
    ss = _sentences(text)
    if len(ss) < 2:
        return None
    k = rng.randrange(1, len(ss))
    pos = ss[k][0]
    claim = rng.choice(_CLAIMS).format(p=rng.choice(_PEOPLE), o=rng.choice(_ORGS), s=rng.choice(_SITES),
                                        n=f"{rng.randint(2, 90) * 1000:,}", y=rng.randint(1890, 2015))
    claim = claim[0].upper() + claim[1:]
    new = text[:pos] + claim + " " + text[pos:]
    return Example("added-claim", text, new, None, (pos, pos + len(claim)))


def drop_block(text: str, rng: random.Random) -> Example | None:
    """Two or three consecutive sentences (25 words or more) cut from inside the paragraph."""
    ss = _sentences(text)
    sites = []
    for n in (2, 3):
        for k in range(1, len(ss) - n):
            s, e = ss[k][0], ss[k + n - 1][1]
            if len(text[s:e].split()) >= 25 and _outside(_quoted(text), s, e) and not re.search("[\"“”]", text[s:e]):
                sites.append((s, e))
    if not sites:
        return None
    s, e = rng.choice(sites)
    after = e
    while after < len(text) and text[after] == " ":
        after += 1
    return Example("dropped-material", text, text[:s] + text[after:], (s, e), None)


def add_credit(text: str, rng: random.Random) -> Example | None:
    site = rng.choice(_SITES)
    line = rng.choice((f"Source: {site}", f"This article originally appeared on {site}.", f"Via {site}"))
    return Example("attribution-added", text, text + "\n\n" + line, None, (len(text) + 2, len(text) + 2 + len(line)))


def _swap_synonyms(text: str, rng: random.Random, k: int, protect: tuple[int, int] | None = None):
    """Replace up to ``k`` words by synonyms (outside quotations and ``protect``); returns text and an offset map."""
    q = _quoted(text) + ([protect] if protect else [])
    sites = [m for m in re.finditer(r"\b[a-z]+\b", text) if m.group() in _SYNONYMS and _outside(q, m.start() - 1, m.end() + 1)]
    chosen = sorted(rng.sample(sites, min(k, len(sites))), key=lambda m: m.start())
    out, last, shifts = [], 0, []
    for m in chosen:
        new = _SYNONYMS[m.group()]
        out += [text[last : m.start()], new]
        shifts.append((m.end(), len(new) - len(m.group())))
        last = m.end()
    out.append(text[last:])

    def moved(i: int) -> int:
        return i + sum(d for end, d in shifts if end <= i)

    return "".join(out), len(chosen), moved


def synonyms(text: str, rng: random.Random) -> Example | None:
    new, n, _ = _swap_synonyms(text, rng, 3)
    if n < 2:
        return None
    return Example("synonyms", text, new, None, None)


def with_background(ex: Example, rng: random.Random, k: int) -> Example:
    """The same edit, with ``k`` synonym swaps elsewhere in the edited text (rewording the judge must ignore)."""
    new, n, moved = _swap_synonyms(ex.edited, rng, k, ex.edit_span)
    if n == 0:
        return ex
    span = (moved(ex.edit_span[0]), moved(ex.edit_span[1])) if ex.edit_span else None
    return Example(ex.kind, ex.original, new, ex.orig_span, span)


def reorder(text: str, rng: random.Random) -> Example | None:
    pairs = []
    for para in re.finditer(r"[^\n]+", text):
        ss = [(s, e) for s, e in _sentences(text) if para.start() <= s and e <= para.end()]
        # a sentence with an unbalanced quotation mark belongs to a longer quotation: moving it changes the quote
        q = _quoted(text)
        whole = [(s, e) for s, e in ss if not re.search("[\"“”]", text[s:e]) and _outside(q, s, e)]
        pairs += [(x, y) for x, y in zip(whole, whole[1:]) if text[x[1] : y[0]].strip() == "" and ss.index(y) == ss.index(x) + 1]
    if not pairs:
        return None
    (s1, e1), (s2, e2) = rng.choice(pairs)
    new = text[:s1] + text[s2:e2] + text[e1:s2] + text[s1:e1] + text[e2:]
    return Example("reorder", text, new, None, None)


_OBJ = {"He": "him", "She": "her", "They": "them", "We": "us", "I": "me", "he": "him", "she": "her",
        "they": "them", "we": "us"}
_NOT_SUBJECTS = frozenset("Then Later Once Now Soon Still Also Each Every Some Many Most Both All Finally First".split())
_VOICE = re.compile(r"\b(He|She|They|We|I|he|she|they|we|[A-Z][a-z]{2,})\s+([a-z]{3,}ed)\s+(the|his|her|their|its|our|my|this|that|these|those)\s+([a-z]{3,}s?)\b(?=[.,;]|\s+(?:in|at|on|with|for|from|after|before|during|when|and)\b)")


def voice(text: str, rng: random.Random) -> Example | None:
    q = _quoted(text)
    sites = [m for m in _VOICE.finditer(text) if _outside(q, m.start(), m.end()) and not m.group(4).endswith(("ly", "ing"))
             and (m.group(1) in _OBJ or m.group(1) not in _NOT_NAMES | _NOT_SUBJECTS)]
    if not sites:
        return None
    m = rng.choice(sites)
    subj, verb, det, noun = m.groups()
    aux = "were" if noun.endswith("s") and not noun.endswith("ss") else "was"
    det_out = det.capitalize() if subj[0].isupper() and (m.start() == 0 or text[m.start() - 2 : m.start()].strip() in (".", "!", "?", "")) else det
    new = f"{det_out} {noun} {aux} {verb} by {_OBJ.get(subj, subj)}"
    return Example("voice", text, text[: m.start()] + new + text[m.end() :], None, None)


PARAGRAPH_EDITS: dict[str, Callable[[str, random.Random], Example | None]] = {
    "negation-flip": negate, "number-changed": change_number, "entity-changed": swap_entity,
    "quote-altered": alter_quote, "added-claim": add_claim, "dropped-material": drop_block,
}


@dataclass(frozen=True)
class Article:
    """An original and a reworded copy with several labelled edits (absolute spans)."""

    original: str
    copy: str
    edits: tuple[tuple[str, tuple[int, int] | None, tuple[int, int] | None], ...]  # (kind, in original, in copy)
    preserving: bool = False


def quotify(text: str, rng: random.Random) -> str | None:
    """The paragraph with one of its longer sentences turned into a quotation (in both texts, before any edit)."""
    ss = [(s, e) for s, e in _sentences(text) if len(text[s:e].split()) >= 10 and not re.search("[\"“”]", text[s:e])
          and text[e - 1] == "."]
    if not ss:
        return None
    s, e = rng.choice(ss)
    return f"{text[:s]}“{text[s:e - 1]},” {rng.choice(_PEOPLE)} said.{text[e:]}"


def make_article(doc: str, rng: random.Random, n_edits: int, background: int = 3, preserving: bool = False,
                 counts: dict[str, int] | None = None) -> Article:
    """Reword every paragraph (``background`` synonym swaps each; a sentence pair reordered or a clause put in
    the passive in some), and make ``n_edits`` meaning-changing edits of different kinds in different
    paragraphs, at any position (first, middle or last paragraph and sentence)."""
    paras = doc.split("\n\n")
    kinds = list(PARAGRAPH_EDITS)
    rng.shuffle(kinds)
    counts = {} if counts is None else counts
    kinds.sort(key=lambda k: counts.get(k, 0))  # the kinds made least so far first
    if not preserving and kinds[0] == "quote-altered":
        k = rng.randrange(len(paras))
        if not _quoted(paras[k]):
            paras[k] = quotify(paras[k], rng) or paras[k]
    order = list(range(len(paras)))
    rng.shuffle(order)
    plan: dict[int, str] = {}
    if not preserving:
        for k in order:
            if len(plan) >= n_edits or not kinds:
                break
            for kind in list(kinds):
                ex = PARAGRAPH_EDITS[kind](paras[k], random.Random(rng.random()))
                if ex is not None and ex.edited != ex.original:
                    plan[k] = kind
                    kinds.remove(kind)
                    counts[kind] = counts.get(kind, 0) + 1
                    break
    orig_out, copy_out, edits = [], [], []
    o_at = c_at = 0
    for k, para in enumerate(paras):
        sub = random.Random(rng.random())
        if k in plan:
            ex = PARAGRAPH_EDITS[plan[k]](para, sub)
            ex = with_background(ex, sub, background)
            edits.append((ex.kind, None if ex.orig_span is None else (o_at + ex.orig_span[0], o_at + ex.orig_span[1]),
                          None if ex.edit_span is None else (c_at + ex.edit_span[0], c_at + ex.edit_span[1])))
            new = ex.edited
        else:
            new = para
            style = sub.choice(("reorder", "voice", "none"))
            rw = EDITS_PRESERVING[style](new, sub) if style != "none" else None
            if rw is not None:
                new = rw.edited
            new, _, _ = _swap_synonyms(new, sub, background)
        orig_out.append(para)
        copy_out.append(new)
        o_at += len(para) + 2
        c_at += len(new) + 2
    original, copy = "\n\n".join(orig_out), "\n\n".join(copy_out)
    if not preserving and rng.random() < 0.5:  # a credit line at the end of some copies
        ex = add_credit(copy, rng)
        edits.append((ex.kind, None, ex.edit_span))
        copy = ex.edited
    return Article(original, copy, tuple(edits), preserving)


EDITS_PRESERVING: dict[str, Callable[[str, random.Random], Example | None]] = {"reorder": reorder, "voice": voice}


def generate(n: int, seed: int = 0, root: Path | None = None, *, edits: int = 3, background: int = 3,
             preserving: int | None = None) -> list[Article]:
    """``n`` articles with ``edits`` edits each, then ``preserving`` (default n // 3) reworded-only articles."""
    rng = random.Random(seed)
    docs = base_documents(rng, max(n + (n // 3 if preserving is None else preserving), 1) + 5, root)
    out: list[Article] = []
    k = 0
    counts: dict[str, int] = {}
    while len(out) < n and k < len(docs) * 3:
        a = make_article(docs[k % len(docs)], random.Random(f"{seed}:{k}"), edits, background, counts=counts)
        k += 1
        if a.edits:
            out.append(a)
    for j in range(n // 3 if preserving is None else preserving):
        out.append(make_article(docs[(k + j) % len(docs)], random.Random(f"{seed}:p{j}"), 0, background, True))
    return out


def cases(articles: list[Article], seed: int = 0) -> tuple[list, list]:
    """(changed, preserving) judge cases: the copy is published a day after the original."""
    from ..text import words
    from ..types import Document
    from .judge_eval import ACCEPT, Case, Edit

    changed, kept = [], []
    for i, a in enumerate(articles):
        c = Case(f"gen:{seed}:{i}", Document(f"orig-{i}", a.original, published="2024-03-01"),
                 Document(f"edit-{i}", a.copy, published="2024-03-02"),
                 tuple(Edit(k, sa, sb, ACCEPT[k], k) for k, sa, sb in a.edits), len(words(a.copy)))
        (kept if a.preserving else changed).append(c)
    return changed, kept


def evaluate(articles: list[Article], seed: int = 0, keep: int = 20):
    """Score the judge on the generated articles: (changed, preserving) :class:`~.judge_eval.Result`."""
    from .judge_eval import score

    changed, kept = cases(articles, seed)
    return score("generator", changed, keep=keep), score("generator: rewording only", kept, keep=keep)


def main(argv: list[str] | None = None) -> int:
    from .judge_eval import table

    ap = argparse.ArgumentParser(prog="python -m unspun.evaluation.distortions", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=30, help="articles with edits (default 30)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--edits", type=int, default=3, help="edits per article (default 3)")
    ap.add_argument("--background", type=int, default=3, metavar="K", help="synonym swaps per paragraph (default 3)")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--show", action="store_true", help="also print missed edits and false alarms")
    args = ap.parse_args(argv)
    results = list(evaluate(generate(args.n, args.seed, edits=args.edits, background=args.background), args.seed))
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, sort_keys=True))
    else:
        print(table(results))
    if args.show:
        for r in results:
            for x in r.examples:
                print(x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
