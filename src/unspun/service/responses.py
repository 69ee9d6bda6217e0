"""How the service answers: JSON that always encodes, pages with their CSP, and content negotiation."""
from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse

_SURROGATE = re.compile("[\ud800-\udfff]")


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes (a lone surrogate from a client's JSON goes back as its ``\\uXXXX`` escape)."""

    def render(self, content: Any) -> bytes:
        s = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), s).encode("utf-8")


def error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> SafeJSONResponse:
    return SafeJSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def page(html: str, status: int = 200) -> HTMLResponse:
    from ..report import content_security_policy

    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": content_security_policy()})


def wants_html(request: Request) -> bool:
    """True when the client prefers ``text/html`` to JSON (``?format=html|json`` decides outright)."""
    fmt = request.query_params.get("format")
    if fmt in ("html", "json"):
        return fmt == "html"
    html_q = json_q = 0.0
    for item in request.headers.get("accept", "").split(","):
        parts = [p.strip() for p in item.split(";")]
        media, q = parts[0].lower(), 1.0
        for p in parts[1:]:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if media in ("text/html", "application/xhtml+xml"):
            html_q = max(html_q, q)
        elif media == "application/json":
            json_q = max(json_q, q)
    return html_q > 0 and html_q > json_q
