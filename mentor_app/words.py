"""Counts in plain words: "1 batch", "3 batches", never "batch(es)"."""

from __future__ import annotations


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
