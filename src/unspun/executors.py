"""Run the corpus scan on an executor: in this process, a local process pool, or a Dask cluster.

One step contract (the stage functions of :mod:`unspun.scan`), one driver
(:func:`run_scan`), two executors that differ only in where a step runs::

    file batches ──prepare──► per batch: band rows split by band partition,
                              documents split by document partition, passage vectors
    band partition p ──band_join──► candidate pairs split by pair partition (+ its oversize bucket keys)
    vector shard s ──ann_shard──► usearch index;  batch × shards ──ann_query──► ANN pairs
    pair partition q ──dedupe──► pairs grouped by (partition of a, partition of b)
    group chunk + its two document partitions + oversize keys ──align──► linked matches (+ a JSONL part)
    all linked matches ──link_clusters──► clusters (on the client)

A step only receives the outputs of earlier steps (never the client's memory),
so when a Dask worker dies its lost results are recomputed from the inputs:
the scan finishes with the same answer.  Every step is deterministic (fixed
MinHash seeds, sorted pairs, stable CRC-32 partitioning), so the pairs and
clusters are those of :meth:`unspun.Index.scan` over the same documents.

``LocalExecutor()`` runs each step at once in this process; ``LocalExecutor(processes=N)``
spreads them over N processes; ``DaskExecutor(scheduler="tcp://host:8786")`` uses an
existing cluster, ``DaskExecutor(workers=N)`` a LocalCluster started for the run.
"""
from __future__ import annotations

import glob
import json
import logging
import os
import tempfile
import time
import uuid
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from . import scan as S
from .errors import ConfigError, InputError, MissingDependency
from .fingerprint import DEFAULT_PARAMS, FingerprintParams
from .types import Cluster, Document, Match

#: Vectors per ANN shard.  Up to this many vectors the scan builds one usearch index over all of
#: them, exactly as the embedded index does; beyond it each shard is searched and the top
#: neighbours are merged (HNSW is approximate, so very large scans may differ in a few ANN pairs).
ANN_SHARD_VECTORS = 2_000_000
#: Candidate pairs per align step.
ALIGN_CHUNK = 64
#: Documents per batch when documents (not files) are given.
BATCH_DOCS = 1000
#: Input bytes per batch of files.
BATCH_BYTES = 32 * 1024 * 1024

ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


# --------------------------------------------------------------------------- small helpers


def stable_part(s: str, n: int) -> int:
    """The partition (0..n-1) of a string: CRC-32 of its UTF-8 bytes, the same in every process."""
    return zlib.crc32(s.encode("utf-8", "surrogatepass")) % n if n > 1 else 0


def resolve_embedder_name(embedder: str | None) -> str | None:
    """``"auto"`` → the default embedder's name (env ``UNSPUN_EMBEDDER`` or ``static``); ``None``/``"none"`` → no vectors."""
    if embedder is None or embedder == "none":
        return None
    if embedder == "auto":
        from .embed import DEFAULT, ENV_VAR

        return os.environ.get(ENV_VAR, "").strip() or DEFAULT
    return str(embedder)


def _embedder(name: str | None) -> Any:
    if name is None:
        return None
    from .embed import get_embedder

    return get_embedder(name)  # loaded once per worker process


def warm_worker(embedder_name: str | None = None, judge: bool = True) -> int:
    """Load what the steps use (aligner, embedder, the judge's models) in this process, once, so the
    first steps do not pay for it and a timed run measures work, not start-up; returns the process id."""
    from . import align  # noqa: F401  (imports the aligner's dependencies)

    _embedder(embedder_name)
    if judge:
        from .judge import models

        models.nlp()
        models.embedder()
    return os.getpid()


def _ingest() -> Any:
    # not ``from . import ingest``: unspun.__getattr__ re-exports ``ingest`` lazily and would recurse
    import importlib

    return importlib.import_module("unspun.ingest")


def _cpu() -> float:
    return time.thread_time()


def _is_url(s: str) -> bool:
    return "://" in s and not s.startswith("file://")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class FileRef:
    """One input file: a local path or an fsspec URL, the document id it gives, its format (None: sniff)."""

    path: str
    doc_id: str
    fmt: str | None
    size: int = 0


@dataclass
class InputPlan:
    """The files to scan, and what was skipped while listing them."""

    files: list[FileRef]
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (source, kind, reason)
    ignored: dict[str, int] = field(default_factory=dict)


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise MissingDependency("fsspec", extra="dask", purpose="reading input given as a URL") from None
    return fsspec


def expand_inputs(inputs: Sequence[str]) -> InputPlan:
    """List the files behind paths, directories, globs and fsspec URLs (``s3://bucket/x/*.warc.gz``).

    Ids follow :func:`unspun.ingest.iter_documents`: a file inside a directory given
    gets its path relative to that directory, a file given by name keeps the name as
    given, a file behind a URL keeps its full URL."""
    ingest = _ingest()

    plan = InputPlan([])

    def problem(source: str, kind: str, reason: str) -> None:
        plan.problems.append((source, kind, reason))

    def ignore(kind: str) -> None:
        plan.ignored[kind] = plan.ignored.get(kind, 0) + 1

    opt = ingest._Options("text", "id", ingest.IngestLimits.from_env(), False, problem, ignore)
    for raw in inputs:
        raw = os.fspath(raw)
        if _is_url(raw):
            _expand_url(raw, plan, opt)
            continue
        path = raw[len("file://"):] if raw.startswith("file://") else raw
        matches = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
        if not matches:
            problem(raw, "no match", "no file matches this pattern")
        for m in matches:
            if os.path.isdir(m):
                for fpath, rel, fmt in ingest._walk(m, opt):
                    plan.files.append(FileRef(fpath, rel, fmt, _size(fpath)))
            elif os.path.exists(m):
                plan.files.append(FileRef(m, m, ingest._format_of(os.path.basename(m)), _size(m)))
            else:
                problem(m, "not found", "no such file or directory")
    return plan


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _expand_url(url: str, plan: InputPlan, opt: Any) -> None:
    ingest = _ingest()

    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(url)
        protocol = url.split("://", 1)[0]
        matches = sorted(fs.glob(path)) if glob.has_magic(path) else [path]
        if not matches:
            plan.problems.append((url, "no match", "no file matches this URL"))
        for m in matches:
            names = sorted(fs.find(m)) if fs.isdir(m) else [m]
            for name in names:
                base = name.rsplit("/", 1)[-1]
                if base.startswith("."):
                    opt.ignore("hidden file")
                    continue
                fmt = ingest._format_of(base)
                if fmt is None and "." in base.strip("."):
                    opt.ignore("unsupported file type")
                    continue
                full = name if "://" in name else f"{protocol}://{name}"
                info = fs.info(name)
                plan.files.append(FileRef(full, full, fmt, int(info.get("size") or 0)))
    except (OSError, ValueError) as err:
        plan.problems.append((url, "unreadable", f"cannot list ({err})"))


def file_batches(files: Sequence[FileRef], batch_bytes: int = BATCH_BYTES) -> list[list[FileRef]]:
    """Consecutive files grouped into batches of about ``batch_bytes`` (a larger file is a batch alone)."""
    out: list[list[FileRef]] = []
    cur: list[FileRef] = []
    size = 0
    for f in files:
        if cur and size + f.size > batch_bytes:
            out.append(cur)
            cur, size = [], 0
        cur.append(f)
        size += f.size
    if cur:
        out.append(cur)
    return out


def document_batches(docs: Iterable[Document], batch_docs: int = BATCH_DOCS) -> list[list[Document]]:
    """Documents already in memory, in batches of ``batch_docs``."""
    out: list[list[Document]] = []
    cur: list[Document] = []
    for d in docs:
        cur.append(d)
        if len(cur) >= batch_docs:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def load_batch(batch: Sequence[Document | FileRef], text_field: str = "text", id_field: str = "id") -> tuple[list[Document], list[tuple[str, str, str]], dict[str, int]]:
    """The documents of one batch (files are read here, on the worker), with the problems met."""
    ingest = _ingest()

    problems: list[tuple[str, str, str]] = []
    ignored: dict[str, int] = {}

    def ignore(kind: str) -> None:
        ignored[kind] = ignored.get(kind, 0) + 1

    docs: list[Document] = []
    for item in batch:
        if isinstance(item, Document):
            docs.append(item)
            continue
        opt = ingest._Options(
            text_field, id_field, ingest.IngestLimits.from_env(), False, lambda s, k, r: problems.append((s, k, r)), ignore
        )
        if not _is_url(item.path):
            docs.extend(ingest._file_documents(item.path, item.doc_id, item.fmt, opt))
            continue
        fsspec = _fsspec()
        base = item.path.rsplit("/", 1)[-1]
        with tempfile.TemporaryDirectory(prefix="unspun-") as tmp:
            local = os.path.join(tmp, base or "input")
            try:
                with fsspec.open(item.path, "rb") as src, open(local, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except OSError as err:
                problems.append((item.path, "unreadable", f"cannot read ({err})"))
                continue
            n0 = len(problems)
            docs.extend(ingest._file_documents(local, item.doc_id, item.fmt, opt))
            problems[n0:] = [(item.path if s == local else s, k, r) for s, k, r in problems[n0:]]
    return docs, problems, ignored


# --------------------------------------------------------------------------- the steps (run on workers)


def step_prepare(
    batch_no: int,
    batch: Sequence[Document | FileRef],
    params: FingerprintParams,
    embedder_name: str | None,
    band_parts: int,
    doc_parts: int,
    text_field: str = "text",
    id_field: str = "id",
) -> dict[str, Any]:
    """Load a batch, fingerprint it (:func:`unspun.scan.fingerprint_batch`), make its band rows
    (:func:`unspun.scan.band_rows`) and passage vectors (:func:`unspun.scan.embed_batch`), and split
    rows and documents by partition."""
    t0 = _cpu()
    loaded, problems, ignored = load_batch(batch, text_field, id_field)
    latest: dict[str, Document] = {}
    for d in loaded:  # as Index.add: skip empty ids/texts; the last version of an id wins
        if not d.id:
            problems.append((d.id, "empty id", "empty id"))
        elif not d.text or d.text.isspace():
            problems.append((d.id, "empty text", "empty text"))
        else:
            latest.pop(d.id, None)
            latest[d.id] = d
    docs = list(latest.values())
    t1 = _cpu()
    records = S.fingerprint_batch(docs, params)
    rows = S.band_rows(records)
    t2 = _cpu()
    emb = S.embed_batch(docs, _embedder(embedder_name))
    t3 = _cpu()
    # rows travel as two numpy arrays (band key, index of the document in ``ids``): pickled lists of
    # (int, str) tuples cost seconds per transfer and repeat every id once per band key
    ids = [d.id for d in docs]
    pos = {d: i for i, d in enumerate(ids)}
    keys = np.fromiter((k for k, _d in rows), dtype=np.int64, count=len(rows))
    owners = np.fromiter((pos[d] for _k, d in rows), dtype=np.int32, count=len(rows))
    which = keys % band_parts
    row_parts = [(keys[which == p], owners[which == p]) for p in range(band_parts)]
    docs_parts: list[dict[str, Document]] = [{} for _ in range(doc_parts)]
    sig_parts: list[dict[str, np.ndarray]] = [{} for _ in range(doc_parts)]
    for d, r in zip(docs, records):
        docs_parts[stable_part(d.id, doc_parts)][d.id] = d
        sig_parts[stable_part(d.id, doc_parts)][d.id] = r.signatures
    key_counts = {r.id: len(r.keys) for r in records}  # for the admission of star evidence (step_dedupe)
    vec_ids = [doc_id for doc_id, spans, _v in emb for _ in spans]
    vecs = np.concatenate([v for _i, _s, v in emb]).astype("<f2") if emb else np.zeros((0, 0), dtype="<f2")
    return {
        "batch": batch_no,
        "ids": ids,
        "key_counts": key_counts,
        "rows": row_parts,
        "docs": docs_parts,
        "sigs": sig_parts,
        "vec_ids": vec_ids,
        "vecs": vecs,
        "n_docs": len(docs),
        "chars": sum(len(d.text) for d in docs),
        "windows": int(sum(len(r.signatures) for r in records)),
        "n_rows": len(rows),
        "problems": problems,
        "ignored": ignored,
        "cpu": {"load": t1 - t0, "fingerprint": t2 - t1, "embed": t3 - t2},
    }


def step_pick(result: dict[str, Any], name: str, index: int | None = None) -> Any:
    """One field (or one partition of a field) of a step's result: what travels to the next step."""
    v = result[name]
    return v if index is None else v[index]


def step_vectors(result: dict[str, Any]) -> tuple[int, list[str], np.ndarray]:
    return result["batch"], result["vec_ids"], result["vecs"]


#: The pairs of one band partition bound for one pair partition: the ids they name (sorted) and, per pair,
#: the positions of its two ids in that list (a < b, as ids and as positions), its number of shared buckets
#: and its star evidence (shared buckets larger than ``max_bucket`` with a hub among the two).
PairBlock = tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def step_band_join(pair_parts: int, max_bucket: int, *parts: tuple[list[str], tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """The band join of one band partition: every batch's ``(ids, (keys, owners))`` rows, with each row's
    document numbered by the rank of its id, go to :func:`unspun.scan.bucket_pair_counts` (the pairs
    :func:`unspun.scan.candidate_pairs` and :func:`unspun.scan.star_pairs` make, counted, in numpy: two-row
    bands make hundreds of chance pairs per document); the counted pairs travel to their pair partition as
    a :data:`PairBlock`, not as a Python tuple each.  A bucket lies wholly in one band partition, so its
    hubs are its lowest ids, as in the embedded index; and its size is known here: the keys of the buckets
    larger than ``max_bucket`` (``oversize``) go to the align steps, which drop boilerplate passages on them."""
    t0 = _cpu()
    n_rows = sum(len(k) for _ids, (k, _o) in parts)
    empty = np.zeros(0, dtype=np.int64)
    out: list[PairBlock] = [([], empty, empty, empty, empty) for _ in range(pair_parts)]
    n_pairs = n_star = 0
    oversize = empty
    if n_rows:
        keys = np.concatenate([k for _ids, (k, _o) in parts])
        names = sorted({i for ids, (k, _o) in parts if len(k) for i in ids})
        rank = {i: r for r, i in enumerate(names)}
        owners = np.concatenate(
            [np.fromiter((rank[ids[o]] for o in own.tolist()), dtype=np.int64, count=len(own)) for ids, (_k, own) in parts]
        )
        a, b, n, st = S.bucket_pair_counts(keys, owners, max_bucket)
        oversize = S.oversize_of_rows(keys, owners, max_bucket)
        n_pairs = int(n.sum())  # pairs before counting, as candidate_pairs would list them
        n_star = int(st.sum())  # ... and as star_pairs would
        part_of = np.array([stable_part(i, pair_parts) for i in names], dtype=np.int64)
        q = part_of[a] if len(a) else empty
        for p in range(pair_parts):
            sel = q == p
            used = np.unique(np.concatenate([a[sel], b[sel]]))
            out[p] = ([names[i] for i in used.tolist()], np.searchsorted(used, a[sel]), np.searchsorted(used, b[sel]), n[sel], st[sel])
    return {"pairs": out, "oversize": oversize, "n_rows": n_rows, "n_pairs": n_pairs, "n_star": n_star, "cpu": _cpu() - t0}


def step_concat_keys(*parts: np.ndarray) -> np.ndarray:
    """The oversize band keys of every band partition, as one sorted array (a bucket lies in one partition)."""
    return np.sort(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])) if parts else np.zeros(0, dtype=np.int64)


def _vec_key(batch_no: int, i: int) -> int:
    return (batch_no << 32) | i


def step_ann_shard(*vector_parts: tuple[int, list[str], np.ndarray]) -> dict[str, Any]:
    """A usearch index (:func:`unspun.scan.ann_build`) over the vectors of some batches, serialised."""
    t0 = _cpu()
    keys: list[int] = []
    owners: dict[int, str] = {}
    mats = []
    for batch_no, ids, vecs in vector_parts:
        for i, doc_id in enumerate(ids):
            k = _vec_key(batch_no, i)
            keys.append(k)
            owners[k] = doc_id
        if len(ids):
            mats.append(vecs.astype(np.float32))
    mat = np.concatenate(mats) if mats else np.zeros((0, 0), dtype=np.float32)
    ann = S.ann_build(np.asarray(keys, dtype=np.uint64), mat)
    return {"index": bytes(ann.save()) if len(keys) else b"", "owners": owners, "cpu": _cpu() - t0}


def step_ann_query(
    pair_parts: int, count: int, threshold: float, query: tuple[int, list[str], np.ndarray], *shards: dict[str, Any]
) -> dict[str, Any]:
    """Search one batch's vectors in every shard (:func:`unspun.scan.ann_search`), keep each vector's
    ``count`` nearest over all shards, and turn them into pairs (:func:`unspun.scan.ann_pairs`)."""
    from usearch.index import Index as UIndex

    t0 = _cpu()
    _batch_no, ids, vecs = query
    q = vecs.astype(np.float32)
    pairs: list[S.Pair] = []
    if len(ids):
        found: list[tuple[np.ndarray, np.ndarray, dict[int, str]]] = []
        for sh in shards:
            if not sh["index"]:
                continue
            ann = UIndex.restore(sh["index"])
            ks, ss = [], []
            for s in range(0, len(q), 1024):
                k, sim = S.ann_search(ann, q[s : s + 1024], count)
                ks.append(k)
                ss.append(sim)
            found.append((np.concatenate(ks), np.concatenate(ss), sh["owners"]))
        for i in range(len(ids)):
            if len(found) == 1:  # one shard: its answer as it is (the embedded index's answer)
                k, sim, own = found[0]
                nb = [own.get(int(x), "") for x in k[i].tolist()]
                sims = sim[i].tolist()
            else:
                cand = sorted(
                    ((-float(s), own.get(int(x), "")) for k, sim, own in found for x, s in zip(k[i].tolist(), sim[i].tolist())),
                )[:count]
                nb = [c[1] for c in cand]
                sims = [-c[0] for c in cand]
            pairs += S.ann_pairs([ids[i]], [nb], [sims], threshold)
    parts: list[list[S.Pair]] = [[] for _ in range(pair_parts)]
    for p in pairs:
        parts[stable_part(p[0], pair_parts)].append(p)
    return {"pairs": parts, "n_pairs": len(pairs), "cpu": _cpu() - t0}


def step_dedupe(
    doc_parts: int, min_hits: int, min_ann: int, key_counts: dict[str, int], *pair_lists: list[S.Pair] | PairBlock,
    min_share: float = S.STAR_MIN_SHARE,
) -> dict[tuple[int, int], list[S.Pair]]:
    """Deduplicate one pair partition — band-join blocks (:data:`PairBlock`) and ANN pair lists — as
    :func:`unspun.scan.dedupe_pairs` does (star evidence admitted as :func:`unspun.scan.admit_star_pairs`
    does, on ``key_counts``, every document's distinct band keys: a pair's counts from every band partition
    meet here), and group its pairs by the document partitions of their two sides (so an align step needs
    two document partitions).  Band-join counts are summed in numpy; only the pairs kept become tuples."""
    blocks = [x for x in pair_lists if isinstance(x, tuple)]
    tuples = [p for x in pair_lists if not isinstance(x, tuple) for p in x]
    names = sorted({i for blk in blocks for i in blk[0]})
    span = max(1, len(names))
    codes, hits, stars = [], [], []
    for blk_names, a, b, n, st in blocks:
        if len(a):
            at = np.searchsorted(names, blk_names)  # this block's positions -> the partition's
            codes.append(np.asarray(at)[a] * span + np.asarray(at)[b])
            hits.append(n)
            stars.append(st)
    if codes:
        uniq, inv = np.unique(np.concatenate(codes), return_inverse=True)
        total = np.bincount(inv, weights=np.concatenate(hits), minlength=len(uniq)).astype(np.int64)
        star = np.bincount(inv, weights=np.concatenate(stars), minlength=len(uniq)).astype(np.int64)
    else:
        uniq, total, star = (np.zeros(0, dtype=np.int64),) * 3
    kc = np.fromiter((key_counts.get(i, 0) for i in names), dtype=np.int64, count=len(names)) if star.any() else None
    pairs = S.merge_counts(names, uniq // span, uniq % span, total, tuples, min_hits, min_ann,
                           star=star if kc is not None else None, key_counts=kc, min_share=min_share)
    groups: dict[tuple[int, int], list[S.Pair]] = {}
    for p in pairs:
        groups.setdefault((stable_part(p[0], doc_parts), stable_part(p[1], doc_parts)), []).append(p)
    return groups


def step_group_sizes(groups: dict[tuple[int, int], list[S.Pair]]) -> dict[tuple[int, int], int]:
    return {k: len(v) for k, v in sorted(groups.items())}


def step_slice(groups: dict[tuple[int, int], list[S.Pair]], key: tuple[int, int], start: int, end: int) -> list[S.Pair]:
    return groups[key][start:end]


def step_merge_docs(*parts: dict[str, Any]) -> dict[str, Any]:
    """One document (or signature) partition from every batch's share of it (a later batch's version of
    an id wins)."""
    out: dict[str, Any] = {}
    for p in parts:
        out.update(p)
    return out


def light(m: Match) -> Match:
    """A match without its texts, provenance and distortions: what the client needs to cluster."""
    return replace(m, a=Document(m.a.id, ""), b=Document(m.b.id, ""), evidence=(), distortions=())


def match_line(m: Match) -> str:
    """The JSON line of a pair (as ``unspun scan --json`` writes each pair)."""
    return json.dumps(m.to_dict(), ensure_ascii=False, sort_keys=False)


def write_text(url: str, text: str) -> None:
    """Write ``text`` to a local path (atomically) or an fsspec URL."""
    if _is_url(url):
        with _fsspec().open(url, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    path = Path(url[len("file://"):] if url.startswith("file://") else url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def step_align(
    part_no: int,
    pairs: list[S.Pair],
    docs_a: dict[str, Document],
    docs_b: dict[str, Document],
    sigs_a: dict[str, np.ndarray],
    sigs_b: dict[str, np.ndarray],
    embedder_name: str | None,
    judge: bool,
    min_coverage: float,
    out: str | None,
    keep: bool,
    min_similarity: float = S.MIN_WINDOW_SIMILARITY,
    min_ann: int = S.ANN_MIN_HITS,
    oversize: np.ndarray | None = None,
    params: FingerprintParams = DEFAULT_PARAMS,
) -> dict[str, Any]:
    """Verify a chunk of pairs on their window signatures (:func:`unspun.scan.verify_pairs`), align and
    judge the rest (:func:`unspun.scan.align_pairs`; boilerplate passages dropped on the ``oversize`` band
    keys, :func:`unspun.scan.boilerplate_passages`), keep the linked ones (:func:`unspun.scan.keep_linked`),
    write them as ``out/pairs/part-NNNNN.jsonl`` and return them (without texts unless ``keep``).
    Writing is idempotent: a retried step rewrites the same file."""
    t0 = _cpu()
    n_in = len(pairs)

    def fetch(i: str) -> Document | None:
        return docs_a.get(i) or docs_b.get(i)

    def signatures(i: str) -> np.ndarray | None:
        return sigs_a.get(i, sigs_b.get(i))

    pairs = S.verify_pairs(pairs, signatures, min_similarity=min_similarity, min_ann=min_ann)
    boilerplate = S.Boilerplate(oversize, signatures, params) if oversize is not None else None
    matches = S.keep_linked(S.align_pairs(pairs, fetch, embedder=_embedder(embedder_name), judge=judge,
                                          boilerplate=boilerplate), min_coverage)
    matches.sort(key=lambda m: (m.a.id, m.b.id))
    path = None
    if out is not None:
        path = f"{out.rstrip('/')}/pairs/part-{part_no:05d}.jsonl"
        write_text(path, "".join(match_line(m) + "\n" for m in matches))
    return {
        "matches": matches if keep else [light(m) for m in matches],
        "n_pairs": n_in,
        "n_verified": len(pairs),
        "path": path,
        "cpu": _cpu() - t0,
    }


# --------------------------------------------------------------------------- executors


class _Done:
    """The handle of a step that has already run (in-process executor)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class LocalExecutor:
    """Runs each step in this process as soon as it is submitted (``processes=0``), or on a pool of
    ``processes`` worker processes (steps wait for their inputs on the client)."""

    name = "local"

    def __init__(self, processes: int = 0):
        if processes < 0:
            raise ConfigError(f"processes must be 0 or more, not {processes}")
        self.processes = processes
        self._pool = None
        if processes:
            from concurrent.futures import ProcessPoolExecutor
            import multiprocessing

            self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        self.workers = max(1, processes)

    def _value(self, h: Any) -> Any:
        if isinstance(h, _Done):
            return h.value
        if self._pool is not None and hasattr(h, "result") and hasattr(h, "done"):
            return h.result()
        return h

    def submit(self, fn: Callable[..., Any], *args: Any, name: str = "") -> Any:
        vals = [self._value(a) for a in args]
        if self._pool is None:
            return _Done(fn(*vals))
        return self._pool.submit(fn, *vals)

    def result(self, h: Any) -> Any:
        return self._value(h)

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return [self._value(h) for h in handles]

    def as_completed(self, handles: Sequence[Any]) -> Iterator[Any]:
        if self._pool is None:
            yield from handles
            return
        from concurrent.futures import as_completed

        yield from as_completed(handles)

    def release(self, handles: Iterable[Any]) -> None:
        pass

    def warm(self, embedder_name: str | None = None, judge: bool = True) -> None:
        """Load the models now: in this process, or once in each pool process (one blocking task each)."""
        if self._pool is None:
            warm_worker(embedder_name, judge)
            return
        for f in [self._pool.submit(warm_worker, embedder_name, judge) for _ in range(self.processes)]:
            f.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _warm_plugin(embedder_name: str | None, judge: bool) -> Any:
    """A Dask worker plugin that runs :func:`warm_worker` when a worker starts (or when it is registered)."""
    from distributed import WorkerPlugin

    class WarmPlugin(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            warm_worker(embedder_name, judge)

    return WarmPlugin()


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependency("dask", extra="dask", purpose="the Dask executor") from None
    return distributed


class DaskExecutor:
    """Runs the steps as Dask tasks.

    ``scheduler="tcp://host:8786"`` connects to a running cluster; otherwise a
    LocalCluster of ``workers`` worker processes (one thread each) is started for the
    run and closed with the executor.  ``client`` reuses an existing ``distributed.Client``.
    The dashboard link is in :attr:`dashboard_link` (and printed by ``unspun scan``)."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        *,
        client: Any = None,
        threads_per_worker: int = 1,
        memory_limit: str | int = "auto",
        dashboard_address: str = ":0",
    ):
        distributed = _distributed()
        self._cluster = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif scheduler:
            if workers:
                raise ConfigError("give either a scheduler address or a number of workers, not both")
            try:
                self.client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as err:
                raise ConfigError(f"{scheduler}: cannot connect to the Dask scheduler ({err})") from None
        else:
            n = workers or os.cpu_count() or 1
            if n < 1:
                raise ConfigError(f"workers must be at least 1, not {n}")
            self._cluster = distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=threads_per_worker,
                processes=True,
                memory_limit=memory_limit,
                dashboard_address=dashboard_address,
                silence_logs=logging.CRITICAL,
            )
            self.client = distributed.Client(self._cluster)
        self._token = uuid.uuid4().hex[:8]
        self._n = 0

    @property
    def dashboard_link(self) -> str:
        return str(self.client.dashboard_link)

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, fn: Callable[..., Any], *args: Any, name: str = "") -> Any:
        self._n += 1
        key = f"unspun-{name or fn.__name__}-{self._token}-{self._n}"
        return self.client.submit(fn, *args, key=key, pure=False)

    def result(self, h: Any) -> Any:
        return h.result()

    def gather(self, handles: Sequence[Any]) -> list[Any]:
        return self.client.gather(list(handles))

    def as_completed(self, handles: Sequence[Any]) -> Iterator[Any]:
        yield from _distributed().as_completed(list(handles))

    def release(self, handles: Iterable[Any]) -> None:
        for h in handles:
            h.release()

    def warm(self, embedder_name: str | None = None, judge: bool = True) -> None:
        """Load the models on every worker now, and on every worker that joins (or restarts) later."""
        self.client.register_plugin(_warm_plugin(embedder_name, judge), name=f"unspun-warm-{embedder_name}-{judge}")

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> "DaskExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# --------------------------------------------------------------------------- the driver


@dataclass
class ScanResult:
    """What a scan found: clusters (largest first), counts, the part files written and CPU-seconds per stage."""

    clusters: list[Cluster]
    documents: int
    candidate_pairs: int  # pairs aligned: after verification (``sizes["unverified_pairs"]`` before it)
    linked_pairs: int
    parts: list[str]
    problems: list[tuple[str, str, str]]
    ignored: dict[str, int]
    cpu: dict[str, float]
    sizes: dict[str, int]
    wall: dict[str, float]

    def summary(self) -> str:
        s = (
            f"{self.documents} documents, {self.candidate_pairs} candidate pairs, {self.linked_pairs} linked pairs, "
            f"{len(self.clusters)} clusters"
        )
        if self.problems:
            s += f"; {len(self.problems)} inputs skipped"
        return s


def _progress(progress: ProgressFn | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def run_scan(
    batches: Sequence[Sequence[Document | FileRef]],
    executor: LocalExecutor | DaskExecutor,
    *,
    params: FingerprintParams = DEFAULT_PARAMS,
    embedder: str | None = "auto",
    judge: bool = True,
    min_coverage: float = 0.0,
    out: str | None = None,
    keep_matches: bool = False,
    partitions: int | None = None,
    align_chunk: int = ALIGN_CHUNK,
    ann_shard_vectors: int = ANN_SHARD_VECTORS,
    max_bucket: int = S.MAX_BUCKET,
    min_hits: int = S.MIN_HITS,
    min_similarity: float = S.MIN_WINDOW_SIMILARITY,
    min_ann: int = S.ANN_MIN_HITS,
    text_field: str = "text",
    id_field: str = "id",
    progress: ProgressFn | None = None,
    align: bool = True,
    warm: bool = True,
) -> ScanResult:
    """Scan ``batches`` (lists of documents or of :class:`FileRef`) on ``executor``.

    Returns the clusters of :meth:`unspun.Index.scan` over the same documents (each
    cluster's matches come without texts, provenance and distortions unless
    ``keep_matches``; the full pairs are in ``out/pairs/part-*.jsonl`` when ``out`` is given).
    ``align=False`` stops after candidate generation (no matches, no clusters: for measuring).
    ``warm`` loads the models on every worker first (:meth:`DaskExecutor.warm`).
    """
    if not 0.0 <= min_coverage <= 1.0:
        raise ConfigError(f"min_coverage must be between 0 and 1, not {min_coverage}")
    if align_chunk < 1:
        raise ConfigError(f"align_chunk must be at least 1, not {align_chunk}")
    emb_name = resolve_embedder_name(embedder)
    n_parts = partitions or max(1, 2 * executor.workers)
    ex = executor
    if warm:
        ex.warm(emb_name, judge and align)
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t = time.perf_counter()

    # 1. prepare: load, fingerprint, embed, split by partition
    prep = [
        ex.submit(step_prepare, i, list(b), params, emb_name, n_parts, n_parts, text_field, id_field, name="prepare")
        for i, b in enumerate(batches)
    ]
    done = 0
    for _ in ex.as_completed(prep):
        done += 1
        _progress(progress, "fingerprint", done, len(prep))
    meta = ex.gather([ex.submit(_prepare_meta, p, name="meta") for p in prep])
    n_docs = sum(m["n_docs"] for m in meta)
    problems = [p for m in meta for p in m["problems"]]
    ignored: dict[str, int] = {}
    for m in meta:
        for k, v in m["ignored"].items():
            ignored[k] = ignored.get(k, 0) + v
    for k in ("load", "fingerprint", "embed"):
        cpu[k] = sum(m["cpu"][k] for m in meta)
    n_vecs = sum(m["n_vecs"] for m in meta)
    sizes = {
        "documents": n_docs,
        "chars": sum(m["chars"] for m in meta),
        "windows": sum(m["windows"] for m in meta),
        "band_rows": sum(m["n_rows"] for m in meta),
        "vectors": n_vecs,
        "vector_dim": max((m["vec_dim"] for m in meta), default=0),
    }
    wall["prepare"] = time.perf_counter() - t
    t = time.perf_counter()

    # 2. band join: band partition p gets every batch's rows of p (the shuffle)
    joins = []
    ids = [ex.submit(step_pick, b, "ids", name="ids") for b in prep]
    for p in range(n_parts):
        rows = [ex.submit(_pair_with, i, ex.submit(step_pick, b, "rows", p, name="rows"), name="rows") for i, b in zip(ids, prep)]
        joins.append(ex.submit(step_band_join, n_parts, max_bucket, *rows, name="band-join"))
    pair_sources = list(joins)

    # 3. ANN candidates over passage vectors
    ann_steps = []
    if emb_name is not None and n_vecs:
        vec_parts = [ex.submit(step_vectors, b, name="vectors") for b in prep]
        shards, cur, cur_n = [], [], 0
        for vp, m in zip(vec_parts, meta):
            if cur and cur_n + m["n_vecs"] > ann_shard_vectors:
                shards.append(ex.submit(step_ann_shard, *cur, name="ann-shard"))
                cur, cur_n = [], 0
            cur.append(vp)
            cur_n += m["n_vecs"]
        if cur:
            shards.append(ex.submit(step_ann_shard, *cur, name="ann-shard"))
        ann_steps = [
            ex.submit(step_ann_query, n_parts, S.ANN_NEIGHBOURS + 1, S.ANN_THRESHOLD, vp, *shards, name="ann-query")
            for vp in vec_parts
        ]
        pair_sources += ann_steps

    # 4. dedupe each pair partition, grouped by the document partitions of the two sides
    dedup = []
    key_counts = ex.submit(step_merge_docs, *[ex.submit(step_pick, b, "key_counts", name="key-counts") for b in prep],
                           name="key-counts")
    for q in range(n_parts):
        parts = [ex.submit(step_pick, s, "pairs", q, name="pairs") for s in pair_sources]
        dedup.append(ex.submit(step_dedupe, n_parts, min_hits, min_ann, key_counts, *parts, name="dedupe"))
    sizes_per = ex.gather([ex.submit(step_group_sizes, d, name="group-sizes") for d in dedup])
    cpu["band_join"] = sum(ex.gather([ex.submit(step_pick, j, "cpu") for j in joins]))
    cpu["ann"] = sum(ex.gather([ex.submit(step_pick, a, "cpu") for a in ann_steps]))
    n_pairs = sum(sum(g.values()) for g in sizes_per)
    sizes["band_join_pairs"] = sum(ex.gather([ex.submit(step_pick, j, "n_pairs") for j in joins]))
    sizes["star_pairs"] = sum(ex.gather([ex.submit(step_pick, j, "n_star") for j in joins]))
    sizes["ann_pairs"] = sum(ex.gather([ex.submit(step_pick, a, "n_pairs") for a in ann_steps]))
    wall["candidates"] = time.perf_counter() - t
    _progress(progress, "candidates", n_pairs, n_pairs)
    t = time.perf_counter()

    # 5. align: each chunk of a (partition of a, partition of b) group with those two document partitions
    doc_parts = [
        ex.submit(step_merge_docs, *[ex.submit(step_pick, b, "docs", h, name="docs") for b in prep], name="doc-partition")
        for h in range(n_parts)
    ]
    sig_parts = [
        ex.submit(step_merge_docs, *[ex.submit(step_pick, b, "sigs", h, name="sigs") for b in prep], name="sig-partition")
        for h in range(n_parts)
    ]
    oversize = ex.submit(step_concat_keys, *[ex.submit(step_pick, j, "oversize") for j in joins], name="oversize")
    aligns = []
    for q, groups in enumerate(sizes_per if align else []):
        for (ha, hb), n in groups.items():
            for s in range(0, n, align_chunk):
                chunk = ex.submit(step_slice, dedup[q], (ha, hb), s, min(n, s + align_chunk), name="chunk")
                aligns.append(
                    ex.submit(
                        step_align, len(aligns), chunk, doc_parts[ha], doc_parts[hb], sig_parts[ha], sig_parts[hb],
                        emb_name, judge, min_coverage, out, keep_matches, min_similarity, min_ann, oversize, params,
                        name="align",
                    )
                )
    matches: list[Match] = []
    paths: list[str] = []
    cpu["align"] = 0.0
    done = verified = 0
    _progress(progress, "align", 0, n_pairs)
    for h in ex.as_completed(aligns):
        r = ex.result(h)
        matches += r["matches"]
        if r["path"]:
            paths.append(r["path"])
        cpu["align"] += r["cpu"]
        verified += r["n_verified"]
        done += r["n_pairs"]
        _progress(progress, "align", done, n_pairs)
    ex.release([*aligns, oversize, *doc_parts, *sig_parts, *dedup, key_counts, *pair_sources, *prep])
    sizes["unverified_pairs"] = n_pairs
    wall["align"] = time.perf_counter() - t
    t = time.perf_counter()

    # 6. clusters (on the client: a union-find over the linked pairs)
    clusters = S.link_clusters(matches, min_coverage)
    if out is not None:
        lines = [
            json.dumps({"documents": list(c.documents), "pairs": [[m.a.id, m.b.id] for m in c.matches]}, ensure_ascii=False)
            for c in clusters
        ]
        write_text(f"{out.rstrip('/')}/clusters.jsonl", "".join(line + "\n" for line in lines))
    wall["cluster"] = time.perf_counter() - t
    return ScanResult(
        clusters=clusters,
        documents=n_docs,
        candidate_pairs=verified if align else n_pairs,
        linked_pairs=len(matches),
        parts=sorted(paths),
        problems=problems,
        ignored=ignored,
        cpu=cpu,
        sizes=sizes,
        wall=wall,
    )


def _pair_with(a: Any, b: Any) -> tuple[Any, Any]:
    return a, b


def _prepare_meta(result: dict[str, Any]) -> dict[str, Any]:
    """The small part of a prepare step's result that the client reads."""
    return {
        "n_docs": result["n_docs"],
        "chars": result["chars"],
        "windows": result["windows"],
        "n_rows": result["n_rows"],
        "n_vecs": len(result["vec_ids"]),
        "vec_dim": int(result["vecs"].shape[1]) if result["vecs"].ndim == 2 else 0,
        "problems": result["problems"],
        "ignored": result["ignored"],
        "cpu": result["cpu"],
    }


def scan_paths(
    inputs: Sequence[str],
    executor: LocalExecutor | DaskExecutor,
    *,
    batch_bytes: int = BATCH_BYTES,
    **kwargs: Any,
) -> ScanResult:
    """:func:`run_scan` over files, directories, globs or fsspec URLs (the formats of :mod:`unspun.ingest`)."""
    plan = expand_inputs(inputs)
    if not plan.files:
        why = "; ".join(f"{s}: {r}" for s, _k, r in plan.problems[:3]) or "no input file of a supported format"
        raise InputError(f"nothing to scan ({why})")
    res = run_scan(file_batches(plan.files, batch_bytes), executor, **kwargs)
    res.problems = plan.problems + res.problems
    for k, v in plan.ignored.items():
        res.ignored[k] = res.ignored.get(k, 0) + v
    return res
