"""Progress on stderr for ``index add`` and ``scan``: one bar, updated in place, with its total and the
time left on a terminal (tqdm); plain lines elsewhere (a log, a pipe, CI), one at every tenth of a
stage and at its end (none before any work is done).  The library reports :class:`~unspun.progress.Progress` values;
this renders them."""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, TextIO

from ..progress import Progress, status_line
from .terminal import clean, out

#: Seconds between redraws of a bar that is waiting (the clock keeps moving while the models load).
TICK = 0.5
#: At most one plain line this often for a stage without a total.
PLAIN_EVERY = 10.0


#: The bar: done of total, the time so far and left, and the note; no rate (the library reports a stage's work
#: in steps, often all at once, so an instant rate would read millions a second). Without a total, the
#: amount once there is one, and the clock.
_WITH_TOTAL = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}{unit} [{elapsed} so far, {remaining} left{postfix}]"
_NO_TOTAL = "{desc}: {n_fmt}{unit} [{elapsed}{postfix}]"
_WAITING = "{desc} [{elapsed}{postfix}]"


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def _bar_format(total: float | None, done: float) -> str:
    return _WITH_TOTAL if total else _NO_TOTAL if done else _WAITING


class ProgressView:
    """Call it with ``Progress`` values (or :meth:`update` with an amount of any unit); use it as a
    context manager, or :meth:`close` it, before printing the result."""

    def __init__(self, command: str, *, quiet: bool = False, stream: TextIO | None = None):
        self.command = command
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar: Any = None
        self.stage: str | None = None
        self.t0 = time.monotonic()
        self.step: int | None = None
        self.last_line = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the bar is redrawn by the caller and by the ticker
        self._ticker: threading.Thread | None = None

    # ------------------------------------------------------------------ input

    def __call__(self, p: Progress) -> None:
        self.update(p.stage, p.done, p.total, p.unit)

    def start(self, stage: str = "starting") -> None:
        """On a terminal, a bar whose clock runs before the first figure comes (loading models, listing
        files); a log gets its first line with that figure."""
        if self.tty:
            self.update(stage, 0, None, "")

    def update(self, stage: str, done: float, total: float | None, unit: str, note: str = "") -> None:
        if self.quiet:
            return
        new = stage != self.stage
        if new:
            self.stage, self.t0, self.step, self.last_line = stage, time.monotonic(), None, 0.0
        if self.tty:
            with self._lock:
                self._draw(new, done, total, unit, note)
        else:
            self._line(done, total, unit, note)

    # ------------------------------------------------------------------ terminal

    def _draw(self, new: bool, done: float, total: float | None, unit: str, note: str) -> None:
        scaled = unit == "B"
        look = {"desc": clean(self._label()), "unit": "B" if scaled else f" {unit}" if unit else "",
                "unit_scale": scaled, "unit_divisor": 1024}
        if self.bar is None:
            from tqdm import tqdm

            sized = _columns(self.stream) > 0  # a terminal that reports no size (a bare pty) gets 80x24
            self.bar = tqdm(file=self.stream, dynamic_ncols=sized, ncols=None if sized else 80,
                            nrows=None if sized else 24, leave=False,
                            total=total, mininterval=0.2, bar_format=_bar_format(total, done), **look)
            self._ticker = threading.Thread(target=self._tick, name="unspun-progress", daemon=True)
            self._ticker.start()
        bar = self.bar
        if new or bar.total != total:
            for k, v in look.items():
                setattr(bar, k, v)
            bar.set_postfix_str("", refresh=False)
            bar.reset(total=total)
        bar.n = done
        bar.bar_format = _bar_format(total, done)
        if note:
            bar.set_postfix_str(clean(note), refresh=False)
        bar.refresh()

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                if self.bar is not None:
                    self.bar.refresh()

    # ------------------------------------------------------------------ plain lines

    def _line(self, done: float, total: float | None, unit: str, note: str) -> None:
        if not done:  # nothing done yet: no line (an input refused at once is then the only thing said)
            return
        now = time.monotonic()
        if total:
            step = int(10 * done // total)
            due = step != self.step or done >= total
            self.step = step
        else:
            due = self.last_line == 0.0 or now - self.last_line >= PLAIN_EVERY
        if due:
            self.last_line = now
            label = self._label()
            out(status_line(label, done, total, unit, now - self.t0, note), file=self.stream)

    def _label(self) -> str:
        """``scan align``, ``index add`` (a stage named as the command's last word is the command)."""
        return self.command if self.stage == self.command.split()[-1] else f"{self.command} {self.stage}"

    # ------------------------------------------------------------------ end

    def close(self) -> None:
        """Take the bar off the screen (the command prints its result next)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        with self._lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None

    def __enter__(self) -> "ProgressView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
