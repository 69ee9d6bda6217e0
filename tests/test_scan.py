"""Scan stages (pure functions over batches) and Index.scan built from them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from unspun import Document, Match
from unspun.params import DEFAULT_PARAMS, FingerprintParams
from unspun.fingerprint import (
    band_keys,
    best_window_agreement,
    best_window_similarity,
    fingerprint,
    norms,
    shingle_hashes,
    token_hashes,
    tokens,
    window_bounds,
    word_hash,
)
from unspun.fingerprint import fingerprint_batch
from unspun.params import CandidateParams
from unspun.pipeline.candidates import bucket_pair_counts, dedupe_pairs, merge_counts, verify_pairs
from unspun.pipeline.matches import link_clusters
from unspun.text import words

from reference import admit_star_pairs, band_rows, candidate_pairs, group_rows, query_bucket_pairs, star_pairs

MIN_HITS = DEFAULT_PARAMS.candidates.min_hits
MIN_WINDOW_SIMILARITY = DEFAULT_PARAMS.candidates.min_window_similarity
ANN_MIN_HITS = DEFAULT_PARAMS.candidates.ann_min_hits

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "tests" / "data" / "seeds").glob("*.txt"))
CORPUS = REPO / "tests" / "data" / "pan13-pieces"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fast_norms_equal_text_words(text):
    assert norms(text) == words(text).norms


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300)
       | st.text(alphabet="ab'_ 1.-\u2019’", max_size=60))
def test_fast_ascii_norms_equal_text_words(text):
    # the ASCII path splits in C and cuts only runs with an apostrophe with the pattern
    assert norms(text) == words(text).norms


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=300) | st.text(max_size=200),
       st.booleans())
def test_token_hashes_equal_hashing_every_token(text, content_words):
    params = FingerprintParams(content_words=content_words)
    want = [word_hash(w) for w in tokens(text, params)]
    assert token_hashes(text, params).tolist() == want


def test_signatures_equal_the_plain_pipeline():
    """fingerprint() (word table, C split) gives the signatures of the plain per-word pipeline."""
    texts = [p.read_text(encoding="utf-8") for p in SEEDS] + [p.read_text() for p in sorted(CORPUS.glob("*.txt"))[:20]]
    texts.append("Don't stop: rock'n'roll'' isn't 'dead' -- ''tis A_B 42.")
    for params in (DEFAULT_PARAMS.fingerprint, FingerprintParams(shingle=2, content_words=False, window=10, step=5)):
        fp = fingerprint(texts, params)
        for i, text in enumerate(texts):
            assert fp.of(i).tolist() == _plain_signatures(text, params)


def _plain_signatures(text, params):
    """The reference: one word_hash per token, one Python slice per window, one rensa call per window."""
    from rensa import RMinHash

    sh = shingle_hashes(tokens(text, params), params.shingle)
    wins = [sh[s:e] for s, e in window_bounds(len(sh), params.window, params.step)]
    return [RMinHash.digest_matrix_from_flat_token_hashes(
        w, np.asarray([0, len(w)], dtype=np.uint64), params.num_perm, params.seed).to_rows()[0] for w in wins]


_ascii_words = st.lists(st.sampled_from(list("aAbZz09_'' .,\n\x00-") + ["abcdefg", "ABCDEFGH", "x'y", "abcdefgabcdefg"]),
                        max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ascii_words | st.text(alphabet=st.characters(max_codepoint=127), max_size=80), max_size=6))
def test_bulk_words_are_the_norms_of_each_text(texts):
    """The numpy cut of ASCII texts (unspun.bulkwords) finds exactly the tokens of norms(), text by text, and
    gives one number to each distinct word (long words told apart by every 7-character chunk)."""
    from unspun.bulkwords import bulk_words

    bw = bulk_words(texts)
    strings = bw.strings()
    assert len(set(strings)) == len(strings) and bw.counts.tolist() == [len(norms(t)) for t in texts]
    at = 0
    for t, n in zip(texts, bw.counts.tolist()):
        assert [strings[w] for w in bw.word[at : at + n]] == norms(t)
        at += n


@settings(max_examples=150, deadline=None)
@given(st.lists(_ascii_words | st.text(max_size=40), max_size=6), st.booleans())
def test_batch_token_hashes_equal_each_text_alone(texts, content_words):
    from unspun.fingerprint import batch_token_hashes

    params = FingerprintParams(content_words=content_words)
    hashes, counts = batch_token_hashes(texts, params)
    assert counts.tolist() == [len(tokens(t, params)) for t in texts]
    assert hashes.tolist() == [word_hash(w) for t in texts for w in tokens(t, params)]


@settings(max_examples=100, deadline=None)
@given(st.lists(_ascii_words | st.text(max_size=40), max_size=10), st.integers(8, 90))
def test_batch_token_hashes_cut_into_runs_equal_each_text_alone(texts, limit):
    """With a tiny bulk limit the batch is cut into many runs of ASCII texts, and texts over half of it go one by
    one through norms(): the hashes are the same."""
    import pytest

    import unspun.fingerprint as F

    params = FingerprintParams()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(F, "MAX_BYTES", limit)
        hashes, counts = F.batch_token_hashes(texts, params)
    assert counts.tolist() == [len(tokens(t, params)) for t in texts]
    assert hashes.tolist() == [word_hash(w) for t in texts for w in tokens(t, params)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="ab cd the of'.x\u00e9", max_size=120) | st.just(""), max_size=6),
       st.integers(1, 3), st.integers(1, 12), st.integers(1, 12), st.booleans())
def test_batched_fingerprints_equal_the_plain_pipeline_per_text(texts, shingle, window, step, content_words):
    """A batch (one word-table pass, the windows of every text laid out in numpy, one rensa call) gives each
    text the signatures of the per-word, per-window reference, whatever the other texts of the batch."""
    params = FingerprintParams(shingle=shingle, window=window, step=min(step, window), content_words=content_words,
                               num_perm=8, bands=4)
    fp = fingerprint(texts, params)
    want_owner = []
    for i, text in enumerate(texts):
        want = _plain_signatures(text, params)
        assert fp.of(i).tolist() == want
        want_owner += [i] * len(want)
    assert fp.owner.tolist() == want_owner


@given(st.integers(0, 500), st.integers(1, 60), st.integers(1, 60))
def test_windows_cover_every_shingle(n, window, step):
    bounds = window_bounds(n, window, step)
    covered = set()
    for s, e in bounds:
        assert 0 <= s < e <= n and e - s <= window
        covered.update(range(s, e))
    assert covered == set(range(n))


def test_band_keys_are_stable_across_processes():
    text = SEEDS[0].read_text(encoding="utf-8")
    here = band_keys(fingerprint([text]).signatures).tolist()
    code = (
        "import json,sys; from unspun.fingerprint import fingerprint, band_keys; "
        "print(json.dumps(band_keys(fingerprint([sys.stdin.read()]).signatures).tolist()))"
    )
    for seed in ("0", "12345"):
        out = subprocess.run(
            [sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert json.loads(out.stdout) == here


def test_copies_share_band_keys_and_unrelated_texts_do_not():
    a, b = (p.read_text(encoding="utf-8") for p in SEEDS)
    other = (CORPUS / "pan-01-suspicious-document00101-unrelated.txt").read_text()
    ra, rb, ro = fingerprint_batch([Document("a", a), Document("b", b), Document("o", other)])
    assert len(set(ra.keys) & set(rb.keys)) >= MIN_HITS
    # two-row bands collide by chance between unrelated texts; no window of them is alike
    assert best_window_similarity(ra.signatures, rb.signatures) >= MIN_WINDOW_SIMILARITY
    assert best_window_similarity(ra.signatures, ro.signatures) < MIN_WINDOW_SIMILARITY
    assert ra.signatures.shape[1] == DEFAULT_PARAMS.fingerprint.num_perm and ra.signatures.dtype == np.uint32


def test_candidate_pairs_from_grouped_rows():
    records = fingerprint_batch(
        [Document("a", SEEDS[0].read_text()), Document("b", SEEDS[1].read_text()), Document("c", "nothing alike at all here")]
    )
    rows = band_rows(records)
    assert rows == sorted(rows)
    pairs = dedupe_pairs(candidate_pairs(group_rows(rows)))
    assert [(p[0], p[1]) for p in pairs] == [("a", "b")]
    assert pairs[0][2] >= MIN_HITS and pairs[0][3] == 0
    assert candidate_pairs([(1, ["a", "b", "c"])], max_bucket=2) == []
    sigs = {r.id: r.signatures for r in records}
    assert verify_pairs(pairs, sigs.get) == pairs  # the spun copy has a window like one of the original's
    assert verify_pairs([("a", "c", 5, 0)], sigs.get) == []  # many shared buckets, no similar window
    assert verify_pairs([("a", "c", 0, ANN_MIN_HITS)], sigs.get) == [("a", "c", 0, ANN_MIN_HITS)]  # passage vectors
    assert verify_pairs([("a", "gone", 5, 0)], sigs.get) == []  # a document no longer there


pair_lists = st.lists(
    st.tuples(st.sampled_from("abcdefgh"), st.sampled_from("abcdefgh"), st.integers(0, 3), st.integers(0, 2)), max_size=30
)


@given(pair_lists, st.integers(1, 4), st.integers(1, 3))
def test_dedupe_pairs_matches_naive(pairs, min_hits, min_ann):
    naive: dict = {}
    for a, b, n, v in pairs:
        if a != b:
            k = tuple(sorted((a, b)))
            old = naive.get(k, (0, 0))
            naive[k] = (old[0] + n, old[1] + v)
    expect = sorted((a, b, n, v) for (a, b), (n, v) in naive.items() if n >= min_hits or v >= min_ann)
    assert dedupe_pairs(pairs, min_hits, min_ann) == expect


bucket_rows = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9)), max_size=60)
key_counts = st.lists(st.integers(0, 8), min_size=10, max_size=10)


@settings(max_examples=300, deadline=None)
@given(bucket_rows, st.integers(2, 5), st.integers(0, 4))
def test_bucket_pair_counts_match_the_tuple_stages(rows, max_bucket, hubs):
    """The numpy pair counter gives what candidate_pairs (n) and star_pairs (s) + dedupe_pairs give over
    the same rows."""
    names = [f"d{i}" for i in range(10)]  # numbered in id order
    groups = list(group_rows(sorted((k, names[o]) for k, o in rows)))
    want_n = {p[:2]: p[2] for p in dedupe_pairs(candidate_pairs(groups, max_bucket), 1, 10**9)}
    want_s = {p[:2]: p[2] for p in dedupe_pairs(star_pairs(groups, max_bucket, hubs), 1, 10**9)}
    a, b, n, s = bucket_pair_counts(np.array([k for k, _ in rows]), np.array([o for _, o in rows]), max_bucket, hubs)
    got = [(names[x], names[y], c, t) for x, y, c, t in zip(a.tolist(), b.tolist(), n.tolist(), s.tolist())]
    assert got == [(x, y, want_n.get((x, y), 0), want_s.get((x, y), 0)) for x, y in sorted({*want_n, *want_s})]


@settings(max_examples=200, deadline=None)
@given(bucket_rows, st.integers(2, 5), st.integers(1, 3), key_counts, st.integers(1, 3), st.sampled_from([0.0, 0.5, 0.75, 1.0]))
def test_star_candidates_from_counted_arrays_match_the_tuple_stages(rows, max_bucket, hubs, kcs, min_hits, share):
    """Index.candidate_pairs' numpy path (bucket_pair_counts + merge_counts with star evidence and ANN pairs)
    gives the reference: dedupe over ordinary pairs, ANN pairs and the star pairs admit_star_pairs admits."""
    names = [f"d{i}" for i in range(10)]
    kc = dict(zip(names, kcs))
    groups = list(group_rows(sorted((k, names[o]) for k, o in rows)))
    ordinary = candidate_pairs(groups, max_bucket)
    ann = [("d0", "d1", 0, 1), ("d2", "d3", 0, 1), ("d2", "d3", 0, 1), ("d4", "d9", 0, 1)]
    admitted = admit_star_pairs(ordinary, star_pairs(groups, max_bucket, hubs), kc, share, min_hits)
    want = dedupe_pairs([*ordinary, *ann, *admitted], min_hits, 2)
    a, b, n, s = bucket_pair_counts(np.array([k for k, _ in rows]), np.array([o for _, o in rows]), max_bucket, hubs)
    got = merge_counts(names, a, b, n, ann, CandidateParams(min_hits=min_hits, ann_min_hits=2, star_min_share=share),
                       star=s, key_counts=np.array(kcs))
    assert got == want


def test_star_evidence_links_a_syndicated_story_and_not_a_shared_footer():
    """Rows of a story held by 60 documents (all of its 10 keys) and of a footer held by 60 others (3 of
    their 12 keys): the story's copies become candidates with the hubs, the footer's holders do not."""
    story = [(k, f"s{i:02d}") for i in range(60) for k in range(10)]
    footer = [(100 + k, f"f{i:02d}") for i in range(60) for k in range(3)]
    own = [(1000 + 20 * i + k, f"f{i:02d}") for i in range(60) for k in range(9)]
    groups = list(group_rows(sorted(story + footer + own)))
    kc = {**{f"s{i:02d}": 10 for i in range(60)}, **{f"f{i:02d}": 12 for i in range(60)}}
    assert candidate_pairs(groups) == []  # every shared bucket is over MAX_BUCKET
    admitted = admit_star_pairs([], star_pairs(groups), kc)
    assert {p[0] for p in admitted} == {"s00", "s01", "s02"}  # the hubs
    assert {x for p in admitted for x in p[:2]} == {f"s{i:02d}" for i in range(60)}
    assert all(p[2] == 10 for p in admitted) and len(admitted) == 3 * 60 - 6
    # check's counting: the query sees every holder of its buckets, admitted by the same rule
    q = query_bucket_pairs("s30", groups, key_counts=kc)
    assert len(q) == 59 and all(p[2] == 10 for p in q)
    assert query_bucket_pairs("f30", groups, key_counts=kc) == []
    assert query_bucket_pairs("s30", groups) == []  # without key counts: no star evidence, as before


@given(bucket_rows, st.integers(0, 9), st.integers(2, 5))
def test_query_bucket_pairs_match_the_tuple_stages(rows, query, max_bucket):
    """check's pairs of the query with its bucket mates are the tuple stages' pairs that contain the query."""
    names = [f"d{i}" for i in range(10)]
    groups = list(group_rows(sorted((k, names[o]) for k, o in rows)))
    q = names[query]
    want = [p for p in dedupe_pairs(candidate_pairs(groups, max_bucket), 1, 10**9) if q in (p[0], p[1])]
    assert query_bucket_pairs(q, groups, max_bucket) == want


@given(bucket_rows, st.integers(0, 9), st.integers(2, 5), key_counts, st.integers(1, 3), st.sampled_from([0.0, 0.5, 1.0]))
def test_query_star_evidence_is_the_stages_with_the_query_as_the_only_hub(rows, query, max_bucket, kcs, min_hits, share):
    """check's star evidence: the query is the hub of each of its large buckets (it meets every member), and
    admit_star_pairs' rule decides, as in the scan."""
    names = [f"d{i}" for i in range(10)]
    q = names[query]
    kc = dict(zip(names, kcs))
    groups = list(group_rows(sorted((k, names[o]) for k, o in rows)))
    ordinary = [p for p in candidate_pairs(groups, max_bucket) if q in p[:2]]
    star = [(min(q, o), max(q, o), 1, 0) for _k, ids in groups if q in ids and len(set(ids)) > max_bucket for o in set(ids) - {q}]
    want = dedupe_pairs([*ordinary, *admit_star_pairs(ordinary, star, kc, share, min_hits)], 1, 10**9)
    assert query_bucket_pairs(q, groups, max_bucket, kc, min_share=share, min_hits=min_hits) == want
    capped = [p for p in dedupe_pairs(ordinary, 1, 10**9)]
    assert query_bucket_pairs(q, groups, max_bucket, kc, min_share=share, min_hits=min_hits, max_read=max_bucket) == capped


signature_sets = st.integers(0, 6).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=n, max_size=n)
)


@given(signature_sets, signature_sets)
def test_best_window_agreement_matches_naive(a, b):
    sa = np.array(a, dtype=np.uint32).reshape(len(a), 4)
    sb = np.array(b, dtype=np.uint32).reshape(len(b), 4)
    naive = max((sum(x == y for x, y in zip(u, v)) for u in a for v in b), default=0)
    assert best_window_agreement(sa, sb) == naive
    assert best_window_similarity(sa, sb) == naive / 4


many_windows = st.integers(1, 40).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 9), min_size=6, max_size=6), min_size=n, max_size=n)
)


@given(many_windows, many_windows)
def test_sparse_window_agreement_matches_the_dense_count(a, b):
    """The sorted-match count used for long documents gives the dense comparison's answer (or declines)."""
    from unspun.fingerprint import _dense_agreement, _sparse_agreement

    sa = np.array(a, dtype=np.uint32)
    sb = np.array(b, dtype=np.uint32)
    sparse = _sparse_agreement(sa, sb)
    assert sparse is None or sparse == _dense_agreement(sa, sb)
    assert best_window_agreement(sa, sb) == _dense_agreement(sa, sb)


def test_sparse_window_agreement_on_long_documents():
    """Two long texts sharing one passage: all three ways of counting find the same window pair."""
    from unspun.fingerprint import _dense_agreement, _sparse_agreement, fingerprint

    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(5000)]
    shared = " ".join(rng.choice(vocab, 60))
    one = " ".join(rng.choice(vocab, 1500)) + " " + shared + " " + " ".join(rng.choice(vocab, 1500))
    two = " ".join(rng.choice(vocab, 900)) + " " + shared + " " + " ".join(rng.choice(vocab, 2000))
    fp = fingerprint([one, two])
    sa, sb = fp.of(0), fp.of(1)
    assert len(sa) * len(sb) > 2000
    broadcast = int((sa[:, None, :] == sb[None, :, :]).sum(axis=2).max())
    assert _sparse_agreement(sa, sb) == _dense_agreement(sa, sb) == broadcast == best_window_agreement(sa, sb)
    assert best_window_agreement(sa, sb) >= 30  # some window pair lies inside the shared passage


def _match(a: str, b: str, cov: float = 0.5) -> Match:
    from unspun.types import Passage, Span

    return Match(Document(a, "x" * 10), Document(b, "y" * 10), (Passage(Span(0, 5), Span(0, 5), 0.9),), cov, cov)


@given(st.lists(st.tuples(st.sampled_from("abcdefghij"), st.sampled_from("abcdefghij")), max_size=25))
def test_link_clusters_matches_naive_components(edges):
    edges = [(a, b) for a, b in edges if a != b]
    matches = [_match(*sorted(e)) for e in edges]
    clusters = link_clusters(matches)
    # naive: repeated merging of sets
    comps: list[set] = []
    for a, b in edges:
        hit = [c for c in comps if a in c or b in c]
        merged = set().union({a, b}, *hit)
        comps = [c for c in comps if c not in hit] + [merged]
    assert sorted(tuple(sorted(c)) for c in comps) == sorted(c.documents for c in clusters)
    sizes = [len(c.documents) for c in clusters]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(len(c.matches) for c in clusters) == len(matches)
    for c in clusters:
        assert all(m.a.id in c.documents and m.b.id in c.documents for m in c.matches)
    # deterministic regardless of input order
    assert [c.to_dict() for c in link_clusters(list(reversed(matches)))] == [c.to_dict() for c in clusters]


def test_min_coverage_drops_weak_links():
    clusters = link_clusters([_match("a", "b", 0.9), _match("b", "c", 0.05)], min_coverage=0.1)
    assert [c.documents for c in clusters] == [("a", "b")]


def test_stages_import_without_sqlite():
    code = ("import sys; sys.modules['sqlite3'] = None; import unspun.fingerprint, unspun.pipeline.candidates, "
            "unspun.pipeline.ann, unspun.pipeline.boilerplate, unspun.pipeline.matches, unspun.pipeline.steps; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_index_scan_finds_the_seed_cluster_and_is_built_from_the_stages(tmp_path):
    from unspun.index import Index
    from unspun.pipeline.matches import align_pairs

    files = [*SEEDS, *sorted(CORPUS.glob("pan-02-*"))[:10], *sorted(CORPUS.glob("pan-01-*"))[:6]]
    docs = [Document(p.name, p.read_text(encoding="utf-8")) for p in files]
    path = tmp_path / "scan.unspun"
    with Index(path, embedder=None) as ix:
        ix.add(docs, batch_size=7)
        clusters = list(ix.scan(judge=False))
        # the same answer from the stages run by hand over the documents
        records = fingerprint_batch(docs, ix.params.fingerprint)
        sigs = {r.id: r.signatures for r in records}
        pairs = verify_pairs(dedupe_pairs(candidate_pairs(group_rows(band_rows(records)))), sigs.get)
        assert pairs == ix.candidate_pairs()
        by_id = {d.id: d for d in docs}
        manual = link_clusters(align_pairs(pairs, by_id.get, judge=False))
        assert [c.to_dict() for c in manual] == [c.to_dict() for c in clusters]
    seed_ids = tuple(p.name for p in SEEDS)
    assert any(set(seed_ids) <= set(c.documents) for c in clusters)
    assert all(m.passages for c in clusters for m in c.matches)
    with Index(path, embedder=None) as ix:  # reopening gives identical results
        assert [c.to_dict() for c in ix.scan(judge=False)] == [c.to_dict() for c in clusters]
    with Index(path, readonly=True, embedder=None) as ix:  # and so do two processes verifying and aligning
        seen: list = []
        assert [c.to_dict() for c in ix.scan(judge=False, workers=2, progress=seen.append)] == [c.to_dict() for c in clusters]
        assert [p.stage for p in seen[:2]] == ["candidates", "align"] and seen[-1].done == seen[-1].total > 0
        assert len(seen) > 4  # several align steps
    # the pipeline over the index in three band/pair/document partitions: the same clusters, and the
    # parameters it ran with recorded beside the part files
    from unspun.pipeline import scan
    from unspun.pipeline.executors import LocalExecutor
    from unspun.pipeline.sources import IndexSource

    with Index(path, readonly=True, embedder=None) as ix, LocalExecutor() as ex:
        res = scan(IndexSource(ix), ex, judge=False, keep_matches=True, partitions=3, out=str(tmp_path / "out"))
        assert [c.to_dict() for c in res.clusters] == [c.to_dict() for c in clusters]
        assert json.loads((tmp_path / "out" / "params.json").read_text()) == ix.params.to_dict() == res.params.to_dict()
        assert len(res.parts) > 1 and res.documents == len(docs)
    # the CLI's --workers is the same scan
    one = subprocess.run([sys.executable, "-m", "unspun", "scan", "--db", str(path), "--json", "--no-judge", "--quiet"],
                         capture_output=True, text=True)
    two = subprocess.run([sys.executable, "-m", "unspun", "scan", "--db", str(path), "--json", "--no-judge", "--quiet",
                          "--workers", "2"], capture_output=True, text=True)
    assert one.returncode == two.returncode == 0 and one.stdout == two.stdout and one.stdout.count("\n") == len(clusters)
    bad = subprocess.run([sys.executable, "-m", "unspun", "scan", "--db", str(path), "--workers", "0"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--workers must be at least 1" in bad.stderr and "Traceback" not in bad.stderr
