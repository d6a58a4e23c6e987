"""The default directory of national UK services shipped in resources/directory/.

Loaded into every profile as "check before use" entries. When a newer app ships
a changed file, the shipped entries are replaced; entries a person added or
edited (which then count as their own) are never touched.
"""

from __future__ import annotations

import hashlib

from ..resources import resource_path
from ..setting_keys import DEFAULT_DIRECTORY_SHA256 as SETTING

DEFAULT_FILE = ("directory", "national-uk.csv")


def ensure_default_directory(profile) -> int:
    """Bring the shipped entries up to date; returns how many were (re)loaded, 0 if already current."""
    path = resource_path(*DEFAULT_FILE)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if profile.get_setting(SETTING) == digest:
        return 0
    # imported here: keeps start-up fast (only a new version of the app brings a changed file)
    from ..records import store
    from ..records.vocab import ContactOrigin
    from .csv_io import read_csv

    plan = read_csv(path)
    if plan.problems:
        raise RuntimeError("the shipped directory has invalid rows")  # caught by tests, never by users
    conn = profile.conn
    with store.transaction(conn):
        for s in store.list_records(conn, "contact"):
            if s.record.origin == ContactOrigin.DEFAULT:
                store.delete_in(conn, s.id, author=profile.author)
        for _, contact in plan.good:
            contact.origin = ContactOrigin.DEFAULT
            store.save_in(conn, contact, author=profile.author)
        conn.execute(
            "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (SETTING, digest),
        )
    return len(plan.good)
