"""Where the judge's time goes: cProfile of ``judge_matches`` over the linked pairs of a synthetic scan.

    .venv/bin/python benchmarks/judge_profile.py [N_DOCS] [--sort tottime] [--lines 40]   (default 2000)

Builds an index of N documents (benchmarks/synth.py, no vectors), takes the matches of ``Index.scan(judge=False)``,
judges them all once unprofiled (models, spaCy's vocabulary and the embedder's word memo warm, as in a long scan),
then profiles a second ``judge_matches`` over the same matches and prints the top functions.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

from unspun.index import Index  # noqa: E402
from unspun.pipeline.matches import judge_matches  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", nargs="?", type=int, default=2000)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--lines", type=int, default=40)
    args = ap.parse_args()
    docs, _ = make_corpus(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        with Index(Path(tmp) / "profile.unspun", embedder=None) as ix:
            ix.add(docs, batch_size=2000)
            matches = [m for c in ix.scan(judge=False) for m in c.matches]
    judge_matches(matches)
    prof = cProfile.Profile()
    t = time.process_time()
    prof.enable()
    judge_matches(matches)
    prof.disable()
    dt = time.process_time() - t
    print(f"{len(matches)} linked pairs judged in {dt:.2f} s CPU under cProfile ({1000 * dt / len(matches):.1f} ms per pair)")
    pstats.Stats(prof).sort_stats(args.sort).print_stats(args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
