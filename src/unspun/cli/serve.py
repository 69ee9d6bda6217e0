"""``unspun serve --db FILE``: the HTTP service (FastAPI on uvicorn), bound to loopback by default."""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from ..errors import ConfigError, MissingDependency


def register(sub: argparse._SubParsersAction) -> None:
    from ..limits import DEFAULT_MAX_BATCH, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_REQUEST_BYTES

    p = sub.add_parser(
        "serve",
        help="run the HTTP service (compare, check, documents, scans; a page at /, API docs at /docs)",
        description="Run the HTTP service over the index DB. It binds to 127.0.0.1 unless --host says otherwise; "
        "with a token (--token or UNSPUN_TOKEN) every write endpoint needs 'Authorization: Bearer <token>'.",
    )
    p.add_argument("--db", required=True, metavar="FILE", help="the index file (created on first write when missing)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--token", default=None, help="bearer token for write endpoints (default: env UNSPUN_TOKEN)")
    p.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES, metavar="N",
                   help=f"largest request body; bigger ones get 413 (default {DEFAULT_MAX_REQUEST_BYTES:,})")
    p.add_argument("--max-in-flight", type=int, default=DEFAULT_MAX_IN_FLIGHT, metavar="N",
                   help=f"requests handled at once; more get 503 with Retry-After (default {DEFAULT_MAX_IN_FLIGHT})")
    p.add_argument("--max-batch", type=int, default=DEFAULT_MAX_BATCH, metavar="N",
                   help=f"documents (or files) in one POST /documents (default {DEFAULT_MAX_BATCH})")
    p.add_argument("--allow-fetch", action="store_true",
                   help="let clients send a URL instead of a text (off by default: the service fetches nothing)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from ..service import create_app

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, not {args.port}")
    token = args.token or os.environ.get("UNSPUN_TOKEN") or None
    try:
        import uvicorn
    except ImportError:
        raise MissingDependency("uvicorn", purpose="the HTTP service") from None
    if not _is_loopback(args.host) and not token:
        print(f"unspun: warning: serving on {args.host} without a token: anyone who can reach it can change the index",
              file=sys.stderr)
    app = create_app(
        args.db,
        max_request_bytes=args.max_request_bytes,
        max_in_flight=args.max_in_flight,
        token=token,
        allow_fetch=args.allow_fetch,
        max_batch=args.max_batch,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, server_header=False,
                timeout_graceful_shutdown=5)
    return 0
