"""``check`` of copies with the judge: this checkout against a base commit, the same index and queries, in one run.

    python benchmarks/check_judge.py [N_DOCS] [--base COMMIT] [--queries 100] [--rounds 2]   (default 20000, ef7c39c)

The base commit's ``src/`` is exported with ``git archive`` (as ``judge_cost.py`` does); each side runs in its own
subprocess with ``PYTHONPATH`` at its ``src``, one after the other.  Each builds an index of N synthetic documents
(benchmarks/synth.py, no vectors) and makes the copies ``check_latency.py`` makes (light and spun edits of
randomly picked documents), then checks every copy aligned only (``judge=False``) and judged, back to back, for
``--rounds`` rounds.  Printed for each side: p50 / p95 of the judged check, of the aligned-only check (the control:
the judge's change does not touch it) and of their difference per query (what the judge adds), and how many
matches the copies returned.  Timings are wall clock; compare the two sides, not the absolute figures.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from judge_cost import export  # noqa: E402

WORKER = r"""
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import numpy as np
from synth import copy_queries, make_corpus
from unspun.index import Index
n, nq, rounds = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
docs, _ = make_corpus(n)
copies = [text for _, text in copy_queries(docs, nq)]
lat = {"aligned": [], "judged": []}
matches = []
with tempfile.TemporaryDirectory() as tmp:
    with Index(Path(tmp) / "bench.unspun", embedder=None) as ix:
        ix.add(docs, batch_size=2000)
        ix.check(copies[0], k=10)  # loads the models
        for r in range(rounds):
            for text in copies:
                for judge, key in ((False, "aligned"), (True, "judged")):
                    t = time.perf_counter()
                    ms = ix.check(text, k=10, judge=judge)
                    lat[key].append(time.perf_counter() - t)
                if r == 0:
                    matches.append(len(ms))
print(json.dumps({"lat": lat, "matches": matches}))
"""


def run(src: Path, n: int, queries: int, rounds: int) -> dict:
    import os

    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", WORKER, str(ROOT / "benchmarks"), str(n), str(queries), str(rounds)],
                         env=env, capture_output=True, text=True, check=True, cwd=src.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=20000)
    ap.add_argument("--base", default="ef7c39c", help="commit of the other judge (default ef7c39c)")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {f"base {args.base}": run(export(args.base, Path(tmp)), args.n, args.queries, args.rounds),
                 "this checkout": run(ROOT / "src", args.n, args.queries, args.rounds)}
    first = next(iter(sides.values()))
    print(f"index of {args.n} documents (no vectors), {args.queries} copies x {args.rounds} rounds; "
          f"matches returned per copy: {np.bincount(first['matches']).tolist()} (index = number of matches)")
    print(f"{'':20}{'judged p50':>12}{'p95':>8}{'aligned p50':>13}{'p95':>8}{'judge p50':>11}{'p95':>8}  (ms)")
    judge_p50 = {}
    for label, r in sides.items():
        j, a = np.array(r["lat"]["judged"]) * 1000, np.array(r["lat"]["aligned"]) * 1000
        d = j - a
        judge_p50[label] = np.percentile(d, 50)
        print(f"{label:20}{np.percentile(j, 50):12.1f}{np.percentile(j, 95):8.1f}{np.percentile(a, 50):13.1f}"
              f"{np.percentile(a, 95):8.1f}{np.percentile(d, 50):11.1f}{np.percentile(d, 95):8.1f}")
    old, new = judge_p50.values()
    print(f"judge p50, this checkout / base: {new / old:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
