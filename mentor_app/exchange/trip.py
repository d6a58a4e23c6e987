"""A trip to the shared folder: learn what arrived, take the organisation's news, re-send, share what is new.

Each step is its own function with one job; this module only puts them in order
and says in one sentence what happened. Nothing one file on the drive holds can
stop the trip: each reader judges its own files and reports, never obeys.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..setting_keys import BAD_RECEIPTS, SHARED_FOLDER, STRANGERS
from ..words import count
from . import outbox, publish
from .enrolment import current_enrolment
from .export import (
    DriveUnavailable,
    ExportError,
    _resume_v1,
    device_folder,
    drive_status,
    pending_changes,
    seal_new,
    strangers,
)
from .keys import device_key
from .receipts import newest_receipt
from .rotation import read_key_rotations

if TYPE_CHECKING:
    from ..storage.profile import Profile

log = logging.getLogger(__name__)


@dataclass
class TripResult:
    path: Path | None = None  # the newest batch written this trip
    records: int = 0  # records sealed this trip
    sequence: int | None = None  # the last sequence sealed this trip
    sealed: list[tuple[int, str, int]] = field(default_factory=list)
    written_again: int = 0
    waiting: int = 0  # batches that could not be put on the drive this time
    notice: str | None = None  # a receipt went backwards, and what that means

    def words(self) -> str:
        parts = []
        if self.sealed:
            parts.append(f"Shared {count(self.records, 'record')} in {count(len(self.sealed), 'batch', 'batches')}")
        else:
            parts.append("Nothing new to share")
        if self.written_again:
            parts.append(f"{count(self.written_again, 'missing batch', 'missing batches')} written to the drive again")
        if self.waiting:
            parts.append(f"{count(self.waiting, 'batch', 'batches')} waiting for the drive")
        text = "; ".join(parts) + "."
        return f"{text} {self.notice}" if self.notice else text


def read_receipt(profile: Profile, shared: Path) -> str | None:
    """Take the newest valid receipt; a notice if the supervisor's copy went backwards."""
    enrolment = current_enrolment(profile)
    if enrolment is None:  # not enrolled: no receipt can be trusted (trip() stops before this)
        return None
    skip = set(profile.get_json(BAD_RECEIPTS, []))
    receipt, bad = newest_receipt(shared, enrolment.signing_key, skip)
    if bad:
        profile.set_setting(BAD_RECEIPTS, json.dumps(sorted(skip | set(bad))[-1000:]))
    if receipt is None:
        return None
    return outbox.apply_receipt(profile, receipt, device_key(profile).fingerprint)


def read_publications(profile: Profile, shared: Path) -> None:
    """The organisation's directory and policies travel the other way on the same trip."""
    publish.pick_up(profile, shared)  # a file it can't use is reported on the Sharing screen, never obeyed


def note_strangers(profile: Profile, folder: Path) -> None:
    found = json.dumps(strangers(folder, profile.conn)[:50])
    if found != (profile.get_setting(STRANGERS) or "[]"):
        profile.set_setting(STRANGERS, found)


def trip(
    profile: Profile, to: str | Path | None = None, today: date | None = None, new_records: bool = True
) -> TripResult:
    """One trip to the shared folder (or `to`): the whole of what "share now" means.

    `new_records=False` (a mentor who asks before sharing) still reads receipts and puts back what
    went missing, but seals nothing new.
    """
    enrolment = current_enrolment(profile)
    if enrolment is None:
        raise ExportError("This profile isn't enrolled with a supervising organisation yet.", hint="enrol")
    shared = to or profile.get_setting(SHARED_FOLDER)
    status = drive_status(shared)
    if not status.reachable:
        unsent = [s for s in outbox.sent(profile.conn, only_unreceived=True) if not s.placed_at]
        waiting = count(pending_changes(profile), "change") + (
            f" and {count(len(unsent), 'batch', 'batches')}" if unsent else ""
        )
        raise DriveUnavailable(f"{status.words} {waiting} waiting; they will be shared when it is back.")
    assert shared, "a reachable drive is a named one"
    shared = Path(shared)
    # New organisation keys, signed by the old ones.
    enrolment = read_key_rotations(profile, shared, enrolment) or enrolment
    folder = device_folder(shared, profile)
    folder.mkdir(exist_ok=True)
    result = TripResult()
    _resume_v1(profile, folder)
    result.notice = read_receipt(profile, shared)
    read_publications(profile, shared)
    result.sealed = seal_new(profile, folder, enrolment, today) if new_records else []
    result.records = sum(n for _, _, n in result.sealed)
    placed = outbox.place_waiting(profile, folder, recheck=outbox.waited_for(profile))
    new_names = {name for _, name, _ in result.sealed}
    result.written_again = len([n for n in placed.written if n not in new_names])
    result.waiting = placed.waiting
    if result.sealed:
        result.sequence = result.sealed[-1][0]
        last = result.sealed[-1][1]
        result.path = folder / last if last in placed.written else None
    outbox.tidy(profile, folder, outbox.keep_received_days(profile))
    note_strangers(profile, folder)
    if placed.drive_failed:
        log.info("trip: the drive refused a batch; %d waiting", placed.waiting)
        raise DriveUnavailable(
            f"The shared drive went away or refused a file. Nothing was lost: "
            f"{count(placed.waiting, 'batch', 'batches')} will go on the next trip."
        )
    return result
