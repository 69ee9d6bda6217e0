"""What inserting passage vectors into the HNSW graph costs, and what would make it cheaper.

1. ``expansion_add`` (usearch's default 128, which the index uses) against 64 and 48 on the passage vectors of
   generated articles: insertion time, and the share of the near neighbours that make ANN candidates (cosine
   >= ``ann_threshold`` among the exact top ``ann_neighbours``) that a search of the graph finds.
2. Whether an insertion on a background thread lets Python run on the main thread meanwhile (whether usearch
   releases the GIL while it inserts): the longest pause of a Python loop during the insertion.

    .venv/bin/python benchmarks/ann_insert.py [N_DOCS]   (default 3000)
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import make_corpus  # noqa: E402

from unspun.embed import get_embedder  # noqa: E402
from unspun.params import DEFAULT_PARAMS  # noqa: E402
from unspun.pipeline.ann import embed_batch  # noqa: E402


def graph(vecs: np.ndarray, expansion_add: int):
    from usearch.index import Index as UIndex

    ix = UIndex(ndim=vecs.shape[1], metric="cos", dtype="f16", expansion_add=expansion_add)
    t = time.perf_counter()
    ix.add(np.arange(1, len(vecs) + 1, dtype=np.uint64), vecs, threads=1)
    return ix, time.perf_counter() - t


def expansion(vecs: np.ndarray) -> None:
    cp = DEFAULT_PARAMS.candidates
    k = cp.ann_neighbours
    sims = vecs @ vecs.T
    top = np.argsort(-sims, axis=1)[:, :k]
    want = [set(j for j in top[i].tolist() if j != i and sims[i, j] >= cp.ann_threshold) for i in range(len(vecs))]
    total = sum(map(len, want))
    for ea in (128, 64, 48):
        ix, dt = graph(vecs, ea)
        found = (ix.search(vecs, k).keys.astype(np.int64) - 1).tolist()
        got = sum(len(want[i] & set(found[i])) for i in range(len(vecs)))
        print(f"  expansion_add {ea:3}: insert {dt:5.2f} s ({dt / len(vecs) * 1e6:4.0f} us/vector); "
              f"near neighbours found {got}/{total} = {got / total:.3f}")


def gil_held(vecs: np.ndarray) -> None:
    """An insertion on a background thread while a Python loop runs on the main thread, against the same
    insertion alone, and the loop's longest pause meanwhile: whether the insertion can overlap the writer's
    Python work (usearch releases the GIL while it inserts, but a thread that must take it back often waits
    for the running thread's switch interval each time)."""
    alone = graph(vecs, 128)[1]
    done = threading.Event()

    def insert() -> None:
        graph(vecs, 128)
        done.set()

    th = threading.Thread(target=insert)
    t0 = last = time.perf_counter()
    longest = 0.0
    th.start()
    while not done.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    th.join()
    beside = time.perf_counter() - t0
    print(f"  insertion alone {alone:.2f} s; on a thread beside a Python loop {beside:.2f} s ({beside / alone:.0f}x); "
          f"the loop's longest pause meanwhile {longest * 1e3:.0f} ms (switch interval "
          f"{sys.getswitchinterval() * 1e3:.0f} ms)")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    docs, _ = make_corpus(n)
    vecs = np.concatenate([e[2] for e in embed_batch(docs, get_embedder())]).astype(np.float16).astype(np.float32)
    print(f"{len(vecs)} passage vectors of {n} generated articles; load average {os.getloadavg()[0]:.1f}")
    print("HNSW insertion by expansion_add (one thread):")
    expansion(vecs)
    print("an insertion on a background thread beside a Python loop (first 4,000 vectors):")
    gil_held(vecs[:4000])


if __name__ == "__main__":
    main()
