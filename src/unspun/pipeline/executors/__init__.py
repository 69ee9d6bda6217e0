"""Where the steps of a scan run: :class:`LocalExecutor` (this process, or a local pool) and
:class:`DaskExecutor` (a Dask cluster), both over the one contract of :class:`~.base.Executor`."""
from __future__ import annotations

from .base import Executor, Ready, load_embedder, resolve_embedder_name, warm_worker
from .dask import DaskExecutor
from .local import LocalExecutor

__all__ = ["Executor", "Ready", "LocalExecutor", "DaskExecutor", "load_embedder", "resolve_embedder_name", "warm_worker"]

