"""Signposts and referrals: the consent rule for referring, and follow-ups that are due."""

from __future__ import annotations

from datetime import date

from .. import clock
from ..errors import BadInput
from ..storage.db import Connection
from . import store, vocab
from .consent import consent_in_force
from .types import Referral


class ConsentNeeded(BadInput):
    """A referral shares the mentee's details with a partner: it needs their consent first."""

    def __init__(self, organisation: str) -> None:
        super().__init__(
            f"To refer them to {organisation}, you need their consent to share their details with "
            f"{organisation}. Record that consent first, or record a signpost instead (information given, "
            "nothing shared)."
        )
        self.organisation = organisation


def record_referral(
    conn: Connection,
    *,
    author: str,
    mentee_id: str,
    contact_id: str,
    kind: str = vocab.ReferralKind.SIGNPOST,
    on: str | None = None,
    reason: str = "",
    follow_up: str = "",
    category: str = "",
    record_id: str | None = None,
    outcome: str = vocab.ReferralOutcome.MADE,
    outcome_note: str = "",
) -> str:
    contact = store.get(conn, contact_id)
    if contact is None or contact.type != "contact":
        raise BadInput("That service is no longer in the directory.")
    day = on or clock.today().isoformat()
    organisation = contact.record.organisation
    if (
        kind == vocab.ReferralKind.REFERRAL
        and not consent_in_force(
            conn, mentee_id, vocab.ConsentScope.SHARE_WITH_PARTNER, date.fromisoformat(day), partner=organisation
        ).in_force
    ):
        raise ConsentNeeded(organisation)
    referral = Referral(
        contact_id=contact_id,
        organisation=organisation,
        kind=kind,
        on=day,
        reason=reason,
        follow_up=follow_up,
        outcome=outcome,
        outcome_note=outcome_note,
        category=category or (contact.record.categories or [vocab.DirectoryCategory.OTHER])[0],
    )
    return store.save(conn, referral, author=author, mentee_id=mentee_id, record_id=record_id)


def record_outcome(conn: Connection, referral_id: str, *, author: str, outcome: str, note: str = "") -> None:
    stored = store.get(conn, referral_id)
    if stored is None or stored.type != "referral":
        raise BadInput("That referral no longer exists.")
    if outcome not in vocab.REFERRAL_OUTCOMES:
        raise BadInput("Outcome: please choose from the list.")
    stored.record.outcome, stored.record.outcome_note = outcome, note
    store.save(conn, stored.record, author=author, mentee_id=stored.mentee_id, record_id=stored.id)


def follow_ups_due(conn: Connection, today: date | None = None) -> list[store.Stored]:
    """Open signposts and referrals whose follow-up date has come, oldest first."""
    day = (today or clock.today()).isoformat()
    open_outcomes = ", ".join(f"'{o}'" for o in vocab.OPEN_REFERRAL_OUTCOMES)
    found = store.select(
        conn,
        "type = 'referral' AND json_extract(data, '$.follow_up') != '' "
        "AND json_extract(data, '$.follow_up') <= ? "
        f"AND json_extract(data, '$.outcome') IN ({open_outcomes})",
        (day,),
    )
    return sorted(found, key=lambda s: s.record.follow_up)
