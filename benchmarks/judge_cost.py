"""Judge cost per aligned pair: the judge of a base commit against this checkout's, on the same pairs, in one run.

    python benchmarks/judge_cost.py [--base COMMIT] [--repeat 3]

The base commit's ``src/`` is exported with ``git archive`` into a temporary folder; each judge runs in
its own subprocess (``PYTHONPATH`` pointing at its ``src``) on the same pairs: the seed pair, the PAN
pairs vendored in tests/data/pan13 and 20 generator articles. Each process aligns the pairs first
(``compare(judge=False)``, untimed), warms the judge up on one pair, then times ``judge_match`` over all
pairs (CPU time, best of ``--repeat``). Both figures are printed side by side with their ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE = "493bb2c"  # the branch point of the judge rework (issue 14)

WORKER = r"""
import json, sys, time
from pathlib import Path
from unspun import compare, Document
from unspun.api import judge_match
pairs = json.loads(Path(sys.argv[1]).read_text())
bare = [compare(Document("a", a), Document("b", b), judge=False) for a, b in pairs]
judge_match(bare[0])
best = None
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    n = 0
    for m in bare:
        n += len(judge_match(m).distortions)
    dt = time.process_time() - t
    best = dt if best is None else min(best, dt)
print(json.dumps({"seconds": best, "pairs": len(bare), "with_passages": sum(bool(m.passages) for m in bare), "flags": n}))
"""


def pairs() -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT / "src"))
    from unspun.evaluation.distortions import generate
    from unspun.evaluation.judge_pan import load

    corpus = ROOT / "examples" / "corpus"
    out = [((corpus / "seed-000_39c885e149670517.txt").read_text(encoding="utf-8"),
            (corpus / "seed-002_9a117862eab7609d.txt").read_text(encoding="utf-8"))]
    pan, _ = load(ROOT / "tests" / "data" / "pan13")
    for p in pan.pairs:
        susp, src = pan.texts(p)
        out.append((src, susp))
    out += [(a.original, a.copy) for a in generate(20, 0)]
    return out


def export(commit: str, into: Path) -> Path:
    tar = into / "src.tar"
    with open(tar, "wb") as fh:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], stdout=fh, check=True)
    with tarfile.open(tar) as t:
        t.extractall(into / "tree", filter="data")
    return into / "tree" / "src"


def run(src: Path, data: Path, repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", WORKER, str(data), str(repeat)], env=env, capture_output=True,
                         text=True, check=True, cwd=src.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default=DEFAULT_BASE, help=f"commit of the old judge (default {DEFAULT_BASE})")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "pairs.json"
        data.write_text(json.dumps(pairs()), encoding="utf-8")
        old = run(export(args.base, tmp), data, args.repeat)
        new = run(ROOT / "src", data, args.repeat)
    n = old["pairs"]
    print(f"{n} pairs ({old['with_passages']} with passages): seed pair, tests/data/pan13, 20 generator articles")
    print(f"{'judge':<22}{'CPU s':>8}{'ms/pair':>9}{'flags':>7}")
    print(f"{'base ' + args.base:<22}{old['seconds']:>8.2f}{1000 * old['seconds'] / n:>9.1f}{old['flags']:>7}")
    print(f"{'this checkout':<22}{new['seconds']:>8.2f}{1000 * new['seconds'] / n:>9.1f}{new['flags']:>7}")
    print(f"new / old: {new['seconds'] / old['seconds']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
