"""Security: hostile documents stay inert end to end, no fetching (no SSRF), the bearer token, SQL
parameters only, and uploaded file names that never become paths.

The report's escaping is unit-tested in ``test_report.py``; here hostile bytes
travel the whole way a user's data does: into the index through the service
(JSON and uploads) and the CLI, out again as HTML pages and JSON.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from servers import CORPUS, ORIGINAL, SPUN, local, serve
from unspun.index import Index
from unspun.service import create_app
from unspun.types import Document

TOKEN = "t0k3n-for-tests"

XSS = [
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert('x')>",
    "'><svg/onload=alert('x')>",
    "</title></textarea></style></script><iframe src=javascript:alert('x')>",
    "<a href=\"javascript:alert('x')\">click</a>",
    "{{ 7*7 }}{% for x in range(3) %}X{% endfor %}",
    "<!-- --><base href=//evil.example/>",
    "\u2028\u2029<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(page: str, payloads: list[str]) -> None:
    """No payload survives as markup: no injected element, no event handler, no javascript: link, no
    template evaluated; and every payload is still shown as text."""
    p = Tags()
    p.feed(page)
    p.close()
    names = {t for t, _ in p.tags}
    assert not names & {"img", "svg", "iframe", "base", "math", "object", "embed"}, names
    assert sum(1 for t, _ in p.tags if t == "script") <= 1  # the page's own (hash-pinned) script only
    for tag, attrs in p.tags:
        for k, v in attrs.items():
            assert not k.startswith("on"), (tag, k)
            assert not (v or "").strip().lower().startswith("javascript:"), (tag, k, v)
    visible = html.unescape(page)
    for s in payloads:
        if re.search(r"[<>]", s):
            assert s not in page, s
        assert s.strip() in visible or html.escape(s.strip()) in page, s


def hostile_docs() -> list[dict]:
    docs = []
    for n, x in enumerate(XSS):
        docs.append({
            "id": f"id-{n}-{x}",
            "title": f"Title {x}",
            "byline": f"By {x}",
            "url": f"javascript:alert({n})//{x}" if n % 2 else f"https://news.example/{n}?q={x}",
            # the seed article with the payload inside: the check finds it and shows the passage
            "text": ORIGINAL.replace("\n\n", f"\n\n{x}\n\n", 1),
        })
    return docs


@pytest.fixture()
def client(tmp_path):
    with local(create_app(tmp_path / "index.db", token=TOKEN)) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


# ----------------------------------------------------------------------------- hostile documents


def test_hostile_documents_are_inert_in_check_pages_and_json(client):
    docs = hostile_docs()
    r = client.post("/documents", json={"documents": docs}, headers=AUTH)
    assert r.status_code == 201 and r.json()["added"] == len(docs), r.text
    query = SPUN.replace("\n\n", f"\n\n{XSS[0]}\n\n", 1)
    page = client.post("/check", json={"text": query, "k": 20}, headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'sha256-" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    found = {m["a"]["id"] for m in client.post("/check", json={"text": query, "k": 20}).json()["matches"]}
    assert found == {d["id"] for d in docs}  # every hostile copy is found and shown
    assert_inert(page.text, XSS)
    # the JSON answer is JSON (never sniffed as HTML) and carries the strings exactly
    r = client.get("/documents/" + quote(docs[1]["id"], safe=""))
    assert r.headers["content-type"].startswith("application/json") and r.headers["x-content-type-options"] == "nosniff"
    assert r.json()["title"] == docs[1]["title"] and r.json()["byline"] == docs[1]["byline"]


def test_hostile_pair_page_from_uploads(client):
    """Hostile HTML files (title, author meta, body) uploaded to /compare: the pair page is inert."""
    x = XSS[1]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in ORIGINAL.split("\n\n") if p.strip())
    page_a = (f"<html><head><title>{html.escape(x)}</title><meta name=\"author\" content=\"{html.escape(x)}\"></head>"
              f"<body><article><h1>{html.escape(x)}</h1>{body}<p>{html.escape(XSS[3])}</p></article></body></html>")
    r = client.post("/compare", files={"a_file": (f"{x}.html", page_a.encode()), "b_file": ("spun.txt", SPUN.encode())},
                    headers={"accept": "text/html"})
    assert r.status_code == 200, r.text
    assert_inert(r.text, [x, XSS[3]])


def test_hostile_report_file_from_the_cli(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(f"{XSS[0]} {XSS[2]}\n\n" + ORIGINAL.replace("\n\n", f"\n\n{XSS[4]}\n\n", 1))
    out = tmp_path / "pair.html"
    p = subprocess.run([sys.executable, "-m", "unspun", "compare", str(a), str(CORPUS / "seed-002_9a117862eab7609d.txt"),
                        "--html", str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert_inert(out.read_text(), [XSS[0], XSS[2], XSS[4]])


# ----------------------------------------------------------------------------- no fetching (no SSRF)


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        Recorder.hits.append(self.path)
        body = b"<html><body><article><p>" + b"Fetched text from the trap. " * 20 + b"</p></article></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def trap():
    Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("allow_fetch", [False, True])
def test_the_service_fetches_no_url_by_default_and_never_a_private_one(tmp_path, trap, allow_fetch):
    with local(create_app(tmp_path / "i.db", allow_fetch=allow_fetch)) as c:
        for url in (f"{trap}/article", f"http://localhost:{trap.rsplit(':', 1)[1]}/x", "file:///etc/passwd",
                    "http://169.254.169.254/latest/meta-data/"):
            answers = [
                c.post("/compare", json={"a": {"url": url}, "b": ORIGINAL}),
                c.post("/check", json={"document": {"url": url}}),
                c.post("/documents", json={"documents": [{"url": url}]}),
            ]
            for r in answers:
                assert 400 <= r.status_code < 500 and "\n" not in r.json()["error"], r.text
                why = "does not fetch URLs" if not allow_fetch else "(private or local address|only http)"
                assert re.search(why, r.json()["error"]), r.json()["error"]
        # a URL next to a text is metadata only: stored, never fetched
        r = c.post("/documents", json={"documents": [{"id": "u", "text": ORIGINAL, "url": f"{trap}/meta"}]})
        assert r.status_code == 201
    assert Recorder.hits == []


# ----------------------------------------------------------------------------- the bearer token


def write_requests(c: TestClient, headers: dict) -> dict[str, httpx.Response]:
    return {
        "POST /documents": c.post("/documents", json={"documents": [{"id": "w", "text": ORIGINAL}]}, headers=headers),
        "POST /documents (upload)": c.post("/documents", files={"files": ("up.txt", SPUN.encode())}, headers=headers),
        "DELETE /documents/{id}": c.delete("/documents/keep", headers=headers),
        "POST /scans": c.post("/scans", json={"judge": False}, headers=headers),
    }


WRITES = {("POST", "/documents"), ("DELETE", "/documents/{doc_id:path}"), ("POST", "/scans")}
READS = {("POST", "/compare"), ("POST", "/check")}


def test_every_write_endpoint_is_listed_here(client):
    """A new endpoint that changes state must be added to WRITES (and so to the token test)."""
    routes = {(m, r.path) for r in client.app.routes for m in getattr(r, "methods", ()) if m not in ("GET", "HEAD")}
    assert routes == WRITES | READS


def test_token_protects_every_write_endpoint(client):
    with Index(client.app.state.service.db_path) as ix:
        ix.add([Document("keep", OTHER_TEXT)])
    before = sorted(json.loads(client.get("/documents/keep").text)["text"])
    for headers, status in (({}, 401), ({"Authorization": "Bearer nope"}, 403), ({"Authorization": f"Basic {TOKEN}"}, 401),
                            ({"Authorization": "Bearer "}, 401), ({"Authorization": f"Bearer {TOKEN}x"}, 403),
                            ({"X-Token": TOKEN}, 401)):
        for what, r in write_requests(client, headers).items():
            assert r.status_code == status, (what, headers, r.status_code, r.text)
            assert r.json()["error"] and "www-authenticate" in r.headers
    # nothing changed: the only document is still there, no other was added, no scan was started
    svc = client.app.state.service
    assert svc.jobs.ids() == []
    with svc.index_lock:
        assert list(svc.index().ids()) == ["keep"]
    assert sorted(client.get("/documents/keep").json()["text"]) == before
    # reads need no token
    assert client.post("/compare", json={"a": ORIGINAL, "b": SPUN, "judge": False}).status_code == 200
    assert client.post("/check", json={"text": SPUN}).status_code == 200
    assert client.get("/documents/keep").status_code == 200
    # the right token opens every write endpoint
    got = write_requests(client, AUTH)
    assert {k: r.status_code for k, r in got.items()} == {
        "POST /documents": 201, "POST /documents (upload)": 201, "DELETE /documents/{id}": 200, "POST /scans": 202}


def test_without_a_token_writes_are_open(tmp_path):
    with local(create_app(tmp_path / "i.db")) as c:
        with Index(c.app.state.service.db_path) as ix:
            ix.add([Document("keep", OTHER_TEXT)])
        assert {k: r.status_code for k, r in write_requests(c, {}).items()} == {
            "POST /documents": 201, "POST /documents (upload)": 201, "DELETE /documents/{id}": 200, "POST /scans": 202}


OTHER_TEXT = "Farmers in the valley expect a late harvest after a wet summer, the cooperative said on Monday. " * 3


def test_token_from_the_environment_on_a_real_server(tmp_path):
    """``unspun serve`` with UNSPUN_TOKEN: a real uvicorn process on loopback, both ways."""
    with serve(tmp_path / "s.db", env={"UNSPUN_TOKEN": TOKEN}) as server, server.client() as c:
        doc = {"documents": [{"id": "d", "text": ORIGINAL}]}
        assert c.post("/documents", json=doc).status_code == 401
        assert c.post("/documents", json=doc, headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert c.post("/documents", json=doc, headers=AUTH).status_code == 201
        assert c.delete("/documents/d").status_code == 401
        assert c.delete("/documents/d", headers=AUTH).status_code == 200


# ----------------------------------------------------------------------------- SQL only through parameters

SQLI = [
    "x'); DROP TABLE documents; --",
    "' OR '1'='1",
    "1; DELETE FROM bands WHERE 1=1; --",
    "\"; ATTACH DATABASE '/tmp/pwn.db' AS pwn; --",
    "Robert'); DROP TABLE meta;--",
    "%' UNION SELECT id, text, title, url, published, byline, meta FROM documents --",
]


def test_sql_injection_ids_and_texts_round_trip_through_the_service(client, tmp_path):
    docs = [{"id": s, "text": f"{s} " + ORIGINAL, "title": s, "byline": s, "meta": {s: s}} for s in SQLI]
    r = client.post("/documents", json={"documents": docs}, headers=AUTH)
    assert r.status_code == 201 and r.json()["added"] == len(SQLI)
    for d in docs:
        got = client.get("/documents/" + quote(d["id"], safe="")).json()
        assert (got["id"], got["text"], got["title"], got["byline"], got["meta"]) == (d["id"], d["text"], d["title"], d["byline"], d["meta"])
    assert client.get("/documents/" + quote("' OR '1'='1' --", safe="")).status_code == 404
    check = client.post("/check", json={"text": SPUN, "k": 20}).json()
    assert {m["a"]["id"] for m in check["matches"]} == set(SQLI)
    for s in SQLI[:3]:
        assert client.delete("/documents/" + quote(s, safe=""), headers=AUTH).status_code == 200
    svc = client.app.state.service
    with svc.index_lock:
        ix = svc.index()
        assert sorted(ix.ids()) == sorted(SQLI[3:])
        st = ix.stats()
    assert st["documents"] == 3 and not Path("/tmp/pwn.db").exists()


def test_sql_injection_through_the_library_and_cli(tmp_path):
    src = tmp_path / "feed.jsonl"
    src.write_text("".join(json.dumps({"id": s, "text": f"{s} {ORIGINAL}", "title": s}) + "\n" for s in SQLI))
    db = tmp_path / "i.db"
    p = subprocess.run([sys.executable, "-m", "unspun", "index", "add", str(src), "--db", str(db), "--no-vectors"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and f"added {len(SQLI)}" in p.stdout, p.stderr
    with Index(db) as ix:
        assert sorted(ix.ids()) == sorted(SQLI)
        for s in SQLI:
            assert ix.get(s).text == f"{s} {ORIGINAL}" and ix.get(s).title == s and s in ix
        assert ix.remove(SQLI[0]) and not ix.remove("' OR 1=1 --")
        assert len(ix) == len(SQLI) - 1
        assert [m.a.id for m in ix.check(SPUN, k=20, judge=False)] != []


# ----------------------------------------------------------------------------- upload names never become paths

EVIL_NAMES = [
    "../../../../tmp/unspun-evil-upload.txt",
    "/tmp/unspun-evil-absolute.txt",
    "..\\..\\..\\unspun-evil-windows.txt",
    "nul\x00byte.txt",
    "x" * 900 + ".txt",
    ".hidden.txt",
    "CON",
    "ok/../../unspun-evil-mixed.txt",
]


def test_uploaded_file_names_never_become_paths(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tmp_before = set(os.listdir("/tmp"))
    svc = client.app.state.service
    files = [("files", (name, (ORIGINAL + f" Copy {n}.").encode())) for n, name in enumerate(EVIL_NAMES)]
    r = client.post("/documents", files=files, headers=AUTH)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]
    assert len(ids) == len(EVIL_NAMES)
    for i in ids:
        assert "/" not in i and "\\" not in i and "\x00" not in i and not i.startswith(".") and len(i) <= 1000, i
    # compare uploads too
    r = client.post("/compare", files={"a_file": (EVIL_NAMES[0], ORIGINAL.encode()), "b_file": (EVIL_NAMES[1], SPUN.encode())},
                    data={"judge": "false"})
    assert r.status_code == 200 and r.json()["a"]["id"] == "unspun-evil-upload.txt"
    # nothing was written anywhere by those names; the private upload directory is empty again
    new = set(os.listdir("/tmp")) - tmp_before
    assert not [n for n in new if "unspun-evil" in n], new
    assert os.listdir(tmp_path) == ["index.db", "index.db-shm", "index.db-wal"] or "unspun-evil" not in " ".join(os.listdir(tmp_path))
    assert os.listdir(svc.upload_dir.name) == []
    # a file name too long for the multipart parser is a clear JSON 400, not a crash
    r = client.post("/documents", files={"files": ("x" * 5000 + ".txt", ORIGINAL.encode())}, headers=AUTH)
    assert r.status_code == 400 and r.json()["error"]
