"""unspun: find rewritten copies of articles and explain how they changed the story."""
from __future__ import annotations

__version__ = "0.1.0"

from .api import compare, compare_files
from .errors import ConfigError, InputError, MissingDependency, StoreError, UnspunError
from .params import DEFAULT_PARAMS, CandidateParams, FingerprintParams, ScanParams
from .progress import Progress
from .types import Cluster, Distortion, Document, Evidence, Match, Passage, SentenceLink, SentenceMap, Span

__all__ = [
    "compare",
    "compare_files",
    "ScanParams",
    "FingerprintParams",
    "CandidateParams",
    "DEFAULT_PARAMS",
    "Progress",
    "Cluster",
    "Distortion",
    "Document",
    "Evidence",
    "Match",
    "Passage",
    "SentenceLink",
    "SentenceMap",
    "Span",
    "UnspunError",
    "InputError",
    "ConfigError",
    "MissingDependency",
    "StoreError",
    "Index",
    "ingest",
    "__version__",
]


def __getattr__(name: str):  # lazy re-exports of the heavier parts
    import importlib

    if name == "Index":
        return importlib.import_module(".index", __name__).Index
    if name == "ingest":
        # import_module, not ``from . import ingest``: that would ask this __getattr__ again
        return importlib.import_module(".ingest", __name__)
    raise AttributeError(f"module 'unspun' has no attribute {name!r}")
