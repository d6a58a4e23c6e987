"""The one place that decides whether a new passphrase is strong enough.

Used when a profile is set up (command line and window), when the passphrase
is changed and when the profile is re-keyed. The estimate is zxcvbn's (the
guess counts of a well-kept password cracker model: common passwords, names,
keyboard rows, dates, repeats); the slow key derivation behind it is the real
protection, so the bar is "not among the first guesses", score 3 of 4.
"""

from __future__ import annotations

from ..errors import BadInput
from .keywrap import MIN_PASSPHRASE_CHARS

MIN_SCORE = 3
ADVICE = "Choose a longer passphrase: three or four unrelated words work well."
# zxcvbn's cost grows quickly with length; its authors advise checking only the start
# of very long input (a 100-character passphrase is strong whatever follows).
_CHECKED_CHARS = 100


def _estimate(text: str) -> tuple[int, str]:
    from zxcvbn import zxcvbn  # imported when first used: its word lists are slow to load

    result = zxcvbn(text[:_CHECKED_CHARS])
    # zxcvbn's warnings are already one plain sentence ("This is a top-10 common password.").
    warning = (result.get("feedback") or {}).get("warning") or ""
    return int(result["score"]), warning


def rate_passphrase(text: str) -> tuple[int, str]:
    """Score 0-4 and one plain sentence for a strength meter while the person types."""
    if len(text) < MIN_PASSPHRASE_CHARS:
        return 0, f"Too short: use at least {MIN_PASSPHRASE_CHARS} characters."
    score, warning = _estimate(text)
    if score >= 4:
        return score, "Strong."
    if score >= MIN_SCORE:
        return score, "Good."
    return score, " ".join(p for p in ((warning or "Too easy to guess."), ADVICE) if p)


def check_new_passphrase(text: str) -> None:
    """Raise BadInput, with plain advice, unless `text` is strong enough to be a new passphrase."""
    if len(text) < MIN_PASSPHRASE_CHARS:
        raise BadInput(f"Please choose a passphrase of at least {MIN_PASSPHRASE_CHARS} characters. {ADVICE}")
    score, warning = _estimate(text)
    if score < MIN_SCORE:
        why = f"{warning} " if warning else ""
        raise BadInput(f"That passphrase would be too easy to guess. {why}{ADVICE}")
