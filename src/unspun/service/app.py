"""Building the app: configuration, guards, routes, error answers and the OpenAPI document."""
from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..deadline import TimeBudgetExceeded
from ..limits import (
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_REQUEST_BYTES,
)
from .config import ServiceConfig, config_from_env
from .guard import Guard
from .inputs import FORM_TYPES, HTTPError, content_type
from .models import REQUEST_MODELS, RESPONSE_MODELS
from .responses import SafeJSONResponse, error, wants_html
from .routes import home_page, install
from .state import Service

log = logging.getLogger("unspun.service")


def create_app(
    db_path: str | os.PathLike[str] | None = None,
    *,
    config: ServiceConfig | None = None,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    token: str | None = None,
    allow_fetch: bool = False,
    max_batch: int = DEFAULT_MAX_BATCH,
    **limits: Any,
) -> FastAPI:
    """Build the service for the index at ``db_path`` (opened on first use, created when missing).

    Either pass ``config`` (a :class:`ServiceConfig`) or the index path and any of its fields as keywords
    (``max_text_chars=``, ``time_budget=``, ``allowed_hosts=`` …).
    """
    from .. import __version__

    if config is None:
        if db_path is None:
            raise TypeError("create_app needs db_path or config")
        config = ServiceConfig(db_path=os.fspath(db_path), max_request_bytes=max_request_bytes, max_in_flight=max_in_flight,
                               token=token, allow_fetch=allow_fetch, max_batch=max_batch, **limits)
    svc = Service(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        svc.close()

    app = _fastapi(
        title="unspun",
        version=__version__,
        description="Find rewritten copies of articles, align the reused passages and explain how the copy changed "
                    "the story. Limits, guards and workers: docs/service.md.",
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.service = svc
    app.add_middleware(Guard, cfg=config)
    _install_error_handlers(app, svc)
    install(app, svc)
    _install_openapi(app)
    return app


def app_from_env() -> FastAPI:
    """The app of one worker process started by ``unspun serve`` (an import-string factory for uvicorn)."""
    return create_app(config=config_from_env())


def _fastapi(**kwargs: Any) -> FastAPI:
    """FastAPI whose /docs serves Swagger UI from installed files (offline), when fastapi-offline is installed."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        return FastAPI(**kwargs)
    return FastAPIOffline(**kwargs)


def _install_openapi(app: FastAPI) -> None:
    """Add the request models (read by hand to accept JSON or forms) and the response models to the components,
    and document every 422 as the service's own error body (not FastAPI's default)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        for m in (*REQUEST_MODELS, *RESPONSE_MODELS):
            s = m.model_json_schema(ref_template="#/components/schemas/{model}")
            comps.update(s.pop("$defs", {}))
            comps[m.__name__] = s
        error_ref = {"$ref": "#/components/schemas/ErrorOut"}
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                r422 = op.get("responses", {}).get("422")
                if r422 is not None:
                    r422["content"] = {"application/json": {"schema": error_ref}}
                    r422["description"] = "a field is missing or wrong (detail names it)"
        for name in ("HTTPValidationError", "ValidationError"):
            comps.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body",)] if loc else []
    return ".".join(parts) or "body"


def _answer(svc: Service, request: Request, status: int, message: str,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """An error answer: JSON, or for the home page's forms (a browser asking for HTML) the page again with the
    message above the form that was sent."""
    message = svc.redact(message)
    path = request.url.path
    if request.method == "POST" and path in ("/compare", "/check") and content_type(request) in FORM_TYPES \
            and wants_html(request):
        values = {k: v for k, v in getattr(request.state, "form", {}).items() if isinstance(v, str)}
        return home_page(svc, status, error=message, form=path.strip("/"), values=values)
    return error(status, message, headers, **extra)


def _install_error_handlers(app: FastAPI, svc: Service) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        parts = [f"{_field_name(e.get('loc'))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
        detail = [{"field": _field_name(e.get("loc")), "message": e.get("msg", "")} for e in errors[:50]]
        return _answer(svc, request, 422, "; ".join(parts) or "invalid request", detail=detail)

    @app.exception_handler(HTTPError)
    async def http_error(request: Request, exc: HTTPError) -> Response:
        return _answer(svc, request, exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def starlette_http(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"no such endpoint: {request.method} {request.url.path[:200]}"
        elif exc.status_code == 405:
            msg = f"{request.method} is not allowed on {request.url.path[:200]}"
        return _answer(svc, request, exc.status_code, msg, getattr(exc, "headers", None))

    @app.exception_handler(TimeBudgetExceeded)
    async def over_budget(request: Request, exc: TimeBudgetExceeded) -> Response:
        return _answer(svc, request, 503, str(exc))

    from ..errors import UnspunError

    @app.exception_handler(UnspunError)
    async def unspun_error(request: Request, exc: UnspunError) -> Response:
        return _answer(svc, request, 400, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error(500, "internal error: the request could not be completed (the server log has the details)")
