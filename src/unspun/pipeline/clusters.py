"""What a cluster amounts to, and the order clusters (and the pairs inside each) are listed in.

One rule, applied by :func:`~unspun.pipeline.matches.link_clusters`, so every scan result comes in it
and cluster *n* is the same cluster in ``unspun scan``, ``scan --json``, ``scan --html`` and the
service's scan jobs:

1. clusters whose original is named and that carry high- or medium-severity distortions;
2. then those with such distortions but no named original;
3. then those with a named original and no such distortion;
4. then the rest;

inside each group the most high-severity distortions first, then the most medium ones, the most
documents, the best coverage, and the first document id.  The pairs of a cluster follow the same rule
(a pair is judged on its own verdict and distortions), then its coverage, then the two ids.  Low-severity
distortions are not counted (the terminal lists them only with ``--all-distortions``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..types import Cluster, Match

#: The severities a summary counts and the order puts first.
COUNTED = ("high", "medium")


@dataclass(frozen=True)
class ClusterSummary:
    """One line's worth of a cluster: its size, best coverage, original, counted distortions."""

    documents: int
    pairs: int
    best_coverage: float  # the largest Match.score (coverage of either side) among its pairs
    original: str | None  # the document that is the original in its pairs and a copy in none; None: unknown
    high: int  # high-severity distortions, over all its pairs
    medium: int

    @property
    def distorted(self) -> bool:
        return self.high + self.medium > 0


def severity_counts(m: Match) -> tuple[int, int]:
    """(high, medium) distortions of one pair."""
    sev = [d.severity for d in m.distortions]
    return sev.count("high"), sev.count("medium")


def cluster_original(cluster: Cluster) -> str | None:
    """The one document judged the original in at least one pair and a copy in none, else None."""
    originals, copies = set(), set()
    for m in cluster.matches:
        if m.original in ("a", "b"):
            orig, copy = (m.a.id, m.b.id) if m.original == "a" else (m.b.id, m.a.id)
            originals.add(orig)
            copies.add(copy)
    roots = originals - copies
    return next(iter(roots)) if len(roots) == 1 else None


def summarize(cluster: Cluster) -> ClusterSummary:
    counts = [severity_counts(m) for m in cluster.matches]
    return ClusterSummary(
        documents=len(cluster.documents),
        pairs=len(cluster.matches),
        best_coverage=max((m.score for m in cluster.matches), default=0.0),
        original=cluster_original(cluster),
        high=sum(h for h, _ in counts),
        medium=sum(m for _, m in counts),
    )


def _group(named: bool, distorted: bool) -> int:
    return (0 if named else 1) if distorted else (2 if named else 3)


def pair_key(m: Match) -> tuple:
    high, medium = severity_counts(m)
    return (_group(m.original in ("a", "b"), high + medium > 0), -high, -medium, -m.score, m.a.id, m.b.id)


def cluster_key(c: Cluster) -> tuple:
    s = summarize(c)
    return (_group(s.original is not None, s.distorted), -s.high, -s.medium, -s.documents, -s.best_coverage,
            c.documents[:1])


def rank_clusters(clusters: Iterable[Cluster]) -> list[Cluster]:
    """``clusters`` in the order of the module's rule, documents sorted and pairs ordered inside each.
    Deterministic and idempotent: ranking ranked clusters changes nothing."""
    out = [Cluster(tuple(sorted(c.documents)), tuple(sorted(c.matches, key=pair_key))) for c in clusters]
    out.sort(key=cluster_key)
    return out
