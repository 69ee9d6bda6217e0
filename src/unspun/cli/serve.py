"""``unspun serve --db FILE``: the HTTP service (FastAPI on uvicorn, one or more worker processes), loopback by default."""
from __future__ import annotations

import argparse
import ipaddress
import os
import stat

from ..errors import ConfigError, MissingDependency, StoreError
from ..words import plural
from .terminal import err


def register(sub: argparse._SubParsersAction) -> None:
    from ..limits import (
        DEFAULT_BODY_TIMEOUT,
        DEFAULT_COMPUTE_THREADS,
        DEFAULT_MAX_BATCH,
        DEFAULT_MAX_IN_FLIGHT,
        DEFAULT_MAX_REQUEST_BYTES,
        DEFAULT_MAX_TEXT_CHARS,
        DEFAULT_MIN_BODY_RATE,
        DEFAULT_QUEUE_WAIT,
        DEFAULT_TIME_BUDGET,
    )

    p = sub.add_parser(
        "serve",
        help="run the HTTP service (compare, check, documents, scans; a page at /, API docs at /docs)",
        description="Run the HTTP service over the index FILE. It binds to 127.0.0.1 unless --host says otherwise. "
        "With a token every write endpoint needs 'Authorization: Bearer <token>': give it in the environment "
        "(UNSPUN_TOKEN) or a file (--token-file), not on the command line, where other users see it in 'ps'. "
        "Limits, guards and workers: docs/service.md.",
    )
    p.add_argument("--db", required=True, metavar="FILE", help="the index file (it must exist, unless --create)")
    p.add_argument("--create", action="store_true", help="create an empty index at FILE when there is none")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: the CPU count, at most 4); each has its own read-only index "
                        "handles, writes go one at a time through a lock all of them share")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a name the service answers to in the Host header besides IP addresses, localhost and --host "
                        "(repeatable; '*' for any, e.g. behind a proxy that checks it); other names get 421")
    p.add_argument("--allowed-origin", action="append", default=[], metavar="URL",
                   help="a site (https://app.example) whose pages may send POST/DELETE requests (repeatable); "
                        "pages of other sites get 403")
    p.add_argument("--token-file", metavar="FILE", help="read the bearer token for write endpoints from FILE (preferred)")
    p.add_argument("--token", default=None,
                   help="the bearer token itself (visible to every user in 'ps': prefer UNSPUN_TOKEN or --token-file)")
    p.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES, metavar="N",
                   help=f"largest request body; bigger ones get 413 (default {DEFAULT_MAX_REQUEST_BYTES:,})")
    p.add_argument("--max-text-chars", type=int, default=DEFAULT_MAX_TEXT_CHARS, metavar="N",
                   help=f"longest text the service aligns (compare's texts, check's query, each document added); "
                        f"longer ones get 413 (default {DEFAULT_MAX_TEXT_CHARS:,})")
    p.add_argument("--time-budget", type=float, default=DEFAULT_TIME_BUDGET, metavar="S",
                   help=f"seconds one request may compute; past it, 503 (default {DEFAULT_TIME_BUDGET:g})")
    p.add_argument("--body-timeout", type=float, default=DEFAULT_BODY_TIMEOUT, metavar="S",
                   help=f"longest pause while a request body arrives, and the grace before --min-body-rate applies "
                        f"(default {DEFAULT_BODY_TIMEOUT:g}); slower bodies get 408 and the connection is closed")
    p.add_argument("--min-body-rate", type=int, default=DEFAULT_MIN_BODY_RATE, metavar="BYTES",
                   help=f"bytes per second a request body must average after the grace (default {DEFAULT_MIN_BODY_RATE:,})")
    p.add_argument("--threads", type=int, default=DEFAULT_COMPUTE_THREADS, metavar="N",
                   help=f"requests each worker computes at once (compare, check); the others wait their turn "
                        f"(default {DEFAULT_COMPUTE_THREADS})")
    p.add_argument("--queue-wait", type=float, default=DEFAULT_QUEUE_WAIT, metavar="S",
                   help=f"seconds a request may wait for one of them; past it, 503 with Retry-After "
                        f"(default {DEFAULT_QUEUE_WAIT:g}: under overload, answers stay quick and the rest are told to retry)")
    p.add_argument("--max-in-flight", type=int, default=DEFAULT_MAX_IN_FLIGHT, metavar="N",
                   help=f"requests handled at once by each worker; more get 503 with Retry-After (default {DEFAULT_MAX_IN_FLIGHT})")
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


def read_token(args: argparse.Namespace) -> str | None:
    """The bearer token: --token-file, else UNSPUN_TOKEN, else --token (with a warning); at most one of them."""
    env = os.environ.get("UNSPUN_TOKEN") or None
    given = [name for name, v in (("--token-file", args.token_file), ("UNSPUN_TOKEN", env), ("--token", args.token)) if v]
    if len(given) > 1:
        raise ConfigError(f"give the token one way, not {' and '.join(given)}")
    if args.token_file:
        try:
            st = os.stat(args.token_file)
            with open(args.token_file, encoding="utf-8") as fh:
                token = fh.read().strip()
        except OSError as e:
            raise ConfigError(f"--token-file {args.token_file}: cannot be read ({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"--token-file {args.token_file}: not a text file") from None
        if not token or "\n" in token:
            raise ConfigError(f"--token-file {args.token_file}: must hold the token on one line")
        if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
            err(f"unspun: warning: {args.token_file} can be read by other users (chmod 600 it)")
        return token
    if args.token:
        err("unspun: warning: --token is visible to every user of this machine in 'ps'; "
            "use UNSPUN_TOKEN or --token-file instead")
    return env or args.token or None


def check_index(path: str, create: bool) -> None:
    """Refuse a missing index the way ``check`` and ``scan`` do (unless ``create``), and a file that is not one."""
    from ..index import Index

    if not os.path.exists(path) or (os.path.isfile(path) and os.path.getsize(path) == 0):
        if not create:
            raise StoreError(f"{path}: no such index (create it with 'unspun index add ... --db {path}', "
                             "or start the service with --create for an empty one)")
        Index(path).close()
        return
    Index(path, readonly=True).close()


def run(args: argparse.Namespace) -> int:
    from ..service.config import RUNTIME_ENV, ServiceConfig, make_runtime

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, not {args.port}")
    workers = args.workers if args.workers is not None else max(1, min(4, os.cpu_count() or 1))
    token = read_token(args)
    try:
        import uvicorn
    except ImportError:
        raise MissingDependency("uvicorn", purpose="the HTTP service") from None
    cfg = ServiceConfig(
        db_path=args.db, token=token, allow_fetch=args.allow_fetch, max_request_bytes=args.max_request_bytes,
        max_in_flight=args.max_in_flight, max_batch=args.max_batch, max_text_chars=args.max_text_chars,
        time_budget=args.time_budget, body_timeout=args.body_timeout, min_body_rate=args.min_body_rate,
        bound_host=args.host, allowed_hosts=tuple(args.allowed_host), allowed_origins=tuple(args.allowed_origin),
        workers=workers, compute_threads=args.threads, queue_wait=args.queue_wait,
    )
    check_index(args.db, args.create)
    if not _is_loopback(args.host) and not token:
        err(f"unspun: warning: serving on {args.host} without a token: anyone who can reach it can change the index")
    runtime, cfg = make_runtime(cfg)
    os.environ[RUNTIME_ENV] = cfg.runtime_dir  # the workers read their configuration from there
    # fewer malloc arenas in the workers (glibc makes up to 8 per core for threads): memory stays flat under load
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    try:
        err(f"unspun: serving {args.db} with {plural(workers, 'worker process', 'worker processes')}")
        uvicorn.run("unspun.service:app_from_env", factory=True, workers=workers, host=args.host, port=args.port,
                    log_level=args.log_level, server_header=False, timeout_graceful_shutdown=5)
    finally:
        os.environ.pop(RUNTIME_ENV, None)
        runtime.cleanup()
    return 0
