"""The mentor's workspace on the demo profile: start-up, saving a meeting, search.

Run: .venv/bin/python bench/workspace.py   (prints a Markdown table; not a test)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STARTUP = r"""
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication([])
from mentor_app.storage.profile import open_profile
from mentor_app.ui.main_window import MainWindow
profile = open_profile(sys.argv[1], secret=sys.argv[2] or None)
window = MainWindow(profile)
window.show()
app.processEvents()
print("shown", flush=True)
window.close()
"""
QUERIES = ["jobcentre", "alex", "hostel", "bank account", "gym", "probation", "park", "course", "zz-nothing",
           "birth certificate", "kids", "flat"]


def _ms(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return f"{statistics.median(samples) * 1000:.1f} ms", f"p95 {p95 * 1000:.1f} ms"


def main() -> int:
    from mentor_app import demo
    from mentor_app.records import store
    from mentor_app.records.search import search
    from mentor_app.records.types import Meeting
    from mentor_app.storage.profile import create_profile, open_profile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo"
        profile, _ = create_profile(path, role="mentor", name="Bench", passphrase=demo.DEMO_PASSPHRASE)
        counts = demo.generate(profile, seed=1)
        keyring = profile.meta.keyring_enabled
        profile.close()
        rows.append(("demo profile", f"{counts['mentee']} mentees, {sum(counts.values())} records", ""))

        for label, secret in (("keyring", ""), ("passphrase", demo.DEMO_PASSPHRASE)):
            if label == "keyring" and not keyring:
                rows.append(("start to unlocked main window (keyring)", "no keyring in this session", ""))
                continue
            samples = []
            for _ in range(5):
                start = time.perf_counter()
                out = subprocess.run([sys.executable, "-c", STARTUP, str(path), secret], capture_output=True,
                                     text=True, check=True)
                assert "shown" in out.stdout
                samples.append(time.perf_counter() - start)
            rows.append((f"start to unlocked main window ({label}), whole process", *_ms(samples)))

        with open_profile(path, secret=demo.DEMO_PASSPHRASE) as p:
            mentee = store.list_records(p.conn, "mentee")[0].id
            saves = []
            for i in range(50):
                start = time.perf_counter()
                store.save(p.conn, Meeting(starts_at="2026-11-20T10:00", notes=f"Bench meeting {i} " * 20),
                           author=p.author, mentee_id=mentee)
                saves.append(time.perf_counter() - start)
            rows.append(("save one meeting (full durability)", *_ms(saves)))
            searches = []
            for _ in range(10):
                for q in QUERIES:
                    start = time.perf_counter()
                    search(p.conn, q)
                    searches.append(time.perf_counter() - start)
            rows.append(("global search on the demo profile", *_ms(searches)))
    print("| what | median | spread |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
