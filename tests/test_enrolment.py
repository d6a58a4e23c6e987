"""The enrolment and approval ceremonies, device keys compared in full, and organisation key rotation.

Real keys and real files throughout: profiles are real SQLCipher profiles, batches are real age files
on a real shared folder, and the command line is the real `mentor-app` entry point.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import PASSPHRASE
from pyrage import x25519

from mentor_app import cli
from mentor_app.errors import BadInput
from mentor_app.exchange import batch as batch_format
from mentor_app.exchange import mentors as register
from mentor_app.exchange import rekey, rotation
from mentor_app.exchange.enrolment import (
    ENROLMENT,
    EnrolmentError,
    accept_enrolment,
    current_enrolment,
    make_enrolment,
    parse_enrolment,
)
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import (
    SigningKey,
    b64,
    device_key,
    fingerprint,
    new_signing_private,
    organisation_keys,
    signed_bytes,
)
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Consent, Meeting, Mentee

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
ESCROW = str(x25519.Identity.generate().to_public())


def _variants(fp: str) -> list[str]:
    return [fp, fp.replace("-", ""), fp.lower(), fp.replace("-", " ")]


def _no_hint(text: str, fp: str) -> None:
    squashed = text.upper().replace("-", "").replace(" ", "")
    assert fp.replace("-", "") not in squashed, text
    assert fp[:9] not in text  # not even half of it


@pytest.fixture
def shared(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    return folder


@pytest.fixture
def org(make_profile, shared):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    supervisor.set_setting("exchange.shared_folder", str(shared))
    return supervisor


@pytest.fixture
def enrolment_file(org, tmp_path):
    path = tmp_path / "enrolment.json"
    path.write_text(json.dumps(make_enrolment(org, escrow_recipient=ESCROW)))
    return path


def _enrolled(make_profile, org, shared, name="mentor"):
    mentor, _ = make_profile(name)
    enrolment = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(shared))
    return mentor


def _add_person(p, name):
    mid = store.save(p.conn, Mentee(name=name, status="active"), author=p.author)
    store.save(
        p.conn, Consent(scope="share_with_organisation", given=True, on="2026-01-01"), author=p.author, mentee_id=mid
    )
    store.save(
        p.conn,
        Meeting(starts_at=f"{YESTERDAY}T10:00", kind="one_to_one", duration_minutes=30, notes=f"Note about {name}"),
        author=p.author,
        mentee_id=mid,
    )
    return mid


def _held(org) -> set[str]:
    return {r[0] for r in org.conn.execute("SELECT id FROM shared_records")}


def _run(monkeypatch, capsys, profile, *args, stdin: str = PASSPHRASE + "\n", tty: bool = False):
    """The real `mentor-app` entry point, in this process (the profile's own cheap key derivation)."""

    class Input(io.StringIO):
        def isatty(self):
            return tty

    profile.close()
    monkeypatch.setattr(sys, "stdin", Input(stdin))
    import os

    umask = os.umask(0o077)
    try:
        code = cli.main(["--profile", str(profile.path), *args, "--passphrase-stdin"])
    finally:
        os.umask(umask)
    out = capsys.readouterr()
    return code, out.out, out.err


def _reopen(profile):
    from mentor_app.storage.profile import open_profile

    return open_profile(profile.path, secret=PASSPHRASE)


# -- the enrolment ceremony -------------------------------------------------------


def test_a_wrong_or_missing_fingerprint_is_refused_with_no_hint_of_the_right_one(make_profile, org, enrolment_file):
    mentor, _ = make_profile("mentor")
    enrolment = parse_enrolment(enrolment_file.read_bytes())
    for typed in ("AAAA-BBBB-CCCC-DDDD", "", "   ", enrolment.fingerprint[:14]):
        with pytest.raises(EnrolmentError) as refused:
            accept_enrolment(mentor, enrolment, typed)
        _no_hint(refused.value.message, enrolment.fingerprint)
    assert current_enrolment(mentor) is None
    for typed in _variants(enrolment.fingerprint):
        assert accept_enrolment(mentor, enrolment, typed) in ("enrolled", "updated")


def test_the_command_line_never_suggests_the_files_fingerprint(make_profile, org, enrolment_file, monkeypatch, capsys):
    mentor, _ = make_profile("mentor")
    fp = parse_enrolment(enrolment_file.read_bytes()).fingerprint

    code, out, err = _run(monkeypatch, capsys, mentor, "enrol", str(enrolment_file))
    assert code != 0 and "from your supervisor" in err
    _no_hint(out + err, fp)

    code, out, err = _run(
        monkeypatch, capsys, mentor, "enrol", str(enrolment_file), "--fingerprint", "AAAA-BBBB-CCCC-DDDD"
    )
    assert code != 0 and "don't match" in err
    _no_hint(out + err, fp)

    # On a terminal it asks, and shows nothing of the file's before the answer.
    code, out, err = _run(
        monkeypatch,
        capsys,
        mentor,
        "enrol",
        str(enrolment_file),
        stdin="ZZZZ-ZZZZ-ZZZZ-ZZZZ\n" + PASSPHRASE + "\n",
        tty=True,
    )
    assert code != 0
    _no_hint(out + err, fp)
    with _reopen(mentor) as p:
        assert current_enrolment(p) is None

    code, out, err = _run(
        monkeypatch,
        capsys,
        mentor,
        "enrol",
        str(enrolment_file),
        stdin=fp.lower().replace("-", " ") + "\n" + PASSPHRASE + "\n",
        tty=True,
    )
    assert code == 0, err
    assert "Enrolled with" in out
    assert f"(escrow): {ESCROW}" in out and "second key your organisation keeps for emergencies" in out
    with _reopen(mentor) as p:
        assert current_enrolment(p).fingerprint == fp


def test_the_sharing_screen_asks_for_the_fingerprint_before_showing_the_file(qtbot, make_profile, org, enrolment_file):
    from mentor_app.ui.sync_dialog import SyncDialog

    mentor, _ = make_profile("mentor")
    fp = parse_enrolment(enrolment_file.read_bytes()).fingerprint
    dialog = SyncDialog(mentor)
    qtbot.addWidget(dialog)

    # Its own fingerprint, large, to read to the supervisor.
    mine = device_key(mentor).fingerprint
    assert mine in dialog.own_fingerprint.text() and "Read this to your supervisor" in dialog.own_fingerprint.text()
    assert "font-size: 24pt" in dialog.own_fingerprint.text()
    assert "read this to your supervisor" in dialog.own_fingerprint.accessibleName().lower()
    assert mine not in dialog.status.text()

    told: list[str] = []
    dialog.tell = lambda text, warning=False: told.append(text)
    seen: list[str] = []
    shown = lambda: dialog.status.text() + dialog.own_fingerprint.text()  # noqa: E731
    dialog.ask_fingerprint = lambda: (seen.append("ask:" + ("fp" if fp in shown() else "")), "AAAA-BBBB-CCCC-DDDD")[1]
    dialog.confirm = lambda text: seen.append("confirm") or True
    assert dialog.enrol(enrolment_file) is None
    assert seen == ["ask:"]  # asked first, and nothing shown yet named the file's fingerprint
    assert "don't match" in told[-1]
    _no_hint(told[-1], fp)
    assert current_enrolment(mentor) is None

    asked: list[str] = []
    dialog.ask_fingerprint = lambda: fp.replace("-", "")
    dialog.confirm = lambda text: asked.append(text) or True
    assert dialog.enrol(enrolment_file) == "enrolled"
    assert "The fingerprint matches" in asked[0] and told[-1].startswith("Enrolled with")
    assert f"second key your organisation keeps for emergencies (escrow): {ESCROW}" in asked[0]
    assert ESCROW in dialog.status.text()
    assert current_enrolment(mentor).fingerprint == fp


# -- the approval ceremony ---------------------------------------------------------


@pytest.fixture
def pending(make_profile, org, shared):
    mentor = _enrolled(make_profile, org, shared)
    _add_person(mentor, "Pending Person")
    trip(mentor)
    summary = import_folder(org, shared)
    assert summary.batches_imported == 0 and summary.quarantined
    return mentor


def test_approving_needs_the_fingerprint_the_mentor_reads_out(org, pending, shared):
    fp = device_key(pending).fingerprint
    for typed in ("AAAA-BBBB-CCCC-DDDD", "", fp[:14]):
        with pytest.raises(BadInput) as refused:
            register.approve(org.conn, typed, "Mentor Alice", chosen=fp)
        _no_hint(refused.value.message, fp)
        with pytest.raises(BadInput) as refused:
            register.approve(org.conn, typed, "Mentor Alice")  # the command line: FP is what was read out
        _no_hint(refused.value.message, fp)
    assert register.device_status(org.conn, fp) == "pending"
    assert not _held(org)

    device = register.approve(org.conn, fp.lower().replace("-", ""), "Mentor Alice", chosen=fp)
    assert device.status == "approved" and device.mentor_name == "Mentor Alice" and not device.name_given_by_device
    assert import_folder(org, shared).batches_imported == 1 and _held(org)


def test_the_command_line_approval_refuses_a_wrong_fingerprint_without_a_hint(org, pending, monkeypatch, capsys):
    fp = device_key(pending).fingerprint
    code, out, err = _run(monkeypatch, capsys, org, "mentors", "approve", "AAAA-BBBB-CCCC-DDDD", "--name", "Alice")
    assert code != 0 and "No device in the register has that fingerprint" in err
    _no_hint(out + err, fp)
    code, out, err = _run(monkeypatch, capsys, _reopen(org), "mentors", "approve", fp, "--name", "Alice")
    assert code == 0, err
    with _reopen(org) as p:
        assert register.device_status(p.conn, fp) == "approved"


def test_names_a_device_gives_itself_are_marked_until_the_supervisor_names_it(qtbot, org, pending, monkeypatch, capsys):
    from mentor_app.ui.approve_dialog import ApproveDeviceDialog
    from mentor_app.ui.supervisor_window import SupervisorWindow

    fp = device_key(pending).fingerprint
    org.conn.execute("UPDATE mentor_devices SET mentor_name = 'Mentor Alice (new laptop)' WHERE fingerprint = ?", (fp,))
    device = register.list_devices(org.conn)[0]
    assert device.mentor_name == "Mentor Alice (new laptop) (name given by the device)"
    assert device.name_given_by_device

    window = SupervisorWindow(org)
    qtbot.addWidget(window)
    cells = [window.mentors.item(0, c).text() for c in range(window.mentors.columnCount())]
    assert "Mentor Alice (new laptop) (name given by the device)" in cells

    dialog = ApproveDeviceDialog(org.conn, device, window)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(window.summary)))
    assert "(name given by the device)" in texts
    _no_hint(texts, fp)  # the thing to type is never shown to copy
    assert not dialog.fingerprint.text()
    dialog.fingerprint.setText("AAAA-BBBB-CCCC-DDDD")
    dialog.name.setText("Alice Smith")
    dialog.approve()
    assert dialog.approved is None and "isn't the fingerprint of the device you chose" in dialog.error.text()
    _no_hint(dialog.error.text(), fp)
    assert register.device_status(org.conn, fp) == "pending"
    dialog.fingerprint.setText(fp)
    dialog.approve()
    assert dialog.approved is not None
    device = register.list_devices(org.conn)[0]
    assert device.mentor_name == "Alice Smith" and not device.name_given_by_device
    window.refresh()
    assert window.mentors.item(0, 2).text() == "Alice Smith"

    # The command line's list shows the marking too.
    org.conn.execute(
        "INSERT INTO mentor_devices(fingerprint, device_key, mentor_name, status, first_seen) "
        "VALUES ('QQQQ-QQQQ-QQQQ-QQQQ', ?, 'Supervisor', 'pending', '2026-01-01')",
        (b64(bytes(32)),),
    )
    window.close()
    code, out, _ = _run(monkeypatch, capsys, org, "mentors")
    assert code == 0 and "Supervisor (name given by the device)" in out and "Alice Smith (name" not in out
    assert "QQQQ-QQQQ-QQQQ-QQQQ" not in out  # a waiting device's fingerprint is read out by the mentor, not copied


def test_a_different_key_with_the_same_fingerprint_is_not_the_approved_device(make_profile, org, shared):
    mentor = _enrolled(make_profile, org, shared)
    real = device_key(mentor)
    other = SigningKey(new_signing_private())
    # The register approved a device whose full key differs but whose fingerprint is the same as this one's.
    org.conn.execute(
        "INSERT INTO mentor_devices(fingerprint, device_key, mentor_name, status, first_seen, decided_at) "
        "VALUES (?, ?, 'Mentor Alice', 'approved', '2026-01-01', '2026-01-01')",
        (real.fingerprint, b64(other.public)),
    )
    assert register.note_device(org.conn, real.public, "Mentor Alice") == "pending"
    assert register.key_differs(org.conn, real.public)

    _add_person(mentor, "Collision Person")
    trip(mentor)
    summary = import_folder(org, shared)
    assert summary.batches_imported == 0 and summary.quarantined
    assert not _held(org)


def test_approving_stores_the_full_key_and_a_colliding_key_stays_out(make_profile, org, pending, shared):
    fp = device_key(pending).fingerprint
    register.approve(org.conn, fp, "Mentor Alice", chosen=fp)
    stored = json.loads(org.get_setting(register.APPROVED_KEYS))
    assert stored[fp] == b64(device_key(pending).public)
    # Even if the register's own row were changed to another key, the approved key decides.
    org.conn.execute("UPDATE mentor_devices SET device_key = ? WHERE fingerprint = ?", (b64(bytes(32)), fp))
    assert register.note_device(org.conn, device_key(pending).public, "x") == "approved"
    assert register.note_device(org.conn, bytes(32), "x") == "pending"


# -- key rotation --------------------------------------------------------------------


@pytest.fixture
def world(make_profile, org, shared):
    mentor = _enrolled(make_profile, org, shared)
    fp = device_key(mentor).fingerprint
    register.note_device(org.conn, device_key(mentor).public, "M")
    register.approve(org.conn, fp, "Mentor One")
    return mentor


def _only(identity: str, path: Path) -> batch_format.OpenedBatch:
    return batch_format.open_batch(path.read_bytes(), [identity])


def test_rotate_keys_reaches_the_mentor_on_the_next_trip_and_old_batches_still_import(
    world, org, shared, monkeypatch, capsys
):
    from mentor_app.exchange import publish

    mentor = world
    folder = device_folder(shared, mentor)
    _add_person(mentor, "Before Rotation")
    trip(mentor)
    assert import_folder(org, shared).batches_imported == 1
    publish.publish(org, shared)
    assert publish.pick_up(mentor, shared) is not None
    _add_person(mentor, "Sealed Before")  # sealed to the old key, imported only after the rotation
    trip(mentor)
    old_identities, old_signing = organisation_keys(org)

    code, out, err = _run(monkeypatch, capsys, org, "rotate-keys")
    assert code == 0, err
    org = _reopen(org)
    identities, signing = organisation_keys(org)
    assert signing.public != old_signing.public and identities[1:] == old_identities  # old ones kept for reading
    assert signing.fingerprint in out and old_signing.fingerprint in out
    statements = list((shared / "keys").glob("rotation-*.mentorkeys"))
    assert len(statements) == 1 and (statements[0].stat().st_mode & 0o777) == 0o644
    raw = json.loads(statements[0].read_text())
    assert raw["format"] == "mentor-app-key-rotation" and raw["recipient"] == str(
        x25519.Identity.from_str(identities[0]).to_public()
    )
    assert raw["previous_fingerprint"] == old_signing.fingerprint and raw["fingerprint"] == signing.fingerprint

    # The mentor's next trip takes the new keys: no ceremony, and the next batch goes to the new recipient.
    _add_person(mentor, "After Rotation")
    result = trip(mentor)
    now = current_enrolment(mentor)
    assert now.signing_key == signing.public and now.recipients[0] == raw["recipient"]
    assert old_identities and raw["recipient"] not in [
        str(x25519.Identity.from_str(i).to_public()) for i in old_identities
    ]
    newest = folder / result.sealed[-1][1]
    opened = _only(identities[0], newest)  # readable with the new identity alone
    assert opened.manifest["recipients"] == [raw["recipient"]]
    with pytest.raises(batch_format.BatchInvalid):
        _only(old_identities[0], newest)
    held = len(_held(org))
    summary = import_folder(org, shared)
    assert summary.batches_imported == 2, summary.quarantined  # the one sealed before, and the new one
    assert len(_held(org)) == held + 6

    # Receipts and publications signed by the new key are accepted.
    trip(mentor)
    from mentor_app.exchange import outbox

    assert not outbox.sent(mentor.conn, only_unreceived=True)
    assert not mentor.get_setting(publish.PROBLEM)
    publish.publish(org, shared)
    assert publish.pick_up(mentor, shared) is not None and not mentor.get_setting(publish.PROBLEM)
    assert len(list((shared / publish.FOLDER).glob("*" + publish.SUFFIX))) == 2  # the old key's one was removed

    # The enrolment file written now carries the new keys, and this mentor accepts it.
    fresh = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    assert fresh.signing_key == signing.public and fresh.recipients[0] == raw["recipient"]
    assert accept_enrolment(mentor, fresh, fresh.fingerprint) == "updated"
    assert current_enrolment(mentor).signing_key == signing.public
    org.close()


def test_rotations_chain_and_a_mentor_who_missed_them_takes_them_all(make_profile, org, shared):
    late = _enrolled(make_profile, org, shared, "late")
    first = rekey.rotate_keys(org, shared)
    second = rekey.rotate_keys(org, shared)
    assert first.fingerprint != second.fingerprint
    identities, signing = organisation_keys(org)
    assert len(identities) == 3
    enrolment = rotation.read_key_rotations(late, shared, current_enrolment(late))
    assert enrolment.fingerprint == second.fingerprint == signing.fingerprint
    assert enrolment.recipients[:2] == [second.recipient, first.recipient]
    late.close()
    late = _reopen(late)
    assert current_enrolment(late).fingerprint == second.fingerprint  # kept, and checked again on reading
    old_file = parse_enrolment(late.get_setting(ENROLMENT).encode())
    with pytest.raises(EnrolmentError, match="old keys"):
        accept_enrolment(late, old_file, old_file.fingerprint)
    # A mentor enrolled with the new file after the rotations ignores the old statements.
    newcomer, _ = make_profile("newcomer")
    fresh = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    accept_enrolment(newcomer, fresh, fresh.fingerprint, shared_folder=str(shared))
    assert rotation.read_key_rotations(newcomer, shared, current_enrolment(newcomer)).fingerprint == second.fingerprint
    late.close()


def test_a_new_enrolment_file_after_rotation_is_taken_once_the_statement_is_seen(make_profile, org, shared):
    mentor = _enrolled(make_profile, org, shared)
    rekey.rotate_keys(org, shared)
    fresh = parse_enrolment(json.dumps(make_enrolment(org)).encode())
    # The mentor's app has not been on a trip yet: accepting the new file reads the statement first.
    assert accept_enrolment(mentor, fresh, fresh.fingerprint) == "updated"
    assert current_enrolment(mentor).signing_key == fresh.signing_key

    # Without the statement, a file with another signing key is another organisation's.
    stranger, _ = make_profile("stranger", role="supervisor")
    foreign = parse_enrolment(json.dumps(make_enrolment(stranger)).encode())
    with pytest.raises(EnrolmentError, match="different organisation"):
        accept_enrolment(mentor, foreign, foreign.fingerprint)


def _forged(previous: SigningKey, signer: SigningKey, claims_previous: bytes | None = None) -> dict:
    attacker_identity = x25519.Identity.generate()
    new = SigningKey(new_signing_private())
    statement = {
        "format": rotation.FORMAT,
        "version": rotation.VERSION,
        "organisation": "Evil",
        "previous_signing_key": b64(claims_previous or previous.public),
        "previous_fingerprint": fingerprint(claims_previous or previous.public),
        "signing_key": b64(new.public),
        "fingerprint": new.fingerprint,
        "recipient": str(attacker_identity.to_public()),
        "issued_at": "2099-01-01T00:00:00+00:00",
    }
    statement["signature"] = signer.sign(signed_bytes(statement))
    return statement


def test_a_rotation_statement_signed_by_any_other_key_is_ignored(world, org, shared):
    mentor = world
    _, real = organisation_keys(org)
    attacker = SigningKey(new_signing_private())
    keys = shared / "keys"
    keys.mkdir()
    # Names the organisation's key as the previous one, but is signed by another key.
    (keys / "rotation-9999-a.mentorkeys").write_text(json.dumps(_forged(real, attacker, real.public)))
    # Properly signed, but by a key the mentor never enrolled with.
    (keys / "rotation-9999-b.mentorkeys").write_text(json.dumps(_forged(attacker, attacker)))
    (keys / "rotation-9999-c.mentorkeys").write_bytes(b"{" * 5000)
    (keys / "rotation-9999-d.mentorkeys").write_bytes(b"x" * (rotation.MAX_BYTES + 1))
    before = current_enrolment(mentor)
    _add_person(mentor, "Still Safe")
    result = trip(mentor)
    after = current_enrolment(mentor)
    assert after.signing_key == before.signing_key == real.public and after.recipients == before.recipients
    newest = device_folder(shared, mentor) / result.sealed[-1][1]
    assert _only(organisation_keys(org)[0][0], newest)
    assert import_folder(org, shared).batches_imported == 1

    # A genuine rotation written after the forgeries is still taken.
    genuine = rekey.rotate_keys(org, shared)
    assert rotation.read_key_rotations(mentor, shared, current_enrolment(mentor)).fingerprint == genuine.fingerprint


def test_two_different_rotations_from_the_same_key_are_both_left_alone(world, org, shared):
    mentor = world
    _, real = organisation_keys(org)
    keys = shared / "keys"
    keys.mkdir()
    (keys / "rotation-1.mentorkeys").write_text(json.dumps(_forged(real, real)))
    (keys / "rotation-2.mentorkeys").write_text(json.dumps(_forged(real, real)))
    assert rotation.read_key_rotations(mentor, shared, current_enrolment(mentor)).signing_key == real.public


def test_rotate_keys_is_for_supervisors_with_a_reachable_shared_folder(world, org, tmp_path):
    with pytest.raises(BadInput):
        rekey.rotate_keys(world, tmp_path / "shared")
    _, before = organisation_keys(org)
    with pytest.raises(BadInput, match="shared folder can't be found"):
        rekey.rotate_keys(org, tmp_path / "nowhere")
    assert organisation_keys(org)[1].public == before.public


def test_a_statement_missing_from_the_drive_is_written_again(world, org, shared, monkeypatch, capsys):
    result = rekey.rotate_keys(org, shared)
    result.statement.unlink()
    code, out, err = _run(monkeypatch, capsys, org, "rotate-keys", "--write-statements")
    assert code == 0, err
    assert "1 key statement" in out
    assert rotation.read_key_rotations(world, shared, current_enrolment(world)).fingerprint == result.fingerprint


def test_the_supervisor_window_has_a_rotate_keys_button(qtbot, org):
    from PySide6.QtWidgets import QPushButton

    from mentor_app.ui.supervisor_window import SupervisorWindow

    window = SupervisorWindow(org)
    qtbot.addWidget(window)
    buttons = {b.accessibleName(): b for b in window.findChildren(QPushButton)}
    assert "New organisation keys" in buttons
    assert buttons["New organisation keys"].text() == "New organisation ke&ys…"
    window.close()
