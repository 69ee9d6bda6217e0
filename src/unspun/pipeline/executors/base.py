"""What every executor does: run a step function somewhere and hand back a handle to its result.

The driver only ever calls these methods, so a step runs unchanged in this process, on a local process
pool or on a Dask cluster.  A step receives only the outputs of earlier steps (handles it is given are
resolved to their values first), never the client's memory, so an executor that loses a result can
recompute it.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, Sequence


class Ready:
    """The handle of a value computed in this process (by :meth:`Executor.here` or given by a source)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def load_embedder(name: str | None) -> Any:
    """The embedder called ``name`` in this process (loaded once per process), or None."""
    if name is None:
        return None
    from ...embed import get_embedder

    return get_embedder(name)


def resolve_embedder_name(embedder: str | None) -> str | None:
    """``"auto"`` → the default embedder's name (env ``UNSPUN_EMBEDDER`` or ``static``); ``None``/``"none"`` → no vectors."""
    if embedder is None or embedder == "none":
        return None
    if embedder == "auto":
        from ...embed import DEFAULT, ENV_VAR

        return os.environ.get(ENV_VAR, "").strip() or DEFAULT
    return str(embedder)


def warm_worker(embedder_name: str | None = None, judge: bool = True) -> int:
    """Load what the steps use (aligner, embedder, the judge's models) in this process, once, so the
    first steps do not pay for it and a timed run measures work, not start-up; returns the process id."""
    from ... import align  # noqa: F401  (imports the aligner's dependencies)

    load_embedder(embedder_name)
    if judge:
        from ...judge import models

        models.nlp()
        models.embedder()
    return os.getpid()


class Executor:
    """The contract: ``submit`` a step, get its ``result``; ``here`` runs one in this process now.

    ``workers`` is the number of processes that run steps (1: this process alone); ``remote`` says
    whether they are other processes (then :meth:`warm` loads the models in each before a scan)."""

    name = "executor"
    workers = 1
    remote = False

    def submit(self, fn: Callable[..., Any], *args: Any, name: str = "") -> Any:
        raise NotImplementedError

    def is_handle(self, x: Any) -> bool:
        """Whether ``x`` is a handle of this executor's (a step's future), not a plain value."""
        return False

    def wait(self, handle: Any) -> Any:
        """The value of one of this executor's handles (blocks until the step has run)."""
        raise NotImplementedError

    def result(self, x: Any) -> Any:
        """The value of a handle; a plain value is its own value."""
        if isinstance(x, Ready):
            return x.value
        return self.wait(x) if self.is_handle(x) else x

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return [self.result(h) for h in handles]

    def here(self, fn: Callable[..., Any], *args: Any) -> Ready:
        """Run ``fn`` on the values of ``args`` in this process, now (for data that lives here, such as an
        index's mapped segments: shipping it to a worker would cost more than the step)."""
        return Ready(fn(*[self.result(a) for a in args]))

    def as_completed(self, handles: Sequence[Any]) -> Iterator[Any]:
        """The handles in the order their steps finish."""
        return iter(handles)

    def release(self, handles: Iterable[Any]) -> None:
        """Results the driver no longer needs (an executor may free them)."""

    def warm(self, embedder_name: str | None = None, judge: bool = True) -> None:
        """Load the models in every worker process now (see :func:`warm_worker`)."""

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
