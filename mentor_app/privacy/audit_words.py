"""The audit trail's entries in words a person understands, for the window and subject access copies alike.

The kind of record and whom or what day it was about, the mentor's laptop by name, never an id:
the ids stay in the trail itself, and in its exports.
"""

from __future__ import annotations

import json
import re

from ..exchange import mentors as register
from ..i18n import ENGLISH, words_in
from ..records import attachments, store, vocab
from ..records.dates import local_time, shown_date
from ..records.types import RECORD_TYPES
from ..storage import audit
from ..words import count

FINGERPRINT = re.compile(r"\bdevice ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})\b")
RECORD_ID = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b")
BASIS_WORDS = {"consent": "in full, as they agreed", "counts": "as counts only", "safeguarding": "as safeguarding"}


class AuditWords:
    """The trail's entries in words a person understands: the kind of record and whom or what day it was about,
    the mentor's laptop by name, never an id. The ids stay in the trail itself, and in its export."""

    def __init__(self, conn, role: str, language: str = ENGLISH):
        self.conn, self.supervisor = conn, role == "supervisor"
        # The columns a subject access copy prints (when, what, record) are in its reader's language.
        self.language, self.w = language, words_in(language)
        self.names = {s.id: s.record.name for s in store.list_records(conn, "mentee")}
        self.held: set[str] = set(self.names)
        if self.supervisor:
            for rtype, mid, fields in conn.execute(
                "SELECT type, mentee_id, fields FROM shared_records WHERE mentee_id IS NOT NULL "
                "AND type IN ('mentee', 'concern') AND current = 1 AND deleted = 0"
            ):
                self.held.add(mid)
                name = json.loads(fields).get("name" if rtype == "mentee" else "mentee_name")
                if name and (rtype == "mentee" or mid not in self.names):
                    self.names[mid] = name
            self.held |= {
                mid
                for (mid,) in conn.execute(
                    "SELECT DISTINCT mentee_id FROM shared_records WHERE mentee_id IS NOT NULL AND deleted = 0"
                )
            }
        self.laptops = {d.fingerprint: d.mentor_name for d in register.list_devices(conn)}

    # -- the columns ------------------------------------------------------------
    def when(self, e: audit.Entry) -> str:
        return local_time(e.at, self.language)

    def what(self, e: audit.Entry) -> str:
        return self.w(e.words) if e.action in audit.ACTIONS else e.words

    def about(self, e: audit.Entry) -> str:
        if not e.mentee_id:
            return ""
        if e.mentee_id in self.names:
            return self.names[e.mentee_id]
        if e.mentee_id in self.held:
            return "someone shared as counts only"
        return "someone no longer in these records"

    def record(self, e: audit.Entry) -> str:
        rtype, rid, w = e.record_type, e.record_id, self.w
        if rtype == "batch":
            return self._batch(e)
        if rtype == "attachment":
            return self._attachment(e)
        if e.action == "export" and rid:
            number = rid.split("-", 1)[0]
            return (
                w("Batch {number} to your supervisor", number=int(number))
                if number.isdigit()
                else w("A batch to your supervisor")
            )
        if not rid:
            return ""
        if rtype == "mentee" or rid == e.mentee_id:
            return "" if e.action == "view" else w(attachments.THEIR_DETAILS)
        if rtype == "supervisor_note":
            found = self._find(rid)
            if found is None:
                return w("Your note on a concern no longer here")
            what = found[0][0].lower() + found[0][1:]
            if found[1]:
                return w("Your note on the {what} of {name}", what=what, name=found[1])
            return w("Your note on the {what}", what=what)
        if rtype in RECORD_TYPES:
            kind = w(RECORD_TYPES[rtype].label)
        else:
            kind = rtype.replace("_", " ").capitalize()
        if rtype == "mentor_log":
            kind = w("Your own log entry")
        found = self._find(rid)
        if found is None:
            return w("{what}, no longer here", what=kind or w("A record"))
        _, day, deleted = found
        if deleted and e.mentee_id and e.mentee_id not in self.held:
            return w("{what}, no longer here", what=kind)  # erased with its person: not even its day is told
        if not day:
            words = kind
        elif rtype == "contact":
            words = f"{kind}: {day}"  # the organisation's name
        elif rtype == "action":
            words = w("{what} due {day}", what=kind, day=day)
        else:
            words = w("{what} of {day}", what=kind, day=day)
        return w("{what}, since deleted", what=words) if deleted else words

    def detail(self, e: audit.Entry) -> str:
        if e.record_type == "attachment":
            return ""  # its kind, already in the record's words
        text = FINGERPRINT.sub(lambda m: self._laptop(m[1]), e.detail)
        if e.action == "import":
            found = re.match(r"(\d+) records \((\d+) refused\)", text)
            if found:
                refused = int(found[2])
                return count(int(found[1]), "record") + (f", {refused} refused" if refused else "")
        if e.action == "export":
            text = re.sub(
                r"(\d+) by (\w+)", lambda m: f"{count(int(m[1]), 'record')} {BASIS_WORDS.get(m[2], 'by ' + m[2])}", text
            )
        return RECORD_ID.sub("a record", text)

    # -- looking things up --------------------------------------------------------
    def _laptop(self, fp: str) -> str:
        name, w = self.laptops.get(fp, ""), self.w
        if name and not name.endswith(")"):
            return w("{name}'s laptop", name=name)
        return w("the laptop of {name}", name=name) if name else w("a mentor's laptop")

    def _batch(self, e: audit.Entry) -> str:
        found = re.search(r"batch (\d+) from device (\S+)", e.detail)
        if e.action == "accept_gap" and ":" in e.record_id:
            fp, number = e.record_id.rsplit(":", 1)
            return self.w("Batch {number} from {laptop}", number=number, laptop=self._laptop(fp))
        if found:
            return self.w("Batch {number} from {laptop}", number=found[1], laptop=self._laptop(found[2]))
        return self.w("A batch from a mentor's laptop")

    def _attachment(self, e: audit.Entry) -> str:
        """Its kind and what it belongs to, never its name: "PDF document attached to their consent of 1 Jan 2026"."""
        w = self.w
        kind = w(vocab.ATTACHMENT_KINDS[e.detail]) if e.detail in vocab.ATTACHMENT_KINDS else w("An attachment")
        found = attachments.get(self.conn, e.record_id)
        if found is None:
            return w("{what}, no longer here", what=kind)
        if found.record_type == "mentee":
            return w("{what} attached to their details", what=kind)
        consent = store.get(self.conn, found.record_id)
        day = shown_date(consent.sort_at, self.language) if consent is not None else ""
        if day:
            return w("{what} attached to their consent of {day}", what=kind, day=day)
        return w("{what} attached to their consent", what=kind)

    def _find(self, rid: str) -> tuple[str, str, bool] | None:
        """(what it is, its day in words or a directory entry's name, deleted) of a record held here, or None."""
        stored = store.get(self.conn, rid, include_deleted=True)
        if stored is not None:
            label = self.w(RECORD_TYPES[stored.type].label) if stored.type in RECORD_TYPES else stored.type
            day = stored.sort_at if stored.type == "contact" else shown_date(stored.sort_at, self.language)
            return label, day, stored.deleted
        if not self.supervisor:
            return None
        row = self.conn.execute(
            "SELECT type, fields, deleted FROM shared_records WHERE id = ? ORDER BY current DESC, version DESC LIMIT 1",
            (rid,),
        ).fetchone()
        if row is None:
            return None
        rtype, fields, deleted = row
        values = json.loads(fields)
        sort_field = RECORD_TYPES[rtype].sort_field if rtype in RECORD_TYPES else None
        when = (values.get(sort_field) or "") if sort_field else ""  # counts carry no day, only a month and week
        day = values.get("organisation", "") if rtype == "contact" else shown_date(str(when), self.language)
        label = self.w(RECORD_TYPES[rtype].label) if rtype in RECORD_TYPES else rtype.replace("_", " ")
        return label, day, bool(deleted)
