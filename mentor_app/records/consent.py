"""Which consent is in force on a given day: the one rule everything uses.

Consent is a history, not a checkbox. For a scope (and, for partner sharing,
a partner), the latest consent record dated on or before the day decides;
a given consent past its expiry date is no longer in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .. import clock
from ..storage.db import Connection
from . import store, vocab
from .dates import shown_date
from .types import Consent
from .vocab import ConsentScope


@dataclass(frozen=True)
class ConsentState:
    scope: str
    in_force: bool
    since: str = ""
    expires: str = ""
    method: str = ""
    partner: str = ""
    record_id: str = ""
    expired: bool = False

    def words(self) -> str:
        what = vocab.CONSENT_SCOPES[self.scope]
        if self.partner:
            what += f" ({self.partner})"
        if not self.record_id:
            return f"{what}: not asked yet"
        since, expires = shown_date(self.since), shown_date(self.expires)
        if self.in_force:
            until = f", until {expires}" if self.expires else ""
            return f"{what}: yes, since {since}{until}"
        if self.expired:
            return f"{what}: expired on {expires}"
        return f"{what}: no (since {since})"


def _same_partner(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def consent_in_force(
    conn: Connection, mentee_id: str, scope: ConsentScope, on: date | None = None, partner: str = ""
) -> ConsentState:
    if scope not in vocab.CONSENT_SCOPES:
        raise ValueError(scope)
    stored = store.list_records(conn, "consent", mentee_id=mentee_id, newest_first=False)
    return state_of([(s.id, s.record) for s in stored], scope, on, partner)


def state_of(
    consents: Sequence[tuple[str, Consent]], scope: ConsentScope, on: date | None = None, partner: str = ""
) -> ConsentState:
    """Whether `scope` is in force on `on`, from one person's consent records (id, record) oldest first:
    the latest given before that day decides (the supervisor's copy uses it on what was shared)."""
    day = (on or clock.today()).isoformat()
    history = [
        (record_id, c)
        for record_id, c in consents
        if c.scope == scope
        and c.on <= day
        and (scope != ConsentScope.SHARE_WITH_PARTNER or not partner or _same_partner(c.partner, partner))
    ]
    if not history:
        return ConsentState(scope=scope, in_force=False, partner=partner)
    record_id, c = history[-1]  # ordered by date, then by when it was recorded
    expired = bool(c.given and c.expires and c.expires < day)
    return ConsentState(
        scope=scope,
        in_force=c.given and not expired,
        since=c.on,
        expired=expired,
        expires=c.expires,
        method=c.method,
        partner=c.partner if scope == ConsentScope.SHARE_WITH_PARTNER else "",
        record_id=record_id,
    )


def consent_summary(conn: Connection, mentee_id: str, on: date | None = None) -> list[ConsentState]:
    """The state of every scope for one mentee, one line each (partners one each)."""
    states = [
        consent_in_force(conn, mentee_id, s, on)
        for s in (ConsentScope.MENTORING_RECORDS, ConsentScope.SHARE_WITH_ORGANISATION)
    ]
    states.append(consent_in_force(conn, mentee_id, ConsentScope.JUSTICE_DATA_LAB, on))
    partners: list[str] = []
    for s in store.list_records(conn, "consent", mentee_id=mentee_id, newest_first=False):
        if s.record.scope == ConsentScope.SHARE_WITH_PARTNER and not any(
            _same_partner(s.record.partner, p) for p in partners
        ):
            partners.append(s.record.partner)
    states += [consent_in_force(conn, mentee_id, ConsentScope.SHARE_WITH_PARTNER, on, p) for p in partners]
    if not partners:
        states.append(ConsentState(scope=ConsentScope.SHARE_WITH_PARTNER, in_force=False))
    return states
