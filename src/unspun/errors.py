"""One exception family. Every message is meant to be read by a person and acted on."""
from __future__ import annotations


class UnspunError(Exception):
    """Base class: the CLI prints ``str(err)`` on one line and exits with code 2."""

    exit_code = 2


class InputError(UnspunError):
    """A file or text that cannot be used: missing, unreadable, empty, binary, undecodable, too big."""


class ConfigError(UnspunError):
    """A bad option or parameter value."""


class StoreError(UnspunError):
    """The index database is unusable (locked, corrupt, wrong schema)."""


class MissingDependency(UnspunError):
    """An optional dependency is not installed; the message names the pip command."""

    def __init__(self, package: str, extra: str | None = None, purpose: str = ""):
        cmd = f"pip install 'unspun[{extra}]'" if extra else f"pip install {package}"
        what = f" for {purpose}" if purpose else ""
        super().__init__(f"the package '{package}' is needed{what} but is not installed: run {cmd}")
        self.package = package
        self.extra = extra
