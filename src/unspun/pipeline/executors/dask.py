"""The Dask executor: every step is a Dask task (with a worker plugin that loads the models)."""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Callable, Iterable, Iterator, Sequence

from ...errors import ConfigError, MissingDependency
from .base import Executor, Ready, warm_worker


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependency("dask", extra="dask", purpose="the Dask executor") from None
    return distributed


def _warm_plugin(embedder_name: str | None, judge: bool) -> Any:
    """A Dask worker plugin that runs :func:`warm_worker` when a worker starts (or when it is registered)."""
    from distributed import WorkerPlugin

    class WarmPlugin(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            warm_worker(embedder_name, judge)

    return WarmPlugin()


class DaskExecutor(Executor):
    """Runs the steps as Dask tasks.

    ``scheduler="tcp://host:8786"`` connects to a running cluster; otherwise a LocalCluster of
    ``workers`` worker processes (one thread each) is started for the run and closed with the executor.
    ``client`` reuses an existing ``distributed.Client``.  The dashboard link is in
    :attr:`dashboard_link` (and printed by ``unspun scan``)."""

    name = "dask"
    remote = True

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, client: Any = None,
                 threads_per_worker: int = 1, memory_limit: str | int = "auto", dashboard_address: str = ":0"):
        distributed = _distributed()
        self._cluster = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif scheduler:
            if workers:
                raise ConfigError("give either a scheduler address or a number of workers, not both")
            try:
                self.client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as err:
                raise ConfigError(f"{scheduler}: cannot connect to the Dask scheduler ({err})") from None
        else:
            n = workers or os.cpu_count() or 1
            if n < 1:
                raise ConfigError(f"workers must be at least 1, not {n}")
            self._cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=threads_per_worker, processes=True, memory_limit=memory_limit,
                dashboard_address=dashboard_address, silence_logs=logging.CRITICAL,
            )
            self.client = distributed.Client(self._cluster)
        self._token = uuid.uuid4().hex[:8]
        self._n = 0

    @property
    def dashboard_link(self) -> str:
        return str(self.client.dashboard_link)

    @property
    def workers(self) -> int:  # type: ignore[override]
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, fn: Callable[..., Any], *args: Any, name: str = "") -> Any:
        self._n += 1
        key = f"unspun-{name or fn.__name__}-{self._token}-{self._n}"
        values = [a.value if isinstance(a, Ready) else a for a in args]  # futures stay futures: Dask resolves them
        return self.client.submit(fn, *values, key=key, pure=False)

    def is_handle(self, x: Any) -> bool:
        return isinstance(x, _distributed().Future)

    def wait(self, handle: Any) -> Any:
        return handle.result()

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        futures = [h for h in handles if self.is_handle(h)]
        got = iter(self.client.gather(futures))
        return [next(got) if self.is_handle(h) else self.result(h) for h in handles]

    def as_completed(self, handles: Sequence[Any]) -> Iterator[Any]:
        yield from (h for h in handles if not self.is_handle(h))
        futures = [h for h in handles if self.is_handle(h)]
        if futures:
            yield from _distributed().as_completed(futures)

    def release(self, handles: Iterable[Any]) -> None:
        for h in handles:
            if self.is_handle(h):
                h.release()

    def warm(self, embedder_name: str | None = None, judge: bool = True) -> None:
        """Load the models on every worker now, and on every worker that joins (or restarts) later."""
        self.client.register_plugin(_warm_plugin(embedder_name, judge), name=f"unspun-warm-{embedder_name}-{judge}")

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
