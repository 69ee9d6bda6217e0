"""Default limits of the HTTP service, in a module light enough for the CLI to import at start-up.

docs/service.md explains each one and what it protects.
"""
from __future__ import annotations

MB = 1024 * 1024

DEFAULT_MAX_REQUEST_BYTES = 20 * MB  # a larger request body is answered with 413
DEFAULT_MAX_IN_FLIGHT = 32  # more concurrent requests (per worker) are answered with 503 and Retry-After
DEFAULT_MAX_BATCH = 1000  # documents (or files) in one POST /documents
DEFAULT_MAX_READERS = 4  # index reads (/check) served at once per worker, each on its own read-only connection; more wait
DEFAULT_MAX_TEXT_CHARS = 1_000_000  # a longer text is not aligned (413): compare's a and b, check's query, added documents
DEFAULT_TIME_BUDGET = 30.0  # seconds one request may compute before it is stopped (503)
DEFAULT_BODY_TIMEOUT = 10.0  # seconds a request body may pause (and its grace before the minimum rate applies) ...
DEFAULT_MIN_BODY_RATE = 64 * 1024  # ... and the bytes per second it must then average, or the connection is dropped (408)
DEFAULT_COMPUTE_THREADS = 2  # requests each worker computes at once (compare, check); the others wait their turn ...
DEFAULT_QUEUE_WAIT = 0.5  # ... at most this many seconds, then 503 with Retry-After (the service is saturated)
DEFAULT_MAX_PENDING_BODIES = 256  # connections (per worker) still sending their body; more get 503 at once
