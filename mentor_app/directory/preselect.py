"""Which contacts a mentee's sheet starts with: their open referrals, then services for their biggest needs."""

from __future__ import annotations

from ..records import store, vocab
from .contacts import list_contacts

NEED_SCORE_AT_MOST = 2


def preselect(conn, mentee_id: str, per_category: int = 2) -> list[tuple[str, str]]:
    """(contact id, category to list it under), open referrals first, local services before national."""
    chosen: dict[str, str] = {}
    for r in store.list_records(conn, "referral", mentee_id=mentee_id):
        if r.record.outcome in vocab.OPEN_REFERRAL_OUTCOMES and store.get(conn, r.record.contact_id):
            chosen.setdefault(r.record.contact_id, r.record.category)
    checks = store.list_records(conn, "needs_check", mentee_id=mentee_id)
    if checks:
        scores = checks[0].record.scores
        needs = sorted((int(s), area) for area, s in scores.items() if int(s) <= NEED_SCORE_AT_MOST)
        for _, area in needs:
            for category in vocab.NEED_TO_DIRECTORY.get(area, ()):
                found = sorted(
                    list_contacts(conn, category=category), key=lambda s: s.record.scope != vocab.ContactScope.LOCAL
                )
                for s in [s for s in found if s.id not in chosen][:per_category]:
                    chosen[s.id] = category
    return list(chosen.items())
