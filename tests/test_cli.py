"""The `mentor-app` command as IT staff and supervisors script it."""

from __future__ import annotations

import json
import re

import pytest
from conftest import NO_KEYRING, PASSPHRASE, file_digests, run_cli

CODE = re.compile(r"\b([2-9A-Z]{5}(?:-[2-9A-Z]{5}){4})\b")
NO_KR = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}


def _init(path, *extra, env=NO_KR):
    result = run_cli(
        "--profile",
        str(path),
        "init",
        "--role",
        "mentor",
        "--name",
        "Alex Mentor",
        "--passphrase-stdin",
        *extra,
        input=PASSPHRASE + "\n",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return CODE.search(result.stdout).group(1)


def _cli(path, *args, secret=PASSPHRASE, env=NO_KR):
    return run_cli("--profile", str(path), *args, "--passphrase-stdin", input=secret + "\n", env=env)


def _one_plain_line(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def profile_dir(tmp_path):
    path = tmp_path / "profile"
    code = _init(path, "--no-keyring")
    return path, code


@pytest.mark.slow
def test_init_prints_the_recovery_code_once_and_check_passes(profile_dir):
    path, code = profile_dir
    meta = (path / "profile.json").read_text()
    assert code not in meta and code.replace("-", "") not in meta
    result = _cli(path, "check")
    assert result.returncode == 0, result.stderr
    assert "All checks passed." in result.stdout
    assert code not in result.stdout


@pytest.mark.slow
def test_recovery_code_opens_the_profile_from_the_command_line(profile_dir):
    path, code = profile_dir
    result = _cli(path, "check", secret=code.lower())
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_passphrase_is_never_taken_from_arguments_or_environment(profile_dir):
    path, _ = profile_dir
    result = run_cli("--profile", str(path), "check", env=NO_KR)  # no stdin flag, no terminal
    assert result.returncode != 0
    assert "--passphrase-stdin" in _one_plain_line(result)


@pytest.mark.slow
def test_each_failure_has_its_own_plain_message_and_touches_nothing(profile_dir):
    path, code = profile_dir
    _cli(path, "backup")
    before = {k: v for k, v in file_digests(path).items() if k != "profile.json"}

    wrong_pass = _one_plain_line(_cli(path, "check", secret="not my passphrase"))
    wrong_code = _one_plain_line(_cli(path, "check", secret="22222-33333-44444-55555-66666"))
    assert "passphrase doesn't match" in wrong_pass
    assert "recovery code doesn't match" in wrong_code

    db = path / "mentor.db"
    original = db.read_bytes()

    db.write_bytes(original[: len(original) - 1000])
    truncated = _cli(path, "check")
    assert truncated.returncode != 0
    assert "cut short" in _one_plain_line(truncated)
    assert "newest good backup" in truncated.stderr and "mentor-app restore" in truncated.stderr

    flipped = bytearray(original)
    flipped[100] ^= 0x01  # inside page 1: the file can't even be opened
    db.write_bytes(bytes(flipped))
    damaged = _cli(path, "check")
    assert damaged.returncode != 0
    assert "damaged or was changed outside Mentor App" in _one_plain_line(damaged)

    db.write_bytes(original)
    newer = json.loads((path / "profile.json").read_text())
    newer["format"] = 42
    (path / "profile.json").write_text(json.dumps(newer))
    too_new = _cli(path, "check")
    assert too_new.returncode != 0
    assert "newer version of Mentor App" in _one_plain_line(too_new)

    messages = {wrong_pass, wrong_code, _one_plain_line(truncated), _one_plain_line(damaged), _one_plain_line(too_new)}
    assert len(messages) == 5
    newer["format"] = 1
    (path / "profile.json").write_text(json.dumps(newer))
    after = {k: v for k, v in file_digests(path).items() if k != "profile.json"}
    assert after == before  # nothing deleted, nothing overwritten


@pytest.mark.slow
def test_check_reports_a_damaged_page_and_names_the_newest_good_backup(profile_dir):
    path, _ = profile_dir
    assert _cli(path, "backup").returncode == 0
    db = path / "mentor.db"
    data = bytearray(db.read_bytes())
    data[4096 + 2000] ^= 0x40  # inside page 2
    db.write_bytes(bytes(data))
    result = _cli(path, "check")
    assert result.returncode == 1
    assert "problem" in result.stdout
    assert "newest good backup" in result.stderr and ".mentorbackup" in result.stderr


@pytest.mark.slow
def test_backup_and_restore_from_the_command_line(profile_dir, tmp_path):
    path, _ = profile_dir
    target = tmp_path / "copy.mentorbackup"
    result = _cli(path, "backup", "--to", str(target))
    assert result.returncode == 0 and target.exists(), result.stderr
    again = _cli(path, "backup", "--to", str(target))
    assert again.returncode != 0 and "already a file" in again.stderr

    restored = _cli(path, "restore", str(target))
    assert restored.returncode == 0, restored.stderr
    assert "paused" in restored.stdout
    assert json.loads((path / "profile.json").read_text())["restore_pending"] is not None
    assert _cli(path, "restore", "--undo").returncode == 0
    assert json.loads((path / "profile.json").read_text())["restore_pending"] is None
    listing = run_cli("--profile", str(path), "backup", "--list", env=NO_KR)
    assert "pre-restore" in listing.stdout


@pytest.mark.slow
def test_init_refuses_to_overwrite_an_existing_profile(profile_dir):
    path, _ = profile_dir
    before = file_digests(path)
    result = run_cli(
        "--profile",
        str(path),
        "init",
        "--role",
        "mentor",
        "--name",
        "X",
        "--passphrase-stdin",
        input="another passphrase\n",
        env=NO_KR,
    )
    assert result.returncode != 0
    assert "already a profile" in _one_plain_line(result)
    assert file_digests(path) == before


def test_a_missing_profile_gets_a_plain_message(tmp_path):
    result = run_cli("--profile", str(tmp_path / "nowhere"), "check", env=NO_KR)
    assert result.returncode != 0
    assert "no Mentor App profile" in _one_plain_line(result)


@pytest.mark.keyring
def test_with_the_keyring_commands_need_no_passphrase(tmp_path, secret_service):
    path = tmp_path / "kr"
    result = run_cli(
        "--profile",
        str(path),
        "init",
        "--role",
        "supervisor",
        "--name",
        "North Project",
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )
    assert result.returncode == 0, result.stderr
    from mentor_app.storage import keystore

    secret_service.append(keystore.entry_name(json.loads((path / "profile.json").read_text())["profile_id"], path))
    assert "keyring" in result.stdout
    check = run_cli("--profile", str(path), "check")  # nothing on stdin, no terminal
    assert check.returncode == 0, check.stderr
    status = run_cli("--profile", str(path), "keyring", "status")
    assert "is in this computer's keyring" in status.stdout
