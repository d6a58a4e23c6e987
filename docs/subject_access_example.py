"""Renders docs/subject-access-example.pdf and .json (and a PNG of page one) from a fresh demo profile.

python docs/subject_access_example.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def main() -> int:
    from mentor_app import demo
    from mentor_app.privacy.sar import gather, write_subject_access
    from mentor_app.records import store
    from mentor_app.records.types import Meeting
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile

    with tempfile.TemporaryDirectory() as tmp:
        profile, _ = create_profile(
            Path(tmp) / "demo",
            role="mentor",
            name="Demo Mentor",
            passphrase=demo.DEMO_PASSPHRASE,
            use_keyring=False,
            kdf_params=Argon2Params(time_cost=1, memory_kib=8192, parallelism=1),
        )
        demo.generate(profile)
        people = store.list_records(profile.conn, "mentee")
        chosen, other = people[0], people[1]
        # A note that mentions another person, to show what the redaction does.
        store.save(
            profile.conn,
            Meeting(
                starts_at="2026-11-24T11:00",
                kind="group",
                place="Library",
                notes=f"Came to the reading group with {other.record.name}; they get on "
                "well. Talked about the housing forms afterwards.",
            ),
            author=profile.author,
            mentee_id=chosen.id,
        )
        assert gather(profile, chosen.id)["redactions"] > 0
        pdf, js = write_subject_access(profile, chosen.id, Path(tmp))
        shutil.copyfile(pdf, DOCS / "subject-access-example.pdf")
        shutil.copyfile(js, DOCS / "subject-access-example.json")
        profile.close()
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "70",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(DOCS / "subject-access-example.pdf"),
            str(DOCS / "subject-access-example"),
        ],
        check=True,
    )
    print("wrote docs/subject-access-example.pdf, .json and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
