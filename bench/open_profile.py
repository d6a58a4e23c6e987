"""How long opening a profile takes, by keyring and by passphrase, and its size.

Run: .venv/bin/python bench/open_profile.py  (inside a session with a keyring
for the keyring figure). Prints a Markdown table; never part of the tests.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from mentor_app.storage import keystore
from mentor_app.storage.keystore import KeyringStatus
from mentor_app.storage.profile import create_profile, open_profile

RUNS = 7
PASSPHRASE = "benchmark passphrase"


def _time(fn, runs=RUNS):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples), max(samples)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile"
        start = time.perf_counter()
        profile, _ = create_profile(path, role="mentor", name="Bench", passphrase=PASSPHRASE)
        created = time.perf_counter() - start
        pid = profile.meta.profile_id
        kdf = profile.meta.wraps["passphrase"]
        keyring_ok = profile.keyring_status is KeyringStatus.OK
        profile.close()
        rows.append(("create profile (includes KDF calibration)", f"{created * 1000:.0f} ms", ""))
        rows.append(("empty profile size on disk (with its first backup)", f"{_size(path) / 1024:.0f} KiB", ""))
        if keyring_ok:
            med, lo, hi = _time(lambda: open_profile(path).close())
            rows.append(("open by keyring", f"{med * 1000:.1f} ms", f"{lo * 1000:.1f}–{hi * 1000:.1f} ms"))
            keystore.forget_key(pid)
        else:
            rows.append(("open by keyring", "no keyring in this session", ""))
        med, lo, hi = _time(lambda: open_profile(path, secret=PASSPHRASE).close())
        rows.append((f"unlock by passphrase (Argon2id t={kdf['time_cost']}, m={kdf['memory_kib'] // 1024} MiB, "
                     f"p={kdf['parallelism']})", f"{med * 1000:.0f} ms", f"{lo * 1000:.0f}–{hi * 1000:.0f} ms"))
    print("| what | median | range |")
    print("| --- | --- | --- |")
    for what, value, spread in rows:
        print(f"| {what} | {value} | {spread} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
