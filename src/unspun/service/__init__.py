"""The HTTP service: a thin FastAPI layer over :func:`unspun.compare`, :class:`unspun.index.Index` and the report.

``create_app(db_path)`` builds the app; ``unspun serve --db FILE`` runs it on
uvicorn (loopback by default), in one or several worker processes.  Every
answer is JSON (or a report page when the client asks for ``text/html``);
errors are ``{"error": "<one line>", "detail": [{"field", "message"}]}`` with
a 4xx/5xx status and never a traceback or the server's file paths.

The modules: ``config`` (one frozen configuration, shared with the workers),
``guard`` (Host, Origin, size, slow bodies, in-flight limit), ``inputs``
(bodies, JSON guards, uploads), ``models`` (request and response models),
``state`` (index handles, the writer's lock), ``jobs`` (scan jobs every worker
sees), ``routes`` (the endpoints), ``app`` (wiring, errors, OpenAPI).
docs/service.md describes the endpoints, limits and guards.
"""
from __future__ import annotations

from .app import app_from_env, create_app
from .config import ServiceConfig

__all__ = ["ServiceConfig", "app_from_env", "create_app"]
