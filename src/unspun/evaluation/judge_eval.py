"""Scoring the judge on labelled pairs: recall per kind, precision, false alarms per 1,000 reused words.

Every evaluation set (``vitaminc``, ``judge_pan``, the generator in ``distortions``) turns its data
into :class:`Case` objects: two documents, the edits made between them (where each is in either
text), and how many words of the copy are reused. :func:`score` judges every case with
``unspun.compare`` (or a given function) and counts:

- a *shown* flag is one of severity ``high`` or ``medium`` (what the CLI and the report show by
  default); recall and precision count shown flags only, ``low`` flags are counted apart;
- an edit is *found* when a shown flag of an accepted kind lands on it (its span in either text
  overlaps the edit's span there); for sets whose edits have no kind of their own (VitaminC) any
  kind is accepted and the share with the expected kind is reported too;
- a shown flag that lands on no edit is a false alarm; false alarms per 1,000 reused words use the
  words of the copy inside reused material;
- calibration: the share of ``high`` (and of ``medium``) flags that land on an edit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..types import Document, Match

SHOWN = ("high", "medium")

#: Which flag kinds count as finding an edit of each kind.
ACCEPT = {
    "number-changed": ("number-changed", "date-changed"),
    "date-changed": ("date-changed", "number-changed"),
    "entity-changed": ("entity-changed",),
    "negation-flip": ("negation-flip",),
    "quote-altered": ("quote-altered",),
    "added-claim": ("added-claim",),
    "dropped-material": ("dropped-material",),
    "attribution-added": ("attribution-added",),
}


@dataclass(frozen=True)
class Edit:
    kind: str  # the edit's kind (a distortion kind, or a VitaminC type such as "name")
    a: tuple[int, int] | None  # where it is in the original (a)
    b: tuple[int, int] | None  # where it is in the copy (b)
    accept: tuple[str, ...] | None = None  # flag kinds that find it (None: any kind)
    expect: str | None = None  # the kind a flag should have (reported, not required, when accept is None)


@dataclass(frozen=True)
class Case:
    id: str
    original: Document
    copy: Document
    edits: tuple[Edit, ...]
    reused_words: int
    split: str = "all"  # "tune" or "held-out"


@dataclass
class KindTally:
    edits: int = 0
    found: int = 0
    right_kind: int = 0
    found_low: int = 0  # found only by a low flag


@dataclass
class FlagTally:
    shown: int = 0
    on_edit: int = 0


@dataclass
class Result:
    name: str
    cases: int = 0
    reused_words: int = 0
    edits: dict[str, KindTally] = field(default_factory=dict)
    flags: dict[str, FlagTally] = field(default_factory=dict)  # by flag kind (shown flags)
    severity: dict[str, FlagTally] = field(default_factory=dict)  # by severity (all flags)
    false_alarms: int = 0
    low_flags: int = 0
    cases_flagged: int = 0  # cases with any false alarm
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)
    target: tuple[str, ...] = ()  # edit kinds the headline recall is over (all when empty)

    def recall(self, kind: str | None = None) -> float | None:
        ts = [self.edits[kind]] if kind else [t for k, t in self.edits.items() if not self.target or k in self.target]
        n = sum(t.edits for t in ts)
        return sum(t.found for t in ts) / n if n else None

    def precision(self, kind: str | None = None) -> float | None:
        ts = [self.flags[kind]] if kind else list(self.flags.values())
        n = sum(t.shown for t in ts)
        return sum(t.on_edit for t in ts) / n if n else None

    def per_1000(self) -> float | None:
        return 1000 * self.false_alarms / self.reused_words if self.reused_words else None

    def per_case(self) -> float | None:
        return self.false_alarms / self.cases if self.cases else None

    def real_share(self, sev: str) -> float | None:
        t = self.severity.get(sev)
        return t.on_edit / t.shown if t and t.shown else None

    def to_dict(self) -> dict:
        return {
            "set": self.name,
            "cases": self.cases,
            "reused_words": self.reused_words,
            "recall": self.recall(),
            "precision": self.precision(),
            "false_alarms": self.false_alarms,
            "false_alarms_per_1000_words": self.per_1000(),
            "false_alarms_per_case": self.per_case(),
            "low_flags": self.low_flags,
            "kinds": {k: {"edits": t.edits, "found": t.found, "right_kind": t.right_kind, "found_low": t.found_low,
                          "recall": t.found / t.edits if t.edits else None} for k, t in sorted(self.edits.items())},
            "flags": {k: {"shown": t.shown, "on_edit": t.on_edit, "precision": t.on_edit / t.shown if t.shown else None}
                      for k, t in sorted(self.flags.items())},
            "calibration": {s: {"flags": t.shown, "real": t.on_edit, "share": t.on_edit / t.shown if t.shown else None}
                            for s, t in sorted(self.severity.items())},
            "seconds": round(self.seconds, 1),
        }


def _overlap(span, region: tuple[int, int] | None, slack: int = 1) -> bool:
    return span is not None and region is not None and span.start < region[1] + slack and region[0] - slack < span.end


def lands(d, e: Edit) -> bool:
    return _overlap(d.a, e.a) or _overlap(d.b, e.b)


def default_judge(case: Case) -> Match:
    from .. import compare

    return compare(case.original, case.copy)


def score(name: str, cases: Iterable[Case], judge: Callable[[Case], Match] = default_judge, *, keep: int = 10,
          progress: Callable[[int], None] | None = None, target: tuple[str, ...] = ()) -> Result:
    """Judge every case and count (see the module docstring); ``target``: the edit kinds of the headline recall."""
    res = Result(name, target=target)
    t0 = time.perf_counter()
    for case in cases:
        m = judge(case)
        res.cases += 1
        res.reused_words += case.reused_words
        flagged = False
        for e in case.edits:
            t = res.edits.setdefault(e.kind, KindTally())
            t.edits += 1
            ok = [d for d in m.distortions if lands(d, e) and (e.accept is None or d.kind in e.accept)]
            shown = [d for d in ok if d.severity in SHOWN]
            if shown:
                t.found += 1
                if e.expect and any(d.kind in ACCEPT.get(e.expect, (e.expect,)) for d in shown):
                    t.right_kind += 1
            elif ok:
                t.found_low += 1
            elif len(res.examples) < keep:
                res.examples.append(f"MISS {case.id} {e.kind}: got {[d.kind for d in m.distortions]}")
        for d in m.distortions:
            real = any(lands(d, e) for e in case.edits)
            s = res.severity.setdefault(d.severity, FlagTally())
            s.shown += 1
            s.on_edit += real
            if d.severity not in SHOWN:
                res.low_flags += 1
                continue
            f = res.flags.setdefault(d.kind, FlagTally())
            f.shown += 1
            f.on_edit += any(lands(d, e) and (e.accept is None or d.kind in e.accept) for e in case.edits)
            if not real:
                res.false_alarms += 1
                flagged = True
                if len(res.examples) < keep:
                    res.examples.append(f"FALSE {case.id} {d.kind} {d.severity}: {d.detail[:160]}")
        res.cases_flagged += flagged
        if progress:
            progress(1)
    res.seconds = time.perf_counter() - t0
    return res


def _f(x: float | None, fmt: str = ".3f") -> str:
    return "-" if x is None else format(x, fmt)


def table(results: list[Result]) -> str:
    """The summary table (one row per set) and, per set, recall per kind."""
    lines = [f"{'set':<34}{'cases':>6}{'words':>8}{'recall':>8}{'prec.':>7}{'false':>6}{'/1000w':>8}{'/case':>7}"
             f"{'high real':>10}{'med real':>9}{'low':>5}"]
    for r in results:
        lines.append(f"{r.name:<34}{r.cases:>6}{r.reused_words:>8}{_f(r.recall()):>8}{_f(r.precision()):>7}"
                     f"{r.false_alarms:>6}{_f(r.per_1000(), '.2f'):>8}{_f(r.per_case(), '.2f'):>7}"
                     f"{_f(r.real_share('high')):>10}{_f(r.real_share('medium')):>9}{r.low_flags:>5}")
    for r in results:
        if not r.edits and not r.flags:
            continue
        lines.append("")
        lines.append(f"== {r.name}: {r.cases} cases, {r.seconds:.0f} s")
        if r.edits:
            lines.append(f"  {'edit kind':<20}{'edits':>6}{'found':>6}{'recall':>8}{'kind ok':>8}{'low only':>9}")
            for k, t in sorted(r.edits.items()):
                lines.append(f"  {k:<20}{t.edits:>6}{t.found:>6}{_f(t.found / t.edits if t.edits else None):>8}"
                             f"{t.right_kind:>8}{t.found_low:>9}")
        if r.flags:
            lines.append(f"  {'flag kind':<20}{'shown':>6}{'real':>6}{'prec.':>8}")
            for k, t in sorted(r.flags.items()):
                lines.append(f"  {k:<20}{t.shown:>6}{t.on_edit:>6}{_f(t.on_edit / t.shown if t.shown else None):>8}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the sets together

SET_NAMES = ("generator", "vitaminc", "pan-verbatim", "pan-translation", "pan-summary", "pan-random")
#: The VitaminC edit types the recall target is over.
VITAMINC_TARGET = ("number", "date", "name", "negation")


def fixed_sample_dirs() -> tuple["Path", "Path"]:
    """The vendored samples (``tests/data/pan13``, ``tests/data/vitaminc``) of a checkout."""
    from pathlib import Path

    from ..errors import ConfigError

    root = Path(__file__).resolve().parents[3] / "tests" / "data"
    pan, vc = root / "pan13", root / "vitaminc"
    if not (pan / "judge-sample.txt").is_file() or not (vc / "real-test-sample.jsonl").is_file():
        raise ConfigError(f"the fixed samples are not in {root}: --fixed-sample works from a checkout of the repository")
    return pan, vc


def run_sets(names: list[str], *, split: str = "held-out", pan: str | None = None, vitaminc: str | None = None,
             fixed_sample: bool = False, sample: int | None = None, n: int = 40, seed: int = 0, background: int = 3,
             progress: Callable[[str], None] | None = None) -> list[Result]:
    """Score the named sets; a corpus that cannot be found raises ``ConfigError`` before anything runs."""
    from .datasets import pan13_dir, vitaminc_dir

    pan_root = vc_file = None
    if fixed_sample:
        pan_root, vc_root = fixed_sample_dirs()
        vc_file = vc_root / "real-test-sample.jsonl"
    else:
        if any(x.startswith("pan-") for x in names):
            pan_root = pan13_dir(pan)
        if "vitaminc" in names:
            vc_file = vitaminc_dir(vitaminc) / "real-test.jsonl"
    out = []
    for name in names:
        if progress:
            progress(name)
        if name == "generator":
            from .distortions import evaluate, generate

            # the generator was tuned on seed 0; the held-out split draws other articles (seed + 1)
            gseed = seed + (1 if split == "held-out" and not fixed_sample else 0)
            out += list(evaluate(generate(n, gseed, background=background), gseed))
        elif name == "vitaminc":
            from .vitaminc import article_pairs, read_revisions

            cases = article_pairs(read_revisions(vc_file), seed=seed, split="all" if fixed_sample else split, limit=sample)
            out.append(score(f"vitaminc ({'fixed sample' if fixed_sample else split})", cases, target=VITAMINC_TARGET))
        else:
            from .judge_pan import pan_cases

            cases = pan_cases(pan_root, name, split="all" if fixed_sample else split, sample=sample, seed=seed)
            out.append(score(f"{name} ({'fixed sample' if fixed_sample else split})", cases))
    return out
