"""VitaminC real revisions made into article-sized pairs (Schuster et al., NAACL 2021; CC BY-SA 3.0).

A VitaminC *case* is one claim with the evidence sentence before and after a real Wikipedia edit.
A case whose claim is SUPPORTED by one version and REFUTED by the other is a meaning-changing edit.
Its token difference says what changed; the type is read from the changed words with this module's
own rules (never the judge's): ``number`` (a figure), ``date`` (a year or a month), ``negation``,
``name`` (capitalised words), or ``other`` (details added or removed; reported, not in the target).

An article pair holds :data:`PER_ARTICLE` revised sentences, with unchanged sentences (the versions of
other cases, identical in both texts) between them, in two paragraphs. The original holds one version
of every revised sentence, the copy the other; the copy is published a day later. A flag counts when
it lands on the changed words (in either text).

Held-out discipline: a case is in the tuning half when the first hex digit of the SHA-1 of its
``case_id`` is even, else in the held-out half.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ..types import Document
from .judge_eval import Case, Edit

PER_ARTICLE = 4
#: Revisions whose versions differ in more than this many words (either side) are rewrites, not edits.
MAX_CHANGED = 8
_NEG = frozenset("not no never none nothing nobody neither nor without cannot".split())
_MONTHS = frozenset("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split())
_WORD = re.compile(r"\w+(?:['’.]\w+)*")


@dataclass(frozen=True)
class Revision:
    case_id: str
    before: str
    after: str
    kind: str
    page: str

    @property
    def split(self) -> str:
        return "tune" if int(hashlib.sha1(self.case_id.encode()).hexdigest()[0], 16) % 2 == 0 else "held-out"


def detokenise(s: str) -> str:
    """Undo the release's spaces around punctuation: "the UK ." -> "the UK.", "( BPI )" -> "(BPI)"."""
    s = s.replace("\ufffd", " ").replace("-LRB-", "(").replace("-RRB-", ")")
    s = re.sub(r"\s+([,.;:!?%)\]}])", r"\1", s)
    s = re.sub(r"([(\[{$])\s+", r"\1", s)
    s = re.sub(r"\s+('s|n't|'re|'ve|'ll|'d)\b", r"\1", s)
    s = re.sub(r"``\s*|\s*''", '"', s)
    return " ".join(s.split())


def _tokens(s: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(s)]


def changed(before: str, after: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[str], list[str]]:
    """Character ranges of the changed words in each version, and the changed words themselves."""
    ta, tb = _tokens(before), _tokens(after)
    ops = SequenceMatcher(None, [t[2] for t in ta], [t[2] for t in tb], autojunk=False).get_opcodes()
    ra, rb, wa, wb = [], [], [], []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        if i2 > i1:
            ra.append((ta[i1][0], ta[i2 - 1][1]))
            wa += [before[ta[k][0] : ta[k][1]] for k in range(i1, i2)]
        elif ta:  # an insertion: the boundary where it goes
            k = min(i1, len(ta) - 1)
            ra.append((ta[k][0], ta[k][1]))
        if j2 > j1:
            rb.append((tb[j1][0], tb[j2 - 1][1]))
            wb += [after[tb[k][0] : tb[k][1]] for k in range(j1, j2)]
        elif tb:
            k = min(j1, len(tb) - 1)
            rb.append((tb[k][0], tb[k][1]))
    return ra, rb, wa, wb


def edit_type(wa: list[str], wb: list[str]) -> str:
    words = wa + wb
    low = [w.lower() for w in words]
    if any(w in _NEG or w.endswith("n't") for w in low):
        return "negation"
    if any(re.fullmatch(r"1\d{3}|20\d{2}", w) for w in words) or any(w in _MONTHS for w in low):
        return "date"
    if any(any(c.isdigit() for c in w) for w in words):
        return "number"
    if wa and wb and any(w[:1].isupper() for w in wa) and any(w[:1].isupper() for w in wb):
        return "name"
    return "other"


def read_revisions(path: str | Path) -> list[Revision]:
    """Meaning-changing revisions (the claim's label flips SUPPORTS <-> REFUTES) of a VitaminC jsonl file."""
    cases: dict[str, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            c = cases.setdefault(d["case_id"], {"page": d.get("page", ""), "ev": {}})
            c["ev"].setdefault(d["evidence"], set()).add(d["label"])
    out = []
    for cid in sorted(cases):
        ev = cases[cid]["ev"]
        sup = sorted(e for e, ls in ev.items() if "SUPPORTS" in ls)
        ref = sorted(e for e, ls in ev.items() if "REFUTES" in ls)
        pair = next(((x, y) for x in sup for y in ref if x != y), None)
        if pair is None:
            continue
        before, after = detokenise(pair[0]), detokenise(pair[1])
        if before == after or len(before) > 600 or len(after) > 600:
            continue
        ra, rb, wa, wb = changed(before, after)
        if not (wa or wb) or len(wa) > MAX_CHANGED or len(wb) > MAX_CHANGED or len(ra) > 3:
            continue
        out.append(Revision(cid, before, after, edit_type(wa, wb), cases[cid]["page"]))
    return out


_EXPECT = {"number": "number-changed", "date": "date-changed", "name": "entity-changed", "negation": "negation-flip"}
TYPED = tuple(_EXPECT)


def article_pairs(revisions: list[Revision], *, seed: int = 0, split: str = "all", limit: int | None = None) -> list[Case]:
    """Article-sized pairs: :data:`PER_ARTICLE` revisions each with unchanged sentences between them."""
    rng = random.Random(seed)
    pool = [r for r in revisions if split == "all" or r.split == split]
    rng.shuffle(pool)
    out: list[Case] = []
    for n in range(0, len(pool) - 2 * PER_ARTICLE + 1, 2 * PER_ARTICLE):
        if limit is not None and len(out) >= limit:
            break
        revs, ctx = pool[n : n + PER_ARTICLE], pool[n + PER_ARTICLE : n + 2 * PER_ARTICLE]
        orig_parts: list[str] = []
        copy_parts: list[str] = []
        edits: list[Edit] = []
        words = 0
        for k in range(PER_ARTICLE):
            c = ctx[k].before  # unchanged context: the same sentence in both texts
            sep = "\n\n" if k == PER_ARTICLE // 2 else " "
            for part in (c, None):
                o = c if part else revs[k].before
                p = c if part else revs[k].after
                if orig_parts:
                    orig_parts.append(sep if part else " ")
                    copy_parts.append(sep if part else " ")
                o_at, c_at = sum(map(len, orig_parts)), sum(map(len, copy_parts))
                orig_parts.append(o)
                copy_parts.append(p)
                words += len(_tokens(p))
                if part is None:
                    ra, rb, wa, wb = changed(o, p)
                    kind = revs[k].kind
                    lo_a = (o_at + min(s for s, _ in ra), o_at + max(e for _, e in ra)) if ra else None
                    lo_b = (c_at + min(s for s, _ in rb), c_at + max(e for _, e in rb)) if rb else None
                    edits.append(Edit(kind, lo_a, lo_b, None, _EXPECT.get(kind)))
        cid = "+".join(r.case_id[-6:] for r in revs)
        out.append(Case(f"vitaminc:{cid}", Document(f"vc-{cid}-a", "".join(orig_parts), published="2024-03-01"),
                        Document(f"vc-{cid}-b", "".join(copy_parts), published="2024-03-02"), tuple(edits), words,
                        split))
    return out
