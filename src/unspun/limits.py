"""Default limits of the HTTP service, in a module light enough for the CLI to import at start-up."""
from __future__ import annotations

MB = 1024 * 1024

DEFAULT_MAX_REQUEST_BYTES = 20 * MB  # a larger request body is answered with 413
DEFAULT_MAX_IN_FLIGHT = 32  # more concurrent requests are answered with 503 and Retry-After
DEFAULT_MAX_BATCH = 1000  # documents (or files) in one POST /documents
DEFAULT_MAX_READERS = 4  # index reads (/check) served at once, each on its own read-only connection; more wait
