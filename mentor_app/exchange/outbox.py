"""The mentor's outbox: every sealed batch, kept in the encrypted profile until the supervisor has it.

A batch is sealed into the outbox in the same transaction that moves the
export cursor, so nothing is ever between "changed" and "sealed". From there
each trip puts back on the drive any batch that is not there (deleted by a
sync client, a colleague, a swapped USB stick), until a signed receipt says it
arrived; once the organisation's keeping period has passed after that, the
batch leaves the drive and the profile. Concern-carrying batches go first.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .. import clock
from ..records.dates import shown_date
from ..setting_keys import KEEP_RECEIVED as KEEP_RECEIVED  # the command line sets it through outbox
from ..setting_keys import NOTICE, RECEIPT_AT, RECEIPT_DEVICE, RECEIPT_THROUGH
from ..storage.db import put_settings, transaction
from ..storage.files import fsync_dir, make_shared_readable
from ..words import count
from . import drive

if TYPE_CHECKING:  # the batch format, and with it the ciphers, is imported when a batch is placed
    from ..storage.db import Connection
    from ..storage.profile import Profile
    from .receipts import Receipt

T = TypeVar("T")

KEEP_RECEIVED_DAYS = 30
MAX_KEEP_DAYS = 3650
LOCK_RETRIES = 6


@dataclass(frozen=True)
class Sent:
    """One sealed batch as the outbox remembers it."""

    sequence: int
    name: str
    created_at: str
    records: int
    concerns: list[str]
    placed_at: str | None
    received_at: str | None
    removed: bool
    placed_name: str | None = None

    def on_drive(self, folder: Path) -> bool:
        """Whether the drive still has a file by the name it was written under (a look, not a read)."""
        return bool(self.placed_name and os.path.isfile(Path(folder) / self.placed_name))


@dataclass
class Placed:
    written: list[str]  # file names written (new or again)
    waiting: int  # batches that could not be written this time
    drive_failed: bool = False


def keep_received_days(profile: Profile) -> int:
    """How long a received batch stays on the drive and the laptop: the organisation's choice, or 30 days."""
    raw = profile.get_setting(KEEP_RECEIVED) or ""
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_KEEP_DAYS else KEEP_RECEIVED_DAYS


def published_keep_days(raw: object) -> int | None:
    """The keeping period from a publication, if it is a whole number of days in range; else None."""
    if isinstance(raw, dict):
        days = raw.get("keep_received_days")
        if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_KEEP_DAYS:
            return days
    return None


def add_in(
    conn: Connection, *, sequence: int, batch_id: str, name: str, data: bytes, records: int, concerns: list[str]
) -> None:
    """Keep a sealed batch (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO outbox(sequence, batch_id, name, sha256, size, data, created_at, records, concerns) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sequence,
            batch_id,
            name,
            hashlib.sha256(data).hexdigest(),
            len(data),
            data,
            clock.stamp(),
            records,
            json.dumps(concerns),
        ),
    )


def last_sequence(conn: Connection) -> int:
    sequence: int = conn.execute("SELECT coalesce(max(sequence), 0) FROM outbox").fetchone()[0]
    return sequence


def sent(conn: Connection, only_unreceived: bool = False) -> list[Sent]:
    where = "WHERE received_at IS NULL" if only_unreceived else ""
    return [
        Sent(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], bool(r[7]), r[8])
        for r in conn.execute(
            f"SELECT sequence, name, created_at, records, concerns, placed_at, received_at, removed_at IS NOT NULL, "
            f"placed_name FROM outbox {where} ORDER BY sequence"
        )
    ]


def concern_delivery(conn: Connection) -> dict[str, tuple[str, str]]:
    """For each concern shared: ("received", when the supervisor had it) or ("waiting", when it was sent).

    The newest batch carrying the concern decides: a change to a concern must arrive too.
    """
    status: dict[str, tuple[str, str]] = {}
    for concerns, created, received in conn.execute(
        "SELECT concerns, created_at, received_at FROM outbox WHERE concerns != '[]' ORDER BY sequence"
    ):
        for cid in json.loads(concerns):
            status[cid] = ("received", received) if received else ("waiting", created)
    return status


def _with_retries(action: Callable[[], T]) -> T:
    """Run a file operation, waiting a little when a sync client or antivirus briefly holds the file."""
    for attempt in range(LOCK_RETRIES - 1):
        try:
            return action()
        except PermissionError:
            time.sleep(0.2 * 2**attempt)
    return action()  # the last try: its PermissionError goes to the caller


def place(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` as folder/name without ever overwriting anything, then read it back."""
    final = folder / name
    tmp = folder / f".{name}.{uuid.uuid4().hex}.partial"

    def write() -> None:
        with open(tmp, "xb") as fh:
            make_shared_readable(fh)  # 0644: the supervisor's account reads it (it is encrypted)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    _with_retries(write)
    try:
        try:
            _with_retries(lambda: os.link(tmp, final))
        except FileExistsError:
            raise
        except OSError:
            # Some shares and USB sticks can't hard-link: check, then rename.
            if os.path.lexists(final):
                raise FileExistsError(name) from None
            _with_retries(lambda: os.rename(tmp, final))
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the drive went away: the temporary name is never read as a batch
    fsync_dir(folder)
    if drive.read_limited(final, len(data)) != data:
        raise OSError(errno.EIO, "the batch does not read back as written")
    return final


def _holds(path: Path, size: int, sha: str, mtime: int | None) -> int | None:
    """The file's modification time if `path` is exactly this batch, else None (never follows a link)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if info.st_size != size or not os.path.isfile(path) or os.path.islink(path):
        return None
    if mtime is not None and info.st_mtime_ns == mtime:
        return mtime
    try:
        data = drive.read_limited(path, size)
    except (OSError, drive.TooLarge):
        return None
    return info.st_mtime_ns if hashlib.sha256(data).hexdigest() == sha else None


def _names(name: str) -> Iterator[str]:
    """The batch's own name, then names for a copy when a different file has taken it."""
    from . import batch as batch_format  # imported here: keeps start-up fast (Today reads this module)

    yield name
    stem = name[: -len(batch_format.SUFFIX)]
    for n in range(2, 50):
        yield f"{stem}-again{n}{batch_format.SUFFIX}"


def waited_for(profile: Profile) -> set[int]:
    """The batch the supervisor's last receipt says it is waiting for: its copy on the drive is read again."""
    told = profile.get_json(RECEIPT_DEVICE, {})
    return {told["waiting_for"]} if isinstance(told.get("waiting_for"), int) else set()


def place_waiting(profile: Profile, folder: Path, recheck: Collection[int] = frozenset()) -> Placed:
    """Put on the drive every batch the supervisor has not received and the drive does not hold.

    Concern-carrying batches first; then in order. Never overwrites: when another file has taken a
    batch's name, the batch goes under a second name (the importer tells copies apart by the id inside).
    A file that looks unchanged (same size and time) is trusted without reading, except for the
    batches in `recheck`: one the supervisor still waits for may have been damaged in place.
    """
    conn = profile.conn
    rows = conn.execute(
        "SELECT sequence, name, sha256, size, placed_name, placed_mtime FROM outbox "
        "WHERE received_at IS NULL AND data IS NOT NULL ORDER BY concerns = '[]', sequence"
    ).fetchall()
    result = Placed([], 0)
    for sequence, name, sha, size, placed_name, placed_mtime in rows:
        if result.drive_failed:
            result.waiting += 1
            continue
        if placed_name:
            mtime = _holds(folder / placed_name, size, sha, None if sequence in recheck else placed_mtime)
            if mtime is not None:
                if mtime != placed_mtime:
                    conn.execute("UPDATE outbox SET placed_mtime = ? WHERE sequence = ?", (mtime, sequence))
                continue
        for candidate in _names(name):
            path = folder / candidate
            mtime = _holds(path, size, sha, None)
            if mtime is not None:  # already there (a crash after writing, or a sync client brought it back)
                break
            if os.path.lexists(path):
                continue  # someone else's file has this name: it is left alone
            data = conn.execute("SELECT data FROM outbox WHERE sequence = ?", (sequence,)).fetchone()[0]
            try:
                place(folder, candidate, bytes(data))
            except FileExistsError:
                continue
            except OSError:
                result.drive_failed = True
                result.waiting += 1
                break
            mtime = os.lstat(path).st_mtime_ns
            result.written.append(candidate)
            break
        else:
            result.waiting += 1
            continue
        if mtime is not None:
            conn.execute(
                "UPDATE outbox SET placed_name = ?, placed_mtime = ?, placed_at = coalesce(placed_at, ?) "
                "WHERE sequence = ?",
                (candidate, mtime, clock.stamp(), sequence),
            )
    return result


def apply_receipt(profile: Profile, receipt: Receipt, fingerprint: str) -> str | None:
    """Mark what the supervisor now holds; a notice when their copy went backwards. Old receipts change nothing."""
    conn = profile.conn
    if receipt.issued_at <= (profile.get_setting(RECEIPT_AT) or ""):
        return None
    mine = receipt.devices.get(fingerprint)
    through = mine.through if mine else 0
    lost = set(mine.accepted_gaps) if mine else set()
    before = int(profile.get_setting(RECEIPT_THROUGH, "0") or 0)
    notice = None
    with transaction(conn):
        conn.execute(
            "UPDATE outbox SET received_at = ? WHERE received_at IS NULL AND sequence <= ?",
            (receipt.issued_at, through),
        )
        for sequence in lost:  # accepted as lost at the supervisor, yet still here: it goes again
            conn.execute("UPDATE outbox SET received_at = NULL WHERE sequence = ? AND data IS NOT NULL", (sequence,))
        if through < before:
            # The supervisor went back to an older copy (a restored backup): send again what is still here.
            again = [
                r[0]
                for r in conn.execute(
                    "SELECT sequence FROM outbox WHERE sequence > ? AND data IS NOT NULL ORDER BY sequence", (through,)
                )
            ]
            gone = [
                r[0]
                for r in conn.execute(
                    "SELECT sequence FROM outbox WHERE sequence > ? AND data IS NULL ORDER BY sequence", (through,)
                )
            ]
            conn.execute(
                "UPDATE outbox SET received_at = NULL, placed_mtime = NULL WHERE sequence > ? AND data IS NOT NULL",
                (through,),
            )
            notice = (
                f"Your supervisor's copy went back to batch {through} (an older backup was restored). "
                + (f"{_span(again)} will be sent again. " if again else "")
                + (
                    f"{_span(gone)} had already been removed from this laptop and can't be sent again: please "
                    "tell your supervisor."
                    if gone
                    else ""
                )
            )
        values = {
            RECEIPT_AT: receipt.issued_at,
            RECEIPT_THROUGH: str(through),
            RECEIPT_DEVICE: json.dumps(
                {"set_aside": mine.set_aside, "refused": mine.refused, "waiting_for": mine.waiting_for} if mine else {}
            ),
        }
        if notice:
            values[NOTICE] = notice.strip()
        put_settings(conn, values)
    return notice


def _span(sequences: list[int]) -> str:
    if len(sequences) == 1:
        return f"Batch {sequences[0]}"
    return (
        f"Batches {sequences[0]} to {sequences[-1]}"
        if sequences == list(range(sequences[0], sequences[-1] + 1))
        else "Batches " + ", ".join(map(str, sequences))
    )


def tidy(profile: Profile, folder: Path, keep_days: int, now: datetime | None = None) -> int:
    """Remove batches received more than `keep_days` ago from the drive and from the profile; how many."""
    now = now or clock.now()
    cutoff = (now - timedelta(days=keep_days)).isoformat(timespec="seconds")
    conn = profile.conn
    rows = conn.execute(
        "SELECT sequence, name, placed_name, sha256, size, placed_mtime FROM outbox "
        "WHERE received_at IS NOT NULL AND received_at < ? AND removed_at IS NULL",
        (cutoff,),
    ).fetchall()
    removed = 0
    for sequence, name, placed_name, sha, size, _mtime in rows:
        for candidate in dict.fromkeys([placed_name or name, name]):
            path = folder / candidate
            # Only a file that is exactly this batch is removed: never anything else with its name.
            if _holds(path, size, sha, None) is not None:
                try:
                    path.unlink()
                except OSError:
                    continue
        conn.execute("UPDATE outbox SET data = NULL, removed_at = ? WHERE sequence = ?", (clock.stamp(), sequence))
        removed += 1
    return removed


def waited_longer_than(conn: Connection, days: int, now: datetime | None = None) -> tuple[int, int]:
    """(batches, of them carrying concerns) sent more than `days` ago and not yet received."""
    now = now or clock.now()
    cutoff = (now - timedelta(days=days)).isoformat(timespec="seconds")
    row = conn.execute(
        "SELECT count(*), coalesce(sum(concerns != '[]'), 0) FROM outbox WHERE received_at IS NULL AND created_at < ?",
        (cutoff,),
    ).fetchone()
    return int(row[0]), int(row[1])


def late_warning(conn: Connection, days: int, now: datetime | None = None) -> str | None:
    """A warning for the status bar and Today when something shared has waited too long; concerns first."""
    n, concerns = waited_longer_than(conn, days, now)
    if not n:
        return None
    span = count(days, "day")
    if concerns:
        return (
            f"{count(concerns, 'safeguarding concern batch', 'safeguarding concern batches')} shared more than "
            f"{span} ago {'has' if concerns == 1 else 'have'} not reached your supervisor yet. Tell your "
            "safeguarding lead directly, and check the shared drive."
        )
    return (
        f"{count(n, 'batch', 'batches')} shared more than {span} ago {'has' if n == 1 else 'have'} not reached "
        "your supervisor yet: check the shared drive is connected."
    )


def concern_words(delivery: dict[str, tuple[str, str]], concern_id: str) -> str:
    """Whether one concern has reached the supervisor, in words for the mentee page and Today."""
    state = delivery.get(concern_id)
    if state is None:
        return "not shared yet"
    if state[0] == "received":
        return f"received by your supervisor on {shown_date(state[1])}"
    return f"not yet received (sent {shown_date(state[1])})"
