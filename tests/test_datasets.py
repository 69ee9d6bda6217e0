"""Finding the evaluation corpora (unspun.evaluation.datasets) and what `unspun eval` says when they are missing
or partial: a one-line error naming where to get the data, exit 2, never a table of zeros."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import PAN
from unspun.errors import ConfigError
from unspun.evaluation.datasets import PAN13, Corpus, locate, pan13_dir


def _eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", "eval", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_the_folder_given_wins_and_is_checked(tmp_path):
    assert pan13_dir(PAN) == PAN
    with pytest.raises(ConfigError, match=r"is not a copy of pan13-train: .*pairs is missing\. Get the PAN 2013"):
        pan13_dir(tmp_path)


def test_the_environment_variable_is_next(tmp_path, monkeypatch):
    monkeypatch.setenv(PAN13.env, str(PAN))
    assert pan13_dir() == PAN
    monkeypatch.setenv(PAN13.env, str(tmp_path))
    with pytest.raises(ConfigError, match=r"\$UNSPUN_PAN13_DIR .* is not a copy"):
        pan13_dir()


def test_nothing_found_names_the_argument_the_variable_and_the_source(monkeypatch):
    corpus = Corpus("no-such-corpus", "UNSPUN_NO_SUCH_CORPUS_DIR", "pairs", "it from https://example.org/data")
    monkeypatch.delenv(corpus.env, raising=False)
    with pytest.raises(ConfigError) as err:
        locate(corpus)
    msg = str(err.value)
    assert "not found" in msg and "pass its folder" in msg and corpus.env in msg and "https://example.org/data" in msg


@pytest.mark.parametrize("args, message", [
    (["pan", "{tmp}"], "is not a copy of pan13-train"),
    (["pan-scan", "{tmp}", "--sample", "2"], "is not a copy of pan13-train"),
    (["pan", str(PAN)], "a partial copy of the corpus"),  # every pair of the lists: most texts are not vendored
    (["pan-scan", str(PAN)], "a partial copy of the corpus"),
    (["pan-scan", str(PAN), "--sample", "5", "--seed", "1"], "are missing (first "),
    (["pan", str(PAN), "--pairs", "{tmp}/empty"], "no pairs to evaluate"),
    (["pan", str(PAN), "--sample", "0"], "--sample must be at least 1"),
])
def test_eval_fails_clearly_on_missing_or_partial_data(tmp_path, args, message):
    (tmp_path / "empty").write_text("", encoding="utf-8")
    r = _eval(*(a.format(tmp=tmp_path) for a in args))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stdout == ""  # no table of zeros
    assert r.stderr.count("\n") == 1  # one line a person can act on


def test_eval_takes_the_corpus_from_the_environment(tmp_path):
    r = _eval("pan-scan", "--sample", "1", env={PAN13.env: str(tmp_path)})
    assert r.returncode == 2 and "$UNSPUN_PAN13_DIR" in r.stderr and "pan.webis.de" in r.stderr
