"""The service's configuration: one frozen object, handed to every worker process through its runtime folder.

``unspun serve`` makes a private runtime folder (mode 0700) holding
``config.json`` (mode 0600: it may hold the token), the scan-job store, the
writer's lock file and the upload spool; each worker process reads the folder's
path from ``UNSPUN_SERVE_RUNTIME`` and builds its app from it, so every worker
shares the same jobs and serialises its writes through the same lock.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_COMPUTE_THREADS,
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_PENDING_BODIES,
    DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_MAX_TEXT_CHARS,
    DEFAULT_MIN_BODY_RATE,
    DEFAULT_QUEUE_WAIT,
    DEFAULT_TIME_BUDGET,
)

#: The environment variable naming a worker's runtime folder.
RUNTIME_ENV = "UNSPUN_SERVE_RUNTIME"


@dataclass(frozen=True)
class ServiceConfig:
    """Everything a worker needs to serve the index at ``db_path`` (see ``unspun serve --help``)."""

    db_path: str
    token: str | None = None
    allow_fetch: bool = False
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    max_batch: int = DEFAULT_MAX_BATCH
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    time_budget: float = DEFAULT_TIME_BUDGET
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    min_body_rate: int = DEFAULT_MIN_BODY_RATE
    max_pending_bodies: int = DEFAULT_MAX_PENDING_BODIES
    compute_threads: int = DEFAULT_COMPUTE_THREADS
    queue_wait: float = DEFAULT_QUEUE_WAIT
    #: The address the server is bound to, and other names it answers to in ``Host`` ("*": any).
    bound_host: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ()
    #: Origins (``https://app.example``) whose pages may send state-changing requests, besides the service's own.
    allowed_origins: tuple[str, ...] = ()
    workers: int = 1
    runtime_dir: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for name in ("max_request_bytes", "max_in_flight", "max_batch", "max_text_chars", "min_body_rate",
                     "max_pending_bodies", "compute_threads", "workers"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("time_budget", "body_timeout", "queue_wait"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be a positive number of seconds, not {getattr(self, name)}")
        object.__setattr__(self, "allowed_hosts", tuple(h.strip().lower().rstrip(".") for h in self.allowed_hosts if h.strip()))
        object.__setattr__(self, "allowed_origins", tuple(o.strip().lower().rstrip("/") for o in self.allowed_origins if o.strip()))

    def with_runtime(self, runtime_dir: str) -> "ServiceConfig":
        return replace(self, runtime_dir=runtime_dir)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ServiceConfig":
        d: dict[str, Any] = json.loads(text)
        d["allowed_hosts"] = tuple(d.get("allowed_hosts", ()))
        d["allowed_origins"] = tuple(d.get("allowed_origins", ()))
        return cls(**d)


def make_runtime(cfg: ServiceConfig) -> tuple[tempfile.TemporaryDirectory, ServiceConfig]:
    """A private runtime folder with ``config.json`` written; the caller removes it (``.cleanup()``) at exit."""
    tmp = tempfile.TemporaryDirectory(prefix="unspun-serve-")
    os.chmod(tmp.name, 0o700)
    cfg = cfg.with_runtime(tmp.name)
    path = Path(tmp.name) / "config.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(cfg.to_json())
    return tmp, cfg


def config_from_env() -> ServiceConfig:
    """The configuration a worker process was started with (``UNSPUN_SERVE_RUNTIME``/config.json)."""
    runtime = os.environ.get(RUNTIME_ENV)
    if not runtime:
        raise ConfigError(f"{RUNTIME_ENV} is not set: start the service with 'unspun serve'")
    try:
        text = (Path(runtime) / "config.json").read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read the service's configuration in {runtime} ({err.strerror or err})") from None
    return ServiceConfig.from_json(text).with_runtime(runtime)
