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


def shared_dir() -> Path:
    return Path(__file__).resolve().parents[3].parent / "shared"


def base_documents(rng: random.Random, count: int, shared: Path | None = None) -> list[str]:
    """``count`` documents of 4 to 6 prose paragraphs each, from PAN sources (and the seed original first)."""
    shared = shared or shared_dir()
    docs: list[str] = []
    seed = shared / "seeds" / "000_39c885e149670517.txt"
    if seed.exists():
        paras = [p for p in _paragraphs(seed.read_text(encoding="utf-8"))]
        if len(paras) >= 4:
            docs.append("\n\n".join(paras))
    src = sorted((shared / "data" / "pan13-train" / "src").glob("*.txt"))
    rng.shuffle(src)
    for path in src:
        if len(docs) >= count:
            break
        paras = _paragraphs(path.read_text(encoding="utf-8", errors="replace"))
        if len(paras) < 4:
            continue
        start = rng.randrange(0, len(paras) - 3)
        chosen = paras[start : start + rng.randint(4, 6)]
        text = ""
        for p in chosen:
            if len(text) + len(p) > 4500 and text.count("\n\n") >= 3:
                break
            text = f"{text}\n\n{p}" if text else p
        if text.count("\n\n") >= 3:
            docs.append(text)
    return docs


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
    ends = [m.start() for m in re.finditer(r"\n\n", text)] + [len(text)]
    pos = rng.choice(ends)
    claim = rng.choice(_CLAIMS).format(p=rng.choice(_PEOPLE), o=rng.choice(_ORGS),
                                        n=f"{rng.randint(2, 90) * 1000:,}", y=rng.randint(1890, 2015))
    claim = claim[0].upper() + claim[1:]
    new = text[:pos] + " " + claim + text[pos:]
    return Example("added-claim", text, new, None, (pos + 1, pos + 1 + len(claim)))


def drop_block(text: str, rng: random.Random) -> Example | None:
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    inner = [(s, e) for s, e in paras[1:-1] if e - s >= 250 and len(text[s:e].split()) >= 40]
    if not inner:
        return None
    s, e = rng.choice(inner)
    new = text[:s] + text[e + 2 :]
    return Example("dropped-material", text, new, (s, e), None)


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


EDITS: dict[str, Callable[[str, random.Random], Example | None]] = {
    "negation-flip": negate, "number-changed": change_number, "entity-changed": swap_entity,
    "quote-altered": alter_quote, "added-claim": add_claim, "dropped-material": drop_block,
    "attribution-added": add_credit, "synonyms": synonyms, "reorder": reorder, "voice": voice,
}


def generate(n: int, seed: int = 0, shared: Path | None = None, background: int = 0) -> list[Example]:
    """Up to ``n`` examples of every kind, deterministic for a given seed.

    ``background`` > 0 adds that many synonym swaps elsewhere in every meaning-changing example,
    so the judge must find the one real change among rewordings.
    """
    rng = random.Random(seed)
    docs = base_documents(rng, max(4 * n, 40), shared)
    out: list[Example] = []
    for kind in KINDS:
        made = 0
        order = list(range(len(docs)))
        random.Random(f"{seed}:{kind}").shuffle(order)
        for k in order:
            if made >= n:
                break
            ex = EDITS[kind](docs[k], random.Random(f"{seed}:{kind}:{k}"))
            if ex is not None and ex.edited != ex.original:
                if background and kind in CHANGING:
                    ex = with_background(ex, random.Random(f"{seed}:{kind}:{k}:bg"), background)
                out.append(ex)
                made += 1
    return out


# ------------------------------------------------------------------ scoring


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    examples: int = 0
    flagged: int = 0  # preserving kinds: examples with any detection

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Report:
    tallies: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0
    misses: list[dict] = field(default_factory=list)
    false_alarms: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "kinds": {k: {"examples": t.examples, "tp": t.tp, "fp": t.fp, "fn": t.fn, "flagged": t.flagged,
                          "precision": t.precision, "recall": t.recall} for k, t in self.tallies.items()},
            "seconds": round(self.seconds, 1),
        }


def _touches(span, region: tuple[int, int] | None, slack: int = 2) -> bool:
    if span is None or region is None:
        return False
    return span.start < region[1] + slack and region[0] - slack < span.end


def evaluate(examples: list[Example], keep: int = 20) -> Report:
    from .. import compare
    from ..types import Document

    rep = Report(tallies={k: Tally() for k in KINDS})
    t0 = time.perf_counter()
    for i, ex in enumerate(examples):
        m = compare(Document(f"orig-{i}", ex.original, published="2024-03-01"),
                    Document(f"edit-{i}", ex.edited, published="2024-03-02"))
        rep.tallies[ex.kind].examples += 1
        hit = False
        wrong: set[str] = set()
        for d in m.distortions:
            if d.kind == ex.kind and (_touches(d.a, ex.orig_span) or _touches(d.b, ex.edit_span)):
                hit = True
            else:
                wrong.add(d.kind)
                if len(rep.false_alarms) < keep:
                    rep.false_alarms.append({"edit": ex.kind, "got": d.kind, "detail": d.detail})
        for k in wrong:
            rep.tallies.setdefault(k, Tally()).fp += 1
        if ex.kind in CHANGING:
            if hit:
                rep.tallies[ex.kind].tp += 1
            else:
                rep.tallies[ex.kind].fn += 1
                if len(rep.misses) < keep:
                    s = ex.orig_span or ex.edit_span
                    src = ex.original if ex.orig_span else ex.edited
                    rep.misses.append({"edit": ex.kind, "at": src[max(0, s[0] - 40) : s[1] + 40],
                                       "got": [d.kind for d in m.distortions]})
        elif m.distortions:
            rep.tallies[ex.kind].flagged += 1
    rep.seconds = time.perf_counter() - t0
    return rep


def table(rep: Report) -> str:
    def f(x: float | None) -> str:
        return "  -  " if x is None else f"{x:.3f}"

    lines = [f"{'kind':<20}{'examples':>9}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}"]
    for k in CHANGING:
        t = rep.tallies[k]
        lines.append(f"{k:<20}{t.examples:>9}{t.tp:>5}{t.fp:>5}{t.fn:>5}{f(t.precision):>11}{f(t.recall):>8}")
    lines.append("")
    lines.append(f"{'preserving rewrite':<20}{'examples':>9}{'flagged':>9}{'clean':>8}")
    for k in PRESERVING:
        t = rep.tallies[k]
        clean = 1 - t.flagged / t.examples if t.examples else None
        lines.append(f"{k:<20}{t.examples:>9}{t.flagged:>9}{f(clean):>8}")
    lines.append(f"\n{sum(t.examples for t in rep.tallies.values())} examples judged in {rep.seconds:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m unspun.evaluation.distortions", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=30, help="examples per kind (default 30)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--background", type=int, default=0, metavar="K",
                    help="also swap K words for synonyms elsewhere in every meaning-changing example (default 0)")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--show", action="store_true", help="also print missed edits and false alarms")
    args = ap.parse_args(argv)
    examples = generate(args.n, args.seed, background=args.background)
    rep = evaluate(examples)
    if args.json:
        print(json.dumps(rep.to_dict(), indent=2, sort_keys=True))
    else:
        print(table(rep))
    if args.show:
        for x in rep.misses:
            print("MISS", json.dumps(x, ensure_ascii=False))
        for x in rep.false_alarms:
            print("FALSE", json.dumps(x, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
