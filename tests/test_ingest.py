"""unspun.ingest on real files made here: text, HTML, JSONL, WARC (.warc/.warc.gz) and hostile input."""
from __future__ import annotations

import gzip
import io
import json
import os
import tracemalloc
import zlib
from pathlib import Path

import pytest
from conftest import gzip_zeros
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from unspun.errors import ConfigError, InputError
from unspun.ingest import (
    MAX_ID_CHARS,
    MAX_PROBLEMS,
    IngestLimits,
    IngestReport,
    iter_documents,
    load_document,
    sanitize_id,
)

BODY = (
    "Police said on Tuesday that forty plush bear bags were stolen from the children's hospital "
    "in the night. The bags had been donated by a local charity only a week earlier. "
    '"We are not giving up," said the director, who asked the public for help in finding them. '
    "The theft happened between 2 and 4 a.m., according to the police report."
)


def page(title="Bear bags stolen from hospital", body=BODY, date="2023-05-04", author="Jane Doe",
         url="https://news.example/bears", charset="utf-8") -> str:
    paras = "".join(f"<p>{s.strip()}.</p>" for s in body.split(". ") if s.strip())
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
        f'<meta name="author" content="{author}">'
        f'<meta property="article:published_time" content="{date}T10:00:00Z">'
        f'<link rel="canonical" href="{url}"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paras}</article>"
        "<footer>Copyright News Example</footer></body></html>"
    )


def ingest(paths, **kw) -> tuple[list, IngestReport]:
    report = IngestReport()
    docs = list(iter_documents(paths, report=report, **kw))
    assert report.documents == len(docs)
    return docs, report


def reasons(report: IngestReport) -> str:
    return "\n".join(f"{s}: {r}" for s, r in report.problems)


# ----------------------------------------------------------------------------- text and HTML


def test_text_and_markdown_titles_and_ids(tmp_path):
    (tmp_path / "story.txt").write_text("Bears Stolen From Hospital\n\n" + BODY)
    (tmp_path / "notes.md").write_text("# A heading\n\nSome text below it.\n")
    (tmp_path / "plain.txt").write_text(BODY + "\n" + BODY)
    docs, report = ingest([tmp_path / "story.txt", str(tmp_path / "notes.md"), tmp_path / "plain.txt"])
    assert [d.id for d in docs] == [str(tmp_path / n) for n in ("story.txt", "notes.md", "plain.txt")]
    assert [d.title for d in docs] == ["Bears Stolen From Hospital", "A heading", None]
    assert docs[0].text == "Bears Stolen From Hospital\n\n" + BODY
    assert report.problems == [] and report.skipped == {}


def test_a_single_path_is_not_iterated_character_by_character(tmp_path):
    (tmp_path / "a.txt").write_text(BODY)
    docs, _ = ingest(str(tmp_path / "a.txt"))
    assert len(docs) == 1
    docs, _ = ingest(tmp_path / "a.txt")
    assert len(docs) == 1


def test_html_page_metadata(tmp_path):
    p = tmp_path / "bears.html"
    p.write_text(page())
    (doc,), report = ingest([p])
    assert doc.id == str(p)  # an HTML file keeps its path id; its URL goes to .url
    assert doc.title == "Bear bags stolen from hospital"
    assert doc.byline == "Jane Doe"
    assert doc.published == "2023-05-04"
    assert doc.url == "https://news.example/bears"
    assert "forty plush bear bags" in doc.text and "not giving up" in doc.text
    assert "Copyright News Example" not in doc.text and "Home" not in doc.text.split("\n")


def test_html_in_cp1252_declared_by_meta(tmp_path):
    p = tmp_path / "old.htm"
    p.write_bytes(page(title="Café crème", body=BODY.replace("forty", "forty naïve"), charset="windows-1252")
                  .encode("cp1252"))
    (doc,), _ = ingest([p])
    assert doc.title == "Café crème" and "forty naïve plush" in doc.text


def test_deeply_nested_html_is_skipped_with_a_reason(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 100_000 + "<p>lost</p>" + "</div>" * 100_000 + "</body></html>")
    good = tmp_path / "good.html"
    good.write_text(page())
    docs, report = ingest([deep, good])
    assert [d.id for d in docs] == [str(good)]
    assert report.problems[0][0] == str(deep)
    assert report.skipped.keys() <= {"no text", "bad html", "too big"}
    with pytest.raises(InputError, match="deep.html: "):
        load_document(deep)


def test_html_without_main_text_falls_back_to_page_text(tmp_path):
    p = tmp_path / "short.html"
    p.write_text("<html><head><title>T</title></head><body><p>Just one short line.</p></body></html>")
    (doc,), _ = ingest([p])
    assert "Just one short line." in doc.text


# ----------------------------------------------------------------------------- JSONL


def test_jsonl_broken_lines_are_reported_by_line_number(tmp_path):
    p = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": BODY, "title": "T", "url": "https://x.example/a", "published": "2023-01-02",
                    "author": "Ann"}),
        '{"id": "broken", "text": ',
        "[1, 2, 3]",
        json.dumps({"id": "no-text", "body": "wrong key"}),
        "",
        json.dumps({"id": 7, "text": "numeric id"}),
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "num", "text": 42}),
        "[" * 100_000,
        json.dumps({"text": "no id at all"}),
    ]
    p.write_text("\n".join(lines) + "\n")
    docs, report = ingest([p])
    assert [d.id for d in docs] == ["a1", "7", f"{p}:10"]
    assert (docs[0].title, docs[0].url, docs[0].published, docs[0].byline) == ("T", "https://x.example/a",
                                                                              "2023-01-02", "Ann")
    assert docs[0].meta["line"] == 1
    text = reasons(report)
    for n in (2, 3, 4, 7, 8, 9):
        assert f": line {n}: " in text, text
    assert "no 'text' field (keys: body, id)" in text
    assert report.skipped == {"bad json line": 5, "empty": 1}


def test_jsonl_field_names_and_hostile_ids(tmp_path):
    p = tmp_path / "docs.ndjson"
    rows = [
        {"key": "../../etc/passwd", "content": "traversal id"},
        {"key": "x" * 10_000, "content": "long id"},
        {"key": "a\x00b\nc\u2028d\x1b", "content": "control characters in the id"},
        {"key": "\x00\n", "content": "an id of nothing but controls"},
        {"key": "surrogate", "content": "lone \ud800 surrogate"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows))
    docs, report = ingest([p], text_field="content", id_field="key")
    assert report.problems == []
    assert docs[0].id == "../../etc/passwd"  # only a key: nothing is ever written there
    assert docs[1].id == "x" * MAX_ID_CHARS
    assert docs[2].id == "abcd"
    assert docs[3].id == f"{p}:4"
    assert docs[4].text == "lone \ufffd surrogate"
    assert not (tmp_path.parent / "etc").exists()
    assert sanitize_id("  ok\r\n") == "ok"


def test_jsonl_line_over_the_limit_is_skipped_and_the_next_is_read(tmp_path):
    p = tmp_path / "big.jsonl"
    p.write_text(json.dumps({"id": "huge", "text": "y" * 5000}) + "\n" + json.dumps({"id": "ok", "text": "small"}) + "\n")
    docs, report = ingest([p], max_doc_bytes=1000)
    assert [d.id for d in docs] == ["ok"]
    assert report.skipped == {"too big": 1} and "line 1:" in report.problems[0][1]


def test_jsonl_streams_without_holding_the_file(tmp_path):
    p = tmp_path / "many.jsonl"
    with p.open("w") as fh:
        for i in range(20_000):
            fh.write(json.dumps({"id": f"d{i}", "text": f"document {i} " + "word " * 200}) + "\n")
    assert p.stat().st_size > 20_000_000
    tracemalloc.start()
    try:
        n = sum(1 for _ in iter_documents([p]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 20_000
    assert peak < 5_000_000, peak


def test_problem_list_is_capped_but_counts_are_not(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text("not json\n" * (MAX_PROBLEMS + 5))
    docs, report = ingest([p])
    assert docs == [] and len(report.problems) == MAX_PROBLEMS
    assert report.skipped == {"bad json line": MAX_PROBLEMS + 5}
    summary = report.summary()
    assert summary.splitlines()[0] == f"0 documents ingested; {MAX_PROBLEMS + 5} skipped ({MAX_PROBLEMS + 5} bad json line)"
    assert summary.splitlines()[-1] == f"  ... and {MAX_PROBLEMS + 5 - 20} more"


# ----------------------------------------------------------------------------- WARC


def write_warc(path: Path, gz: bool) -> list[str]:
    """Three HTML responses (the first without a date in the page), a request, an image, a 404, a text resource."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=gz)

        def response(uri, body: bytes, ctype="text/html; charset=utf-8", status="200 OK", date="2023-05-01T08:00:00Z"):
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http,
                                                warc_headers_dict={"WARC-Date": date}))

        undated = page().replace('<meta property="article:published_time" content="2023-05-04T10:00:00Z">', "")
        response("https://news.example/0", undated.encode())
        w.write_record(w.create_warc_record(
            "https://news.example/0", "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders("GET /0 HTTP/1.1", [("Host", "news.example")], is_http_request=True)))
        response("https://news.example/1", page(url="https://news.example/1").encode())
        response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(100), ctype="image/png")
        response("https://news.example/missing", b"<html><body>Not found</body></html>", status="404 Not Found")
        response("https://news.example/2", page(title="Café", url="https://news.example/2").encode("cp1252"),
                 ctype="text/html; charset=windows-1252")
        w.write_record(w.create_warc_record(
            "urn:text:notes", "resource", payload=io.BytesIO(b"Plain notes kept in the archive."),
            warc_content_type="text/plain", warc_headers_dict={"WARC-Date": "2023-05-02T00:00:00Z"}))
    return ["https://news.example/0", "https://news.example/1", "https://news.example/2", "urn:text:notes"]


@pytest.mark.parametrize("name,gz", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_warc_documents(tmp_path, name, gz):
    p = tmp_path / name
    ids = write_warc(p, gz)
    docs, report = ingest([p])
    assert [d.id for d in docs] == ids
    assert report.problems == []
    assert report.ignored == {"warc request record": 1, "warc record not html": 1, "warc non-2xx response": 1}
    undated, dated, cafe, notes = docs
    assert undated.published == "2023-05-01T08:00:00Z" and undated.meta["published_from"] == "WARC-Date"
    assert dated.published == "2023-05-04" and dated.byline == "Jane Doe"
    assert dated.url == "https://news.example/1" and "forty plush bear bags" in dated.text
    assert cafe.title == "Café"
    assert notes.text == "Plain notes kept in the archive."
    with pytest.raises(InputError, match="holds more than one document"):
        load_document(p)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_warc_keeps_what_came_before(tmp_path, gz):
    """Cut the archive at many points: never an exception, always a prefix of the full result,
    and a problem reported whenever a document went missing."""
    full = tmp_path / ("full.warc.gz" if gz else "full.warc")
    write_warc(full, gz)
    data = full.read_bytes()
    expected = [(d.id, d.text) for d in iter_documents([full])]
    cut_file = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    for cut in range(1, len(data), max(1, len(data) // 40)):
        cut_file.write_bytes(data[:cut])
        docs, report = ingest([cut_file])
        got = [(d.id, d.text) for d in docs]
        assert got == expected[: len(got)], cut
        at_member_boundary = gz and data[cut : cut + 3] == b"\x1f\x8b\x08"  # a whole, shorter archive: nothing to see
        if len(got) < len(expected) and not at_member_boundary:
            assert report.skipped, (cut, got)
            assert all(src == str(cut_file) for src, _ in report.problems)


def test_garbage_named_warc(tmp_path):
    p = tmp_path / "fake.warc"
    p.write_text("This is not an archive at all.\n")
    docs, report = ingest([p])
    assert docs == [] and "not a WARC file" in report.problems[0][1]
    with pytest.raises(InputError, match=r"fake\.warc: not a WARC file"):
        load_document(p)


def warc_head(uri: str, length: int, rtype="resource", ctype="text/html") -> bytes:
    return (
        f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri)):032x}>\r\n"
        f"WARC-Target-URI: {uri}\r\nWARC-Date: 2023-05-01T00:00:00Z\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_gzip_zeros_helper_is_a_valid_gzip_member():
    data = gzip_zeros(b"head", 3 << 20, b"tail")
    assert gzip.decompress(data) == b"head" + bytes(3 << 20) + b"tail"


def good_member() -> bytes:
    body = page().encode()
    return gzip.compress(warc_head("https://news.example/good", len(body)) + body + b"\r\n\r\n")


SMALL = IngestLimits(warc_record_bytes=1 << 20, warc_inflated_bytes=32 << 20)


def bomb_check(path: Path, limits: IngestLimits) -> tuple[list, IngestReport, int]:
    tracemalloc.start()
    try:
        docs, report = ingest([path], limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return docs, report, peak


def test_gzip_bomb_record_is_capped(tmp_path):
    """A record that honestly declares 256 MiB of zeros: skipped, and decompression stops at the limit."""
    zeros = 256 << 20
    p = tmp_path / "bomb.warc.gz"
    p.write_bytes(good_member() + gzip_zeros(warc_head("https://bomb.example/", zeros), zeros, b"\r\n\r\n")
                  + good_member())
    docs, report, peak = bomb_check(p, SMALL)
    assert [d.id for d in docs] == ["https://news.example/good"]
    assert report.skipped == {"warc record too big": 1, "warc inflation limit": 1}, reasons(report)
    assert "UNSPUN_MAX_WARC_INFLATED_BYTES" in reasons(report)
    assert peak < 8 << 20, peak


def test_gzip_bomb_behind_a_lying_content_length(tmp_path):
    """Content-Length says 10 bytes, then 64 MiB of zeros with no newline: read as a 'header', never buffered."""
    p = tmp_path / "liar.warc.gz"
    p.write_bytes(good_member() + gzip_zeros(warc_head("https://liar.example/", 10) + b"0123456789\r\n\r\n", 64 << 20))
    docs, report, peak = bomb_check(p, SMALL)
    assert [d.id for d in docs] == ["https://news.example/good"]
    # the 10 declared bytes are a record of their own (no text); the zeros after them are a "header" gone wrong
    assert report.skipped == {"no text": 1, "damaged warc": 1}, reasons(report)
    assert "a record header runs past 1,048,576 bytes" in reasons(report)
    assert peak < 8 << 20, peak


def test_http_content_encoding_bomb(tmp_path):
    """A small record whose HTTP body is gzip-encoded 256 MiB of zeros."""
    body = gzip_zeros(b"<html><body>", 256 << 20)
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    p = tmp_path / "encoded.warc"
    p.write_bytes(warc_head("https://enc.example/", len(http), rtype="response", ctype="application/http; msgtype=response")
                  + http + b"\r\n\r\n" + gzip.decompress(good_member()))
    docs, report, peak = bomb_check(p, SMALL)
    assert [d.id for d in docs] == ["https://news.example/good"]
    assert report.skipped == {"warc record too big": 1} and "inflates past" in reasons(report)
    assert peak < 8 << 20, peak  # inflation stops at the record limit (1 MiB), whatever the body would become


@pytest.mark.slow
def test_gzip_bomb_at_the_default_limits(tmp_path):
    """1.5 GiB of zeros in one record under the real defaults: stopped after 1 GiB, memory stays small."""
    zeros = 1536 << 20
    p = tmp_path / "bomb.warc.gz"
    p.write_bytes(good_member() + gzip_zeros(warc_head("https://bomb.example/", zeros), zeros, b"\r\n\r\n"))
    report = IngestReport()
    tracemalloc.start()
    try:
        docs = list(iter_documents([p], report=report, limits=IngestLimits()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [d.id for d in docs] == ["https://news.example/good"]
    assert report.skipped == {"warc record too big": 1, "warc inflation limit": 1}, reasons(report)
    assert peak < 16 << 20, peak


def test_limits_from_environment(monkeypatch):
    monkeypatch.setenv("UNSPUN_MAX_WARC_RECORD_BYTES", "12345")
    monkeypatch.setenv("UNSPUN_MAX_DOC_BYTES", "999")
    lim = IngestLimits.from_env()
    assert (lim.warc_record_bytes, lim.doc_bytes) == (12345, 999)
    monkeypatch.setenv("UNSPUN_MAX_WARC_INFLATED_BYTES", "lots")
    with pytest.raises(ConfigError, match="UNSPUN_MAX_WARC_INFLATED_BYTES"):
        IngestLimits.from_env()


# ----------------------------------------------------------------------------- directories and bad files


def build_tree(root: Path) -> None:
    (root / "b" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("A first story\n\n" + BODY)
    (root / "b" / "cp1252.txt").write_bytes("Café crème for everyone. " .encode("cp1252") * 3)
    (root / "b" / "deeper" / "utf16.txt").write_bytes("UTF-16 with a BOM ✓".encode("utf-16"))
    (root / "b" / "deeper" / "utf16le.txt").write_bytes("UTF-16 without a BOM".encode("utf-16-le"))
    (root / "b" / "page.html").write_text(page())
    (root / "c.md").write_text(f"# Unicode\n\nEmoji 👍🏽, שלום, cafe\u0301, zero\u200bwidth.")
    (root / "d_nul.txt").write_bytes(b"text with one stray\x00 NUL byte in it")
    (root / "no_extension").write_text("Sniffed as text because it has no extension.")
    (root / "feed.jsonl").write_text(json.dumps({"id": "j1", "text": "from jsonl"}) + "\n{oops\n")
    # bad files
    (root / "bin_png.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (root / "bin_gzip.txt").write_bytes(gzip.compress(b"compressed text"))
    (root / "bin_elf.md").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))
    (root / "empty.txt").write_bytes(b"")
    (root / "control.txt").write_bytes(b"\x01\x02\x03\x04\x05\x06\x07\x08" * 40)
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / ".hidden.txt").write_text("hidden")
    (root / "b" / "loop").symlink_to(root)  # a directory symlink loop
    (root / "x1.txt").symlink_to(root / "x2.txt")  # a file symlink loop
    (root / "x2.txt").symlink_to(root / "x1.txt")
    (root / "dangling.txt").symlink_to(root / "gone.txt")
    os.mkfifo(root / "pipe.txt")


def test_directory_tree_with_bad_files(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    build_tree(root)
    docs, report = ingest([root])
    by_id = {d.id: d for d in docs}
    assert [d.id for d in docs] == sorted(by_id, key=lambda i: i.split("/"))  # deterministic, sorted order
    assert set(by_id) == {
        "a.txt", "b/cp1252.txt", "b/deeper/utf16.txt", "b/deeper/utf16le.txt", "b/page.html", "c.md",
        "d_nul.txt", "j1", "no_extension",
    }
    assert by_id["b/cp1252.txt"].text.startswith("Café crème")
    assert by_id["b/deeper/utf16.txt"].text == "UTF-16 with a BOM ✓"
    assert by_id["b/deeper/utf16le.txt"].text == "UTF-16 without a BOM"
    assert by_id["c.md"].text == "# Unicode\n\nEmoji 👍🏽, שלום, cafe\u0301, zero\u200bwidth."
    assert by_id["d_nul.txt"].text == "text with one stray NUL byte in it"
    assert by_id["b/page.html"].byline == "Jane Doe"
    assert report.skipped == {
        "binary": 4, "empty": 1, "symlink loop": 2, "not found": 1, "not a file": 1, "bad json line": 1,
    }, reasons(report)
    assert report.ignored == {"hidden file": 1, "unsupported file type": 1, "directory symlink not followed": 1}
    text = reasons(report)
    assert f"{root / 'bin_png.txt'}: this is a PNG image" in text
    assert f"{root / 'feed.jsonl'}: line 2:" in text
    assert f"{root / 'dangling.txt'}: is a broken symbolic link" in text
    # the same again gives the same documents
    again, _ = ingest([root])
    assert [(d.id, d.text) for d in again] == [(d.id, d.text) for d in docs]


def test_follow_symlinks_reports_the_loop_instead_of_recursing(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "s.txt").write_text("inside")
    (root / "sub" / "up").symlink_to(root)
    (root / "elsewhere").symlink_to(root / "sub")
    docs, report = ingest([root], follow_symlinks=True)
    assert [d.id for d in docs] == ["elsewhere/s.txt", "sub/s.txt"]
    assert report.skipped == {"symlink loop": 2}  # elsewhere/up and sub/up point back to the root


def test_missing_path_and_continuing_after_it(tmp_path):
    (tmp_path / "ok.txt").write_text("fine")
    docs, report = ingest([tmp_path / "missing.txt", tmp_path / "ok.txt"])
    assert [d.id for d in docs] == [str(tmp_path / "ok.txt")]
    assert report.problems == [(str(tmp_path / "missing.txt"), "no such file")]
    assert report.summary() == f"1 document ingested; 1 skipped (1 not found)\n  {tmp_path / 'missing.txt'}: no such file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_file_and_directory(tmp_path):
    (tmp_path / "locked.txt").write_text("secret")
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed").chmod(0)
    try:
        docs, report = ingest([tmp_path])
        assert docs == [] and report.skipped == {"permission denied": 2}
    finally:
        (tmp_path / "locked.txt").chmod(0o600)
        (tmp_path / "closed").chmod(0o700)


# ----------------------------------------------------------------------------- load_document


def test_load_document_formats(tmp_path):
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "p.html").write_text(page())
    (tmp_path / "one.jsonl").write_text(json.dumps({"id": "only", "text": BODY}) + "\n")
    one = tmp_path / "one.warc.gz"
    one.write_bytes(good_member())
    assert load_document(tmp_path / "a.txt").text == BODY
    assert load_document(str(tmp_path / "p.html")).byline == "Jane Doe"
    assert load_document(tmp_path / "one.jsonl").id == "only"
    assert load_document(one).id == "https://news.example/good"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("two.jsonl", '{"text": "a"}\n{"text": "b"}\n', "holds more than one document"),
        ("bad.jsonl", '{"text": "a"}\n{broken\n', "line 2: not valid JSON"),
        ("img.txt", b"\x89PNG\r\n\x1a\n" + bytes(10), "this is a PNG image, not text"),
        ("empty.md", b"", "the file is empty"),
        ("missing.txt", None, "no such file"),
    ],
)
def test_load_document_errors_are_one_line(tmp_path, name, content, message):
    p = tmp_path / name
    if isinstance(content, str):
        p.write_text(content)
    elif content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_document(p)
    assert str(info.value) == f"{p}: {message}" or str(info.value).startswith(f"{p}: {message}")
    assert "\n" not in str(info.value)


def test_load_document_refuses_a_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_document(tmp_path)


def http_response_record(uri: str, body: bytes, extra_headers: bytes = b"") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + extra_headers + b"\r\n" + body
    return warc_head(uri, len(http), rtype="response", ctype="application/http; msgtype=response") + http + b"\r\n\r\n"


def test_http_transfer_and_content_encodings(tmp_path, capfd):
    html = page().encode()
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw_deflate = raw_deflate.compress(html) + raw_deflate.flush()
    gz = gzip.compress(html)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(gz[i:i + 100]), gz[i:i + 100]) for i in range(0, len(gz), 100)) + b"0\r\n\r\n"
    p = tmp_path / "enc.warc"
    p.write_bytes(
        http_response_record("https://x.example/gzip", gz, b"Content-Encoding: gzip\r\n")
        + http_response_record("https://x.example/zlib", zlib.compress(html), b"Content-Encoding: deflate\r\n")
        + http_response_record("https://x.example/raw", raw_deflate, b"Content-Encoding: deflate\r\n")
        + http_response_record("https://x.example/chunked", chunked,
                               b"Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n")
        + http_response_record("https://x.example/br", b"\x0b\x02\x80hello", b"Content-Encoding: br\r\n")
        + http_response_record("https://x.example/corrupt", gz[:20] + bytes(50), b"Content-Encoding: gzip\r\n")
    )
    docs, report = ingest([p])
    assert [d.id for d in docs] == ["https://x.example/gzip", "https://x.example/zlib", "https://x.example/raw",
                                    "https://x.example/chunked"]
    assert len({d.text for d in docs}) == 1 and "forty plush bear bags" in docs[0].text
    text = reasons(report)
    assert "record 5 (https://x.example/br): the HTTP body cannot be decoded: unsupported Content-Encoding 'br'" in text
    assert "record 6 (https://x.example/corrupt): the HTTP body cannot be decoded: corrupt or truncated compressed body" in text
    assert capfd.readouterr().err == ""


def test_wrong_content_length_drops_that_record_quietly(tmp_path, capfd):
    good = gzip.decompress(good_member())
    body = page(url="https://x.example/short").encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    short = warc_head("https://x.example/short", len(http) - 40, rtype="response",
                      ctype="application/http; msgtype=response") + http + b"\r\n\r\n"
    p = tmp_path / "wrong.warc"
    p.write_bytes(good + short + good.replace(b"news.example/good", b"news.example/again"))
    docs, report = ingest([p])
    assert [d.id for d in docs] == ["https://news.example/good", "https://news.example/again"]
    assert report.skipped == {"damaged warc": 1}
    assert "record 2: not followed by a blank line, its Content-Length is wrong" in reasons(report)
    assert capfd.readouterr().err == ""


def test_warc_charset_with_a_nul_skips_that_record_and_reads_on(tmp_path, capfd):
    good = gzip.decompress(good_member())
    body = page(url="https://x.example/nul").replace("bear", "b\u00e4r").encode("latin-1")  # not UTF-8
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=lat\x00in1\r\n\r\n" + body
    nul = warc_head("https://x.example/nul", len(http), rtype="response", ctype="application/http; msgtype=response")
    utf8 = page(url="https://x.example/utf8").encode()  # a NUL in the charset of a UTF-8 body: read as UTF-8
    http8 = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\x00\r\n\r\n" + utf8
    nul8 = warc_head("https://x.example/utf8", len(http8), rtype="response", ctype="application/http; msgtype=response")
    p = tmp_path / "nul.warc"
    p.write_bytes(good + nul + http + b"\r\n\r\n" + nul8 + http8 + b"\r\n\r\n"
                  + good.replace(b"news.example/good", b"news.example/again"))
    docs, report = ingest([p])
    assert [d.id for d in docs] == ["https://news.example/good", "https://x.example/utf8", "https://news.example/again"]
    assert report.skipped == {"bad charset": 1}
    assert "record 2 (https://x.example/nul): the declared charset 'lat\\x00in1' is malformed" in reasons(report)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("gz", [False, True])
def test_too_short_content_length_drops_the_record_and_resyncs(tmp_path, gz):
    """A numeric Content-Length far too short: the record is dropped and reported, and reading resumes at the
    next ``WARC/1.`` header (here 400 bytes of the body are left over before it)."""
    good = gzip.decompress(good_member())
    body = page(url="https://x.example/short").encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    short = warc_head("https://x.example/short", len(http) - 400, rtype="response",
                      ctype="application/http; msgtype=response") + http + b"\r\n\r\n"
    parts = [good, short, good.replace(b"news.example/good", b"news.example/again"),
             good.replace(b"news.example/good", b"news.example/third")]
    p = tmp_path / ("short.warc.gz" if gz else "short.warc")
    p.write_bytes(b"".join(gzip.compress(x) for x in parts) if gz else b"".join(parts))
    docs, report = ingest([p])
    assert [d.id for d in docs] == ["https://news.example/good", "https://news.example/again", "https://news.example/third"]
    assert report.skipped == {"damaged warc": 1}
    assert "record 2: not followed by a blank line, its Content-Length is wrong; dropped" in reasons(report)


def test_iter_documents_missing_path_is_never_silent(tmp_path):
    from unspun.ingest import iter_documents

    (tmp_path / "a.txt").write_text("The harbour closed on Friday and the fishermen stayed ashore.")
    missing = tmp_path / "nope"
    with pytest.raises(InputError, match=r"nope: no such file or directory"):
        iter_documents([tmp_path / "a.txt", missing]).__next__()
    report = IngestReport()
    docs = list(iter_documents([tmp_path / "a.txt", missing], report=report))
    assert len(docs) == 1 and report.problems == [(str(missing), "no such file")]
