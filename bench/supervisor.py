"""Supervisor scale: import 10 mentors x a year of weekly batches, re-import, dashboard load.

Run: .venv/bin/python bench/supervisor.py   (prints a Markdown table; not a test)
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MENTORS, WEEKS, MENTEES = 10, 52, 12


def main() -> int:
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.export import export
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.keys import device_key
    from mentor_app.records import store
    from mentor_app.records.types import Consent, Meeting, Mentee, MentorLog
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile

    fast = Argon2Params(time_cost=1, memory_kib=8192, parallelism=1)
    rng = random.Random(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sup, _ = create_profile(tmp / "sup", role="supervisor", name="Org", passphrase="bench passphrase",
                                use_keyring=False, kdf_params=fast)
        enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
        drive = tmp / "drive"
        drive.mkdir()
        start = date.today() - timedelta(weeks=WEEKS)
        records = 0
        for m in range(MENTORS):
            p, _ = create_profile(tmp / f"m{m}", role="mentor", name=f"Mentor {m}", passphrase="bench passphrase",
                                  use_keyring=False, kdf_params=fast)
            accept_enrolment(p, enrolment, enrolment.fingerprint, shared_folder=str(drive))
            register.note_device(sup.conn, device_key(p).public, "")
            register.approve(sup.conn, device_key(p).fingerprint, f"Mentor {m}")
            people = []
            for i in range(MENTEES):
                mid = store.save(p.conn, Mentee(name=f"Person {m}-{i}", status="active"), author=p.author)
                if rng.random() < 0.7:
                    store.save(p.conn, Consent(scope="share_with_organisation", on="2020-01-01"), author=p.author,
                               mentee_id=mid)
                people.append(mid)
            for week in range(WEEKS):
                day = (start + timedelta(weeks=week)).isoformat()
                items = [(Meeting(starts_at=f"{day}T10:00", kind=rng.choice(["one_to_one", "sport", "accompanied"]),
                                  duration_minutes=60, notes="Weekly catch-up. " * 10), mid) for mid in people]
                items.append((MentorLog(on=day, hours=8), None))
                store.save_many(p.conn, items, author=p.author)
                records += export(p).records
            p.close()
        batches = len(list(drive.glob("device-*/*.mentorlog")))
        t = time.perf_counter()
        summary = import_folder(sup, drive)
        first = time.perf_counter() - t
        t = time.perf_counter()
        again = import_folder(sup, drive)
        second = time.perf_counter() - t
        assert summary.batches_imported == batches and again.batches_imported == 0
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
        from mentor_app.ui.supervisor_window import SupervisorWindow

        t = time.perf_counter()
        window = SupervisorWindow(sup)
        window.show()
        app.processEvents()
        board = time.perf_counter() - t
        window.close()
        rows += [
            (f"import {MENTORS} mentors x {WEEKS} weekly batches ({batches} batches, {records} records)",
             f"{first:.1f} s", f"{first / batches * 1000:.0f} ms per batch"),
            ("re-import of the same folder (nothing new)", f"{second:.2f} s", ""),
            ("dashboard load (supervisor window shown)", f"{board * 1000:.0f} ms", ""),
        ]
    print("| what | time | note |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
