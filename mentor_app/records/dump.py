"""A profile's own records as JSON, keyed by record type: the base of the data-portability dump.

privacy/portability.py makes the whole dump from this (at a supervisor it adds what mentors
shared) and documents its shape; the format and its version are kept here, below both.
"""

from __future__ import annotations

import base64
from typing import Any

from .. import __version__, clock
from ..storage.profile import Profile
from . import attachments, own_fields, store
from .types import RECORD_TYPES, to_data

DUMP_FORMAT = "mentor-app-dump"
# 2: a supervisor's dump carries what mentors shared ("supervisor"); both roles say what is left out.
# 3: the attachments (photos, scanned forms, PDFs), each with its bytes in base64.
DUMP_VERSION = 3


def dump(profile: Profile) -> dict[str, Any]:
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORD_TYPES}
    people = []
    for s in store.list_records(profile.conn, newest_first=False):
        if s.type == "mentee":
            people.append(s.id)
        records[s.type].append(
            {
                "id": s.id,
                "mentee_id": s.mentee_id,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
                "author": s.author,
                "version": s.version,
                "fields": to_data(s.record),
            }
        )
    return {
        "format": DUMP_FORMAT,
        "format_version": DUMP_VERSION,
        "app_version": __version__,
        "exported_at": clock.stamp(),
        "profile": {"id": profile.meta.profile_id, "role": profile.role, "name": profile.display_name},
        "records": records,
        "attachments": [
            _attachment(profile, a) for mentee_id in people for a in attachments.list_for(profile.conn, mentee_id)
        ],
        # What the keys in each record's "own" answers mean: the organisation's questions, retired ones too.
        "own_questions": own_fields.to_published(own_fields.load(profile.conn)),
    }


def _attachment(profile: Profile, a: attachments.Attachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "record_id": a.record_id,
        "mentee_id": a.mentee_id,
        "kind": a.kind,
        "name": a.name,
        "size": a.size,
        "sha256": a.sha256,
        "added_at": a.added_at,
        "added_by": a.added_by,
        "data_base64": base64.b64encode(attachments.content(profile.conn, a.id)).decode("ascii"),
    }
