"""A power cut at any moment loses at most the transaction in progress."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import pytest
from conftest import PASSPHRASE

from mentor_app.records import store
from mentor_app.storage import backups
from mentor_app.storage.profile import open_profile

pytestmark = pytest.mark.slow  # child processes killed at random points, many times over

WRITER = r"""
import sys
from mentor_app.records import store
from mentor_app.records.types import Mentee
from mentor_app.storage.profile import open_profile
profile = open_profile(sys.argv[1], secret=sys.argv[2])
n = int(sys.argv[3])
print("ready", flush=True)
while True:
    n += 1
    store.save(profile.conn, Mentee(name=f"entry {n:08d}", risks="x" * (n % 3000)), author=profile.author)
    print(n, flush=True)
    if n % 37 == 0:
        profile.backup_now(kind="auto")
"""

KILLS = 20


def test_sigkill_at_random_points_loses_no_committed_transaction(make_profile, tmp_path):
    profile, _ = make_profile()
    path = profile.path
    profile.close()
    rng = random.Random(20261128)
    committed: set[int] = set()
    last = 0
    for round_no in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), PASSPHRASE, str(last)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        time.sleep(rng.uniform(0.02, 0.4))
        child.kill()
        out, _ = child.communicate()
        reported = {int(line) for line in out.split() if line.isdigit()}
        committed |= reported
        last = max(committed | {last})

        with open_profile(path, secret=PASSPHRASE) as p:
            report = p.check()
            assert report.ok, (round_no, report)
            stored = {int(s.record.name.split()[1]) for s in store.list_records(p.conn, "mentee")}
            # Sequence numbers restart from the last one seen, so stored ⊇ committed.
            missing = committed - stored
            assert not missing, f"round {round_no}: committed rows lost: {sorted(missing)[:5]}"
            last = max(stored | {last})
            committed = stored
        assert not list((path / "backups").glob(".partial-*"))  # a killed backup leaves no debris
    assert len(committed) > KILLS  # the writer really did work between kills
    with open_profile(path, secret=PASSPHRASE) as p:
        taken = backups.list_backups(path)
        assert taken, "the writer took backups between kills"
        assert all(backups.verify_backup(b.path, p.key).good for b in taken)
