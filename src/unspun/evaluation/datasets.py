"""Where the evaluation corpora live: one rule for every ``unspun eval`` command and benchmark.

The full corpora are not part of the repository (the default test suite uses the fixed samples
vendored under ``tests/data/``). A corpus folder is found, in this order:

1. the path given on the command line;
2. the environment variable (``UNSPUN_PAN13_DIR``, ``UNSPUN_VITAMINC_DIR``);
3. ``../shared/data/<name>`` beside the repository checkout (the project's development layout).

When none exists, :class:`~unspun.errors.ConfigError` says where to get the data.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError


@dataclass(frozen=True)
class Corpus:
    name: str  #: folder name under ``shared/data``
    env: str  #: environment variable naming the folder
    marker: str  #: a file or folder that every copy of the corpus has
    where: str  #: where a user gets it


PAN13 = Corpus(
    "pan13-train",
    "UNSPUN_PAN13_DIR",
    "pairs",
    "the PAN 2013 text alignment training corpus (pan13-text-alignment-training-corpus-2013-01-21), "
    "https://pan.webis.de/data.html; unpack it and pass its folder",
)
VITAMINC = Corpus(
    "vitaminc",
    "UNSPUN_VITAMINC_DIR",
    "real-test.jsonl",
    "the VitaminC test splits (real-test.jsonl, synthetic-test.jsonl), https://github.com/TalSchuster/VitaminC; "
    "pass the folder that holds them",
)

#: the repository root when running from a checkout (src/unspun/evaluation/datasets.py -> root)
_CHECKOUT = Path(__file__).resolve().parents[3]


def development_dir(corpus: Corpus) -> Path:
    """``../shared/data/<name>`` beside the checkout (exists only in the project's development layout)."""
    return _CHECKOUT.parent / "shared" / "data" / corpus.name


def locate(corpus: Corpus, given: str | os.PathLike[str] | None = None) -> Path:
    """The folder of ``corpus``: ``given``, else ``$ENV``, else the development layout; a clear error if none."""
    for source, value in (("given", given), (corpus.env, os.environ.get(corpus.env)), ("dev", development_dir(corpus))):
        if not value:
            continue
        path = Path(value).expanduser()
        if (path / corpus.marker).exists():
            return path
        if source != "dev":
            what = "the folder given" if source == "given" else f"${corpus.env}"
            raise ConfigError(
                f"{what} ({path}) is not a copy of {corpus.name}: {path / corpus.marker} is missing. Get {corpus.where}"
            )
    raise ConfigError(
        f"the {corpus.name} corpus was not found: pass its folder as an argument or set {corpus.env}. Get {corpus.where}"
    )


def pan13_dir(given: str | os.PathLike[str] | None = None) -> Path:
    return locate(PAN13, given)


def vitaminc_dir(given: str | os.PathLike[str] | None = None) -> Path:
    return locate(VITAMINC, given)
