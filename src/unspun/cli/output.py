"""Plain-text rendering of results for the terminal (shared by compare, check and scan).

Every string from a document (ids, text, titles, the judge's quotations) is cleaned by
:func:`~unspun.cli.terminal.clean` here, before columns are measured; the commands print the result with
:func:`~unspun.cli.terminal.out`."""
from __future__ import annotations

import argparse
import shutil
import textwrap

from ..types import Match
from ..words import plural
from .terminal import clean

_SEVERITY_ORDER = ("high", "medium", "low")
#: Severities listed by default; ``--all-distortions`` adds ``low``.
SHOWN = ("high", "medium")


def add_distortion_flag(parser: argparse.ArgumentParser) -> None:
    """The one flag that shows low-severity distortions too (compare, check and scan)."""
    parser.add_argument("--all-distortions", "--show-low", dest="all_distortions", action="store_true",
                        help="list low-severity distortions too (default: high and medium only)")


def terminal_width() -> int:
    """The width to lay text out in: the terminal's (``COLUMNS``; 120 when not a terminal), at most 160."""
    return min(shutil.get_terminal_size((120, 24)).columns, 160)


def coverage_line(label: str, doc_id: str, length: int, coverage: float, other: str) -> str:
    """One side's coverage (``Match.coverage_a``/``_b``: the share of its characters inside an aligned
    passage), in the form of the provenance evidence (``N% of X's text is ...``) but under its own name:
    the evidence counts the sentences paired with the other text, a passage may span a sentence the
    other text left out."""
    return f"{label}: {clean(doc_id)}  ({length:,} characters; {coverage:.0%} of {label}'s text is in passages aligned with {other})"


def _excerpt(text: str, start: int, end: int, width: int) -> list[str]:
    s = clean(" ".join(text[start:end].split()))
    lines = textwrap.wrap(s, width) or [""]
    if len(lines) > 4:
        lines = lines[:2] + ["…"] + lines[-1:]
    return lines


def format_match(match: Match, width: int | None = None, *, show_low: bool = False) -> str:
    """A readable side-by-side table of a match's passages, then its provenance and distortions
    (high and medium; ``show_low`` lists the low ones too)."""
    width = width or terminal_width()
    col = max(30, (width - 3) // 2)
    a, b = match.a, match.b
    out = [
        coverage_line("A", a.id, len(a.text), match.coverage_a, "B"),
        coverage_line("B", b.id, len(b.text), match.coverage_b, "A"),
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
    names = {"a": f"A ({clean(a.id)})", "b": f"B ({clean(b.id)})"}
    out.append(f"Original: {names.get(match.original, 'unknown')}")
    for e in match.evidence:
        out.append(f"  - {clean(e.detail)} [{clean(e.kind)}, weight {e.weight:+.2f}]")
    sm = match.sentence_map
    if sm is not None:
        if any(p.kind == "summary" for p in match.passages) or min(sm.covered_a, sm.covered_b) < 0.6 <= max(sm.covered_a, sm.covered_b):
            out.append(f"Sentence map: {sm.covered_a:.0%} of A's and {sm.covered_b:.0%} of B's examined sentences are matched.")
        if sm.capped:
            out.append(f"Note: {clean(sm.note)}.")
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
                out.append(f"  - {d.kind} {' '.join(where)}: {clean(d.detail)}")
    if hidden:
        out.append(f"({plural(hidden, 'low-severity distortion')} not listed; --all-distortions lists them)")
    return "\n".join(out)


# --------------------------------------------------------------------------- scan

#: Clusters listed in the summary unless ``--details`` (the rest are counted on one line).
SUMMARY_LINES = 50


def _members(original: str | None, documents: tuple[str, ...], room: int) -> str:
    """``original → copy, copy`` (``unknown: doc, doc`` without one), cut to ``room`` characters with
    ``+N more`` (at least one document is named)."""
    if original is not None:
        head, rest = f"{clean(original)} → ", [clean(d) for d in documents if d != original]
    else:
        head, rest = "unknown: ", [clean(d) for d in documents]
    text = head.rstrip()
    for keep in range(min(len(rest), 20), 0, -1):
        text = head + ", ".join(rest[:keep]) + (f", +{len(rest) - keep} more" if keep < len(rest) else "")
        if len(text) <= room:
            break
    return text


def format_summary(clusters, summaries, *, limit: int | None, width: int | None = None) -> list[str]:
    """The table that leads a scan: one line per cluster (at most ``limit``), numbered as everywhere."""
    width = width or terminal_width()
    head = f"{'#':>4}  {'docs':>4}  {'pairs':>5}  {'best':>4}  {'high':>4}  {'medium':>6}  original → copies"
    lines = [head]
    shown = clusters if limit is None else clusters[:limit]
    for n, (c, s) in enumerate(zip(shown, summaries), 1):
        row = (f"{n:>4}  {s.documents:>4}  {s.pairs:>5}  {s.best_coverage:>4.0%}  {s.high:>4}  {s.medium:>6}  ")
        lines.append(row + _members(s.original, c.documents, max(20, width - len(row))))
    if len(clusters) > len(shown):
        lines.append(f"  … and {plural(len(clusters) - len(shown), 'more cluster')} (--details lists them all)")
    return lines


def format_cluster(n: int, total: int, cluster, summary, first_pair: int, *, show_low: bool) -> list[str]:
    """Cluster ``n`` of ``total`` with the full detail of each pair (pairs numbered from ``first_pair``,
    as the HTML report numbers them)."""
    orig = clean(summary.original) if summary.original is not None else "unknown"
    out = [f"=== cluster {n} of {total}: {plural(summary.documents, 'document')}, "
           f"{plural(summary.pairs, 'linked pair')}; original: {orig}; "
           f"distortions: {summary.high} high, {summary.medium} medium"]
    out += [f"  {clean(d)}" + ("  (original)" if d == summary.original else "") for d in cluster.documents]
    for k, m in enumerate(cluster.matches):
        out += ["", f"--- pair {first_pair + k} (cluster {n})", format_match(m, show_low=show_low)]
    out.append("")
    return out
