"""The corpus scan: one pipeline, one driver, one step contract, whatever the source and the executor.

>>> from unspun.pipeline import scan
>>> from unspun.pipeline.sources import FileSource, IndexSource
>>> from unspun.pipeline.executors import LocalExecutor, DaskExecutor
>>> result = scan(FileSource.of_paths(["corpus/"]), LocalExecutor(), out="results/")   # doctest: +SKIP
>>> result = scan(IndexSource(index), LocalExecutor(2))                             # doctest: +SKIP

``Index.scan`` is ``scan(IndexSource(index), LocalExecutor(workers))``; ``unspun scan --executor dask``
is ``scan(FileSource.of_paths(...), DaskExecutor(...))``: the same steps (:mod:`.steps`) over the same
typed batches (:mod:`.batches`), so both give the same clusters and byte-identical pair JSON.  The
stages themselves are pure functions: :mod:`.candidates` (band join counts, star evidence, dedupe,
verification), :mod:`.ann` (passage vectors, neighbours), :mod:`.boilerplate`, :mod:`.matches`
(align, judge, cluster).  Importing them does not import SQLite.
"""
from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from ..params import DEFAULT_PARAMS, ScanParams
from ..progress import ProgressFn

if TYPE_CHECKING:  # the driver and the steps are imported when a scan runs, not with a stage module
    from .batches import AlignOptions, Aligned
    from .candidates import Pair
    from .driver import Driver, ScanResult, Source
    from .executors.base import Executor

__all__ = ["scan", "aligned", "candidate_pairs", "ScanResult", "Driver"]


def __getattr__(name: str) -> Any:
    if name in ("Driver", "ScanResult"):
        from . import driver

        return getattr(driver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def scan(source: "Source", executor: "Executor", params: ScanParams = DEFAULT_PARAMS, *, judge: bool = True,
         out: str | None = None, keep_matches: bool = False, progress: ProgressFn | None = None,
         partitions: int | None = None, align_chunk: int | None = None) -> "ScanResult":
    """Every copy cluster of ``source`` (in the order of :mod:`.clusters`), found on ``executor``: candidate pairs, verified,
    aligned and judged (unless ``judge`` is false), linked at ``params.min_coverage``, clustered.

    Each cluster's matches come without texts, provenance and distortions unless ``keep_matches``; with
    ``out`` (a directory or an fsspec URL) every linked pair is written in full to
    ``out/pairs/part-NNNNN.jsonl``, the clusters to ``out/clusters.jsonl`` and the parameters to
    ``out/params.json``.  ``partitions`` and ``align_chunk`` (pairs per align step) default to the
    source's choice."""
    from .batches import AlignOptions
    from .driver import Driver, ScanResult, write_outputs
    from .matches import link_clusters

    options = AlignOptions(judge=judge, out=out, keep_matches=keep_matches)
    driver = Driver(source, executor, params, partitions=partitions, progress=progress, judge=judge)
    matches, paths, verified = [], [], 0
    for r in driver.aligned(options, align_chunk):
        matches += r.matches
        verified += r.n_verified
        if r.path:
            paths.append(r.path)
    t = time.perf_counter()
    clusters = link_clusters(matches, params.min_coverage)
    if out is not None:
        write_outputs(out, clusters, params)
    driver.wall["cluster"] = time.perf_counter() - t
    stats = driver.plan.stats
    return ScanResult(clusters, stats.documents, verified, len(matches), sorted(paths), stats.problems, stats.ignored,
                      driver.cpu, driver.sizes, driver.wall, params)


def aligned(source: "Source", executor: "Executor", params: ScanParams = DEFAULT_PARAMS, *,
            options: "AlignOptions | None" = None, progress: ProgressFn | None = None,
            align_chunk: int | None = None) -> "Iterator[Aligned]":
    """The align steps' results one by one, as they finish (for a caller that keeps more than the
    clusters: the verified pairs with ``options.keep_verified``, every passage)."""
    from .batches import AlignOptions
    from .driver import Driver

    options = options or AlignOptions()
    yield from Driver(source, executor, params, progress=progress, judge=options.judge).aligned(options, align_chunk)


def candidate_pairs(source: "Source", executor: "Executor", params: ScanParams = DEFAULT_PARAMS, *,
               verify: bool = True) -> "list[Pair]":
    """Every candidate pair of ``source``, sorted: the band join (with star evidence) and the ANN
    neighbours, deduplicated and, unless ``verify`` is false, verified on window signatures (in this
    process)."""
    from .candidates import verify_pairs
    from .driver import Driver

    driver = Driver(source, executor, params, judge=False)
    pairs = driver.pairs()
    if not verify:
        return pairs
    stores = [executor.result(s) for s in driver.plan.stores]

    @lru_cache(maxsize=4096)  # pairs come sorted: one side repeats
    def signatures(i: str):
        for st in stores:
            s = st.signatures(i)
            if s is not None:
                return s
        return None

    return verify_pairs(pairs, signatures, params.candidates)
