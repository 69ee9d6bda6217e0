"""Index.add throughput of whichever unspun is imported, on the generated corpus: run it against two
versions back to back (same machine, same load) to compare them.

    rm -rf /tmp/old && mkdir -p /tmp/old && git archive 21071cc src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src .venv/bin/python benchmarks/ingest_ab.py 20000   # the version at 21071cc
    .venv/bin/python benchmarks/ingest_ab.py 20000                           # this checkout
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

import unspun.index  # noqa: E402
from unspun.index import Index  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    docs, _ = make_corpus(n)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        with Index(Path(tmp) / "x.unspun", embedder=None) as ix:
            ix.add(docs, batch_size=2000, workers=workers)
        dt = time.perf_counter() - t
        with Index(Path(tmp) / "x.unspun", embedder=None) as ix:
            disk = ix.stats()["bytes_on_disk"]
    print(f"{unspun.index.__file__}: {n / dt:.0f} docs/s ({workers} process{'es' if workers > 1 else ''}),"
          f" {disk / n:.0f} bytes/doc on disk, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
