"""The HTTP service, in process: every endpoint, its error answers, and the guards (413, 422, 401/403, 503).

The guards against slow clients, odd JSON, other sites and load are tested on a real server process in
tests/test_service_guards.py and tests/test_service_workers.py."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from pydantic import TypeAdapter

from servers import FOX, ORIGINAL, OTHER, SPUN, is_error, local
from unspun.service import create_app
from unspun.service.models import AddedOut, CheckOut, DocumentOut, JobOut, MatchOut


@pytest.fixture()
def client(tmp_path):
    with local(create_app(tmp_path / "index.db")) as c:
        yield c


@pytest.fixture()
def guarded(tmp_path):
    with local(create_app(tmp_path / "index.db", token="s3cret-token")) as c:
        yield c


def valid(model, body: dict) -> dict:
    """``body`` validates against the response model the OpenAPI document names."""
    TypeAdapter(model).validate_python(body)
    return body


# ----------------------------------------------------------------------------- pages


def test_home_page_has_both_forms_and_a_locked_down_policy(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'action="/compare"' in r.text and 'action="/check"' in r.text
    assert "script-src 'sha256-" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_docs_are_served_offline(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    assert "cdn." not in r.text  # the assets come from the installed package, not a CDN
    spec = client.get("/openapi.json").json()
    for path in ["/compare", "/documents", "/documents/{doc_id}", "/check", "/scans", "/scans/{job_id}"]:
        assert path in spec["paths"], path
    assert "CompareIn" in spec["components"]["schemas"]


def test_openapi_names_a_response_model_and_the_real_error_body_for_every_answer(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's default 422 body is not what the service sends
    assert set(schemas["ErrorOut"]["properties"]) == {"error", "detail"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                for ctype, body in answer.get("content", {}).items():
                    assert body.get("schema"), (method, path, status, ctype)  # never "schema": {}
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, (method, path)
    assert spec["paths"]["/compare"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("MatchOut")
    assert spec["paths"]["/check"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("CheckOut")
    accepted = spec["paths"]["/scans"]["post"]["requestBody"]["content"]
    assert list(accepted) == ["application/json"]


def test_unknown_endpoint_and_method_are_json(client):
    is_error(client.get("/nope"), 404, "/nope")
    is_error(client.put("/compare"), 405)


# ----------------------------------------------------------------------------- compare


def test_compare_json_matches_the_library(client):
    from unspun import compare

    r = client.post("/compare", json={"a": ORIGINAL, "b": SPUN})
    assert r.status_code == 200, r.text
    got = valid(MatchOut, r.json())
    assert got == json.loads(json.dumps(compare(ORIGINAL, SPUN).to_dict()))
    assert got["passages"] and got["coverage_b"] > 0.3


def test_compare_html_when_asked(client):
    r = client.post(
        "/compare",
        json={"a": {"id": "orig", "text": ORIGINAL, "title": "<script>alert(1)</script>"}, "b": {"id": "copy", "text": SPUN}},
        headers={"Accept": "text/html"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'id="a-p0"' in r.text and 'id="b-p0"' in r.text
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_compare_uploaded_files_use_generated_paths(client):
    hostile = b"<html><head><title>x</title></head><body><article><p>" + FOX.encode() + b"</p><p><img src=x onerror=alert(1)></p></article></body></html>"
    files = {
        "a": ("../../etc/evil.html", hostile, "text/html"),
        "b": ("C:\\Users\\me\\copy.txt", FOX.encode(), "text/plain"),
    }
    r = client.post("/compare", files=files, data={"judge": "false"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["a"]["id"] == "evil.html" and body["b"]["id"] == "copy.txt"
    assert body["passages"]
    assert "unspun-uploads" not in r.text and "/tmp" not in r.text
    upload_dir = Path(client.app.state.service.upload_dir.name)
    assert list(upload_dir.iterdir()) == []  # nothing left behind
    assert not Path("/etc/evil.html").exists()


def test_compare_form_from_the_home_page_returns_the_pair_page(client):
    r = client.post(
        "/compare",
        data={"a": FOX, "b": FOX.replace("lazy", "sleepy")},
        files={"a_file": ("", b"", "application/octet-stream")},  # an empty file input, as browsers send it
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert r.status_code == 200 and 'data-side="a"' in r.text


def test_compare_errors(client):
    is_error(client.post("/compare", json={"a": FOX}), 422, "b")
    body = is_error(client.post("/compare", json={"a": FOX, "b": {"text": 5}}), 422, "b")
    assert any(d["field"].startswith("b") for d in body["detail"])
    is_error(client.post("/compare", json={"a": FOX, "b": FOX, "extra": 1}), 422, "extra")
    is_error(client.post("/compare", content=b"{not json", headers={"content-type": "application/json"}), 400, "JSON")
    is_error(client.post("/compare", content=b"", headers={"content-type": "application/json"}), 422, "body")
    is_error(client.post("/compare", json=["a", "b"]), 422, "object")
    is_error(client.post("/compare", content=b'{"a": "x"}'), 415, "Content-Type")
    is_error(client.post("/compare", json={"a": "   \n ", "b": FOX}), 400, "a:", "no text")
    is_error(client.post("/compare", files={"a": ("pic.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png"), "b": ("b.txt", FOX.encode())}), 400, "pic.png", "PNG")
    is_error(client.post("/compare", data={"a": FOX}), 422, "b")
    is_error(client.post("/compare", content=b"a=1", headers={"content-type": "text/csv"}), 415, "content type")


def test_no_url_is_fetched_by_default(client):
    is_error(client.post("/compare", json={"a": {"url": "http://169.254.169.254/latest/meta-data"}, "b": FOX}), 400, "does not fetch URLs")


def test_lone_surrogates_in_json_do_not_break_answers(client):
    r = client.post("/compare", content=b'{"a": "x\\ud800 ' + FOX.encode() + b'", "b": "' + FOX.encode() + b'", "judge": false}',
                    headers={"content-type": "application/json", "accept": "text/html"})
    assert r.status_code == 200 and "\ufffd" in r.text


# ----------------------------------------------------------------------------- size limit and in-flight limit


def test_request_over_the_size_limit_is_413(tmp_path):
    with local(create_app(tmp_path / "i.db", max_request_bytes=2000)) as c:
        is_error(c.post("/compare", json={"a": "x" * 3000, "b": "y"}), 413, "2,000-byte limit")

        def chunks():  # no Content-Length: the limit is enforced while the body streams in
            for _ in range(10):
                yield b"x" * 500

        is_error(c.post("/compare", content=chunks(), headers={"content-type": "application/json"}), 413, "limit")
        assert c.post("/compare", json={"a": FOX, "b": FOX, "judge": False}).status_code == 200


def test_past_max_in_flight_the_service_answers_503_with_retry_after(tmp_path, monkeypatch):
    """Two comparisons held in their computation fill max_in_flight=2; a third request gets 503 at once.
    (A request still sending its body holds no slot: tests/test_service_guards.py.)"""
    import threading

    import unspun.api

    release = threading.Event()
    real = unspun.api.compare

    def held_compare(*args, **kwargs):
        release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(unspun.api, "compare", held_compare)
    app = create_app(tmp_path / "i.db", max_in_flight=2)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            body = {"a": FOX, "b": FOX, "judge": False}
            hold = [asyncio.create_task(c.post("/compare", json=body)) for _ in range(2)]
            await asyncio.sleep(0.5)
            busy = await c.get("/")
            release.set()
            done = await asyncio.gather(*hold)
            after = await c.get("/")
        return busy, done, after

    busy, done, after = asyncio.run(scenario())
    is_error(busy, 503, "busy")
    assert busy.headers["retry-after"] == "1"
    assert [r.status_code for r in done] == [200, 200]
    assert after.status_code == 200  # the slots are given back


# ----------------------------------------------------------------------------- documents, check, scans


def add(c, docs, **kw):
    return c.post("/documents", json={"documents": docs}, **kw)


def test_documents_add_get_delete(client):
    sqli = "x'); DROP TABLE documents; --"
    docs = [
        {"id": "orig/2022/kim.txt", "text": ORIGINAL, "title": "Kim", "published": "2022-11-28"},
        {"id": "spun", "text": SPUN},
        {"id": sqli, "text": OTHER + sqli},
    ]
    r = add(client, docs)
    assert r.status_code == 201, r.text
    assert valid(AddedOut, r.json())["added"] == 3 and r.json()["ids"] == [d["id"] for d in docs]
    got = valid(DocumentOut, client.get("/documents/orig/2022/kim.txt").json())
    assert got["text"] == ORIGINAL and got["title"] == "Kim" and got["published"] == "2022-11-28"
    assert client.get("/documents/" + httpx.URL("/" + sqli).raw_path.decode()[1:]).json()["id"] == sqli
    assert add(client, docs).json()["unchanged"] == 3  # idempotent
    assert client.delete("/documents/spun").json() == {"deleted": "spun"}
    is_error(client.get("/documents/spun"), 404, "spun")
    is_error(client.delete("/documents/spun"), 404)
    assert client.get("/documents/orig/2022/kim.txt").status_code == 200  # the others are untouched


def test_documents_single_and_uploads(client):
    r = client.post("/documents", json={"id": "one", "text": FOX})
    assert r.status_code == 201 and r.json()["ids"] == ["one"]
    jsonl = b'{"id": "j1", "text": "' + OTHER.encode() + b'"}\n{broken\n{"id": "j2", "text": "' + FOX.encode() + b'"}\n'
    r = client.post("/documents", files=[("files", ("../../../x/story.txt", FOX.encode())), ("files", ("feed.jsonl", jsonl))])
    assert r.status_code == 201, r.text
    assert r.json()["ids"] == ["story.txt", "j1", "j2"]
    assert client.get("/documents/story.txt").json()["text"] == FOX


def test_documents_errors(tmp_path):
    with local(create_app(tmp_path / "i.db", max_batch=2)) as c:
        is_error(add(c, []), 422, "documents")
        is_error(add(c, [{"id": "x"}]), 400, "text")
        is_error(add(c, [{"id": "x", "text": FOX, "colour": "red"}]), 422, "colour")
        is_error(add(c, [{"id": str(i), "text": FOX} for i in range(3)]), 400, "batch limit of 2")
        is_error(c.post("/documents", files={"files": ("bin.txt", b"\x7fELF" + bytes(64))}), 400, "bin.txt")
        is_error(c.get("/documents/missing"), 404, "missing")
        assert len(c.app.state.service.index()) == 0  # nothing half-added


def test_a_file_that_is_not_an_index_is_a_clear_400_without_the_servers_path(tmp_path):
    bad = tmp_path / "not-an-index.db"
    bad.write_text("hello")
    with local(create_app(bad)) as c:
        r = c.get("/documents/x")
        is_error(r, 400, "the index", "not an unspun index")
        assert str(tmp_path) not in r.text and "not-an-index.db" not in r.text
        assert c.get("/").status_code == 200  # the page still opens


def test_token_guards_write_endpoints_only(guarded):
    doc = [{"id": "d1", "text": FOX}]
    r = add(guarded, doc)
    is_error(r, 401, "bearer token")
    assert r.headers["www-authenticate"].startswith("Bearer")
    is_error(add(guarded, doc, headers={"Authorization": "Bearer wrong"}), 403, "wrong")
    is_error(add(guarded, doc, headers={"Authorization": "Basic czNjcmV0LXRva2Vu"}), 401)
    assert add(guarded, doc, headers={"Authorization": "Bearer s3cret-token"}).status_code == 201
    is_error(guarded.delete("/documents/d1"), 401)
    is_error(guarded.post("/scans"), 401)
    # reads and comparisons need no token
    assert guarded.get("/documents/d1").status_code == 200
    assert guarded.post("/compare", json={"a": FOX, "b": FOX, "judge": False}).status_code == 200
    assert guarded.post("/check", json={"text": FOX}).status_code == 200
    assert guarded.delete("/documents/d1", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_check_ranks_stored_documents(client):
    assert add(client, [{"id": "orig", "text": ORIGINAL}, {"id": "other", "text": OTHER}]).status_code == 201
    r = client.post("/check", json={"text": SPUN, "k": 5})
    assert r.status_code == 200, r.text
    matches = valid(CheckOut, r.json())["matches"]
    assert [m["a"]["id"] for m in matches][:1] == ["orig"]
    assert all(m["a"]["id"] != "other" for m in matches)
    page = client.post("/check", data={"text": SPUN, "k": "3"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'id="m1-a-p0"' in page.text
    up = client.post("/check", files={"file": ("copy.txt", SPUN.encode())})
    assert up.json()["query"]["id"] == "copy.txt" and up.json()["matches"]
    is_error(client.post("/check", json={"k": 5}), 422, "text")
    is_error(client.post("/check", json={"text": SPUN, "k": 0}), 422, "k")


def test_scan_job_runs_in_the_background(client):
    assert add(client, [{"id": "orig", "text": ORIGINAL}, {"id": "spun", "text": SPUN}, {"id": "other", "text": OTHER}]).status_code == 201
    r = client.post("/scans", json={"judge": False})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    assert r.headers["location"] == f"/scans/{job}"
    deadline = time.time() + 120
    while True:
        st = valid(JobOut, client.get(f"/scans/{job}").json())
        assert st["status"] in ("queued", "running", "done"), st
        assert set(st["progress"]) >= {"done", "total"}
        if st["status"] == "done" or time.time() > deadline:
            break
        time.sleep(0.2)
    assert st["status"] == "done"
    clusters = st["result"]["clusters"]
    assert sorted(clusters[0]["documents"]) == ["orig", "spun"]
    page = client.get(f"/scans/{job}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and f"/scans/{job}/pairs/1" in page.text
    pair = client.get(f"/scans/{job}/pairs/1?format=html")
    assert pair.status_code == 200 and 'id="a-p0"' in pair.text
    assert client.get(f"/scans/{job}/pairs/1").json()["passages"]
    is_error(client.get(f"/scans/{job}/pairs/99"), 404, "no pair 99")
    is_error(client.get("/scans/nope"), 404, "nope")
    is_error(client.post("/scans", json={"min_coverage": 3}), 422, "min_coverage")


def test_checks_run_concurrently_on_a_real_server_and_do_not_wait_for_a_write(tmp_path, monkeypatch):
    """Two /check requests against one uvicorn server over real HTTP are inside Index.check at the same time
    (each meets the other at a barrier: served one after another, the first would wait in vain), and they
    answer while the writer's lock is held (a long write in progress)."""
    import socket
    import threading

    import uvicorn

    from unspun.index import Index

    app = create_app(tmp_path / "index.db")
    real_check = Index.check
    barrier = threading.Barrier(2, timeout=20)
    met = []

    def check_meeting_the_other(self, *args, **kwargs):
        met.append(barrier.wait())  # raises BrokenBarrierError when the other check never comes in
        return real_check(self, *args, **kwargs)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as c:
            assert add(c, [{"id": "orig", "text": ORIGINAL}, {"id": "other", "text": OTHER}]).status_code == 201
        monkeypatch.setattr(Index, "check", check_meeting_the_other)
        svc = app.state.service

        async def two_checks():
            async with httpx.AsyncClient(base_url=base, timeout=60) as c:
                return await asyncio.gather(*(c.post("/check", json={"text": SPUN, "k": 3}) for _ in range(2)))

        with svc.index_lock:  # a writer holds the index meanwhile
            answers = asyncio.run(two_checks())
        assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
        assert sorted(met) == [0, 1]
        for r in answers:
            assert [m["a"]["id"] for m in r.json()["matches"]][:1] == ["orig"]
    finally:
        server.should_exit = True
        thread.join(timeout=30)
