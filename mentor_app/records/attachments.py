"""Attachments: a photo or a PDF kept with a person or with one of their consent records (a signed consent
form, a licence condition, a copy of ID).

A file's bytes and its original name are record content. They are kept only inside the encrypted
database (the `attachments` table, migration 12), never in a file beside it or a temporary file, and
never in a log, an error or the audit trail (which has the attachment's id and its kind). What a file
is comes from its first bytes, never from its name. Limits are checked before a file is read (its
size as the folder reports it, then at most one byte more than the limit is read):

- one file: at most MAX_FILE_BYTES (10 MB);
- one person, all their attachments together: at most MAX_PERSON_BYTES (25 MB);
- the whole profile: at most MAX_PROFILE_BYTES (200 MB), so that every backup stays a sane size.

An attachment goes with its record: deleting, erasing or retention of the record removes it (a trigger
of migration 12 does it whichever way the record goes). Attachments never go to the supervisor in a
batch: the exchange sends records only, and consent to share records says nothing about scanned papers.
"""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from .. import clock
from ..errors import BadInput
from ..i18n import ENGLISH, N_, words_in
from ..storage import audit
from ..storage.db import Connection, transaction
from ..storage.files import TooLarge, read_limited, write_new
from ..words import file_size
from . import store, vocab
from .dates import shown_date
from .types import Consent

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
MAX_PERSON_BYTES = 25 * MB
MAX_PROFILE_BYTES = 200 * MB
MAX_NAME = 255  # the longest file name the usual file systems allow
# What an attachment may belong to: the person themselves, or one of their consent records.
ATTACHABLE = ("mentee", "consent")
NOTHING = "Nothing was attached."
THEIR_DETAILS = N_("Their details")  # the person's own record, as what a file is attached to

Kind = vocab.AttachmentKind
IMAGES = (Kind.JPEG, Kind.PNG)
SUFFIXES: dict[str, str] = {Kind.JPEG: ".jpg", Kind.PNG: ".png", Kind.PDF: ".pdf"}


@dataclass(frozen=True)
class Attachment:
    """One attached file as listed: everything but its bytes."""

    id: str
    record_id: str
    record_type: str
    mentee_id: str
    kind: str
    name: str
    size: int
    sha256: str
    added_at: str
    added_by: str

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGES

    @property
    def what(self) -> str:
        """Its kind and size in words: "PDF document, 230 KB"."""
        return f"{vocab.ATTACHMENT_KINDS.get(self.kind, self.kind)}, {file_size(self.size)}"

    @property
    def suffix(self) -> str:
        return SUFFIXES.get(self.kind, "")


def kind_of(data: bytes) -> Kind | None:
    """What a file is by its first bytes (its signature), or None for anything but a JPEG, a PNG or a PDF."""
    if data[:3] == b"\xff\xd8\xff":
        return Kind.JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return Kind.PNG
    if data[:5] == b"%PDF-":
        return Kind.PDF
    return None


def clean_name(name: str) -> str:
    """A file name fit to keep and show: printable characters only, at most MAX_NAME, its ending kept."""
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if len(name) > MAX_NAME:
        stem, dot, ending = name.rpartition(".")
        ending = dot + ending if dot and len(ending) <= 10 else ""
        name = (stem if ending else name)[: MAX_NAME - len(ending)].rstrip() + ending
    return name or "attachment"


def _name_of(path: Path) -> str:
    # A name in another code page is kept readable: undecodable bytes are written out, never dropped.
    return clean_name(os.fsencode(path.name).decode("utf-8", "backslashreplace"))


def read_chosen(path: Path) -> bytes:
    """The bytes of a file a person chose, after checking it is a file of its own (not a link) and small enough."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except OSError:
        raise BadInput(f"That file can't be found or opened. {NOTHING}") from None
    if stat.S_ISLNK(info.st_mode):
        raise BadInput(f"That is a shortcut (a link) to a file, not the file itself: choose the file. {NOTHING}")
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"That isn't a file that can be attached. {NOTHING}")
    if info.st_size > MAX_FILE_BYTES:
        raise BadInput(
            f"That file is {file_size(info.st_size)}: an attachment can be at most {file_size(MAX_FILE_BYTES)}. "
            f"Scan it at a lower resolution, or as a PDF. {NOTHING}"
        )
    try:
        return read_limited(path, MAX_FILE_BYTES)  # no link followed, at most the limit and one byte read
    except TooLarge:
        raise BadInput(f"That file grew past {file_size(MAX_FILE_BYTES)} while it was being read. {NOTHING}") from None
    except OSError:
        raise BadInput(f"That file can't be read (it may have moved, or be a link). {NOTHING}") from None


_COLUMNS = (
    "a.id, a.record_id, r.type, coalesce(r.mentee_id, r.id), a.kind, a.name, a.size, a.sha256, a.added_at, a.added_by"
)
_FROM = "attachments a JOIN records r ON r.id = a.record_id"


def _person_of(conn: Connection, record_id: str) -> tuple[str, str]:
    """(the record's type, whom it is about) of a live record an attachment may belong to, or BadInput."""
    stored = store.get(conn, record_id)
    if stored is None:
        raise BadInput(f"That record no longer exists. {NOTHING}")
    if stored.type not in ATTACHABLE:
        raise BadInput(f"Files can be attached to a person or to their consent only. {NOTHING}")
    return stored.type, stored.mentee_id or stored.id


def person_bytes(conn: Connection, mentee_id: str) -> int:
    """The size of all of one person's attachments together."""
    row = conn.execute(
        f"SELECT coalesce(sum(a.size), 0) FROM {_FROM} WHERE r.id = ? OR r.mentee_id = ?", (mentee_id, mentee_id)
    ).fetchone()
    return int(row[0])


def add_in(
    conn: Connection,
    record_id: str,
    name: str,
    data: bytes,
    *,
    author: str,
    attachment_id: str | None = None,
    added_at: str | None = None,
    action: str = "attachment_add",
) -> str:
    """Keep `data` with a person or their consent record, inside the caller's transaction; returns its id.

    `attachment_id` and `added_at` keep an attachment's own when it moves between laptops (a hand-over,
    whose `action` the trail records).
    """
    _, mentee_id = _person_of(conn, record_id)
    if attachment_id and conn.execute("SELECT 1 FROM attachments WHERE id = ?", (attachment_id,)).fetchone():
        raise BadInput(f"That attachment is already in this profile. {NOTHING}")
    kind = kind_of(data)
    if kind is None:
        raise BadInput(
            "Only photos and scans (JPEG or PNG pictures) and PDF documents can be attached; that file is "
            f"neither, whatever its name says. {NOTHING}"
        )
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(
            f"That file is {file_size(len(data))}: an attachment can be at most {file_size(MAX_FILE_BYTES)}. {NOTHING}"
        )
    held = person_bytes(conn, mentee_id)
    if held + len(data) > MAX_PERSON_BYTES:
        raise BadInput(
            f"This person's attachments would come to {file_size(held + len(data))}, more than the "
            f"{file_size(MAX_PERSON_BYTES)} one person's may. Remove one they no longer need first. {NOTHING}"
        )
    everyone = int(conn.execute("SELECT coalesce(sum(size), 0) FROM attachments").fetchone()[0])
    if everyone + len(data) > MAX_PROFILE_BYTES:
        raise BadInput(
            f"The attachments in this profile would come to more than {file_size(MAX_PROFILE_BYTES)}, the "
            f"most one profile keeps (every backup holds them too). Remove some no longer needed. {NOTHING}"
        )
    digest = hashlib.sha256(data).hexdigest()
    if conn.execute("SELECT 1 FROM attachments WHERE record_id = ? AND sha256 = ?", (record_id, digest)).fetchone():
        raise BadInput(f"That file is already attached there. {NOTHING}")
    attachment_id = attachment_id or str(uuid.uuid4())
    conn.execute(
        "INSERT INTO attachments(id, record_id, kind, name, size, sha256, added_at, added_by, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            attachment_id,
            record_id,
            str(kind),
            clean_name(name),
            len(data),
            digest,
            added_at or clock.stamp(),
            author,
            data,
        ),
    )
    _audit(conn, action, author, attachment_id, mentee_id, kind)
    return attachment_id


def attach(conn: Connection, record_id: str, path: Path, *, author: str) -> str:
    """Attach the file at `path` (chosen by the person) to a person or their consent record; returns its id."""
    data = read_chosen(path)
    with transaction(conn):
        return add_in(conn, record_id, _name_of(Path(path)), data, author=author)


def _audit(conn: Connection, action: str, author: str, attachment_id: str, mentee_id: str, kind: str) -> None:
    # The kind (jpeg, png, pdf) says what it was once it is gone; the name is content and stays out.
    audit.record(
        conn,
        action,
        actor=author,
        record_type="attachment",
        record_id=attachment_id,
        mentee_id=mentee_id,
        detail=str(kind),
    )


def _from_row(row: tuple[str, str, str, str, str, str, int, str, str, str]) -> Attachment:
    return Attachment(*row)


def list_for(conn: Connection, mentee_id: str) -> list[Attachment]:
    """One person's attachments, to them and to their consent records, in the order they were attached."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE (r.id = ? OR r.mentee_id = ?) AND r.deleted = 0 "
        "ORDER BY a.added_at, a.rowid",
        (mentee_id, mentee_id),
    )
    return [_from_row(r) for r in rows]


def get(conn: Connection, attachment_id: str) -> Attachment | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.id = ?", (attachment_id,)).fetchone()
    return _from_row(row) if row is not None else None


def _found(conn: Connection, attachment_id: str) -> Attachment:
    found = get(conn, attachment_id)
    if found is None:
        raise BadInput("That attachment is no longer here; it may have been removed with its record.")
    return found


def content(conn: Connection, attachment_id: str) -> bytes:
    """The file's bytes, for a copy the profile's own work makes (subject access, the dump, a hand-over)."""
    row = conn.execute("SELECT data FROM attachments WHERE id = ?", (attachment_id,)).fetchone()
    if row is None:
        raise BadInput("That attachment is no longer here; it may have been removed with its record.")
    return bytes(row[0])


def view(conn: Connection, attachment_id: str, *, author: str) -> tuple[Attachment, bytes]:
    """The attachment and its bytes, to be shown on screen; the looking is in the audit trail."""
    found = _found(conn, attachment_id)
    data = content(conn, attachment_id)
    _audit(conn, "attachment_view", author, found.id, found.mentee_id, found.kind)
    return found, data


def save_copy(conn: Connection, attachment_id: str, target: Path, *, author: str) -> Path:
    """Write a copy, NOT encrypted, to a brand-new file the person chose (never through a link)."""
    found = _found(conn, attachment_id)
    write_new(Path(target), content(conn, attachment_id))
    _audit(conn, "attachment_copy", author, found.id, found.mentee_id, found.kind)
    return Path(target)


def remove(conn: Connection, attachment_id: str, *, author: str) -> None:
    """Remove an attachment; its bytes are overwritten in the database (secure_delete), not only unlinked."""
    with transaction(conn):
        found = _found(conn, attachment_id)
        conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
        _audit(conn, "attachment_remove", author, found.id, found.mentee_id, found.kind)


def belongs_to(conn: Connection, attachment: Attachment, language: str = ENGLISH) -> str:
    """What it is attached to, in words: "their details", or the consent record by its kind and day."""
    w = words_in(language)
    if attachment.record_type == "mentee":
        return w(THEIR_DETAILS)
    stored = store.get(conn, attachment.record_id)
    if stored is None:
        return w("A record no longer here")
    title = stored.record.title(language) if isinstance(stored.record, Consent) else stored.title
    return f"{title}, {shown_date(stored.sort_at, language)}" if stored.sort_at else title


def targets(conn: Connection, mentee_id: str) -> list[tuple[str, str]]:
    """What a file may be attached to for one person: (record id, in words), the person first."""
    consents = store.list_records(conn, "consent", mentee_id=mentee_id)
    return [(mentee_id, THEIR_DETAILS)] + [
        (s.id, f"{s.title}, {shown_date(s.sort_at)}" if s.sort_at else s.title) for s in consents
    ]
