"""Wording for messages: counted nouns."""
from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and the noun in the number it takes: ``1 pair``, ``0 pairs``, ``3 pairs``; ``many`` names the
    plural where adding an ``s`` does not make it (``plural(2, "process", "processes")``)."""
    return f"{n} {noun if n == 1 else (many or noun + 's')}"
