"""Retention periods: how long each kind of record is kept after a case closes, and who sets them.

The one home of these rules: the settings that hold them, the organisation's published policy and how a
mentor takes it. Finding what is due and deleting it is privacy/retention.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import BadInput
from ..setting_keys import RETENTION_AUTOMATIC as AUTOMATIC
from ..setting_keys import RETENTION_CONFIRMED as CONFIRMED
from ..setting_keys import RETENTION_OFFERED as OFFERED
from ..setting_keys import RETENTION_YEARS_PREFIX as KEY
from ..storage.profile import Profile
from .types import MENTEE_RECORD_TYPES, RECORD_TYPES

# Years after a case closes (the mentor's own log: after its date): each type's `keep_years` in
# records/types.py, for the types that have one, listed as the retention screen shows them (the person,
# their records, then the mentor's log). Safeguarding records are kept longer, and an organisation can't
# ask for fewer years than their `keep_at_least`: a concern may need to be looked at again years later.
DEFAULT_YEARS = {
    t: years
    for t in dict.fromkeys(("mentee", *MENTEE_RECORD_TYPES, *RECORD_TYPES))
    if (years := RECORD_TYPES[t].keep_years) is not None
}
SAFEGUARDING = {t: floor for t in DEFAULT_YEARS if (floor := int(getattr(RECORD_TYPES[t], "keep_at_least", 1))) > 1}
MAX_YEARS = 100


@dataclass
class Policy:
    years: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_YEARS))
    automatic: bool = False


def load_policy(profile: Profile) -> Policy:
    years = dict(DEFAULT_YEARS)
    for rtype in years:
        raw = profile.get_setting(KEY + rtype)
        if raw is not None and raw.isdigit():
            years[rtype] = int(raw)
    return Policy(years, _automatic(profile))


def _automatic(profile: Profile) -> bool:
    # Before publications were checked, one could switch automatic deletion on for a mentor by itself, so a
    # mentor's "on" counts only once they have said yes. A supervisor's policy is only ever their own.
    if profile.get_setting(AUTOMATIC) != "1":
        return False
    return profile.role == "supervisor" or profile.get_setting(CONFIRMED) == "1"


def save_policy(profile: Profile, policy: Policy) -> None:
    """The profile user's own choice: switching automatic deletion on here is their confirmation."""
    for rtype, years in policy.years.items():
        if rtype not in DEFAULT_YEARS:
            raise BadInput(f"Retention: there is no record type called {rtype}.")
        if not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
            label = RECORD_TYPES[rtype].label if rtype in RECORD_TYPES else rtype
            raise BadInput(f"Retention for {label}: choose between 1 and {MAX_YEARS} years.")
    values = settings_values(policy)
    if policy.automatic:
        values[CONFIRMED] = "1"
    elif _automatic(profile):
        values[CONFIRMED] = "0"  # they switched it off themselves: a publication must not switch it back on
    profile.set_settings(values)


def automatic_waiting(profile: Profile) -> bool:
    """Automatic deletion is asked for (by the organisation, or set before confirming existed) but not yet
    said yes to."""
    asked = profile.get_setting(OFFERED) == "1" or profile.get_setting(AUTOMATIC) == "1"
    return asked and not _automatic(profile)


def confirm_automatic(profile: Profile) -> None:
    """The mentor says yes to automatic deletion: what is due is deleted at each unlock from now on."""
    profile.set_settings({AUTOMATIC: "1", CONFIRMED: "1"})


def settings_values(policy: Policy) -> dict[str, str]:
    values = {KEY + t: str(y) for t, y in policy.years.items()}
    values[AUTOMATIC] = "1" if policy.automatic else "0"
    return values


def to_published(policy: Policy) -> dict[str, Any]:
    """The organisation's policy as it travels to mentors inside the signed directory publication."""
    return {"years": dict(policy.years), "automatic": policy.automatic}


def from_published(raw: object) -> Policy | None:
    """A published policy, checked; unknown types and out-of-range years are left at their defaults.

    `automatic` here is only the organisation's wish: published_values decides what a mentor gets.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict):
        return None
    years = dict(DEFAULT_YEARS)
    for rtype, value in raw["years"].items():
        if rtype in years and isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_YEARS:
            # Raised rather than ignored: the organisation asked for less, and the floor is the nearest safe
            # answer. A concern may be needed years later (an inquiry, a new referral), whatever the file says.
            years[rtype] = max(value, SAFEGUARDING.get(rtype, 1))
    return Policy(years, raw.get("automatic") is True)


def published_values(profile: Profile, policy: Policy) -> dict[str, str]:
    """The settings a mentor takes from the organisation's published policy.

    A publication can switch automatic deletion off (that only keeps records longer) but on only for a
    mentor who has already said yes once; otherwise the wish waits for them (automatic_waiting).
    """
    values = {KEY + t: str(y) for t, y in policy.years.items()}
    values[OFFERED] = "1" if policy.automatic else "0"
    values[AUTOMATIC] = "1" if policy.automatic and profile.get_setting(CONFIRMED) == "1" else "0"
    return values
