"""The aligner's cost on expensive inputs, bounded (unspun.align) against the naive reference in the same run.

The reference is the aligner as it was before its cost bounds
(``tests/reference_align.py``: every sentence pair compared in full, every
repeat expanded).  Each case runs in a fresh process (so peak memory is its
own), with ``--timeout`` seconds allowed; it prints wall seconds, peak RSS and
the passages found, and for the bounded aligner its work counters.

Cases: one sentence repeated (10, 20, 40 KB per side; the reference grows
about n³ there) and natural text (PAN 2013 source documents, the second side
offset by a third so the two share two thirds: 100 KB and 1 MB per side).

    .venv/bin/python benchmarks/align_cost.py                   # PAN corpus from ../shared (or UNSPUN_PAN13_DIR)
    .venv/bin/python benchmarks/align_cost.py --timeout 120
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "The minister said the new budget would cut taxes for working families next year. "
CASES = [("repeated", 10_000), ("repeated", 20_000), ("repeated", 40_000), ("natural", 100_000), ("natural", 1_000_000)]


def texts(kind: str, size: int) -> tuple[str, str]:
    if kind == "repeated":
        t = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
        return t, t
    from unspun.evaluation.datasets import pan13_dir

    parts, n = [], 0
    for f in sorted((pan13_dir() / "src").glob("*.txt")):
        parts.append(f.read_text(encoding="utf-8", errors="replace"))
        n += len(parts[-1])
        if n > 2 * size:
            break
    whole = "\n\n".join(parts)
    return whole[:size], whole[size // 3 : size // 3 + size]


def one(kind: str, size: int, impl: str) -> None:
    """Run one case in this process and print its figures as JSON."""
    a, b = texts(kind, size)
    work = None
    t = time.perf_counter()
    if impl == "bounded":
        from unspun.align import align
        from unspun.overlap import AlignWork

        work = AlignWork()
        passages = align(a, b, work=work)
    else:
        sys.path.insert(0, str(ROOT / "tests"))
        from reference_align import align as reference

        passages = reference(a, b)
    wall = time.perf_counter() - t
    print(json.dumps({"wall": wall, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "passages": len(passages), "work": None if work is None else vars(work)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds allowed to one case (default 60)")
    ap.add_argument("--one", nargs=3, metavar=("KIND", "SIZE", "IMPL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]), args.one[2])
        return
    print(f"unspun aligner cost: bounded (unspun.align) vs the naive reference (tests/reference_align.py), "
          f"each case in its own process, {args.timeout:g} s allowed")
    print(f"  command: .venv/bin/python benchmarks/align_cost.py --timeout {args.timeout:g}")
    for kind, size in CASES:
        row = [f"  {kind:9} {size // 1000:>5} KB + {size // 1000} KB"]
        for impl in ("bounded", "reference"):
            try:
                p = subprocess.run([sys.executable, __file__, "--one", kind, str(size), impl], capture_output=True,
                                   text=True, timeout=args.timeout)
                r = json.loads(p.stdout.strip().splitlines()[-1])
                cell = f"{impl} {r['wall']:7.2f} s {r['rss']:6.0f} MB {r['passages']} passage(s)"
                if r["work"]:
                    w = r["work"]
                    cell += f" [seeds {w['seeds']:,}, steps {w['steps']:,}, products {w['products']:,}{', capped' if w['capped'] else ''}]"
            except subprocess.TimeoutExpired:
                cell = f"{impl} over {args.timeout:g} s (stopped)"
            row.append(cell)
        print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
