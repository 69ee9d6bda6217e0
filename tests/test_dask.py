"""The scan on Dask (and on the local executor) gives the embedded Index.scan's answer, also when a worker dies."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspun.index import Index
from unspun.ingest import iter_documents
from unspun.params import CandidateParams
from unspun.pipeline import scan
from unspun.pipeline.batches import BandRows
from unspun.pipeline.candidates import dedupe_pairs
from unspun.pipeline.executors import DaskExecutor, LocalExecutor
from unspun.pipeline.inputs import expand_inputs
from unspun.pipeline.matches import match_line
from unspun.pipeline.sources import FileSource
from unspun.pipeline.steps import band_join, dedupe, stable_part

from reference import admit_star_pairs, candidate_pairs, group_rows, star_pairs

distributed = pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"
PIECES = REPO / "tests" / "data" / "pan13-pieces"  # PAN pieces, once part of the example corpus
# small batches, so that the corpus (140 kB of files) is split over many prepare / align steps
BATCH_BYTES = 24 * 1024


def scan_paths(paths, executor, *, batch_bytes=32 << 20, ann_shard_vectors=None, **kwargs):
    """A scan of files on ``executor`` (the source built as ``unspun scan PATH...`` builds it)."""
    more = {} if ann_shard_vectors is None else {"ann_shard_vectors": ann_shard_vectors}
    return scan(FileSource.of_paths(paths, batch_bytes=batch_bytes, **more), executor, **kwargs)


def _key(clusters):
    return [(c.documents, [(m.a.id, m.b.id) for m in c.matches]) for c in clusters]


def _part_lines(result):
    lines = []
    for p in result.parts:
        lines += Path(p).read_text(encoding="utf-8").splitlines()
    return sorted(lines)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """The embedded scan of the example corpus: cluster ids and every pair's JSON line, sorted."""
    path = tmp_path_factory.mktemp("embedded") / "corpus.unspun"
    with Index(path) as ix:
        ix.add(iter_documents([str(CORPUS)]))
        clusters = list(ix.scan())
    lines = sorted(match_line(m) for c in clusters for m in c.matches)
    assert any({"seed-000_39c885e149670517.txt", "seed-002_9a117862eab7609d.txt"} <= set(c.documents) for c in clusters)
    return _key(clusters), lines, clusters


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _check_same(result, embedded, out: Path):
    key, lines, clusters = embedded
    assert _key(result.clusters) == key
    assert _part_lines(result) == lines  # byte-identical pair JSON
    assert result.linked_pairs == len(lines) > 0
    written = [json.loads(x) for x in (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(tuple(c["documents"]), [tuple(p) for p in c["pairs"]]) for c in written] == key
    assert all(p.startswith(str(out / "pairs" / "part-")) for p in result.parts)


def test_local_executor_gives_the_embedded_answer(embedded, tmp_path):
    res = scan_paths([str(CORPUS)], LocalExecutor(), out=str(tmp_path), batch_bytes=BATCH_BYTES, partitions=3)
    _check_same(res, embedded, tmp_path)
    assert res.documents == len(list(iter_documents([str(CORPUS)])))


def test_sharded_ann_and_other_partitions_give_the_same_answer(embedded, tmp_path):
    # several ANN shards merged (208 vectors in shards of 50; exact at this size), five partitions, pairs aligned one by one
    res = scan_paths([str(CORPUS)], LocalExecutor(), out=str(tmp_path), batch_bytes=BATCH_BYTES, partitions=5,
                     ann_shard_vectors=50, align_chunk=1)
    _check_same(res, embedded, tmp_path)
    assert len(res.parts) == res.sizes["unverified_pairs"]  # one chunk per pair, before verification
    assert res.candidate_pairs <= res.sizes["unverified_pairs"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.integers(-4, 4), st.sampled_from("abcdefg")), max_size=25), max_size=4),
    st.integers(1, 5),
    st.integers(1, 3),
    st.lists(st.integers(0, 9), min_size=7, max_size=7),
    st.sampled_from([0.0, 0.5, 1.0]),
)
def test_numpy_band_join_equals_group_rows(batches, max_bucket, pair_parts, kcs, share):
    """The band join (per band partition) and the dedupe (per pair partition, where star evidence is
    admitted on the key counts) give the tuple stages' answer: ordinary pairs, ANN pairs and admitted stars."""
    parts = []
    for rows in batches:
        ids = sorted({d for _k, d in rows})
        pos = {d: i for i, d in enumerate(ids)}
        keys = np.array([k for k, _d in rows], dtype=np.int64)
        owners = np.array([pos[d] for _k, d in rows], dtype=np.int32)
        parts.append(BandRows(ids, keys, owners))
    groups = list(group_rows(sorted(r for rows in batches for r in rows)))
    naive = candidate_pairs(groups, max_bucket)
    star = star_pairs(groups, max_bucket)
    got = band_join(pair_parts, CandidateParams(max_bucket=max_bucket), *parts)
    assert got.n_pairs == len(naive) and got.n_star == len(star)
    # each block, unpacked, holds the counted pairs of its partition; dedupe then gives the tuple stages' answer
    unpacked = sorted((blk.names[x], blk.names[y], c, t) for blk in got.blocks
                      for x, y, c, t in zip(blk.a.tolist(), blk.b.tolist(), blk.n.tolist(), blk.star.tolist()))
    want_n = {p[:2]: p[2] for p in dedupe_pairs(naive, 1, 10**9)}
    want_s = {p[:2]: p[2] for p in dedupe_pairs(star, 1, 10**9)}
    assert unpacked == [(x, y, want_n.get((x, y), 0), want_s.get((x, y), 0)) for x, y in sorted({*want_n, *want_s})]
    kc = dict(zip("abcdefg", kcs))
    for min_hits in (1, 2):
        ann = [("a", "b", 0, 1), ("c", "d", 0, 1), ("c", "d", 0, 1)]
        cp = CandidateParams(max_bucket=max_bucket, min_hits=min_hits, ann_min_hits=2, star_min_share=share)
        merged = [p for q in range(pair_parts) for p in dedupe(
            1, cp, kc, got.blocks[q], [a for a in ann if stable_part(a[0], pair_parts) == q],
        ).get((0, 0), [])]
        admitted = admit_star_pairs(naive, star, kc, share, min_hits)
        assert sorted(merged) == dedupe_pairs([*naive, *ann, *admitted], min_hits, 2)


def test_dask_scan_gives_the_embedded_answer(embedded, client, tmp_path):
    ex = DaskExecutor(client=client)
    assert ex.workers == 2 and ex.dashboard_link.startswith("http")
    stages = set()
    res = scan_paths(
        [str(CORPUS)], ex, out=str(tmp_path), batch_bytes=BATCH_BYTES, align_chunk=8,
        progress=lambda p: stages.add(p.stage),
    )
    _check_same(res, embedded, tmp_path)
    assert {"fingerprint", "candidates", "align"} <= stages
    assert len(res.parts) > 2  # the pairs really were aligned in several steps
    # the clusters with their full matches, for the HTML report: the embedded clusters exactly
    full = scan_paths([str(CORPUS)], ex, batch_bytes=BATCH_BYTES, keep_matches=True, judge=True)
    assert [c.to_dict() for c in full.clusters] == [c.to_dict() for c in embedded[2]]


def test_dask_scan_survives_a_killed_worker(embedded, client, tmp_path):
    ex = DaskExecutor(client=client)
    before = client.run(os.getpid)  # {worker address: pid}
    killed: list[int] = []

    def kill_one(p):
        # once alignment is under way, SIGKILL the worker process holding part of the results
        if p.stage == "align" and p.done > 0 and not killed:
            pid = sorted(before.values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    res = scan_paths(
        [str(CORPUS)], ex, out=str(tmp_path), batch_bytes=BATCH_BYTES, align_chunk=2, progress=kill_one
    )
    assert killed, "the scan finished before a worker could be killed"
    _check_same(res, embedded, tmp_path)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    assert killed[0] not in client.run(os.getpid).values()


def test_local_process_pool_gives_the_in_process_answer(tmp_path):
    files = [str(p) for p in sorted(CORPUS.glob("seed-*.txt"))] + [str(p) for p in sorted(PIECES.glob("pan-02-*"))[:8]]
    one = scan_paths(files, LocalExecutor(), judge=False, out=str(tmp_path / "one"), batch_bytes=8000)
    with LocalExecutor(2) as pool:
        two = scan_paths(files, pool, judge=False, out=str(tmp_path / "two"), batch_bytes=8000)
    assert _key(two.clusters) == _key(one.clusters) and one.linked_pairs >= 1
    assert _part_lines(two) == _part_lines(one)


def test_fsspec_urls_are_read_and_keep_their_url_as_id(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    seeds = sorted(CORPUS.glob("seed-*.txt"))
    for p in seeds:
        fs.pipe(f"/unspun-test/{p.name}", p.read_bytes())
    fs.pipe("/unspun-test/picture.png", b"\x89PNG")
    plan = expand_inputs(["memory://unspun-test/*"])
    assert [f.doc_id for f in plan.files] == [f"memory:///unspun-test/{p.name}" for p in seeds]
    res = scan_paths(["memory://unspun-test/*.txt"], LocalExecutor(), out=str(tmp_path), judge=False)
    assert [c.documents for c in res.clusters] == [tuple(f"memory:///unspun-test/{p.name}" for p in seeds)]


def test_missing_inputs_are_reported_not_fatal(tmp_path):
    (tmp_path / "a.txt").write_text("Some words here and there for a short document about nothing.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    res = scan_paths([str(tmp_path / "*.txt"), str(tmp_path / "nope-*.md")], LocalExecutor(), judge=False)
    assert res.documents == 1
    reasons = {s: k for s, k, _r in res.problems}
    assert reasons[str(tmp_path / "nope-*.md")] == "no match"
    assert str(tmp_path / "bad.txt") in reasons


def _cli(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "unspun", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


def test_cli_scan_with_dask_writes_parts_and_clusters(tmp_path):
    files = [str(p) for p in sorted(CORPUS.glob("seed-*.txt"))] + [str(PIECES / "pan-02-*")]
    out = tmp_path / "out"
    r = _cli("scan", "--executor", "dask", "--workers", "2", "--no-judge", "--batch-mb", "0.1",
             "--out", str(out), "--html", str(tmp_path / "report"), *files)
    assert r.returncode == 0, r.stderr
    assert "dask dashboard: http" in r.stderr
    clusters = [json.loads(x) for x in (out / "clusters.jsonl").read_text().splitlines()]
    seeds = {str(p) for p in CORPUS.glob("seed-*.txt")}
    assert any(seeds <= set(c["documents"]) for c in clusters)
    pairs = [json.loads(x) for p in sorted((out / "pairs").glob("part-*.jsonl")) for x in p.read_text().splitlines()]
    assert len(pairs) == sum(len(c["pairs"]) for c in clusters) > 0
    assert all(p["passages"] and {"a", "b", "coverage_a", "coverage_b"} <= set(p) for p in pairs)
    assert (tmp_path / "report" / "index.html").is_file()
    # the same files scanned by the local executor give the same clusters
    r2 = _cli("scan", "--executor", "local", "--no-judge", "--out", str(tmp_path / "local"), *files)
    assert r2.returncode == 0, r2.stderr
    assert (tmp_path / "local" / "clusters.jsonl").read_text() == (out / "clusters.jsonl").read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--executor", "dask", str(CORPUS)], "--out"),
        (["--db", "x.unspun", "--out", "o", str(CORPUS)], "not both"),
        (["--executor", "local", "--scheduler", "tcp://127.0.0.1:8786", "--out", "o", str(CORPUS)], "--scheduler needs"),
        (["--executor", "dask", "--workers", "0", "--out", "o", str(CORPUS)], "--workers must be at least 1"),
        (["--executor", "local", "--out", "o", "/nonexistent/unspun/*.txt"], "nothing to scan"),
        ([], "nothing to scan"),
    ],
)
def test_cli_scan_bad_arguments_say_why(args, message, tmp_path):
    r = _cli("scan", *args, cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("unspun: error:") and message in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_dask_names_the_extra():
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from unspun.pipeline.executors import DaskExecutor\n"
        "from unspun.errors import MissingDependency\n"
        "try:\n    DaskExecutor(workers=1)\n"
        "except MissingDependency as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "pip install 'unspun[dask]'" in out.stdout, out.stderr
