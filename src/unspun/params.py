"""Every threshold of the scan and of ``check``, as one object: :class:`ScanParams`.

``ScanParams`` bundles how documents are fingerprinted (:class:`FingerprintParams`), which pairs become
candidates (:class:`CandidateParams`), how a pair is aligned (:class:`unspun.align.AlignParams`) and
which aligned pairs link their documents (``min_coverage``).  The same object is taken by
:func:`unspun.compare`, :meth:`unspun.Index.check`, :meth:`unspun.Index.scan` and
:func:`unspun.pipeline.scan`, and a scan records it in its result (``ScanResult.params``, and
``params.json`` beside the part files).  Each parameter is checked once, here, when the object is
made: a bad value is a :class:`~unspun.errors.ConfigError` naming it.

>>> from dataclasses import replace
>>> p = replace(DEFAULT_PARAMS, min_coverage=0.2)             # doctest: +SKIP
>>> p = ScanParams.from_dict({"candidates": {"min_hits": 2}})  # doctest: +SKIP

Importing this module imports neither SQLite nor the aligner (``align`` is ``None`` until given:
the aligner's own defaults, :data:`unspun.align.DEFAULT_PARAMS`).
"""
from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .errors import ConfigError

if TYPE_CHECKING:  # the aligner (scipy) is imported only where alignment runs
    from .align import AlignParams


@dataclass(frozen=True)
class FingerprintParams:
    """How documents are fingerprinted.  Changing any field changes every key: an index stores the
    parameters it was built with and refuses to mix them."""

    shingle: int = 1  # words per shingle
    content_words: bool = True  # drop function words (STOPWORDS) before shingling
    window: int = 24  # shingles per window
    step: int = 12  # shingles between window starts
    num_perm: int = 36  # MinHash permutations per window
    bands: int = 18  # LSH bands (num_perm // bands rows each)
    seed: int = 20130  # MinHash seed (fixed: signatures must agree across runs)

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    def __post_init__(self) -> None:
        for name in ("shingle", "window", "step", "num_perm", "bands"):
            _at_least(f"fingerprint.{name}", getattr(self, name), 1)
        if self.step > self.window:
            raise ConfigError(f"fingerprint.step ({self.step}) must not exceed fingerprint.window ({self.window})")
        if self.num_perm % self.bands:
            raise ConfigError(f"fingerprint.num_perm ({self.num_perm}) must be a multiple of fingerprint.bands ({self.bands})")

    def to_dict(self) -> dict[str, int | bool]:
        return {k: getattr(self, k) for k in ("shingle", "content_words", "window", "step", "num_perm", "bands", "seed")}


@dataclass(frozen=True)
class CandidateParams:
    """Which document pairs are worth aligning: the band join (with star evidence for large buckets),
    the ANN neighbours of passage vectors, and the window check that drops chance collisions."""

    #: Band buckets holding more documents than this make no ordinary candidate pairs: they would cost a
    #: quadratic number of alignments.  Such a bucket is boilerplate (licence text, a wire-service footer)
    #: or a story syndicated to many outlets; it gives star evidence instead (``star_hubs``, ``star_min_share``).
    max_bucket: int = 50
    #: A bucket larger than ``max_bucket`` pairs each member with its ``star_hubs`` lowest-id members only
    #: (a linear number of pairs).  The same hubs recur in every bucket of a syndicated story, so its
    #: copies stay connected through them ...
    star_hubs: int = 3
    #: ... and such star evidence makes a candidate only where the buckets the pair shares (star and
    #: ordinary) number at least ``min_hits`` and this share of the smaller document's distinct band keys.
    #: Measured with ``benchmarks/syndication.py --shares --pan``: a syndicated copy shares 0.98-0.99 of its
    #: keys with the hubs; unrelated articles ending in one identical 3-sentence footer 0.05-0.21 (median
    #: 0.09); in PAN 2013, 107 of 181,784 star pairs reach 0.5 (all of them candidates through ordinary
    #: buckets already).  0.5 sits in the wide gap: a copy may lose half its text to edits and still be
    #: admitted.  The boilerplate rule uses the same share: held passages covering less of each text are
    #: boilerplate.  Above 1: no star pair is ever admitted.
    star_min_share: float = 0.5
    #: ``Index.check`` counts every member of a bucket larger than ``max_bucket`` (the query's own buckets
    #: only: linear), up to buckets of this many members; larger ones are skipped.
    star_max_read: int = 5000
    #: A pair of documents must share at least this many band buckets to be a candidate ...
    min_hits: int = 3
    #: ... and then one window of each must agree on at least this share of their MinHash values (an
    #: estimated Jaccard similarity; 9 of 36 values).  Two-row bands find windows down to a Jaccard
    #: similarity of about 0.25 (spun and translated passages), and most of their random collisions are
    #: dropped here, before the far dearer alignment.  Chosen with the PAN 2013 corpus:
    #: ``benchmarks/fingerprint_params.py --verify``.
    min_window_similarity: float = 0.25
    #: ANN neighbours of a passage with at least this cosine similarity are evidence of a pair ...
    ann_threshold: float = 0.80
    ann_neighbours: int = 8
    #: ... and a pair with this many such neighbours is a candidate whatever its signatures say (a
    #: paraphrase that shares few words).
    ann_min_hits: int = 2
    #: Passages embedded per document: sentences grouped up to this many characters.
    passage_chars: int = 600

    def __post_init__(self) -> None:
        for name in ("max_bucket", "min_hits", "ann_neighbours", "ann_min_hits", "passage_chars", "star_max_read"):
            _at_least(f"candidates.{name}", getattr(self, name), 1)
        _at_least("candidates.star_hubs", self.star_hubs, 0)
        _at_least("candidates.star_min_share", self.star_min_share, 0.0)
        _between("candidates.min_window_similarity", self.min_window_similarity, 0.0, 1.0)
        _between("candidates.ann_threshold", self.ann_threshold, -1.0, 1.0)


@dataclass(frozen=True)
class ScanParams:
    """The parameters of a scan, of ``check`` and of ``compare``, as one object.

    ``min_coverage``: an aligned pair links its two documents when it has a passage and covers at
    least this share (0-1) of one side."""

    fingerprint: FingerprintParams = field(default_factory=FingerprintParams)
    candidates: CandidateParams = field(default_factory=CandidateParams)
    align: "AlignParams | None" = None  # None: the aligner's defaults (unspun.align.DEFAULT_PARAMS)
    min_coverage: float = 0.0

    def __post_init__(self) -> None:
        _between("min_coverage", self.min_coverage, 0.0, 1.0)

    def to_dict(self) -> dict[str, Any]:
        """Every value, the aligner's defaults spelled out (what a scan records)."""
        from .align import DEFAULT_PARAMS as ALIGN_DEFAULTS

        return {
            "fingerprint": self.fingerprint.to_dict(),
            "candidates": dataclasses.asdict(self.candidates),
            "align": dataclasses.asdict(self.align or ALIGN_DEFAULTS),
            "min_coverage": self.min_coverage,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: "ScanParams | None" = None) -> "ScanParams":
        """Parameters from a (partial) mapping such as :meth:`to_dict` gives, over ``base`` (default: the
        defaults): a value not given keeps ``base``'s; an unknown name or a bad value is a
        :class:`ConfigError`."""
        base = base or cls()
        if not isinstance(data, Mapping):
            raise ConfigError(f"parameters: expected a JSON object, got {type(data).__name__}")
        _known("parameters", data, {"fingerprint", "candidates", "align", "min_coverage"})
        changes: dict[str, Any] = {}
        for name in ("fingerprint", "candidates", "align"):
            if name in data:
                current = getattr(base, name)
                if current is None:  # the aligner's defaults
                    from .align import AlignParams

                    current = AlignParams()
                changes[name] = _make(name, current, data[name])
        if "min_coverage" in data:
            changes["min_coverage"] = _number("min_coverage", data["min_coverage"])
        return dataclasses.replace(base, **changes)


def _at_least(name: str, value: Any, low: float) -> None:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < low:
        raise ConfigError(f"{name} must be at least {low}, not {value!r}")


def _between(name: str, value: Any, low: float, high: float) -> None:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {value!r}")


def _number(name: str, value: Any) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise ConfigError(f"{name} must be a number, not {value!r}")
    return value


def _known(where: str, data: Mapping[str, Any], names: set[str]) -> None:
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown name{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))};"
                          f" valid: {', '.join(sorted(names))}")


def _make(where: str, current: Any, data: Any) -> Any:
    """``current`` (a parameters dataclass) with the values of ``data``."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"parameters: {where} must be a JSON object, got {type(data).__name__}")
    _known(where, data, {f.name for f in dataclasses.fields(current)})
    try:
        return dataclasses.replace(current, **data)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"parameters: {where}: {err}") from None


def read_params(path: str, base: ScanParams | None = None) -> ScanParams:
    """Parameters from a JSON file (a partial :meth:`ScanParams.to_dict` over ``base``: e.g.
    ``{"candidates": {"min_hits": 2}, "min_coverage": 0.1}``); a :class:`ConfigError` naming the file when
    it cannot be used."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the parameters file ({err.strerror or err})") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not a JSON parameters file ({err})") from None
    try:
        return ScanParams.from_dict(data, base)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


#: The defaults: what every entry point uses when it is given no parameters.
DEFAULT_PARAMS = ScanParams()
