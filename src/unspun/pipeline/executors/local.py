"""The local executor: each step runs in this process as soon as it is submitted (``workers=1``), or on
a pool of ``workers`` spawned processes (steps wait for their inputs on the client)."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from ...errors import ConfigError
from .base import Executor, warm_worker


class LocalExecutor(Executor):
    """``LocalExecutor()`` runs every step here and now; ``LocalExecutor(N)`` spreads them over N processes.
    The processes are spawned, so a script that asks for several must guard its entry point with
    ``if __name__ == "__main__":``."""

    name = "local"

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise ConfigError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self.remote = workers > 1
        self._pool = None
        if self.remote:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable[..., Any], *args: Any, name: str = "") -> Any:
        if self._pool is None:
            return self.here(fn, *args)
        return self._pool.submit(fn, *[self.result(a) for a in args])

    def is_handle(self, x: Any) -> bool:
        from concurrent.futures import Future

        return isinstance(x, Future)

    def wait(self, handle: Any) -> Any:
        return handle.result()

    def as_completed(self, handles: Sequence[Any]) -> Iterator[Any]:
        if self._pool is None:
            yield from handles
            return
        from concurrent.futures import as_completed

        yield from (h for h in handles if not self.is_handle(h))
        yield from as_completed([h for h in handles if self.is_handle(h)])

    def warm(self, embedder_name: str | None = None, judge: bool = True) -> None:
        """Load the models once in each pool process (one blocking task each)."""
        if self._pool is not None:
            for f in [self._pool.submit(warm_worker, embedder_name, judge) for _ in range(self.workers)]:
                f.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
