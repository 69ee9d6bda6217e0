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
