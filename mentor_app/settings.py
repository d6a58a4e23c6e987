"""The profile's own settings, kept inside the encrypted database."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import BadInput
from .i18n import N_
from .setting_keys import SETTINGS_PREFIX

if TYPE_CHECKING:
    from .storage.profile import Profile

# Well-known national numbers; an organisation adds its own lead and local lines.
# Each line is in the catalogues: a sheet in another language prints the lines it has words for in it.
DEFAULT_EMERGENCY_NUMBERS = "\n".join(
    (
        N_("Emergency services: 999"),
        N_("Samaritans (free, any time): 116 123"),
        N_("National Domestic Abuse Helpline (free, any time): 0808 2000 247"),
    )
)


@dataclass
class Settings:
    organisation: str = ""
    safeguarding_lead: str = ""
    safeguarding_lead_phone: str = ""
    emergency_numbers: str = DEFAULT_EMERGENCY_NUMBERS
    idle_lock_minutes: int = 5
    larger_text: bool = False
    ask_before_sharing: bool = False
    stale_after_months: int = 12
    # Anything shared and not received by the supervisor after this many days is shown as a warning.
    warn_unreceived_days: int = 3

    def safeguarding_words(self) -> str:
        lead = self.safeguarding_lead or "your organisation's safeguarding lead (not set yet: add them in Settings)"
        phone = f" on {self.safeguarding_lead_phone}" if self.safeguarding_lead_phone else ""
        return (
            f"If anyone is in immediate danger, call 999 now.\n\n"
            f"Then tell {lead}{phone} today.\n\n{self.emergency_numbers}"
        )


def load_settings(profile: Profile) -> Settings:
    values: dict[str, Any] = {}  # each field's own type
    for fld in dataclasses.fields(Settings):
        raw = profile.get_setting(SETTINGS_PREFIX + fld.name)
        if raw is None:
            continue
        if fld.type in ("int", int):
            values[fld.name] = int(raw)
        elif fld.type in ("bool", bool):
            values[fld.name] = raw == "1"
        else:
            values[fld.name] = raw
    return Settings(**values)


def save_settings(profile: Profile, settings: Settings) -> None:
    if not 1 <= int(settings.idle_lock_minutes) <= 240:
        raise BadInput("Lock after: choose between 1 and 240 minutes.")
    if not 1 <= int(settings.stale_after_months) <= 120:
        raise BadInput("Directory entries out of date after: choose between 1 and 120 months.")
    if not 1 <= int(settings.warn_unreceived_days) <= 60:
        raise BadInput("Warn when not received after: choose between 1 and 60 days.")
    values = {}
    for fld in dataclasses.fields(Settings):
        value = getattr(settings, fld.name)
        values[SETTINGS_PREFIX + fld.name] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    profile.set_settings(values)
