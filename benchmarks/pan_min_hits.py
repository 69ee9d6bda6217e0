"""What lowering ``min_hits`` (``unspun.params.CandidateParams``) from 3 to 2 would add to the PAN 2013 corpus scan's candidates.

Indexes every PAN 2013 training document (no vectors), takes the band-join pairs that share exactly two
buckets (one fewer than the default ``min_hits``), verifies them on window signatures as the scan does and
counts, per PAN list, the pairs that pass: the recall such a change could buy and the work and unlisted
pairs it would cost.

    .venv/bin/python benchmarks/pan_min_hits.py [PAN_DIR]     (~5 min on one core)
"""
from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "src"))

from unspun.errors import UnspunError  # noqa: E402
from unspun.evaluation.datasets import pan13_dir  # noqa: E402
from unspun.evaluation.pan_scan import iter_pan_documents, read_pair_lists  # noqa: E402
from dataclasses import replace  # noqa: E402

from unspun.index import Index  # noqa: E402
from unspun.index.check import signature_lookup  # noqa: E402
from unspun.params import DEFAULT_PARAMS  # noqa: E402
from unspun.pipeline.candidates import verify_pairs  # noqa: E402

MIN_HITS = DEFAULT_PARAMS.candidates.min_hits


def main(argv: list[str]) -> int:
    try:
        pan = pan13_dir(argv[0] if argv else None)  # the argument, $UNSPUN_PAN13_DIR, ../shared/data/pan13-train
    except UnspunError as err:
        raise SystemExit(f"pan_min_hits: {err}") from None
    lists = read_pair_lists(pan)
    listed = {p: c for c, ps in lists.listed.items() for p in ps}
    hits = MIN_HITS - 1
    with tempfile.TemporaryDirectory() as tmp:
        with Index(Path(tmp) / "pan.unspun", embedder=None) as ix:
            ix.add(iter_pan_documents(pan))
            t = time.perf_counter()
            lower = replace(ix.params, candidates=replace(ix.params.candidates, min_hits=hits))
            pairs = [p for p in ix.candidate_pairs(verify=False, params=lower) if p[2] == hits]
            print(f"{len(ix)} documents; pairs sharing exactly {hits} band buckets: {len(pairs)} ({time.perf_counter() - t:.0f} s)")
            t = time.perf_counter()
            ok = verify_pairs(pairs, signature_lookup(ix))
            print(f"verified on window signatures: {len(ok)} ({time.perf_counter() - t:.0f} s in one process)")
    by = collections.Counter(listed.get((a, b), "unlisted") for a, b, *_ in ok)
    for name, n in sorted(by.items()):
        print(f"  {name}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
