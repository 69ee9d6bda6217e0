"""A time budget for one unit of work (one HTTP request), checked cooperatively between stages.

>>> with time_budget(10.0):       # doctest: +SKIP
...     match = compare(a, b)     # raises TimeBudgetExceeded once 10 s have passed

The deadline lives in a :class:`contextvars.ContextVar`, so it follows the
work into the thread that runs it and never leaks into other requests.
Long-running loops call :func:`check_deadline` (the aligner does, between its
stages); outside a budget the check costs one variable lookup.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from .errors import UnspunError

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("unspun_deadline", default=None)


class TimeBudgetExceeded(UnspunError):
    """The work ran past its time budget and was stopped."""

    def __init__(self, seconds: float):
        super().__init__(
            f"the request ran past its time budget of {seconds:g} s and was stopped; "
            "send shorter texts or ask for less (the service's --time-budget sets the limit)"
        )
        self.seconds = seconds


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Run the block with a deadline ``seconds`` from now (``None``: no deadline)."""
    if seconds is None:
        yield
        return
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_deadline() -> None:
    """Raise :class:`TimeBudgetExceeded` when the current budget has run out."""
    d = _DEADLINE.get()
    if d is not None and time.monotonic() > d[0]:
        raise TimeBudgetExceeded(d[1])
