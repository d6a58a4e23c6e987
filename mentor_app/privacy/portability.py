"""The organisation's data out: everything a profile holds, as one JSON file that needs no app to read.

`mentor-app dump` writes it, NOT encrypted. Format "mentor-app-dump", version 3 (version 1 had
only `profile` and `records`, version 2 no `attachments`; a mentor's dump is otherwise the same).
Dates and times are ISO 8601 as stored, ids are the app's own, and `fields` are each record's
fields as the app keeps them.

    format, format_version, app_version, exported_at
    profile            {id, role, name}
    records            this profile's own records, keyed by record type (all types, empty or not):
                       at a mentor the caseload, at a supervisor what it keeps itself (the signposting
                       directory). Each {id, mentee_id, created_at, updated_at, author, version, fields}.
    attachments        the photos, scanned forms and PDFs kept with a person or their consent record:
                       {id, record_id (the person's or the consent record's id), mentee_id, kind (jpeg, png,
                       pdf: what the file's own bytes say it is), name (the file's name when attached),
                       size, sha256 (of the bytes), added_at, added_by, data_base64 (the file itself)};
                       empty at a supervisor, which is never sent any
    not_included       a sentence: what the profile keeps that the dump leaves out, and where it is
    supervisor         only in a supervisor profile: what mentors shared and what was done with it
      people             everyone held by name: {mentee_id, name, status, mentor, device,
                         records: {type: how many, their own record left out}, shared_as: [basis],
                         erasure_asked}. The same people `mentor-app mentees` lists.
      shared_records     every version of every record mentors shared: {id, type, version, base_version,
                         basis, mentee_id, pseudonym, fields, updated_at, deleted, current, conflict,
                         content_sha256, mentor, device, batch}: `mentor` and `device` (its fingerprint)
                         sent it, in that device's batch number `batch`; `current` is false for an
                         earlier version; `conflict` marks two laptops' changes to the same version,
                         both kept; `deleted` is a deletion the mentor sent (its fields are gone).
                         `basis` says why it is held (BASES below).
      supervisor_notes   the supervisor's own notes, e.g. what was done about a concern:
                         {record_id, record_type, mentee_id, at, note, author}
      devices            the register of mentor devices: {fingerprint, public_key, mentor_name,
                         name_given_by_device, status (pending, approved, revoked), first_seen, decided_at,
                         revoked_from_batch, revoked_after, last_batch, last_received_at,
                         waiting_for_batch, waiting_since}
      batches            every batch imported: {device, sequence, batch_id, sha256, imported_at, records,
                         accepted_as_lost}
      accepted_gaps      batches accepted as lost, and why: {device, sequence, reason, accepted_at}
      set_aside_files    files the import set aside: {file_name, device, sequence, reason, code, first_seen}
      refused_records    single records refused inside good batches: {device, sequence, position, record_id,
                         record_type, reason, code, first_seen}
      withdrawals        people who withdrew consent, by id only (their records are now counts under a new
                         code), kept so an older batch can't bring them back: {mentee_id, device, batch}
      deletion_requests  a mentor's deletion or erasure of a concern, and the supervisor's decision:
                         {record_id, device, kind, requested_at, decided_at, decision, reason}
      holders            which device holds each person, record and code: {holds (person, record,
                         pseudonym), id, device, mentor, since}
      handovers          people handed over between mentors: {part, holds, id, from_device, token_sha256,
                         announced, claimed_by, claimed_at}
"""

from __future__ import annotations

from ..exchange.held import held
from ..records.dump import dump as own_records
from ..words import count

# Why each shared record is held (exchange/policy.py decides, at the mentor's laptop).
BASES = {
    "consent": "the person agreed to share their records with the organisation: in full, by name",
    "safeguarding": "a safeguarding concern, shared whatever the consent (a legal duty), with the person's name",
    "counts": "identity-free counts under a code (pseudonym) that can't be traced to a name: no notes, no name",
    "mentor": "the mentor's own log (hours, training, supervision)",
    "tombstone": "a deletion made by the mentor: the id and type only",
}
NOT_INCLUDED = (
    "Left out: the profile's keys and settings (secrets that open it), the audit trail (write it with "
    "`mentor-app audit -o FILE.csv`), the encrypted copies of batches a mentor's laptop keeps to send "
    "again, and the search index (made from the records above)."
)


def dump(profile) -> dict:
    """Everything the profile holds, as plain data (the shape is in this module's docstring)."""
    data = own_records(profile)
    data["not_included"] = NOT_INCLUDED
    if profile.role == "supervisor":
        data["supervisor"] = dict(held(profile.conn), bases=BASES)
    return data


def summary(data: dict) -> str:
    """What a dump holds, in words: "12 shared records from 2 mentors (about 3 people), …"."""
    own = sum(len(rows) for rows in data["records"].values())
    if "supervisor" not in data:
        return f"{count(own, 'record')} about {count(len(data['records'].get('mentee', [])), 'mentee')}"
    held_here = data["supervisor"]
    shared = [r for r in held_here["shared_records"] if r["current"] and not r["deleted"]]
    earlier = sum(not r["current"] for r in held_here["shared_records"])
    mentors = {r["mentor"] for r in shared}
    kinds = {rtype for rtype, rows in data["records"].items() if rows}
    parts = [
        f"{count(len(shared), 'shared record')}"
        + (f" (and {count(earlier, 'earlier version')})" if earlier else "")
        + f" from {count(len(mentors), 'mentor')}, about {count(len(held_here['people']), 'person', 'people')} "
        "by name",
        count(len(held_here["supervisor_notes"]), "supervisor note"),
        f"the register of {count(len(held_here['devices']), 'mentor device')}",
        f"{count(own, 'record')} of its own" + (" (the signposting directory)" if kinds == {"contact"} else ""),
    ]
    return ", ".join(parts[:-1]) + " and " + parts[-1]
