"""The guards of issue 19 against a real ``unspun serve`` process over real sockets: slow bodies, expensive
texts, odd JSON, other sites' pages and Host names, content types, and the token's ways in."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import httpx
import pytest

from servers import FOX, ORIGINAL, SPUN, is_error, prose, serve

HOST = "127.0.0.1"


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def raw(url: str, request: bytes, read: bool = True, timeout: float = 30) -> bytes:
    """Send bytes on a fresh connection and read the answer until the server closes it."""
    with socket.create_connection((HOST, _port(url)), timeout=timeout) as s:
        s.sendall(request)
        if not read:
            return b""
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and b"connection: close" not in out.lower():
                head, _, body = out.partition(b"\r\n\r\n")
                m = re.search(rb"content-length: (\d+)", head, re.I)
                if m and len(body) >= int(m.group(1)):
                    break
        return out


def no_tracebacks(server) -> None:
    assert "Traceback" not in server.log and " 500 " not in server.log, server.log[-3000:]


# ----------------------------------------------------------------------------- slow bodies


def test_slow_bodies_hold_no_slot_and_are_dropped(tmp_path):
    """40 connections that send headers and no body: a /check meanwhile is answered (max in flight is 4, so
    had they held slots it would get 503), and each of them gets 408 and is closed after the body timeout."""
    with serve(tmp_path / "i.db", "--body-timeout", "4", "--max-in-flight", "4", "--workers", "1") as server:
        with server.client() as c:
            assert c.post("/documents", json={"documents": [{"id": "orig", "text": ORIGINAL}]}).status_code == 201
        head = (b"POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n")
        slow = [socket.create_connection((HOST, _port(server.url)), timeout=30) for _ in range(40)]
        try:
            for s in slow:
                s.sendall(head + b'{"te')  # a few bytes of the body, then nothing
            time.sleep(0.5)
            with server.client() as c:
                for _ in range(3):
                    r = c.post("/check", json={"text": SPUN, "k": 3})
                    assert r.status_code == 200, r.text
                    assert r.json()["matches"][0]["a"]["id"] == "orig"
            answers = []
            for s in slow:
                s.settimeout(20)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                answers.append(data)  # recv returned b"": the server closed the connection
        finally:
            for s in slow:
                s.close()
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]
        assert b"too slowly" in answers[0] and b"connection: close" in answers[0].lower()
        no_tracebacks(server)


def test_a_body_sent_slowly_but_steadily_enough_is_read(tmp_path):
    with serve(tmp_path / "i.db", "--body-timeout", "2", "--min-body-rate", "100", "--workers", "1") as server:
        body = json.dumps({"a": FOX, "b": FOX, "judge": False}).encode()
        head = (b"POST /compare HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        with socket.create_connection((HOST, _port(server.url)), timeout=30) as s:
            s.sendall(head)
            for i in range(0, len(body), 60):  # pauses of 0.3 s, under the 2 s limit, within the grace period
                s.sendall(body[i : i + 60])
                time.sleep(0.3)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200"), data[:300]


# ----------------------------------------------------------------------------- expensive texts


def test_expensive_texts_are_answered_or_refused_with_a_clear_message(tmp_path):
    sentence = "The minister said the new budget would cut taxes for working families next year. "
    repeated = (sentence * (60_000 // len(sentence) + 1))[:60_000]
    with serve(tmp_path / "i.db", "--max-text-chars", "100000", "--workers", "1") as server:
        with server.client() as c:
            r = c.post("/compare", json={"a": repeated, "b": repeated})
            assert r.status_code == 200 and len(r.json()["passages"]) == 1  # one passage, found at a bounded cost
            is_error(c.post("/compare", json={"a": "x " * 60_000, "b": FOX}), 413, "a:", "120,000 characters",
                     "100,000-character limit")
            is_error(c.post("/check", json={"text": "word " * 30_000}), 413, "text:", "--max-text-chars")
            is_error(c.post("/documents", json={"documents": [{"id": "big", "text": "y " * 60_000}]}), 413, "documents[0]")
            is_error(c.post("/documents", files={"files": ("big.txt", ("z " * 60_000).encode())}), 413, "big.txt")
        no_tracebacks(server)


def test_a_request_past_its_time_budget_is_stopped_with_503(tmp_path):
    with serve(tmp_path / "i.db", "--time-budget", "0.05", "--workers", "1") as server, server.client() as c:
        # natural text under the size limit, but far more than 50 ms of work
        r = c.post("/compare", json={"a": prose(95_000), "b": prose(95_000, 30_000)})
        is_error(r, 503, "time budget of 0.05 s", "--time-budget")
        assert c.get("/openapi.json").status_code == 200  # the service goes on
        no_tracebacks(server)


def test_a_page_with_a_million_tags_is_refused_before_extraction(tmp_path):
    page = b"<html><body><article><p>" + FOX.encode() + b"</p>" + b"<br>" * 1_000_000 + b"</article></body></html>"
    with serve(tmp_path / "i.db", "--workers", "1") as server, server.client() as c:
        r = c.post("/documents", files={"files": ("huge.html", page, "text/html")})
        is_error(r, 400, "huge.html", "100,000 tags", "UNSPUN_MAX_HTML_TAGS")
        r = c.post("/compare", files={"a": ("huge.html", page, "text/html"), "b": ("b.txt", FOX.encode())})
        is_error(r, 400, "huge.html", "tags")
        no_tracebacks(server)


# ----------------------------------------------------------------------------- odd JSON and content types

BIG = "9" * 5000
DEEP = "[" * 100_000 + "]" * 100_000


def odd_bodies() -> list[tuple[str, bytes, str]]:
    """(endpoint, body, content type): JSON that parses oddly or not at all, and the wrong types."""
    j = "application/json"
    out = []
    for ep, good in (("/check", '{"text": %s}'), ("/compare", '{"a": %s, "b": "x"}'), ("/scans", '{"min_coverage": %s}'),
                     ("/documents", '{"documents": [{"id": "x", "text": "y", "meta": {"n": %s}}]}')):
        for value in (BIG, "-" + BIG, "1e999", "NaN", "Infinity", DEEP, '"\\ud800"', "true", "[1, 2]", "{}", "null",
                      "1" + "0" * 120 + ".5"):
            out.append((ep, (good % value).encode(), j))
        out += [
            (ep, DEEP.encode(), j),
            (ep, b'{"k": ' + BIG.encode() + b"}", j),
            (ep, b"{", j),
            (ep, b'{"a": "\xff\xfe"}', j),
            (ep, b"[]", j),
            (ep, b"\xef\xbb\xbf{}", j),
            (ep, b'{"text": "x"}', "text/plain"),
            (ep, b"<a/>", "application/xml"),
            (ep, b'{"text": "x"}', ""),
            (ep, b"text=x&k=" + BIG.encode(), "application/x-www-form-urlencoded"),
            (ep, b"--x\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n" + BIG.encode() + b"\r\n--x--\r\n",
             "multipart/form-data; boundary=x"),
            (ep, b"--broken", "multipart/form-data; boundary=x"),
        ]
    return out


def test_odd_json_and_wrong_content_types_are_4xx_naming_the_problem(tmp_path):
    with serve(tmp_path / "i.db", "--workers", "1") as server, server.client() as c:
        assert c.post("/documents", json={"documents": [{"id": "orig", "text": ORIGINAL}]}).status_code == 201
        seen = set()
        for ep, body, ctype in odd_bodies():
            headers = {"content-type": ctype} if ctype else {}
            r = c.post(ep, content=body, headers=headers)
            if r.status_code < 300:
                continue  # valid after all (e.g. a scan with default parameters)
            assert 400 <= r.status_code < 500, (ep, body[:80], ctype, r.status_code, r.text[:300])
            err = is_error(r, r.status_code)
            if r.status_code == 422:
                assert err["detail"] and all(d["field"] for d in err["detail"]), err
            seen.add(r.status_code)
        assert {400, 415, 422} <= seen
        # the 5,000-digit number is named where it sits
        r = c.post("/documents", content=b'{"documents": [{"id": "x", "text": "y", "meta": {"n": ' + BIG.encode() + b"}}]}",
                   headers={"content-type": "application/json"})
        body = is_error(r, 422, "documents.0.meta.n", "5,000 digits")
        assert body["detail"][0]["field"] == "documents.0.meta.n"
        is_error(c.post("/check", content=DEEP.encode(), headers={"content-type": "application/json"}), 400, "nested too deeply")
        is_error(c.post("/scans", content=b'{"judge": false}', headers={"content-type": "text/plain"}), 415, "application/json")
        assert c.get("/openapi.json").status_code == 200  # still serving
        no_tracebacks(server)


# ----------------------------------------------------------------------------- other sites and Host names


def test_foreign_host_names_are_refused_and_allowed_ones_served(tmp_path):
    with serve(tmp_path / "i.db", "--allowed-host", "news.example", "--workers", "1") as server:
        url = server.url
        for host, status in (("evil.example", 421), ("evil.example:8000", 421), ("127.0.0.1.evil.example", 421),
                             ("news.example", 200), ("NEWS.example.", 200), ("localhost:1234", 200), ("127.0.0.1", 200),
                             ("[::1]:80", 200), ("[::1", 400)):
            r = httpx.get(url + "/documents/x", headers={"Host": host})
            expected = 404 if status == 200 else status  # the document does not exist: past the guard
            assert r.status_code == expected, (host, r.status_code, r.text)
            if status == 421:
                assert "--allowed-host" in r.json()["error"]
        # a DNS-rebinding page cannot read the index either
        r = httpx.post(url + "/check", json={"text": SPUN}, headers={"Host": "evil.example"})
        assert r.status_code == 421
        no_host = raw(url, b"GET / HTTP/1.0\r\n\r\n")
        assert no_host.startswith(b"HTTP/1.1 400") and b"no Host header" in no_host


def test_pages_of_other_sites_cannot_change_or_query_the_service(tmp_path):
    with serve(tmp_path / "i.db", "--allowed-origin", "https://newsroom.example", "--workers", "1") as server:
        own = server.url
        doc = {"documents": [{"id": "x", "text": ORIGINAL}]}
        with server.client() as c:
            foreign = [
                {"Origin": "https://evil.example"},
                {"Origin": "http://127.0.0.1.evil.example"},
                {"Origin": "null"},  # a sandboxed frame
                {"Sec-Fetch-Site": "cross-site"},
                {"Sec-Fetch-Site": "same-site"},
                {"Referer": "https://evil.example/page.html"},
            ]
            for h in foreign:
                for r in (c.post("/documents", json=doc, headers=h),
                          c.post("/documents", files={"files": ("x.txt", ORIGINAL.encode())}, headers=h),
                          c.post("/scans", json={}, headers=h),
                          c.delete("/documents/x", headers=h),
                          c.post("/check", data={"text": SPUN}, headers=h)):
                    is_error(r, 403, "refused")
            assert c.get("/documents/x").status_code == 404  # nothing was added
            assert c.get("/documents/x", headers={"Origin": "https://evil.example"}).status_code == 404  # reads: no CORS
            # the service's own pages, browsers that say same-origin, the allowed site, and plain clients pass
            for h in ({"Origin": own}, {"Origin": "null", "Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
                      {"Origin": "https://newsroom.example"}, {"Referer": own + "/"}, {}):
                assert c.post("/documents", json=doc, headers=h).status_code == 201, h
            r = c.post("/compare", data={"a": FOX, "b": FOX}, headers={"Origin": own, "Accept": "text/html"})
            assert r.status_code == 200 and "text/html" in r.headers["content-type"]


# ----------------------------------------------------------------------------- the web form


def test_an_empty_form_shows_the_page_again_with_the_error(tmp_path):
    with serve(tmp_path / "i.db", "--workers", "1") as server, server.client() as c:
        browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Origin": "null", "Sec-Fetch-Site": "same-origin"}
        r = c.post("/compare", files={"a": (None, ""), "b": (None, "only b"), "a_file": ("", b"", "application/octet-stream")},
                   headers=browser)
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        assert 'id="compare-error"' in r.text and "Field required" in r.text and 'action="/compare"' in r.text
        assert ">only b</textarea>" in r.text  # what was typed is kept
        assert "{&#34;error" not in r.text and '{"error"' not in r.text
        r = c.post("/check", data={"text": "", "k": "3"}, headers=browser)
        assert r.status_code == 422 and 'id="check-error"' in r.text and 'value="3"' in r.text
        # a script asking for JSON still gets JSON
        is_error(c.post("/check", data={"text": ""}), 422, "text")


# ----------------------------------------------------------------------------- the index and the token


def _serve_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", "serve", "--port", "0", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_serve_refuses_a_missing_index_unless_asked_to_create_it(tmp_path):
    typo = tmp_path / "typo.unspun"
    p = _serve_cli("--db", str(typo))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "no such index" in p.stderr and "--create" in p.stderr
    assert not typo.exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not an index")
    p = _serve_cli("--db", str(junk))
    assert p.returncode == 2 and "not an unspun index" in p.stderr and "Traceback" not in p.stderr
    with serve(typo, create=True, *["--workers", "1"]) as server, server.client() as c:
        assert c.post("/check", json={"text": FOX}).json()["matches"] == []
    assert typo.exists()


def test_the_token_from_a_file_and_the_warnings(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-from-file\n")
    token_file.chmod(0o600)
    with serve(tmp_path / "i.db", "--token-file", str(token_file), "--workers", "1") as server, server.client() as c:
        doc = {"documents": [{"id": "d", "text": FOX}]}
        assert c.post("/documents", json=doc).status_code == 401
        assert c.post("/documents", json=doc, headers={"Authorization": "Bearer s3cret-from-file"}).status_code == 201
        assert "s3cret" not in " ".join(server.proc.args)  # nothing in ps
    with serve(tmp_path / "j.db", "--token", "on-the-command-line", "--workers", "1") as server:
        assert "visible to every user" in server.log and "UNSPUN_TOKEN" in server.log
    p = _serve_cli("--db", str(tmp_path / "i.db"), "--token-file", str(tmp_path / "missing"))
    assert p.returncode == 2 and "--token-file" in p.stderr and p.stderr.count("\n") == 1
    p = _serve_cli("--db", str(tmp_path / "i.db"), "--token", "x", env={"UNSPUN_TOKEN": "y"})
    assert p.returncode == 2 and "one way" in p.stderr
    help_text = subprocess.run([sys.executable, "-m", "unspun", "serve", "--help"], capture_output=True, text=True).stdout
    assert "UNSPUN_TOKEN" in help_text and "--token-file" in help_text and "ps" in help_text


@pytest.mark.parametrize("flag", ["--max-text-chars", "--time-budget", "--body-timeout", "--min-body-rate", "--workers"])
def test_bad_limits_are_one_line_errors(tmp_path, flag):
    p = _serve_cli("--db", str(tmp_path / "i.db"), "--create", flag, "0")
    assert p.returncode == 2 and p.stderr.startswith("unspun: error: ") and p.stderr.count("\n") == 1, p.stderr
