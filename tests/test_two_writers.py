"""Two ``unspun index add`` processes at once over overlapping documents (a sample of
``benchmarks/two_writers.py``'s seeded trials; the 20-trial run's figure is in docs/guarantees.md).

Both must exit 0 (the second waits for the write lock) or exit 2 with one line saying another process
holds it; the index then holds exactly the expected documents, each once, with consistent signatures,
band lookup and vector cache.  Seed 0 starts the second writer 0.06 s after the first: both find the
file new, which once let the second reset the first's generation counter (band keys then went missing).
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import two_writers  # noqa: E402

from unspun.index import Index  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_concurrent_index_add(tmp_path, seed):
    ok, desc = two_writers.trial(tmp_path, seed)
    assert ok, desc


def test_second_creator_opens_the_index_as_it_is(tmp_path):
    """The create race, deterministically: a handle that found the file empty and creates it after another
    process did must not reset the index (its generation, instance, documents)."""
    from unspun.index.store import Store
    from unspun.types import Document

    path = tmp_path / "x.unspun"
    late = Store(path, readonly=False)  # opened while the file was still empty
    assert late.read_meta() is None
    with Index(path, embedder=None) as ix:
        ix.add([Document("a", "The harbour closed on Friday and the fishermen stayed ashore all weekend.")])
        instance, gen = ix.instance, ix.store.generation()
    assert late.create({"x": 1}, "none") is None
    late.close()
    with Index(path, embedder=None) as ix:
        assert ix.instance == instance and ix.store.generation() == gen == 1 and list(ix.ids()) == ["a"]


def test_serve_post_documents_while_the_cli_adds(tmp_path):
    """``unspun serve`` taking ``POST /documents`` while ``unspun index add`` writes the same ids: every POST
    answers 201, the CLI exits 0, and the index holds exactly the expected documents, consistent."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from servers import serve

    a, _b, allowed, ids_a, _ids_b = two_writers.make_inputs(tmp_path, 3)
    posted = [json.loads(line) for line in a.read_text().splitlines()]
    words = ["alpha", "beta", "gamma", "delta", "omega", "harbour", "council", "bridge", "river", "budget"]
    posted = posted[: len(posted) // 2] + [{"id": f"web-{i}", "text": two_writers._text(random.Random(i), words)}
                                           for i in range(60)]
    for d in posted:
        allowed.setdefault(d["id"], set()).add(d["text"])
    db = tmp_path / "shared.unspun"
    with serve(db) as server:
        cli = two_writers.start(a, db, 50)

        def post(batch):
            with httpx.Client(base_url=server.url, timeout=300) as c:
                return c.post("/documents", json={"documents": batch})

        with ThreadPoolExecutor(2) as ex:
            answers = list(ex.map(post, [posted[i : i + 40] for i in range(0, len(posted), 40)]))
        out, err = cli.communicate(timeout=600)
        assert cli.returncode == 0, err
        assert [r.status_code for r in answers] == [201] * len(answers), [r.text[:300] for r in answers]
        assert "Traceback" not in server.log
    two_writers.check_index(db, ids_a | {d["id"] for d in posted}, allowed)
