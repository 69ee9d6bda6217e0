"""What the judge adds to a scan: ``Index.scan()`` with the judge against ``Index.scan(judge=False)``, same index,
same run.

Builds an index of N generated article-sized documents with known copies (benchmarks/synth.py; no vectors by
default, as ``index add --no-vectors``), then scans it twice in this process, back to back, ``--repeat`` times
alternating the order: aligned only, and aligned and judged.  Prints each scan's wall and CPU time (best of the
repeats), the linked pairs, and the ratio judge / no judge (target: at most 1.5x).  Both scans are asked the same
thing, so they must find the same pairs (checked).

    .venv/bin/python benchmarks/scan_judge.py [N_DOCS] [--vectors] [--repeat 2] [--workers 1]   (default 5000)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

from unspun.index import Index  # noqa: E402


def timed_scan(ix: Index, judge: bool, workers: int) -> tuple[float, float, list]:
    w, c = time.perf_counter(), time.process_time()
    clusters = list(ix.scan(judge=judge, workers=workers))
    return time.perf_counter() - w, time.process_time() - c, clusters


def pairs_of(clusters) -> list[tuple[str, str]]:
    return sorted((m.a.id, m.b.id) for c in clusters for m in c.matches)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=5000)
    ap.add_argument("--vectors", action="store_true", help="index passage vectors too (ANN candidates)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    docs, copies = make_corpus(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.unspun"
        with Index(path, embedder="static" if args.vectors else None) as ix:
            ix.add(docs, batch_size=2000, workers=1)
        del docs
        best: dict[bool, tuple[float, float]] = {}
        found: dict[bool, list] = {}
        with Index(path, readonly=True) as ix:
            timed_scan(ix, True, args.workers)  # warm-up: loads the judge's models and the aligner once
            for r in range(args.repeat):
                for judge in ((False, True) if r % 2 == 0 else (True, False)):
                    wall, cpu, clusters = timed_scan(ix, judge, args.workers)
                    found[judge] = pairs_of(clusters)
                    old = best.get(judge)
                    best[judge] = (wall, cpu) if old is None else (min(old[0], wall), min(old[1], cpu))
            distortions = sum(len(m.distortions) for c in clusters for m in c.matches) if judge else None
    assert found[True] == found[False], "the judge must not change which pairs are linked"
    n_pairs = len(found[True])
    print(f"{args.n} documents ({len(copies)} known copies), {'with' if args.vectors else 'no'} vectors,"
          f" {args.workers} worker(s): {n_pairs} linked pairs; best of {args.repeat}")
    for judge, label in ((False, "scan --no-judge"), (True, "scan (judged)")):
        wall, cpu = best[judge]
        print(f"  {label:18} wall {wall:7.2f} s  cpu {cpu:7.2f} s  ({n_pairs / wall:6.1f} linked pairs/s)")
    print(f"ratio judged / --no-judge: wall {best[True][0] / best[False][0]:.2f}x, cpu {best[True][1] / best[False][1]:.2f}x"
          f"   (target: <= 1.5x)" + (f"; {distortions} distortions listed" if distortions is not None else ""))
    print(f"machine: {os.cpu_count()} cores, load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
