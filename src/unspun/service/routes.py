"""The endpoints: thin handlers over :func:`unspun.compare`, :class:`unspun.index.Index` and the report."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from ..deadline import TimeBudgetExceeded, time_budget
from ..errors import InputError, UnspunError
from ..types import Document, Match
from .inputs import FORM, FORM_TYPES, JSON, MULTIPART, HTTPError, body_doc, content_type, documents_from_upload, field_error, read_body, validate
from .jobs import MAX_JOBS, run_scan
from .models import (
    AddedOut,
    CheckIn,
    CheckOut,
    CompareIn,
    DeletedOut,
    DocIn,
    DocumentOut,
    DocumentsIn,
    ErrorOut,
    JobOut,
    JobStartedOut,
    MatchOut,
    ScanIn,
)
from .responses import SafeJSONResponse, page, wants_html
from .state import Service

FORMS = (JSON, MULTIPART, FORM)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    why = {400: "bad input (one line saying what)", 401: "no bearer token", 403: "wrong token, or a page of another site",
           404: "not found", 408: "the body arrived too slowly", 409: "not ready", 413: "too large (body or text)",
           415: "a content type this endpoint does not take", 421: "a Host name this service does not answer to",
           422: "a field is missing or wrong (detail names it)", 503: "busy, or past the time budget"}
    return {c: {"model": ErrorOut, "description": why[c]} for c in codes}


_COMMON = (400, 403, 408, 413, 415, 421, 422, 503)


def _ok(model: type[BaseModel], status: int = 200, html: bool = False) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {status: {"model": model, "description": "the result"}}
    if html:
        out[status]["content"] = {"text/html": {"schema": {"type": "string"}}}
        out[status]["description"] = "the result as JSON, or a page for Accept: text/html"
    return out


def doc_body(model: type[BaseModel], form: dict[str, Any] | None, urlencoded: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {JSON: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}
    if form is not None:
        content[MULTIPART] = {"schema": {"type": "object", "properties": form}}
        if urlencoded:
            text = {"type": "string", "description": "the text"}
            content[FORM] = {"schema": {"type": "object", "properties": {
                k: (text if v.get("format") == "binary" else v) for k, v in form.items()}}}
    return {"requestBody": {"required": True, "content": content}}


FILE_OR_TEXT = {"type": "string", "format": "binary", "description": "a file (any ingest format) or a text field"}


async def compute(svc: Service, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run CPU work in one of the worker's few compute threads (``compute_threads``: more at once only share
    the CPU and the GIL, and hold more memory).

    A request waits at most ``queue_wait`` seconds for a free thread (past it: 503 busy, with Retry-After),
    then computes under the time budget (past it: 503; the aligner stops at its next stage, and the answer
    does not wait for the thread, whose slot is given back when it ends)."""
    cfg = svc.cfg
    slots = svc.compute_slots()
    try:
        await asyncio.wait_for(slots.acquire(), cfg.queue_wait)
    except asyncio.TimeoutError:
        raise HTTPError(503, f"the service is busy: no compute thread came free within {cfg.queue_wait:g} s; "
                             "retry after 1 s", {"Retry-After": "1"}) from None
    loop = asyncio.get_running_loop()

    def work() -> Any:
        try:
            with time_budget(cfg.time_budget):
                return fn(*args, **kwargs)
        finally:
            loop.call_soon_threadsafe(slots.release)  # when the work ends, even if its answer was not waited for

    with anyio.move_on_after(cfg.time_budget + 1.0) as scope:
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    if scope.cancelled_caught:
        raise TimeBudgetExceeded(cfg.time_budget)
    raise AssertionError("unreachable")  # pragma: no cover


def install(app: FastAPI, svc: Service) -> None:
    def auth(request: Request) -> None:
        svc.require_token(request)

    def is_form(request: Request) -> bool:
        return content_type(request) in FORM_TYPES

    # ---------------------------------------------------------------- pages

    @app.get("/", response_class=HTMLResponse, summary="A page to compare two texts or check one against the index",
             responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "the page"}})
    def home() -> HTMLResponse:
        return home_page(svc)

    # ---------------------------------------------------------------- compare

    @app.post(
        "/compare",
        summary="Align two texts: the Match as JSON, or the side-by-side page for Accept: text/html",
        openapi_extra=doc_body(CompareIn, {"a": FILE_OR_TEXT, "b": FILE_OR_TEXT, "judge": {"type": "boolean"}}, urlencoded=True),
        responses={**_ok(MatchOut, html=True), **_errors(*_COMMON)},
    )
    async def compare_endpoint(request: Request) -> Response:
        from ..api import compare

        fields, files = await read_body(request, svc, FORMS)
        if is_form(request):
            a = body_doc(svc, fields, files, ("a", "a_file"), "a")
            b = body_doc(svc, fields, files, ("b", "b_file"), "b")
            judge = str(fields.get("judge", "true")).lower() not in ("0", "false", "no")
        else:
            body: CompareIn = validate(CompareIn, fields)
            a = svc.document(body.a, "a", "a")
            b = svc.document(body.b, "b", "b")
            judge = body.judge
        match = await compute(svc, compare, a, b, judge=judge)
        if wants_html(request):
            from ..report import render_pair

            return page(render_pair(match, back_href="/", back_label="new comparison"))
        return SafeJSONResponse(match.to_dict())

    # ---------------------------------------------------------------- documents

    @app.post(
        "/documents",
        status_code=201,
        summary="Add one document or a batch (JSON, or uploaded files of the ingest formats)",
        dependencies=[Depends(auth)],
        openapi_extra=doc_body(DocumentsIn, {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}),
        responses={**_ok(AddedOut, 201), **_errors(401, *_COMMON)},
    )
    async def add_documents(request: Request) -> Response:
        fields, files = await read_body(request, svc, (JSON, MULTIPART))
        docs: list[Document] = []
        problems: list[dict[str, str]] = []
        if files or is_form(request):
            uploads = [u for key in sorted(files) for u in files[key]]
            if len(uploads) > svc.max_batch:
                raise InputError(f"body: {len(uploads)} files is over the batch limit of {svc.max_batch}")
            for n, (upload, data) in enumerate(uploads, 1):
                docs += documents_from_upload(svc, upload, data, f"upload-{n}", one=False, problems=problems)
        elif "documents" in fields or not fields.get("text"):
            body: DocumentsIn = validate(DocumentsIn, fields)
            docs = [svc.document(d, "", f"documents[{i}]") for i, d in enumerate(body.documents)]
        else:
            d: DocIn = validate(DocIn, fields)
            docs = [svc.document(d, "", "document")]
        if not docs:
            raise InputError("body: no document to add")
        if len(docs) > svc.max_batch:
            raise InputError(f"body: {len(docs)} documents is over the batch limit of {svc.max_batch}; send smaller batches")
        for doc in docs:
            if not doc.id.strip():
                raise InputError("body: a document id is empty")

        def add() -> Any:
            with svc.index_lock:
                return svc.index().add(docs)

        result = await anyio.to_thread.run_sync(add)  # a write runs to its end (no time budget: never half-added)
        return SafeJSONResponse(
            {
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": [{"id": i, "reason": r} for i, r in result.skipped],
                "ids": [doc.id for doc in docs],
                "problems": problems,  # parts of uploaded files that were skipped, with the reason
            },
            status_code=201,
        )

    @app.get("/documents/{doc_id:path}", summary="One stored document, with its text",
             responses={**_ok(DocumentOut), **_errors(400, 404, 421)})
    def get_document(doc_id: str) -> Response:
        with svc.reader() as ix:
            doc = ix.get(doc_id)
        if doc is None:
            raise HTTPError(404, f"no document with id {doc_id[:200]!r} in the index")
        return SafeJSONResponse(doc.to_dict())

    @app.delete("/documents/{doc_id:path}", summary="Remove a document from the index", dependencies=[Depends(auth)],
                responses={**_ok(DeletedOut), **_errors(400, 401, 403, 404, 421)})
    def delete_document(doc_id: str) -> Response:
        with svc.index_lock:
            removed = svc.index().remove(doc_id)
        if not removed:
            raise HTTPError(404, f"no document with id {doc_id[:200]!r} in the index")
        return SafeJSONResponse({"deleted": doc_id})

    # ---------------------------------------------------------------- check

    @app.post(
        "/check",
        summary="Rank the stored documents that share passages with a text (JSON, or a page for Accept: text/html)",
        openapi_extra=doc_body(CheckIn, {"text": {"type": "string"}, "file": FILE_OR_TEXT, "k": {"type": "integer"}}, urlencoded=True),
        responses={**_ok(CheckOut, html=True), **_errors(*_COMMON)},
    )
    async def check_endpoint(request: Request) -> Response:
        from ..report import check_json, render_check

        fields, files = await read_body(request, svc, FORMS)
        if is_form(request):
            query = body_doc(svc, fields, files, ("file", "text"), "query")
            body = validate(CheckIn, {"k": fields.get("k") or "10"})
        else:
            body = validate(CheckIn, fields)
            if body.document is not None:
                query = svc.document(body.document, "query", "document")
            elif body.text is not None:
                query = svc.document(body.text, "query", "text")
            else:
                raise field_error(("text",), "Field required (text or document)", "missing")
        k = body.k

        def check() -> list[Match]:
            with svc.reader() as ix:  # concurrent with other checks; a write meanwhile is not waited for
                return ix.check(query, k)

        matches = await compute(svc, check)
        if wants_html(request):
            return page(render_check(query, matches, back_href="/", back_label="home"))
        return SafeJSONResponse(check_json(query, matches))

    # ---------------------------------------------------------------- scans

    @app.post("/scans", status_code=202, summary="Start a corpus scan in the background; returns its job id",
              dependencies=[Depends(auth)],
              openapi_extra={"requestBody": {"required": False, "content": {JSON: {"schema": {"$ref": "#/components/schemas/ScanIn"}}}}},
              responses={**_ok(JobStartedOut, 202), **_errors(401, *_COMMON)})
    async def start_scan(request: Request) -> Response:
        fields, _files = await read_body(request, svc, (JSON,), empty_ok=True)
        params: ScanIn = validate(ScanIn, fields)
        job = svc.jobs.create(params.model_dump())
        if job is None:
            raise HTTPError(503, f"{MAX_JOBS} scans are already queued or running; retry later", {"Retry-After": "30"})
        threading.Thread(target=run_scan, args=(svc.db_path, svc.jobs, job, svc.redact), name=f"unspun-scan-{job.id}",
                         daemon=True).start()
        return SafeJSONResponse({"id": job.id, "status": job.status, "href": f"/scans/{job.id}"}, status_code=202,
                                headers={"Location": f"/scans/{job.id}"})

    def get_job(job_id: str, with_result: bool = True) -> Any:
        job = svc.jobs.get(job_id, with_result=with_result)
        if job is None:
            raise HTTPError(404, f"no scan job {job_id[:100]!r} (jobs are kept until the service restarts)")
        return job

    @app.get("/scans/{job_id}", summary="A scan's status and progress; when done, its result (JSON, or the report page)",
             responses={**_ok(JobOut, html=True), **_errors(404, 421)})
    def scan_status(job_id: str, request: Request) -> Response:
        from ..report import render_scan_page, render_template
        from ..report.render import DEFAULT_PAGE_SIZE, ScanLinks, page_count

        job = get_job(job_id)
        if not wants_html(request):
            return SafeJSONResponse(job.to_dict())
        json_href = f"/scans/{job.id}?format=json"
        if job.status != "done" or job.clusters is None:
            return page(render_template("job.html", job=job.to_dict(with_result=False), json_href=json_href))
        try:
            number = int(request.query_params.get("page", "1"))
        except ValueError:
            raise HTTPError(422, "page: give a whole number") from None
        npages = page_count(job.clusters, DEFAULT_PAGE_SIZE)
        if not 1 <= number <= npages:
            raise HTTPError(404, f"page {number} does not exist: the report has {npages} page(s)")
        links = ScanLinks(
            page=lambda p: f"/scans/{job.id}?format=html&page={p}",
            pair=lambda n: f"/scans/{job.id}/pairs/{n}?format=html",
            pair_json=lambda n: f"/scans/{job.id}/pairs/{n}?format=json",
            json=json_href,
        )
        return page(render_scan_page(job.clusters, number, links=links))

    @app.get("/scans/{job_id}/pairs/{n}", summary="Pair number n of a finished scan (JSON, or its side-by-side page)",
             responses={**_ok(MatchOut, html=True), **_errors(404, 409, 421, 422)})
    def scan_pair(job_id: str, n: int, request: Request) -> Response:
        from ..report import render_pair

        job = get_job(job_id)
        if job.status != "done" or job.clusters is None:
            raise HTTPError(409, f"scan {job.id} is {job.status}; its pairs are ready when it is done")
        matches = [m for c in job.clusters for m in c.matches]
        if not 1 <= n <= len(matches):
            raise HTTPError(404, f"scan {job.id} has {len(matches)} pairs; there is no pair {n}")
        m = matches[n - 1]
        if wants_html(request):
            return page(render_pair(m, json_href=f"/scans/{job.id}/pairs/{n}?format=json",
                                    back_href=f"/scans/{job.id}?format=html", back_label="scan report"))
        return SafeJSONResponse(m.to_dict())


def home_page(svc: Service, status: int = 200, *, error: str | None = None, form: str | None = None,
              values: dict[str, Any] | None = None) -> HTMLResponse:
    """The home page; with ``error``, shown above the form that was sent (``compare`` or ``check``), its texts kept."""
    from ..report import render_template

    try:
        size = svc.index_size()
    except UnspunError:
        size = None
    return page(render_template("home.html", index_size=size, error=error, error_form=form, values=values or {}), status)
