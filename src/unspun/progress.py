"""One progress report for every long call: :meth:`unspun.Index.add`, a scan, the service's scan jobs.

A callback given as ``progress=`` receives :class:`Progress` values; ``str()`` of one is the line the
command-line tools print."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: What each stage counts.
UNITS = {
    "add": "documents",  # documents read and written so far (the total is not known while they stream)
    "fingerprint": "batches",  # input batches loaded, fingerprinted and embedded
    "candidates": "candidate pairs",  # candidate pairs found (reported once, done == total)
    "align": "candidate pairs",  # candidate pairs verified and aligned
}


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units of work of one ``stage`` (``total`` None: not known in advance)."""

    stage: str
    done: int
    total: int | None = None

    @property
    def unit(self) -> str:
        return UNITS.get(self.stage, "")

    def __str__(self) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        return f"{self.stage}: {self.done}{of} {self.unit}".rstrip()


ProgressFn = Callable[[Progress], None]


def report(progress: ProgressFn | None, stage: str, done: int, total: int | None = None) -> None:
    """Call ``progress`` (when there is one) with ``Progress(stage, done, total)``."""
    if progress is not None:
        progress(Progress(stage, done, total))


def throttled(progress: ProgressFn, steps: int = 20) -> ProgressFn:
    """``progress`` called only at each stage's start, at every ``steps``-th of it and at its end (a log
    line per step rather than one per batch of work)."""
    last: dict[str, int] = {}

    def call(p: Progress) -> None:
        step = steps * p.done // p.total if p.total else 0
        if last.get(p.stage) != step or p.done == p.total:
            last[p.stage] = step
            progress(p)

    return call


# --------------------------------------------------------------------------- rendering helpers


def amount(n: float, unit: str) -> str:
    """``n`` of ``unit`` for a person: bytes scaled (``3.2 MiB``), anything else with thousands separators."""
    if unit == "B":
        for scale, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if n >= scale:
                return f"{n / scale:.1f} {name}"
        return f"{int(n)} bytes"
    return f"{int(n):,} {unit}".rstrip()


def duration(seconds: float) -> str:
    """A rough duration: ``40 s``, ``3 min``, ``1 h 20 min``."""
    s = max(0, round(seconds))
    if s < 90:
        return f"{s} s"
    if s < 5400:
        return f"{round(s / 60)} min"
    return f"{s // 3600} h {round(s % 3600 / 60)} min"


def status_line(label: str, done: float, total: float | None, unit: str, elapsed: float, note: str = "") -> str:
    """One plain progress line: ``align: 1,200 of 25,511 candidate pairs (5%), 12 s so far, about 3 min
    left`` (the time left from the rate so far; none before any work is done or without a total); at the
    end ``align: 25,511 of 25,511 candidate pairs (100%), 4 min in all``."""
    if total:
        of = f"{amount(done, unit)} of {amount(total, unit)}" if unit == "B" else f"{int(done):,} of {amount(total, unit)}"
        line = f"{label}: {of} ({min(done / total, 1):.0%})"
    else:
        line = f"{label}: {amount(done, unit)}"
    if note:
        line += f", {note}"
    finished = bool(total) and done >= total
    line += f", {duration(elapsed)} {'in all' if finished else 'so far'}"
    if total and 0 < done < total:
        line += f", about {duration(elapsed * (total - done) / done)} left"
    return line
