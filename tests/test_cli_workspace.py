"""The workspace's commands: demo, dump and selftest, run as IT staff would."""

from __future__ import annotations

import json
import stat

import pytest
from conftest import NO_KEYRING, run_cli

pytestmark = pytest.mark.slow  # demo profiles made and read by the mentor-app command in child processes

NO_KR = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}
DEMO_PASS = "demo passphrase\n"


def test_demo_then_dump_then_selftest(tmp_path):
    path = tmp_path / "demo"
    made = run_cli("--profile", str(path), "demo", "--seed", "7", env=NO_KR)
    assert made.returncode == 0, made.stderr
    assert "demo passphrase" in made.stdout

    again = run_cli("--profile", str(path), "demo", env=NO_KR)
    assert again.returncode != 0 and "already a profile" in again.stderr

    out = tmp_path / "everything.json"
    dumped = run_cli("--profile", str(path), "dump", "-o", str(out), "--passphrase-stdin", input=DEMO_PASS, env=NO_KR)
    assert dumped.returncode == 0, dumped.stderr
    assert "NOT encrypted" in dumped.stdout
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "mentor-app-dump"
    records = data["records"]
    assert len(records["mentee"]) == 12
    assert len(records["meeting"]) > 50 and records["consent"] and records["concern"] and records["mentor_log"]
    mentee_ids = {m["id"] for m in records["mentee"]}
    assert all(m["mentee_id"] in mentee_ids for m in records["meeting"])
    assert all({"id", "version", "created_at", "fields"} <= set(m) for m in records["meeting"])

    refused = run_cli("--profile", str(path), "dump", "-o", str(out), "--passphrase-stdin", input=DEMO_PASS, env=NO_KR)
    assert refused.returncode != 0 and "already a file" in refused.stderr

    to_stdout = run_cli("--profile", str(path), "dump", "--passphrase-stdin", input=DEMO_PASS, env=NO_KR)
    assert json.loads(to_stdout.stdout)["records"]["mentee"] == records["mentee"]

    selftest = run_cli(
        "--profile",
        str(path),
        "selftest",
        "--passphrase-stdin",
        input=DEMO_PASS,
        env={**NO_KR, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert "All screens rendered." in selftest.stdout
    assert "FAIL" not in selftest.stdout
    for screen in ("today", "record a meeting", "safeguarding concern", "search", "locked"):
        assert f"ok   {screen}" in selftest.stdout


def test_different_seeds_make_different_people(tmp_path):
    names = []
    for seed in ("1", "2"):
        path = tmp_path / seed
        assert run_cli("--profile", str(path), "demo", "--seed", seed, env=NO_KR).returncode == 0
        dumped = run_cli("--profile", str(path), "dump", "--passphrase-stdin", input=DEMO_PASS, env=NO_KR)
        names.append(sorted(m["fields"]["name"] for m in json.loads(dumped.stdout)["records"]["mentee"]))
    assert names[0] != names[1]


def test_the_demo_profile_says_its_passphrase_when_it_asks_for_it(qtbot, tmp_path):
    from mentor_app.ui.unlock import UnlockDialog

    folder = tmp_path / "demo"
    made = run_cli("demo", "--profile", str(folder), env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert made.returncode == 0, made.stderr
    dialog = UnlockDialog(folder, "This computer's keyring isn't available.", offer_keyring=False)
    qtbot.addWidget(dialog)
    assert "Its passphrase is: demo passphrase" in dialog.reason.text()
    other = UnlockDialog(tmp_path, "This computer's keyring isn't available.", offer_keyring=False)
    qtbot.addWidget(other)
    assert "demo passphrase" not in other.reason.text()
