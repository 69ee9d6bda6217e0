"""The one driver of a scan: it lays the steps out on an executor and collects what they report.

::

    source ──plan──► band rows per band partition, ANN pairs, key counts, document stores
    band partition p ──band_join──► counted pairs per pair partition (+ its oversize bucket keys)
    pair partition q ──dedupe──► candidate pairs grouped by (partition of a, partition of b)
    group chunk + its two document stores + every oversize key ──align_chunk──► linked matches (+ a part file)
    all linked matches ──link_clusters──► clusters (in this process)

Where the source's rows live in this process (an index), the candidate steps run here (``here``);
everything else goes where the executor puts it.  Progress is reported as
:class:`~unspun.progress.Progress` values: ``fingerprint`` (a scan of files), ``candidates``, ``align``.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

from ..params import DEFAULT_PARAMS, ScanParams
from ..progress import ProgressFn, report
from ..types import Cluster
from ..words import plural
from .batches import AlignOptions, Aligned
from .candidates import Pair
from .executors.base import Executor
from .inputs import write_text
from .matches import link_clusters
from .sources import SourcePlan
from .steps import align_chunk, all_pairs, band_join, concat_keys, dedupe, group_sizes, group_slice, pick



class Source(Protocol):
    """A scan's documents (:mod:`.sources`)."""

    embedder_name: str | None  # the embedder of its passage vectors (None: none)
    align_chunk: int  # candidate pairs per align step

    def partitions(self, ex: Executor) -> int: ...

    def plan(self, ex: Executor, params: ScanParams, parts: int, progress: ProgressFn | None) -> SourcePlan: ...


@dataclass
class ScanResult:
    """What a scan found: clusters (in the order of :mod:`.clusters`), counts, the part files written, the inputs skipped and
    ignored, CPU-seconds per stage, sizes, wall-clock seconds per phase, and the parameters it ran with."""

    clusters: list[Cluster]
    documents: int
    candidate_pairs: int  # pairs aligned: after verification (``sizes["unverified_pairs"]`` before it)
    linked_pairs: int
    parts: list[str]
    problems: list[tuple[str, str, str]]
    ignored: dict[str, int]
    cpu: dict[str, float]
    sizes: dict[str, int]
    wall: dict[str, float]
    params: ScanParams = DEFAULT_PARAMS

    def summary(self) -> str:
        s = (f"{plural(self.documents, 'document')}, {plural(self.candidate_pairs, 'candidate pair')}, "
             f"{plural(self.linked_pairs, 'linked pair')}, {plural(len(self.clusters), 'cluster')}")
        if self.problems:
            s += f"; {plural(len(self.problems), 'input')} skipped"
        return s


class Driver:
    """One scan of ``source`` on ``executor``: :meth:`candidates`, then :meth:`aligned` chunk by chunk.

    ``partitions``: band, pair and document partitions (default: the source's choice).  On an executor
    with worker processes the models are loaded in each first (``judge``: the judge's too)."""

    def __init__(self, source: Source, executor: Executor, params: ScanParams = DEFAULT_PARAMS, *,
                 partitions: int | None = None, progress: ProgressFn | None = None, judge: bool = True):
        self.ex, self.params, self.progress = executor, params, progress
        self.wall: dict[str, float] = {}
        self.sizes: dict[str, int] = {}
        t = time.perf_counter()
        if executor.remote:
            executor.warm(source.embedder_name, judge)
        self.parts = partitions or source.partitions(executor)
        self.align_chunk = source.align_chunk
        self.plan = source.plan(executor, params, self.parts, progress)
        self.cpu = dict(self.plan.stats.cpu)
        self.wall["prepare"] = time.perf_counter() - t
        self._dedup: list[Any] | None = None

    def _step(self, fn: Any, *args: Any, name: str = "") -> Any:
        """A candidate step: here when the source's rows live here, else on the executor."""
        return self.ex.here(fn, *args) if self.plan.here else self.ex.submit(fn, *args, name=name)

    def candidates(self) -> list[Any]:
        """Lay out the band joins and the dedupe of every pair partition; returns the dedupe handles
        (:data:`~.batches.Groups` each) once their sizes are known."""
        if self._dedup is not None:
            return self._dedup
        t = time.perf_counter()
        ex, plan, cp, n = self.ex, self.plan, self.params.candidates, self.parts
        self.joins = [self._step(band_join, n, cp, *plan.rows[p], name="band-join") for p in range(n)]
        dedup = []
        for q in range(n):
            blocks = [self._step(pick, j, "blocks", q, name="pairs") for j in self.joins]
            anns = [self._step(pick, a, "parts", q, name="pairs") for a in plan.ann]
            dedup.append(self._step(dedupe, n, cp, plan.key_counts, *blocks, *anns, name="dedupe"))
        self.groups = ex.gather([self._step(group_sizes, d, name="group-sizes") for d in dedup])
        joined = ex.gather([self._step(_counts, j, name="counts") for j in self.joins])
        anns = ex.gather([self._step(_counts, a, name="counts") for a in plan.ann])
        self.cpu["band_join"] = sum(c[2] for c in joined)
        self.cpu["ann"] = sum(c[2] for c in anns)
        self.sizes.update(self.plan.stats.sizes())
        self.sizes["band_join_pairs"] = sum(c[0] for c in joined)
        self.sizes["star_pairs"] = sum(c[1] for c in joined)
        self.sizes["ann_pairs"] = sum(c[0] for c in anns)
        self.sizes["unverified_pairs"] = n_pairs = sum(sum(g.values()) for g in self.groups)
        self.wall["candidates"] = time.perf_counter() - t
        self.oversize = self._step(concat_keys, *[self._step(pick, j, "oversize", name="oversize") for j in self.joins],
                                   name="oversize")  # the keys of every bucket over max_bucket, sorted
        report(self.progress, "candidates", n_pairs, n_pairs)
        if plan.here:  # the rows and the counted pairs held here are done with (a cluster's stay for recomputation)
            plan.rows, self.joins = [], []
        self._dedup = dedup
        return dedup

    def pairs(self) -> list[Pair]:
        """Every candidate pair, sorted (before verification)."""
        return all_pairs(*self.ex.gather(self.candidates()))

    def aligned(self, options: AlignOptions, chunk: int | None = None) -> Iterator[Aligned]:
        """Verify and align every candidate pair, at most ``chunk`` pairs per step (default: the source's
        ``align_chunk``; fewer when that leaves under four steps per worker process); yields each step's
        result as it finishes."""
        ex, plan = self.ex, self.plan
        dedup = self.candidates()
        t = time.perf_counter()
        total = self.sizes["unverified_pairs"]
        chunk = chunk or self.align_chunk
        if ex.remote:
            chunk = max(1, min(chunk, -(-total // (4 * ex.workers))))  # at least four steps per worker
        oversize = self.oversize
        steps = []
        for q, groups in enumerate(self.groups):
            for (ha, hb), n in groups.items():
                for s in range(0, n, chunk):
                    pairs = self._step(group_slice, dedup[q], (ha, hb), s, min(n, s + chunk), name="chunk")
                    steps.append(ex.submit(align_chunk, len(steps), pairs, plan.stores[ha], plan.stores[hb],
                                           oversize, self.params, options, name="align"))
        report(self.progress, "align", 0, total)
        self.cpu["align"] = 0.0
        done = 0
        for h in ex.as_completed(steps):
            r: Aligned = ex.result(h)
            self.cpu["align"] += r.cpu
            done += r.n_pairs
            report(self.progress, "align", done, total)
            yield r
        ex.release([*steps, oversize, *dedup, *self.joins, *plan.release])
        self.wall["align"] = time.perf_counter() - t


def _counts(result: Any) -> tuple[int, int, float]:
    """The counts of a band join (pairs, star pairs, CPU) or of ANN pairs (pairs, 0, CPU): what the
    driver reads (the pairs stay with their steps on a cluster)."""
    return (result.n_pairs, getattr(result, "n_star", 0), result.cpu)


def write_outputs(out: str, clusters: list[Cluster], params: ScanParams) -> None:
    """``out/clusters.jsonl`` (one line per cluster, in the order of :mod:`.clusters`) and ``out/params.json``."""
    lines = [json.dumps({"documents": list(c.documents), "pairs": [[m.a.id, m.b.id] for m in c.matches]}, ensure_ascii=False)
             for c in clusters]
    write_text(f"{out.rstrip('/')}/clusters.jsonl", "".join(line + "\n" for line in lines))
    write_text(f"{out.rstrip('/')}/params.json", json.dumps(params.to_dict(), indent=2, sort_keys=True) + "\n")
