"""Reading what a client sends: JSON (with guards against odd numbers and deep nesting), forms, uploaded files.

Every refusal names the part of the body at fault: 400 for a body that is not
JSON at all, 415 for a content type the endpoint does not take, 422 (with the
field) for JSON that parses but breaks the endpoint's model.
"""
from __future__ import annotations

import ipaddress
import json
import math
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from ..errors import InputError
from ..types import Document

if TYPE_CHECKING:
    from .state import Service

#: A JSON number with more digits than this is refused (a 5,000-digit integer would otherwise fail deep inside Python).
MAX_NUMBER_DIGITS = 100
#: JSON nested deeper than this is refused (arrays and objects; a document's ``meta`` is the only nested field).
MAX_DEPTH = 32

JSON = "application/json"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"
FORM_TYPES = (MULTIPART, FORM)

_SURROGATE = re.compile("[\ud800-\udfff]")


class HTTPError(Exception):
    """An answer with a status and a one-line message (the app's handler sends it as JSON)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def field_error(loc: tuple, message: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ("body", *loc), "msg": message}])


# --------------------------------------------------------------------------- JSON


class _Refused:
    """A value the JSON reader accepted but the service does not; reported with where it sits."""

    def __init__(self, why: str):
        self.why = why


def _parse_int(s: str) -> Any:
    digits = len(s.lstrip("-"))
    return _Refused(f"a number of {digits:,} digits (at most {MAX_NUMBER_DIGITS})") if digits > MAX_NUMBER_DIGITS else int(s)


def _parse_float(s: str) -> Any:
    if len(s) > MAX_NUMBER_DIGITS + 10:
        return _Refused(f"a number of {len(s):,} characters (at most {MAX_NUMBER_DIGITS} digits)")
    f = float(s)
    return f if math.isfinite(f) else _Refused(f"the number {s[:30]} is too large")


def _parse_constant(s: str) -> Any:
    return _Refused(f"{s} is not a JSON number")


def parse_json(raw: bytes) -> Any:
    """The JSON value of a request body: 400 when it is not JSON, 422 (naming the place) for refused values."""
    try:
        obj = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except RecursionError:
        raise HTTPError(400, f"body: the JSON is nested too deeply to read (the service accepts {MAX_DEPTH} levels)") from None
    except UnicodeDecodeError as err:
        raise HTTPError(400, f"body: not valid JSON (not UTF-8 text: {err.reason} at byte {err.start})") from None
    except ValueError as err:
        raise HTTPError(400, f"body: not valid JSON ({str(err)[:200]})") from None
    return _clean(obj, (), 0)


def _clean(obj: Any, loc: tuple, depth: int) -> Any:
    """Lone surrogates (which no text stage can encode) become U+FFFD; refused numbers and deep nesting are 422s."""
    if isinstance(obj, str):
        return _SURROGATE.sub("\ufffd", obj)
    if isinstance(obj, _Refused):
        raise field_error(loc, obj.why)
    if isinstance(obj, (list, dict)):
        if depth >= MAX_DEPTH:
            raise field_error(loc, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(obj, list):
            return [_clean(x, (*loc, i), depth + 1) for i, x in enumerate(obj)]
        return {_clean(k, loc, depth + 1): _clean(v, (*loc, k), depth + 1) for k, v in obj.items()}
    return obj


def validate(model: Any, data: Any) -> Any:
    """Validate ``data`` against ``model``; a failure becomes a 422 naming the field."""
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e.get("loc", ()))} for e in err.errors(include_url=False, include_context=False)]
        ) from None


# --------------------------------------------------------------------------- bodies


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, svc: "Service", accept: tuple[str, ...], *, empty_ok: bool = False
                    ) -> tuple[dict[str, Any], dict[str, list[tuple[UploadFile, bytes]]]]:
    """(JSON object or form fields, uploaded files with their bytes), for a body of one of the ``accept``ed types."""
    ctype = content_type(request)
    raw = await request.body()
    if not raw.strip() and empty_ok and ctype in ("", *accept):
        return {}, {}
    if ctype not in accept:
        given = f"content type {ctype!r}" if ctype else "a body without a Content-Type"
        raise HTTPError(415, f"body: {given} is not accepted here; send {' or '.join(accept)}")
    if ctype in FORM_TYPES:
        form = await request.form(max_files=svc.max_batch, max_fields=100, max_part_size=svc.max_request_bytes)
        fields: dict[str, Any] = {}
        files: dict[str, list[tuple[UploadFile, bytes]]] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                if data or value.filename:  # an empty file input in a browser form means "no file"
                    files.setdefault(key, []).append((value, data))
            else:
                fields.setdefault(key, _SURROGATE.sub("\ufffd", value))
        request.state.form = fields  # the error page shows the texts sent again
        return fields, files
    if not raw:
        raise HTTPError(422, "body: the request has no body; send JSON" + (" or multipart/form-data" if MULTIPART in accept else ""))
    obj = parse_json(raw)
    if not isinstance(obj, dict):
        raise field_error((), "expected a JSON object", "dict_type")
    return obj, {}


def body_doc(svc: "Service", fields: dict, files: dict, names: tuple[str, ...], default_id: str) -> Document:
    """A form's document: the first of ``names`` that holds an uploaded file, else a text field."""
    for n in names:
        if n in files:
            upload, data = files[n][0]
            return documents_from_upload(svc, upload, data, default_id, one=True)[0]
    for n in names:
        v = fields.get(n)
        if isinstance(v, str) and v.strip():
            return svc.document(v, default_id, n)
    raise field_error((names[0],), "Field required (a text or a file)", "missing")


def guess_title(text: str) -> str | None:
    """The first line of a pasted text when it reads like a headline (short, no final full stop, more text below)."""
    head, _, rest = text.strip().partition("\n")
    head = head.strip().lstrip("#").strip()
    if 0 < len(head) <= 200 and not head.endswith((".", ":", ";", ",")) and rest.strip():
        return head
    return None


def upload_label(filename: str | None, fallback: str) -> str:
    """The client's file name reduced to a safe id (never a path): base name only, no control characters."""
    from ..ingest import sanitize_id

    base = re.split(r"[\\/]", filename or "")[-1]
    base = sanitize_id(base).lstrip(".")
    return base or fallback


def _relabel(s: str, path: Path, label: str) -> str:
    return s.replace(str(path), label)


def documents_from_upload(svc: "Service", upload: UploadFile, data: bytes, fallback: str, *, one: bool,
                          problems: list[dict[str, str]] | None = None) -> list[Document]:
    """Read an uploaded file with ingest (any ingest format); ids and messages name the upload, not the temp file.

    With ``one=False`` the parts of the file that were skipped (a broken JSONL line, a damaged WARC
    record) are appended to ``problems`` as ``{"source": <upload name>, "reason": ...}``."""
    from dataclasses import replace

    from ..ingest import IngestReport, iter_documents, load_document

    label = upload_label(upload.filename, fallback)
    if not data:
        raise InputError(f"{label}: the file is empty")
    path = svc.save_upload(data, upload.filename)
    try:
        if one:
            try:
                docs = [load_document(path)]
            except InputError as err:
                raise InputError(_relabel(str(err), path, label)) from None
        else:
            report = IngestReport()
            docs = list(iter_documents([path], report=report))
            if report.problems and not docs:
                src, why = report.problems[0]
                raise InputError(_relabel(f"{src}: {why}", path, label))
            if problems is not None:
                problems += [{"source": label, "reason": _relabel(why, path, label)} for _src, why in report.problems]
        out = []
        for d in docs:
            meta = {k: (_relabel(v, path, label) if isinstance(v, str) else v) for k, v in dict(d.meta).items()}
            out.append(svc.within_limit(replace(d, id=_relabel(d.id, path, label), meta=meta), label))
        return out
    finally:
        path.unlink(missing_ok=True)


def fetch_url(url: str, field_name: str, max_bytes: int) -> str:
    """Fetch one public http(s) page and extract its text (only with ``allow_fetch``); private addresses are refused."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{field_name}: only http(s) URLs can be fetched, not {url[:200]!r}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as err:
        raise InputError(f"{field_name}: cannot resolve {parts.hostname!r} ({err})") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global:
            raise InputError(f"{field_name}: {parts.hostname!r} is a private or local address; not fetched")
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - scheme checked above
            data = resp.read(max_bytes + 1)
    except OSError as err:
        raise InputError(f"{field_name}: cannot fetch {url[:200]!r} ({err})") from None
    if len(data) > max_bytes:
        raise InputError(f"{field_name}: the page at {url[:200]!r} is over {max_bytes:,} bytes")
    from ..ingest import _html_document

    return _html_document(data, field_name, field_name, url=url).text  # the tag guard and errors of ingest
