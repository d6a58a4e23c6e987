"""What a mentor needs to know about their sharing, in plain sentences: the Sharing screen's warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..setting_keys import DIRECTORY_PROBLEM, HELD_BACK, NOTICE, RECEIPT_DEVICE, STRANGERS
from ..words import count
from . import outbox

if TYPE_CHECKING:
    from ..storage.profile import Profile

# The reason codes a receipt carries, in the mentor's words.
SET_ASIDE_WORDS = {
    "not_approved": "your supervisor has not approved this laptop yet (they check its fingerprint with you)",
    "revoked": "your supervisor has stopped accepting batches from this laptop",
    "unreadable": "the copy on the shared drive was damaged",
    "too_large": "the copy on the shared drive was far too large",
    "fork": "two different batches carry the same number (a copied or restored profile)",
    "link_mismatch": "it does not follow on from the batch before it (a copied or restored profile)",
}


def attention(profile: Profile, warn_days: int) -> list[str]:
    """Concerns first, then anything lost, refused or out of place; empty when all is well."""
    conn = profile.conn
    notes = []
    late = outbox.late_warning(conn, warn_days)
    if late:
        notes.append(late)
    notice = profile.get_setting(NOTICE)
    if notice:
        notes.append(notice)
    told = profile.get_json(RECEIPT_DEVICE, {})
    if told.get("waiting_for") and any(s.sequence == told["waiting_for"] for s in outbox.sent(conn, True)):
        notes.append(
            f"Your supervisor is waiting for batch {told['waiting_for']} from this laptop (later ones "
            "arrived without it). It is written to the shared drive again on every trip until it arrives."
        )
    for item in told.get("set_aside", [])[:5]:
        why = SET_ASIDE_WORDS.get(item.get("code"), "your supervisor's app could not use it")
        notes.append(f"Your supervisor's app set aside batch {item.get('sequence') or '(no number)'}: {why}.")
    refused = told.get("refused", [])
    if refused:
        notes.append(
            f"Your supervisor's app refused {count(len(refused), 'record')} inside batches that otherwise "
            "arrived. Please tell your supervisor."
        )
    held = profile.get_json(HELD_BACK, [])
    if held:
        notes.append(
            f"{count(len(held), 'record')} could not be shared because the app's own check refused "
            f"{'it' if len(held) == 1 else 'them'}; kept on this laptop and tried again on every trip."
        )
    strangers = profile.get_json(STRANGERS, [])
    if strangers:
        shown = ", ".join(strangers[:3]) + (" …" if len(strangers) > 3 else "")
        notes.append(
            f"{count(len(strangers), 'file')} in this laptop's folder on the shared drive "
            f"{'is' if len(strangers) == 1 else 'are'} not from this laptop and "
            f"{'was' if len(strangers) == 1 else 'were'} ignored ({shown})."
        )
    problem = profile.get_setting(DIRECTORY_PROBLEM)
    if problem:
        notes.append(problem)
    return notes
