"""Export of 1,000 changed records: time, batch size per record, and `age` on the same bytes as a floor.

Run: .venv/bin/python bench/export.py   (prints a Markdown table; not a test)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def main() -> int:
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.export import export
    from mentor_app.exchange.keys import organisation_keys
    from mentor_app.records import store
    from mentor_app.records.types import Consent, Meeting, Mentee
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile

    fast = Argon2Params(time_cost=1, memory_kib=8192, parallelism=1)
    rows, samples, sizes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        org, _ = create_profile(tmp / "org", role="supervisor", name="Org", passphrase="bench passphrase",
                                use_keyring=False, kdf_params=fast)
        enrolment = parse_enrolment(json.dumps(make_enrolment(org)).encode())
        identity = organisation_keys(org)[0][0]
        recipient = enrolment.recipients[0]
        org.close()
        mentor, _ = create_profile(tmp / "mentor", role="mentor", name="Mentor", passphrase="bench passphrase",
                                   use_keyring=False, kdf_params=fast)
        (tmp / "drive").mkdir()
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(tmp / "drive"))
        mentees = []
        for i in range(40):
            mid = store.save(mentor.conn, Mentee(name=f"Person {i}", status="active"), author=mentor.author)
            if i % 4:
                store.save(mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"),
                           author=mentor.author, mentee_id=mid)
            mentees.append(mid)
        export(mentor)
        for round_no in range(5):
            items = [(Meeting(starts_at="2026-11-20T10:00", kind="one_to_one", duration_minutes=60,
                              notes="Talked about the week, the hostel and the job search. " * 3),
                      mentees[i % 40]) for i in range(1000)]
            store.save_many(mentor.conn, items, author=mentor.author)
            start = time.perf_counter()
            result = export(mentor)
            samples.append(time.perf_counter() - start)
            sizes.append(result.path.stat().st_size / result.records)
        # The floor: the age tool encrypting the same plaintext.
        key = tmp / "key"
        key.write_text(identity + "\n")
        plain = subprocess.run(["age", "-d", "-i", str(key), str(result.path)], capture_output=True, check=True).stdout
        (tmp / "plain").write_bytes(plain)
        floor = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(["age", "-r", recipient, "-o", str(tmp / "out.age"), str(tmp / "plain")], check=True)
            floor.append(time.perf_counter() - start)
        mentor.close()
    median = statistics.median(samples)
    rows.append(("export of 1,000 changed records (3 in 4 mentees consenting)", f"{median * 1000:.0f} ms",
                 f"{min(samples) * 1000:.0f}–{max(samples) * 1000:.0f} ms"))
    rows.append(("batch size per record", f"{statistics.median(sizes):.0f} bytes", ""))
    rows.append(("baseline: age CLI encrypting the same plaintext", f"{statistics.median(floor) * 1000:.0f} ms",
                 f"ratio {median / statistics.median(floor):.1f}×"))
    print("| what | median | spread |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
