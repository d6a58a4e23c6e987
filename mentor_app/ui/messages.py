"""Turning any error into one plain sentence for a dialog."""

from __future__ import annotations

from ..errors import MentorAppError


def plain(exc: BaseException) -> str:
    if isinstance(exc, MentorAppError):
        return exc.message
    # Never the exception's own text: it could carry record content.
    return (f"Something unexpected went wrong ({type(exc).__name__}). Nothing was deleted. "
            "Please tell your IT contact what you were doing.")
