"""Turning any error into one plain sentence for a dialog."""

from __future__ import annotations

from ..errors import MentorAppError

# What to do next, in the window's own words (the command line has its own: cli.HINTS).
HINTS = {
    "enrol": "Ask your supervisor for an enrolment file, then choose File › Sharing with your supervisor › Enrol "
    "with your organisation.",
    "enrolment_file": "Write the enrolment file first (the mentors need it to enrol).",
    "set_aside": "See the Set aside tab.",
    "restore": "To go back to it, choose it in Restore from a backup.",
    "init": "Choose the right folder, or set up a new profile.",
    "mentees": "Open the person's page first.",
}


def with_hint(message: str, hint: str) -> str:
    return f"{message} {HINTS[hint]}" if hint in HINTS else message


def plain(exc: BaseException) -> str:
    if isinstance(exc, MentorAppError):
        return with_hint(exc.message, exc.hint)
    # Never the exception's own text: it could carry record content.
    return (
        f"Something unexpected went wrong ({type(exc).__name__}). Nothing was deleted. "
        "Please tell your IT contact what you were doing."
    )
