"""The bad-input matrix: every hostile or broken file through the library, the CLI and the HTTP service.

Each case is one input file.  An *error* case must give, on every surface,
one line that names the file and the reason:

- library: ``load_document`` raises :class:`InputError` (message starts with the
  path); ``iter_documents`` yields nothing and reports exactly that problem;
- CLI (real subprocesses): ``unspun compare BAD GOOD`` and ``unspun index add BAD``
  exit 2 with one ``unspun: error: <path>: <reason>`` line on stderr;
- service (TestClient): ``POST /compare`` and ``POST /documents`` with the file
  uploaded answer 4xx with a one-line JSON ``error`` naming the upload;

and the index is untouched and still correct afterwards (integrity check,
count, ids, statistics and a ``check`` answer identical before and after).
A *works* case (other encodings, NUL bytes, exotic Unicode) must be read, with
the expected text, on every surface.

Limits are lowered through the documented environment variables where the
real ones would make the test slow (a 20 MB line against an 8 MiB document
limit, a WARC bomb against a 64 MiB inflation limit); the real limits are
exercised by the tests marked ``slow``.  Path-only cases (missing file,
symlink loop, unreadable file) have no service column: the service only ever
sees uploaded bytes.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from conftest import gzip_zeros
from fastapi.testclient import TestClient
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from unspun.errors import InputError
from unspun.index import Index
from unspun.ingest import MAX_ID_CHARS, IngestReport, iter_documents, load_document
from unspun.service import create_app
from unspun.types import Document

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"
ORIGINAL = (SEEDS / "000_39c885e149670517.txt").read_text(encoding="utf-8")
SPUN = (SEEDS / "002_9a117862eab7609d.txt").read_text(encoding="utf-8")
GOOD = (
    "The city council voted on Tuesday to close the old harbour bridge for repairs. "
    "Engineers found cracks in two of the supporting piers last month. "
    "The bridge will reopen in the spring, the mayor said at a press conference."
)
OTHER = "Farmers in the valley expect a late harvest after the wet summer, the cooperative said on Monday. " * 2
MIB = 1 << 20
#: The service in these tests accepts requests up to this size (its --max-request-bytes).
REQUEST_LIMIT = 16 * MIB
UNICODE_ZOO = (
    "Emoji 🎉👩🏽‍🚀🇺🇦 in the story. "
    "עברית: הכלב רץ בפארק. العربية: ذهب الولد إلى المدرسة. "
    "Combining: e\u0301 a\u0308 n\u0303 Z\u0335\u0321a\u0337l\u0336g\u0334o. "
    "Zero\u200bwidth\u200cjoiner\u200dand\ufeffBOM inside. "
    "RTL override \u202eevil\u202c ends here. Mixed ℌ𝔢𝔩𝔩𝔬 and ﬁ ligatures."
)


# ----------------------------------------------------------------------------- file builders


def warc_head(uri: str, length: int) -> bytes:
    return (
        f"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000b0b0>\r\n"
        f"WARC-Target-URI: {uri}\r\nWARC-Date: 2023-05-01T00:00:00Z\r\nContent-Type: text/html\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def one_record_warc() -> bytes:
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=False)
    body = ("<html><head><title>Harbour bridge</title></head><body><article>"
            + "".join(f"<p>{s}.</p>" for s in GOOD.split(". ")) + "</article></body></html>").encode()
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    w.write_record(w.create_warc_record("https://news.example/bridge", "response", payload=io.BytesIO(body),
                                        http_headers=http))
    return buf.getvalue()


def write(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def sparse(size: int) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        with p.open("wb") as fh:
            fh.write(b"A long story. " * 100)
            fh.truncate(size)  # sparse: instant, and the size check must not read it
    return make


def one_line(size: int) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        block = (" ".join(f"word{i % 997}x{i % 13}" for i in range(120_000)) + " ").encode()[:MIB]
        with p.open("wb") as fh:
            for _ in range(size // MIB):
                fh.write(block)
    return make


def self_link(p: Path) -> None:
    p.symlink_to(p.name)


def unreadable(p: Path) -> None:
    p.write_text(GOOD)
    p.chmod(0)


def nested_html(p: Path) -> None:
    p.write_text("<html><body>" + "<div>" * 100_000 + "<p>lost in the depths</p>" + "</div>" * 100_000 + "</body></html>")


# ----------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    make: Callable[[Path], None]
    error: str | None = None  # regex the one-line message must match (None: the file must work)
    text: str | None = None  # works: the decoded text must equal this (or contain ``contains``)
    contains: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    service: str = "upload"  # "upload": the service gets the bytes; "413": over the request limit; "": path-only case
    slow: bool = False


CASES = [
    Case("empty", "empty.txt", write(b""), error="the file is empty"),
    Case("whitespace only", "blank.txt", write(b"  \n\t \r\n   \n"), error="no text \\(empty or whitespace only\\)"),
    Case("PNG", "photo.png", write(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8), error="this is a PNG image, not text"),
    Case("gzip", "notes.txt.gz", write(gzip.compress(GOOD.encode())), error="this is gzip-compressed data, not text"),
    Case("ELF", "a.out", write(b"\x7fELF\x02\x01\x01" + bytes(500)), error="this is an ELF executable, not text"),
    Case("invalid UTF-8 (damaged bytes)", "damaged.txt",
         write("Zürich café naïve résumé — ".encode() * 3 + b"broken \xc3 here and \xff there. " + GOOD.encode()),
         contains=("Zürich café", "broken \ufffd here", GOOD)),
    Case("invalid UTF-8 (control-byte garbage)", "garbage.txt", write(bytes(range(1, 32)) * 40 + b"\xff\xfe\x80" * 50),
         error="binary data"),
    Case("UTF-16 with BOM", "utf16bom.txt", write(UNICODE_ZOO.encode("utf-16")), text=UNICODE_ZOO),
    Case("UTF-16 LE without BOM", "utf16le.txt", write(GOOD.encode("utf-16-le")), text=GOOD),
    Case("UTF-16 BE without BOM", "utf16be.txt", write(("Привет, мир. " * 20 + GOOD).encode("utf-16-be")),
         text="Привет, мир. " * 20 + GOOD),
    Case("cp1252", "legacy.txt", write(("“Café crème” costs €5 — naïve. " + GOOD).encode("cp1252")),
         text="“Café crème” costs €5 — naïve. " + GOOD),
    Case("NUL bytes", "nul.txt", write(GOOD[:40].encode() + b"\x00\x00" + GOOD[40:].encode() + b"\x00"), text=GOOD),
    Case("emoji, RTL, combining, zero-width", "zoo.txt", write(UNICODE_ZOO.encode()), text=UNICODE_ZOO),
    Case("100 MB text file", "huge.txt", sparse(100_000_000),
         error=r"100,000,000 bytes is over the 52,428,800-byte limit for one document \(raise it with UNSPUN_MAX_DOC_BYTES\)",
         service="413"),
    Case("one 20 MB line (8 MiB limit)", "oneline.txt", one_line(20 * MIB), env={"UNSPUN_MAX_DOC_BYTES": str(8 * MIB)},
         error=r"20,971,520 bytes is over the 8,388,608-byte limit", service="413"),
    Case("warc.gz inflating past the limit (64 MiB)", "bomb.warc.gz",
         write(gzip_zeros(warc_head("https://bomb.example/", 1536 * MIB), 1536 * MIB, b"\r\n\r\n")),
         env={"UNSPUN_MAX_WARC_INFLATED_BYTES": str(64 * MIB)},
         error=r"over the 10,485,760-byte limit \(UNSPUN_MAX_WARC_RECORD_BYTES\)"),
    Case("warc.gz inflating past 1 GiB (real limits)", "bigbomb.warc.gz",
         write(gzip_zeros(warc_head("https://bomb.example/", 1536 * MIB), 1536 * MIB, b"\r\n\r\n")),
         error=r"over the 10,485,760-byte limit \(UNSPUN_MAX_WARC_RECORD_BYTES\)", slow=True),
    Case("truncated WARC", "cut.warc", write(one_record_warc()[:-200]), error=r"record 1 .*cut short \(truncated file\)"),
    Case("truncated WARC (gzip)", "cut.warc.gz", write(gzip.compress(one_record_warc())[:-40]),
         error=r"cut short|truncated"),
    Case("malformed WARC (bad length)", "fake.warc", write(b"WARC/1.0\r\nContent-Length: lots\r\n\r\nnot a record\r\n"),
         error="record 1 is malformed: Content-Length 'lots' is not a number"),
    Case("malformed WARC (no type)", "untyped.warc", write(b"WARC/1.0\r\nContent-Length: 4\r\n\r\nabcd\r\n\r\n"),
         error="record 1 is malformed: no WARC-Type header"),
    Case("not a WARC", "text.warc", write(GOOD.encode()), error="not a WARC file"),
    Case("HTML nested 100,000 levels", "deep.html", nested_html, error="too deeply nested|no text could be extracted|100,000 tags"),
    Case("symlink loop", "loop.txt", self_link, error="symbolic link loop", service=""),
    Case("missing path", "missing.txt", lambda p: None, error="no such file", service=""),
    Case("no read permission", "secret.txt", unreadable, error="permission denied", service=""),
]
FAST = [c for c in CASES if not c.slow]
SLOW = [c for c in CASES if c.slow]


def params(cases):
    return [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in cases]


# ----------------------------------------------------------------------------- the index and its snapshot


def snapshot(db: Path) -> dict:
    """Everything a user sees of an index: integrity, ids, statistics, and the answer to one check."""
    con = sqlite3.connect(db)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    with Index(db, readonly=True) as ix:
        stats = {k: v for k, v in ix.stats().items() if k not in ("bytes_on_disk", "path")}
        return {
            "integrity": integrity,
            "ids": list(ix.ids()),
            "stats": stats,
            "check": [m.to_dict() for m in ix.check(SPUN, judge=False)],
        }


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> tuple[Path, dict]:
    db = tmp_path_factory.mktemp("golden") / "index.db"
    with Index(db, embedder=None) as ix:
        ix.add([Document("orig", ORIGINAL), Document("other", OTHER), Document("bridge", GOOD)])
    snap = snapshot(db)
    assert snap["integrity"] == "ok" and [m["a"]["id"] for m in snap["check"]] == ["orig"]
    return db, snap


@pytest.fixture()
def db(golden, tmp_path) -> Path:
    path = tmp_path / "index.db"
    shutil.copy(golden[0], path)
    return path


@pytest.fixture()
def case_file(request, tmp_path, monkeypatch) -> tuple[Case, Path]:
    case: Case = request.param
    if case.name == "no read permission" and os.geteuid() == 0:
        pytest.skip("root reads every file")
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    d = tmp_path / "in"
    d.mkdir()
    path = d / case.filename
    case.make(path)
    return case, path


def one_line_error(msg: str) -> str:
    assert msg and "\n" not in msg.strip() and "Traceback" not in msg, msg
    return msg.strip()


def check_text(case: Case, text: str) -> None:
    if case.text is not None:
        assert text == case.text
    for part in case.contains:
        assert part in text


# ----------------------------------------------------------------------------- library


@pytest.mark.parametrize("case_file", params(CASES), indirect=True)
def test_library(case_file, db, golden):
    case, path = case_file
    report = IngestReport()
    if case.error:
        with pytest.raises(InputError) as exc:
            load_document(path)
        msg = one_line_error(str(exc.value))
        assert msg.startswith(f"{path}: ") and re.search(case.error, msg), msg
        docs = list(iter_documents([path], report=report))
        assert docs == [] and report.problem_count >= 1, report.summary()  # a WARC bomb also reports where inflation stopped
        src, why = report.problems[0]
        assert src == str(path) and re.search(case.error, why), (src, why)
    else:
        doc = load_document(path)
        check_text(case, doc.text)
        docs = list(iter_documents([path], report=report))
        assert [d.text for d in docs] == [doc.text] and report.problem_count == 0
    with Index(db, embedder=None) as ix:
        ix.add(docs)
    after = snapshot(db)
    if case.error:
        assert after == golden[1]
    else:
        assert after["integrity"] == "ok" and len(after["ids"]) == len(golden[1]["ids"]) + 1


# ----------------------------------------------------------------------------- CLI


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "unspun", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ.copy())


@pytest.mark.parametrize("case_file", params(CASES), indirect=True)
def test_cli(case_file, db, golden, tmp_path):
    case, path = case_file
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    # the two commands run side by side (separate processes, separate files)
    compare = cli("compare", str(path), str(good), "--no-judge", "--json")
    add = cli("index", "add", str(path), "--db", str(db), "--no-vectors")
    out_c, err_c = compare.communicate(timeout=300)
    out_a, err_a = add.communicate(timeout=300)
    if case.error:
        for rc, err, what in ((compare.returncode, err_c, "compare"), (add.returncode, err_a, "index add")):
            line = one_line_error(err)
            assert rc == 2, (what, rc, err)
            assert line.startswith(f"unspun: error: {path}: ") and re.search(case.error, line), (what, line)
        assert out_c == ""
        assert snapshot(db) == golden[1]
    else:
        assert compare.returncode == 0 and err_c == "", err_c
        assert json.loads(out_c)["a"]["id"] == str(path)
        assert add.returncode == 0, err_a
        assert "added 1" in out_a and "skipped" not in out_a, out_a
        with Index(db, readonly=True) as ix:
            check_text(case, ix.get(str(path)).text)
        assert snapshot(db)["integrity"] == "ok"


# ----------------------------------------------------------------------------- service


@pytest.fixture()
def service(db):
    with TestClient(create_app(db, max_request_bytes=REQUEST_LIMIT), base_url="http://localhost") as c:
        yield c


def service_error(r, status_range=range(400, 500)) -> str:
    assert r.status_code in status_range, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    return one_line_error(r.json()["error"])


@pytest.mark.parametrize("case_file", params([c for c in CASES if c.service]), indirect=True)
def test_service(case_file, db, golden, service):
    case, path = case_file
    data = path.read_bytes()
    name = path.name
    r_compare = service.post("/compare", files={"a_file": (name, data)}, data={"b": GOOD, "judge": "false"})
    r_add = service.post("/documents", files={"files": (name, data)})
    if case.service == "413":
        for r in (r_compare, r_add):
            msg = service_error(r)
            assert r.status_code == 413 and f"{REQUEST_LIMIT:,}-byte limit" in msg
    elif case.error:
        for r in (r_compare, r_add):
            msg = service_error(r)
            assert msg.startswith(f"{name}: ") and re.search(case.error, msg), msg
            assert str(path.parent) not in msg and "unspun-uploads" not in msg  # no server path leaks
    else:
        assert r_compare.status_code == 200, r_compare.text
        a = r_compare.json()["a"]
        assert a["id"] == name and (case.text is None or a["length"] == len(case.text)), a
        assert r_add.status_code == 201 and r_add.json()["added"] == 1, r_add.text
        doc_id = r_add.json()["ids"][0]
        got = service.get(f"/documents/{doc_id}")
        assert got.status_code == 200
        check_text(case, got.json()["text"])
    if case.error or case.service == "413":
        service.app.state.service.close()
        assert snapshot(db) == golden[1]


# ----------------------------------------------------------------------------- inputs holding several documents


def broken_jsonl(path: Path) -> None:
    path.write_text("\n".join([
        json.dumps({"id": "good-1", "text": GOOD}),
        '{"id": "broken", "text": "unterminated',
        json.dumps({"id": "good-2", "text": OTHER + " Second good line."}),
        "[1, 2]",
        json.dumps({"id": "no-text", "body": "wrong field"}),
    ]) + "\n")


BROKEN_LINES = {2: "line 2: not valid JSON", 4: "line 4: a list, not a JSON object", 5: "line 5: no 'text' field"}


def test_jsonl_with_broken_lines_library(tmp_path, db, golden):
    path = tmp_path / "feed.jsonl"
    broken_jsonl(path)
    report = IngestReport()
    docs = list(iter_documents([path], report=report))
    assert [d.id for d in docs] == ["good-1", "good-2"]
    assert [(src, why.split(" (")[0]) for src, why in report.problems] == [
        (str(path), why) for why in BROKEN_LINES.values()
    ], report.problems
    with pytest.raises(InputError, match=re.escape(f"{path}: line 2: not valid JSON")):
        load_document(path)
    with Index(db, embedder=None) as ix:
        assert ix.add(docs).added == 2
    assert snapshot(db)["ids"] == sorted(golden[1]["ids"] + ["good-1", "good-2"])


def test_jsonl_with_broken_lines_cli(tmp_path, db, golden):
    path = tmp_path / "feed.jsonl"
    broken_jsonl(path)
    p = cli("index", "add", str(path), "--db", str(db), "--no-vectors", "--quiet")  # no progress lines
    out, err = p.communicate(timeout=300)
    # some documents were read: exit 0, and the summary names every skipped line with its reason
    assert p.returncode == 0 and err == "", err
    assert "added 2" in out and "3 skipped (3 bad json line)" in out, out
    for why in BROKEN_LINES.values():
        assert f"  {path}: {why}" in out, out
    assert snapshot(db)["ids"] == sorted(golden[1]["ids"] + ["good-1", "good-2"])
    # compare wants one document: the first broken line is the error
    p = cli("compare", str(path), str(path))
    out, err = p.communicate(timeout=300)
    assert p.returncode == 2 and one_line_error(err).startswith(f"unspun: error: {path}: line 2: not valid JSON ("), err


def test_jsonl_with_broken_lines_service(tmp_path, db, golden, service):
    path = tmp_path / "feed.jsonl"
    broken_jsonl(path)
    r = service.post("/documents", files={"files": ("feed.jsonl", path.read_bytes())})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["added"] == 2 and body["ids"] == ["good-1", "good-2"]
    assert [(p["source"], p["reason"].split(" (")[0]) for p in body["problems"]] == [
        ("feed.jsonl", why) for why in BROKEN_LINES.values()
    ]
    msg = service_error(service.post("/compare", files={"a_file": ("feed.jsonl", path.read_bytes())}, data={"b": GOOD}))
    assert msg.startswith("feed.jsonl: line 2: not valid JSON"), msg


HOSTILE_IDS = {
    "../../../../tmp/unspun-escape": "../../../../tmp/unspun-escape",
    "nul\x00inside": "nulinside",  # ingest strips control characters from ids
    "x" * 10_000: "x" * MAX_ID_CHARS,  # and cuts them to MAX_ID_CHARS
}


def hostile_jsonl(path: Path) -> None:
    path.write_text("\n".join(
        json.dumps({"id": raw, "text": f"{GOOD} Variant {n}.", "url": f"https://x.example/{'../' * 3}{'y' * 10_000}\x00"})
        for n, raw in enumerate(HOSTILE_IDS)
    ) + "\n")


def test_hostile_ids_and_urls_library_and_cli(tmp_path, db, golden):
    path = tmp_path / "ids.jsonl"
    hostile_jsonl(path)
    docs = list(iter_documents([path]))
    assert [d.id for d in docs] == list(HOSTILE_IDS.values())
    assert all("\x00" not in d.url and len(d.url) <= 1000 for d in docs)
    before = sorted(p.name for p in Path("/tmp").iterdir())
    p = cli("index", "add", str(path), "--db", str(db), "--no-vectors")
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "added 3" in out, (out, err)
    assert "unspun-escape" not in os.listdir("/tmp") or "unspun-escape" in before  # ids never become paths
    # the database, its WAL files, its cache lock and its caches (bucket segments: generated names, never ids)
    caches = [n for n in os.listdir(db.parent)
              if re.fullmatch(r"index\.db-(wal|shm)|index\.db\.lock|index\.db\.bands(\.[0-9a-f]{32}\.seg)?", n)]
    assert sorted(os.listdir(db.parent)) == sorted(["index.db", "ids.jsonl", *caches])
    with Index(db, readonly=True) as ix:
        for doc_id in HOSTILE_IDS.values():
            assert ix.get(doc_id).text.startswith(GOOD)
    assert snapshot(db)["integrity"] == "ok"


def test_hostile_ids_and_urls_service(db, golden, service):
    docs = [{"id": "../../../../tmp/unspun-escape", "text": GOOD + " one"},
            {"id": "nul\x00inside", "text": GOOD + " two", "url": "https://x.example/" + "../" * 100 + "\x00"}]
    r = service.post("/documents", json={"documents": docs})
    assert r.status_code == 201 and r.json()["added"] == 2, r.text
    from urllib.parse import quote

    for d in docs:
        got = service.get("/documents/" + quote(d["id"], safe=""))
        assert got.status_code == 200 and got.json()["text"] == d["text"], got.text
    # over the documented field limits: 422 naming the field, nothing written
    for bad, where in (({"id": "x" * 10_000, "text": GOOD}, "documents.0.id"),
                       ({"id": "u", "text": GOOD, "url": "h" * 10_001}, "documents.0.url")):
        msg = service_error(service.post("/documents", json={"documents": [bad]}), range(422, 423))
        assert msg.startswith(where), msg
    service.app.state.service.close()
    with Index(db, readonly=True) as ix:
        assert len(ix) == len(golden[1]["ids"]) + 2


def test_directory_with_a_symlink_loop(tmp_path, db, golden):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "story.txt").write_text(GOOD)
    (tree / "sub" / "back").symlink_to("..")  # a loop: tree/sub/back/sub/back/...
    (tree / "self.txt").symlink_to("self.txt")
    report = IngestReport()
    assert [d.id for d in iter_documents([tree], report=report)] == ["sub/story.txt"]
    assert report.ignored == {"directory symlink not followed": 1}
    assert report.problems == [(str(tree / "self.txt"), "symbolic link loop")]
    report = IngestReport()
    assert [d.id for d in iter_documents([tree], report=report, follow_symlinks=True)] == ["sub/story.txt"]
    assert sorted(why for _, why in report.problems) == [
        "a symbolic link back to a directory above it; not entered", "symbolic link loop"]
    # CLI: a tree that yields documents exits 0 and lists what it skipped; a directory is not one document
    p = cli("index", "add", str(tree), "--db", str(db), "--no-vectors")
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "added 1" in out and f"  {tree / 'self.txt'}: symbolic link loop" in out, (out, err)
    p = cli("compare", str(tree), str(tree / "sub" / "story.txt"))
    _, err = p.communicate(timeout=300)
    assert p.returncode == 2 and one_line_error(err) == f"unspun: error: {tree}: is a directory; give one file"
    assert len(snapshot(db)["ids"]) == len(golden[1]["ids"]) + 1


def test_missing_path_beside_good_ones_is_listed_not_fatal(tmp_path, db, golden):
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    missing = tmp_path / "nope.txt"
    p = cli("index", "add", str(missing), str(good), "--db", str(db), "--no-vectors")
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0 and "added 1" in out and f"  {missing}: no such file" in out, (out, err)


# ----------------------------------------------------------------------------- real sizes (slow)


@pytest.mark.slow
def test_a_20_mb_line_is_a_document_under_the_default_limit(tmp_path):
    """Under the default 50 MiB limit a 20 MiB one-line file is a (big) document: read and indexed, bounded."""
    path = tmp_path / "oneline.txt"
    one_line(20 * MIB)(path)
    doc = load_document(path)
    assert len(doc.text) == 20 * MIB
    with Index(tmp_path / "big.db", embedder=None) as ix:
        assert ix.add([doc]).added == 1
        assert ix.get(str(path)).text == doc.text
