"""A profile's own records as JSON, keyed by record type: the base of the data-portability dump.

privacy/portability.py makes the whole dump from this (at a supervisor it adds what mentors
shared) and documents its shape; the format and its version are kept here, below both.
"""

from __future__ import annotations

from typing import Any

from .. import __version__, clock
from ..storage.profile import Profile
from . import own_fields, store
from .types import RECORD_TYPES, to_data

DUMP_FORMAT = "mentor-app-dump"
# 2: a supervisor's dump carries what mentors shared ("supervisor"); both roles say what is left out.
DUMP_VERSION = 2


def dump(profile: Profile) -> dict[str, Any]:
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORD_TYPES}
    for s in store.list_records(profile.conn, newest_first=False):
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
        # What the keys in each record's "own" answers mean: the organisation's questions, retired ones too.
        "own_questions": own_fields.to_published(own_fields.load(profile.conn)),
    }
