"""Files the app writes (spreadsheets that can't run formulas, outputs created new, never through a
link, folders left alone, shared files readable) and passphrases strong enough to protect the key."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
from collections import Counter
from pathlib import Path

import pytest
from conftest import FAST_KDF, NO_KEYRING, PASSPHRASE, run_cli

from mentor_app.errors import BadInput, SecretNeeded
from mentor_app.storage.keystore import KeyringStatus
from mentor_app.storage.profile import create_profile, open_profile

NO_KR = {"PYTHON_KEYRING_BACKEND": NO_KEYRING}
WEAK = "12345678"
ADVICE = "three or four unrelated words work well"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX links and permissions")

PHONE = "+44 20 7946 0000"
FORMULAS = {
    "organisation": '=HYPERLINK("http://example.invalid/x","Click for help")',
    "phone": PHONE,
    "help_with": "=SUM(A1:A2)",
    "eligibility": "@SUM(1+1)*cmd|' /C calc'!A0",
    "opening_hours": "-2+3",
}


def _cli(path, *args, lines=(PASSPHRASE,), env=NO_KR):
    return run_cli("--profile", str(path), *args, "--passphrase-stdin", input="".join(f"{x}\n" for x in lines), env=env)


def _init(path, role="mentor"):
    result = run_cli(
        "--profile",
        str(path),
        "init",
        "--role",
        role,
        "--name",
        "Sam Example",
        "--no-keyring",
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
        env=NO_KR,
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def cli_profile(tmp_path):
    return _init(tmp_path / "profile")


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def _write_directory_csv(path: Path, values: dict) -> None:
    header = ["organisation", "categories", *[k for k in values if k != "organisation"]]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerow([values["organisation"], "housing", *[values[k] for k in header[2:]]])


# -- spreadsheets that can't run formulas -----------------------------------------------------------


@pytest.mark.slow
def test_directory_export_neutralises_formulas_and_a_round_trip_keeps_the_real_values(tmp_path):
    first, second = _init(tmp_path / "first"), _init(tmp_path / "second")
    partner = tmp_path / "partner.csv"
    _write_directory_csv(partner, FORMULAS)
    imported = _cli(first, "directory", "import", str(partner))
    assert imported.returncode == 0, imported.stderr
    # The person is told: such cells were found and kept as plain text.
    assert "started with =, +, - or @" in imported.stdout and "kept as plain text" in imported.stdout

    exported = tmp_path / "export.csv"
    result = _cli(first, "directory", "export", str(exported))
    assert result.returncode == 0, result.stderr
    rows = _rows(exported)
    header = rows[0]
    ours = next(r for r in rows[1:] if "HYPERLINK" in r[header.index("organisation")])
    for column, value in FORMULAS.items():
        cell = ours[header.index(column)]
        assert cell == "'" + value, (column, cell)  # a spreadsheet shows it as text, never runs it

    back = _cli(second, "directory", "import", str(exported))
    assert back.returncode == 0, back.stderr
    assert "started with" not in back.stdout  # the app's own quotes are not such cells
    from mentor_app.records import store

    with open_profile(second, secret=PASSPHRASE) as p:
        contact = next(s.record for s in store.list_records(p.conn, "contact") if "HYPERLINK" in s.record.organisation)
    for column, value in FORMULAS.items():
        assert getattr(contact, column) == value, column
    assert contact.phone == PHONE


def test_a_value_that_starts_with_a_quote_survives_the_round_trip_too():
    from mentor_app.storage import csvsafe

    for value in ("'=kept with its own quote", "'+44", "''", "'plain", "plain", PHONE, "\tTabbed", "@home"):
        written = csvsafe.neutralise(value)
        assert not csvsafe.starts_like_formula(written)
        assert csvsafe.restore(written) == value, value
    assert csvsafe.neutralise(-3) == -3 and csvsafe.neutralise(2.5) == 2.5


@pytest.mark.slow
def test_audit_csv_neutralises_formula_cells(cli_profile, tmp_path):
    from mentor_app.storage import audit

    with open_profile(cli_profile, secret=PASSPHRASE) as p:
        audit.record(p.conn, "sheet", actor="=cmd|' /C calc'!A0", detail='+HYPERLINK("http://x")')
    target = tmp_path / "audit.csv"
    result = _cli(cli_profile, "audit", "-o", str(target))
    assert result.returncode == 0, result.stderr
    rows = _rows(target)
    header = rows[0]
    planted = next(r for r in rows[1:] if "cmd|" in r[header.index("actor")])
    assert planted[header.index("actor")] == "'=cmd|' /C calc'!A0"
    assert planted[header.index("detail")] == '\'+HYPERLINK("http://x")'


def test_funder_csv_neutralises_labels_and_keeps_numbers(tmp_path):
    from mentor_app.records import vocab
    from mentor_app.reports import funder
    from mentor_app.reports.figures import Figures

    area = list(vocab.NEEDS_AREAS)[0]
    figures = Figures(
        people=3, mentor_hours=Counter({'=HYPERLINK("http://x")': 2.0}), needs_change={area: (3.0, 2.5, 4)}
    )
    target = funder.write_csv(figures, tmp_path / "figures.csv", "2026-01 to 2026-06")
    rows = _rows(target)
    hours = next(r for r in rows if "HYPERLINK" in r[2])
    assert hours[2] == '\'=HYPERLINK("http://x")'
    change = next(r for r in rows if r[2].startswith(vocab.NEEDS_AREAS[area]))
    assert change[3] == "-0.5"  # a number stays a number


@pytest.mark.slow
def test_funder_report_from_the_command_line_writes_both_files(tmp_path):
    sup = _init(tmp_path / "sup", role="supervisor")
    pdf, figures = tmp_path / "report.pdf", tmp_path / "report.csv"
    result = _cli(sup, "report", "-o", str(pdf), "--csv", str(figures))
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and _rows(figures)[0] == ["period", "section", "item", "value"]


@pytest.mark.slow
def test_retention_report_neutralises_formula_cells(cli_profile, tmp_path, monkeypatch):
    from mentor_app import cli
    from mentor_app.privacy import retention

    planted = retention.Due(
        record_id='=HYPERLINK("http://x")', record_type="meeting", mentee_id="@cmd", since="2019-01-01", years=6
    )
    monkeypatch.setattr(retention, "due", lambda conn, policy: [planted])
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSPHRASE + "\n"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    target = tmp_path / "retention.csv"
    umask = os.umask(0o022)
    try:
        code = cli.main(["--profile", str(cli_profile), "retention", "--report", str(target), "--passphrase-stdin"])
    finally:
        os.umask(umask)
    assert code == 0
    rows = _rows(target)
    assert rows[1][:3] == ["meeting", '\'=HYPERLINK("http://x")', "'@cmd"]


# -- outputs created new, never through a link --------------------------------------------------------


@POSIX
@pytest.mark.parametrize(
    "command", [("dump", "-o"), ("booklet", "-o"), ("audit", "-o"), ("backup", "--to"), ("directory", "export")]
)
@pytest.mark.slow
def test_a_link_planted_at_an_output_is_refused_and_its_target_untouched(cli_profile, tmp_path, command):
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    link = tmp_path / "out"
    link.symlink_to(victim)
    result = _cli(cli_profile, *command, str(link))
    assert result.returncode != 0
    assert f"There is already a file or link at {link}; nothing was overwritten." in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text() == "someone else's file\n" and link.is_symlink()


@POSIX
def test_a_link_to_nowhere_is_refused_and_nothing_is_created_at_its_end(tmp_path):
    from mentor_app.storage.files import write_new

    aim = tmp_path / "elsewhere" / "planted.txt"
    aim.parent.mkdir()
    link = tmp_path / "out.pdf"
    link.symlink_to(aim)
    with pytest.raises(BadInput) as info:
        write_new(link, b"data")
    assert "already a file or link" in info.value.message
    assert not aim.exists()


@POSIX
def test_a_link_planted_after_the_first_check_is_still_refused(make_profile, tmp_path):
    """The check before slow work is a courtesy; the exclusive, no-follow create is the guarantee."""
    from mentor_app.printing.sheet import SheetOptions, build_sheet
    from mentor_app.records.types import Contact

    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"keep me")
    target = tmp_path / "sheet.pdf"
    target.symlink_to(victim)
    contact = Contact(organisation="Housing Advice", categories=["housing"], phone="01632 960000")
    with pytest.raises(BadInput):
        build_sheet([("c1", contact)], target, SheetOptions(title="Services"))
    assert victim.read_bytes() == b"keep me"


@POSIX
@pytest.mark.slow
def test_backup_to_a_folder_leaves_its_permissions_alone(cli_profile, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    os.chmod(folder, 0o755)
    target = folder / "copy.mentorbackup"
    result = _cli(cli_profile, "backup", "--to", str(target))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["copy.mentorbackup"]  # nothing else written there
    restored = _cli(cli_profile, "restore", str(target))
    assert restored.returncode == 0, restored.stderr


@POSIX
@pytest.mark.slow
def test_writing_a_sheet_leaves_the_folders_permissions_alone(cli_profile, tmp_path):
    folder = tmp_path / "printouts"
    folder.mkdir()
    os.chmod(folder, 0o755)
    result = _cli(cli_profile, "booklet", "-o", str(folder / "booklet.pdf"))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert (folder / "booklet.pdf").read_bytes().startswith(b"%PDF")


# -- files on the shared folder are readable by the organisation's accounts ----------------------------


@POSIX
def test_a_batch_a_receipt_and_a_publication_on_the_share_are_0644_whatever_the_umask(make_profile, tmp_path):
    from mentor_app.exchange import outbox
    from mentor_app.exchange.publish import publish
    from mentor_app.exchange.receipts import write_receipt

    share = tmp_path / "share"
    share.mkdir()
    sup, _ = make_profile("sup", role="supervisor")
    umask = os.umask(0o077)  # as the command line runs
    try:
        batch = outbox.place(share, "000001.mentorlog", b"encrypted bytes")
        published = publish(sup, share)
        receipt = write_receipt(sup, share)
    finally:
        os.umask(umask)
    for path in (batch, published, receipt):
        assert path is not None
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o644, path


# -- passphrases -----------------------------------------------------------------------------------------


def test_a_weak_passphrase_is_refused_at_init_with_plain_advice(tmp_path):
    path = tmp_path / "new"
    result = run_cli(
        "--profile",
        str(path),
        "init",
        "--role",
        "mentor",
        "--name",
        "X",
        "--no-keyring",
        "--passphrase-stdin",
        input=WEAK + "\n",
        env=NO_KR,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "too easy to guess" in result.stderr and ADVICE in result.stderr
    assert not (path / "profile.json").exists()


@pytest.mark.slow
def test_a_weak_passphrase_is_refused_at_passphrase_change(cli_profile):
    wraps_before = json.loads((cli_profile / "profile.json").read_text())["wraps"]
    result = _cli(cli_profile, "passphrase", lines=(PASSPHRASE, WEAK))
    assert result.returncode != 0 and ADVICE in result.stderr and "Traceback" not in result.stderr
    assert json.loads((cli_profile / "profile.json").read_text())["wraps"] == wraps_before
    assert _cli(cli_profile, "check").returncode == 0  # the old passphrase still opens it


@pytest.mark.slow
def test_rekey_asks_for_a_new_passphrase_and_refuses_a_weak_one(cli_profile):
    wraps_before = json.loads((cli_profile / "profile.json").read_text())["wraps"]
    weak = _cli(cli_profile, "rekey", lines=(PASSPHRASE, PASSPHRASE, WEAK))
    assert weak.returncode != 0 and ADVICE in weak.stderr and "Traceback" not in weak.stderr
    assert json.loads((cli_profile / "profile.json").read_text())["wraps"] == wraps_before
    same = _cli(cli_profile, "rekey", lines=(PASSPHRASE, PASSPHRASE, PASSPHRASE))
    assert same.returncode != 0 and "new passphrase" in same.stderr

    new = "lantern orchard pebble"
    done = _cli(cli_profile, "rekey", lines=(PASSPHRASE, PASSPHRASE, new))
    assert done.returncode == 0, done.stderr
    assert "new passphrase opens them" in done.stdout
    assert _cli(cli_profile, "check").returncode != 0  # the old passphrase no longer opens it
    assert _cli(cli_profile, "check", lines=(new,)).returncode == 0


def test_one_judge_for_new_passphrases(make_profile):
    from mentor_app.demo import DEMO_PASSPHRASE
    from mentor_app.storage.passphrase import check_new_passphrase, rate_passphrase

    for weak in (WEAK, "password1234", "qwertyuiop", "aaaaaaaaaaaa"):
        with pytest.raises(BadInput) as info:
            check_new_passphrase(weak)
        assert ADVICE in info.value.message
    for good in (PASSPHRASE, DEMO_PASSPHRASE, "lantern orchard pebble"):
        check_new_passphrase(good)
    assert rate_passphrase(WEAK)[0] < 3 and rate_passphrase(PASSPHRASE)[0] >= 3
    profile, _ = make_profile()
    with pytest.raises(BadInput):
        profile.change_passphrase(WEAK, FAST_KDF)
    with pytest.raises(BadInput):
        profile.rekey(PASSPHRASE, FAST_KDF, new_passphrase=WEAK)


def test_the_set_up_window_refuses_a_weak_passphrase(qtbot, tmp_path, no_keyring):
    from mentor_app.ui.setup import SetupDialog

    dialog = SetupDialog(tmp_path / "p")
    qtbot.addWidget(dialog)
    dialog.name.setText("Sam")
    dialog.passphrase.setText(WEAK)
    dialog.repeat.setText(WEAK)
    assert "Choose a longer passphrase" in dialog.strength.text()
    dialog._create()
    qtbot.waitUntil(lambda: ADVICE in dialog.error.text(), timeout=10_000)
    assert not (tmp_path / "p" / "profile.json").exists()


# -- the keyring: one entry per copy of a profile ------------------------------------------------------


@pytest.mark.keyring
def test_two_copies_of_a_profile_each_keep_their_own_keyring_entry(tmp_path, secret_service):
    original = tmp_path / "original"
    profile, _ = create_profile(original, role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    secret_service.append(profile.keyring_entry)
    assert profile.keyring_status is KeyringStatus.OK
    profile.close()
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)

    # The copy doesn't use the original's entry: it asks, then stores its own.
    with pytest.raises(SecretNeeded) as info:
        open_profile(copy)
    assert info.value.keyring_status is KeyringStatus.MISSING
    with open_profile(copy, secret=PASSPHRASE) as p:
        secret_service.append(p.keyring_entry)
        assert p.keyring_entry != profile.keyring_entry
        assert p.set_keyring(True) is KeyringStatus.OK
        p.rekey(PASSPHRASE, FAST_KDF, new_passphrase="lantern orchard pebble")  # the copy gets its own key
    for folder in (original, copy):
        with open_profile(folder) as p:
            assert p.unlocked_by == "keyring"

    # Turning the keyring off in the copy leaves the original opening by keyring.
    off = run_cli("--profile", str(copy), "keyring", "off")
    assert off.returncode == 0, off.stderr
    with pytest.raises(SecretNeeded):
        open_profile(copy)
    with open_profile(original) as p:
        assert p.unlocked_by == "keyring"


@pytest.mark.keyring
def test_turning_the_keyring_off_never_deletes_another_profiles_key(tmp_path, secret_service):
    import keyring

    from mentor_app.storage import keystore

    first, _ = create_profile(tmp_path / "a", role="mentor", name="A", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    second, _ = create_profile(tmp_path / "b", role="mentor", name="B", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    secret_service += [first.keyring_entry, second.keyring_entry]
    # Whatever put it there, the second's entry now holds the first profile's key.
    keyring.set_password(keystore.SERVICE, second.keyring_entry, first.key.hex())
    assert second.set_keyring(False) is KeyringStatus.MISMATCH
    assert keystore.read_key(second.keyring_entry) == (first.key, KeyringStatus.OK)
    first.close()
    second.close()


@pytest.mark.keyring
def test_an_entry_of_an_earlier_version_moves_to_this_copys_entry(tmp_path, secret_service):
    from mentor_app.storage import keystore

    path = tmp_path / "p"
    profile, _ = create_profile(path, role="mentor", name="M", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    entry, legacy = profile.keyring_entry, keystore.legacy_entry_name(profile.meta.profile_id)
    secret_service += [entry, legacy]
    key = profile.key
    profile.close()
    keystore.forget_key(entry)
    keystore.store_key(legacy, key)
    with open_profile(path) as p:
        assert p.unlocked_by == "keyring"
    assert keystore.read_key(entry) == (key, KeyringStatus.OK)
    assert keystore.read_key(legacy)[1] is KeyringStatus.MISSING
