"""Counts in plain words: "1 batch", "3 batches", never "batch(es)"; sizes of files: "230 KB", "4.2 MB"."""

from __future__ import annotations

from .i18n import ENGLISH, words_in


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def file_size(n: int, language: str = ENGLISH) -> str:
    """A file's size as a person reads it: "900 bytes", "230 KB", "4.2 MB" (1 MB is 1024 × 1024 bytes)."""
    w = words_in(language)
    if n < 1024:
        return w.n("{n} byte", "{n} bytes", n)
    if n < 1024 * 1024:
        return w("{n} KB", n=max(1, round(n / 1024)))
    megabytes = n / (1024 * 1024)
    shown = f"{megabytes:.1f}".removesuffix(".0") if megabytes < 10 else str(round(megabytes))
    return w("{n} MB", n=shown)
