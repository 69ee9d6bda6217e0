"""Plain-text rendering of results for the terminal (shared by compare, check and scan)."""
from __future__ import annotations

import json
import shutil
import sys
import textwrap
from typing import TextIO

import argparse

from ..types import Match

_SEVERITY_ORDER = ("high", "medium", "low")
#: Severities listed by default; ``--all-distortions`` adds ``low``.
SHOWN = ("high", "medium")


def add_distortion_flag(parser: argparse.ArgumentParser) -> None:
    """The one flag that shows low-severity distortions too (compare, check and scan)."""
    parser.add_argument("--all-distortions", "--show-low", dest="all_distortions", action="store_true",
                        help="list low-severity distortions too (default: high and medium only)")


def _excerpt(text: str, start: int, end: int, width: int) -> list[str]:
    s = " ".join(text[start:end].split())
    lines = textwrap.wrap(s, width) or [""]
    if len(lines) > 4:
        lines = lines[:2] + ["…"] + lines[-1:]
    return lines


def format_match(match: Match, width: int | None = None, *, show_low: bool = False) -> str:
    """A readable side-by-side table of a match's passages, then its provenance and distortions
    (high and medium; ``show_low`` lists the low ones too)."""
    width = width or min(shutil.get_terminal_size((120, 24)).columns, 160)
    col = max(30, (width - 3) // 2)
    a, b = match.a, match.b
    out = [
        f"A: {a.id}  ({len(a.text):,} chars, {match.coverage_a:.0%} reused)",
        f"B: {b.id}  ({len(b.text):,} chars, {match.coverage_b:.0%} reused)",
    ]
    if not match.passages:
        out.append("No reused passages found.")
    for n, p in enumerate(match.passages, 1):
        out.append("")
        head_a = f"#{n} A[{p.a.start}:{p.a.end}]"
        head_b = f"B[{p.b.start}:{p.b.end}]  {p.kind}, score {p.score:.2f}"
        out.append(head_a.ljust(col) + " | " + head_b)
        la = _excerpt(a.text, p.a.start, p.a.end, col)
        lb = _excerpt(b.text, p.b.start, p.b.end, col)
        for i in range(max(len(la), len(lb))):
            left = la[i] if i < len(la) else ""
            right = lb[i] if i < len(lb) else ""
            out.append(left.ljust(col) + " | " + right)
    out.append("")
    names = {"a": f"A ({a.id})", "b": f"B ({b.id})"}
    out.append(f"Original: {names.get(match.original, 'unknown')}")
    for e in match.evidence:
        out.append(f"  - {e.detail} [{e.kind}, weight {e.weight:+.2f}]")
    sm = match.sentence_map
    if sm is not None:
        if any(p.kind == "summary" for p in match.passages) or min(sm.covered_a, sm.covered_b) < 0.6 <= max(sm.covered_a, sm.covered_b):
            out.append(f"Sentence map: {sm.covered_a:.0%} of A's and {sm.covered_b:.0%} of B's examined sentences are matched.")
        if sm.capped:
            out.append(f"Note: {sm.note}.")
    levels = _SEVERITY_ORDER if show_low else SHOWN
    shown = [d for d in match.distortions if d.severity in levels]
    hidden = len(match.distortions) - len(shown)
    if shown:
        out.append("")
        out.append(f"Distortions ({len(shown)}):")
        for sev in levels:
            items = [d for d in shown if d.severity == sev]
            if not items:
                continue
            out.append(f"  {sev.upper()}")
            for d in items:
                where = []
                if d.a:
                    where.append(f"A[{d.a.start}:{d.a.end}]")
                if d.b:
                    where.append(f"B[{d.b.start}:{d.b.end}]")
                out.append(f"  - {d.kind} {' '.join(where)}: {d.detail}")
    if hidden:
        out.append(f"({hidden} low-severity distortion{'s' if hidden > 1 else ''} not listed; --all-distortions lists them)")
    return "\n".join(out)


def write_json(obj, stream: TextIO | None = None, *, lines: bool = False) -> None:
    stream = stream or sys.stdout
    if lines:
        stream.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
    else:
        stream.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
