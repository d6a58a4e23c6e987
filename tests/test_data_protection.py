"""What a data protection officer must be able to show: the audit trail, subject access, erasure, retention."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import PASSPHRASE, run_cli

from mentor_app.errors import WrongPassphrase
from mentor_app.records import store
from mentor_app.records.types import Meeting, Mentee
from mentor_app.storage import audit
from mentor_app.storage.profile import open_profile

MARKER = "QZX-Harrowgate-Nightingale"


def _fields(entries) -> str:
    return "\n".join("|".join(map(str, vars(e).values())) for e in entries)


def test_the_audit_trail_says_who_did_what_to_which_record_and_never_what_it_says(make_profile):
    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name=f"{MARKER} Person"), author=profile.author)
    meeting = store.save(
        profile.conn,
        Meeting(starts_at="2026-11-20T10:00", notes=f"{MARKER} talked"),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Meeting(starts_at="2026-11-20T10:00", notes=f"{MARKER} changed"),
        author=profile.author,
        mentee_id=mid,
        record_id=meeting,
    )
    backup = profile.backup_now()
    store.delete(profile.conn, meeting, author=profile.author)
    path = profile.path
    profile.close()
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            open_profile(path, secret="not the passphrase")
    profile = open_profile(path, secret=PASSPHRASE)
    try:
        about = audit.entries(profile.conn, mentee_id=mid)
        assert [(e.action, e.record_id) for e in reversed(about)] == [
            ("create", mid),
            ("create", meeting),
            ("change", meeting),
            ("delete", meeting),
        ]
        assert all(e.actor == profile.author and e.at for e in about)
        assert [e.action for e in audit.entries(profile.conn)[:3]] == ["unlock", "failed_unlock", "failed_unlock"]
        assert MARKER not in _fields(audit.entries(profile.conn))
        # Append-only, even to the app's own code.
        for statement in ("UPDATE audit_log SET action = 'view'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="only be added to"):
                profile.conn.execute(statement)
        # A restore brings back old notes, not an old trail: the deletion stays on record.
        profile.restore(backup)
        assert store.get(profile.conn, meeting) is not None
        actions = [e.action for e in audit.entries(profile.conn, mentee_id=mid)]
        assert actions[0] == "delete" and "restore" in [e.action for e in audit.entries(profile.conn, limit=1)]
    finally:
        profile.close()


def test_audit_command_filters_and_exports_for_an_investigation(make_profile, tmp_path):
    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name=f"{MARKER} Person"), author=profile.author)
    store.save(profile.conn, Meeting(starts_at="2026-11-20T10:00", notes=MARKER), author=profile.author, mentee_id=mid)
    store.save(profile.conn, Mentee(name="Someone Else"), author=profile.author)
    path = profile.path
    profile.close()
    out = run_cli("--profile", str(path), "audit", "--mentee", mid, "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2 and all(mid in line for line in lines) and MARKER not in out.stdout
    target = tmp_path / "trail.csv"
    out = run_cli(
        "--profile",
        str(path),
        "audit",
        "--action",
        "create",
        "-o",
        str(target),
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {r["action"] for r in rows} == {"create"} and MARKER not in target.read_text()
    assert sorted(r["record_type"] for r in rows if r["record_type"] != "contact") == ["meeting", "mentee", "mentee"]
    again = run_cli("--profile", str(path), "audit", "-o", str(target), "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert again.returncode != 0 and "already" in again.stderr  # never overwritten
    with open_profile(path, secret=PASSPHRASE) as p:
        assert audit.entries(p.conn, action="audit_export")[0].detail == f"{len(rows)} entries"


def test_the_audit_dialog_filters_by_person_and_exports(qtbot, make_profile, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from mentor_app.ui.audit_dialog import AuditDialog
    from mentor_app.ui.main_window import MainWindow

    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name="Robin Quarry"), author=profile.author)
    other = store.save(profile.conn, Mentee(name="Sam Tiller"), author=profile.author)
    window = MainWindow(profile)
    qtbot.addWidget(window)
    window.show_mentee(mid)  # opening their page is itself on the record
    dialog = AuditDialog(profile, window, mid)
    qtbot.addWidget(dialog)
    shown = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert shown == {"Created a record", "Opened a person's page"}
    assert {dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())} == {"Robin Quarry"}
    dialog.person.setCurrentIndex(0)
    assert dialog.table.rowCount() > 2
    target = tmp_path / "trail.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    dialog.export()
    text = target.read_text(encoding="utf-8")
    assert mid in text and other in text and "Robin" not in text and "Sam" not in text
    window.idle.stop()
    window.close()


def _organisation(make_profile, tmp_path):
    import json as _json

    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.keys import device_key

    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(_json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(sup.conn, device_key(mentor).public, "")
    register.approve(sup.conn, device_key(mentor).fingerprint, "Mentor")
    return sup, mentor, drive


def _person(profile, name: str, consented: bool) -> str:
    from mentor_app.records.types import Concern, Consent

    mid = store.save(profile.conn, Mentee(name=name, status="active"), author=profile.author)
    if consented:
        store.save(
            profile.conn,
            Consent(scope="share_with_organisation", on="2026-01-01"),
            author=profile.author,
            mentee_id=mid,
        )
    for week in range(3):
        store.save(
            profile.conn,
            Meeting(
                starts_at=f"2026-11-0{week + 1}T10:00",
                kind="sport",
                duration_minutes=60,
                notes=f"{name} played football",
            ),
            author=profile.author,
            mentee_id=mid,
        )
    store.save(
        profile.conn,
        Concern(category="risk_from_others", raised_at="2026-11-02T12:00", what_happened=f"{name} was threatened"),
        author=profile.author,
        mentee_id=mid,
    )
    return mid


def _counted_people(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT coalesce(pseudonym, id) FROM shared_records WHERE type = 'mentee'")}


def _kept_mentioning(conn, text: str) -> int:
    return conn.execute("SELECT count(*) FROM kept_counts WHERE value LIKE ?", (f"%{text}%",)).fetchone()[0]


def _held_about(conn, text: str) -> int:
    return conn.execute("SELECT count(*) FROM records WHERE data LIKE ?", (f"%{text}%",)).fetchone()[0]


def test_erasure_reaches_records_search_backups_and_the_supervisor(make_profile, tmp_path, monkeypatch):
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.trip import trip
    from mentor_app.records.search import search
    from mentor_app.reports.dashboard import concerns
    from mentor_app.reports.figures import supervisor_figures
    from mentor_app.storage import backups, db

    sup, mentor, drive = _organisation(make_profile, tmp_path)
    named = _person(mentor, f"{MARKER} Named", consented=True)
    counted = _person(mentor, "Uncounted Person", consented=False)
    kept = _person(mentor, "Kept Person", consented=True)
    trip(mentor)
    import_folder(sup, drive)
    before = supervisor_figures(sup.conn)
    assert before.people == 3 and before.sport_sessions == 9
    from mentor_app.reports.dashboard import caseload_by_mentor
    from mentor_app.storage import kept as kept_counts

    monkeypatch.setattr(kept_counts, "KEEP_AFTER_SECONDS", 0.0)  # kept as a large organisation's are
    caseload_by_mentor(sup.conn)  # the dashboard's answers, kept until a shared record changes
    people_before = _counted_people(sup.conn)
    assert len(people_before) == 3 and all(_kept_mentioning(sup.conn, p) for p in people_before)
    from mentor_app.privacy.sar import gather

    held = gather(sup, named)  # the supervisor's subject access copy: what was shared with consent
    assert held["held_by"] == "supervisor" and len([r for r in held["records"] if r["type"] == "meeting"]) == 3
    assert "Kept Person" not in str(held) and held["person"]["fields"]["name"].startswith(MARKER)
    backup = mentor.backup_now()

    from mentor_app.errors import BadInput
    from mentor_app.privacy.erasure import erase_mentee

    with pytest.raises(BadInput, match="why"):
        erase_mentee(mentor, named, "  ")  # a reason is required
    assert _held_about(mentor.conn, MARKER) > 0

    for mid in (named, counted):
        result = erase_mentee(mentor, mid, "Their written request of 27 November")
        assert result.records >= 5 and result.backups_rewritten >= 1 and not result.backups_not_rewritten
    assert _held_about(mentor.conn, MARKER) == 0 and search(mentor.conn, MARKER.split("-")[1]) == []
    assert store.get(mentor.conn, kept) is not None
    check = db.connect(backup, mentor.key, readonly=True)
    try:
        assert _held_about(check, MARKER) == 0 and _held_about(check, "Uncounted") == 0
        assert _held_about(check, "Kept Person") > 0  # everyone else is still restorable
    finally:
        check.close()
    assert all(backups.verify_backup(b.path, mentor.key).good for b in backups.list_backups(mentor.path))
    erased = audit.entries(mentor.conn, action="erase", mentee_id=named)
    assert erased and all(e.detail == "Their written request of 27 November" for e in erased)

    trip(mentor)
    import_folder(sup, drive)
    after = supervisor_figures(sup.conn)
    assert after.people == 1 and after.sport_sessions == 3  # counts of the erased went too
    caseload_by_mentor(sup.conn)
    erased_people = people_before - _counted_people(sup.conn)
    assert len(erased_people) == 2
    assert not any(_kept_mentioning(sup.conn, p) for p in erased_people)  # nothing kept still knows them
    held = sup.conn.execute(
        "SELECT count(*) FROM shared_records WHERE id IN (SELECT record_id FROM audit_log WHERE action = 'erase')"
    ).fetchone()[0]
    assert held == 0
    # A shared concern goes only when the supervisor agrees: the erasure waits in the Safeguarding tab.
    from mentor_app.exchange import requests

    waiting = requests.pending(sup.conn)
    assert waiting and set(waiting.values()) == {"erase"}
    assert {c.record_id for c in concerns(sup.conn) if c.deletion_requested == "erase"} == set(waiting)
    for record_id in waiting:
        requests.decide(sup.conn, record_id, True, "", "Supervisor")
    assert (
        sup.conn.execute("SELECT count(*) FROM shared_records WHERE fields LIKE ?", (f"%{MARKER}%",)).fetchone()[0] == 0
    )
    assert all(MARKER not in c.mentee_name for c in concerns(sup.conn))
    assert len(audit.entries(sup.conn, action="erase")) == 2


def test_subject_access_copy_has_everything_about_them_and_no_one_elses_name(make_profile, tmp_path):
    import json as _json
    import subprocess

    from mentor_app.records.types import Consent

    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name="Jordan Reeve", status="active"), author=profile.author)
    other = store.save(profile.conn, Mentee(name="Casey Lindqvist"), author=profile.author)
    store.save(
        profile.conn, Consent(scope="share_with_organisation", on="2026-02-01"), author=profile.author, mentee_id=mid
    )
    store.save(
        profile.conn,
        Consent(scope="share_with_organisation", on="2026-05-01", given=False),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Meeting(
            starts_at="2026-11-20T10:00",
            notes="Jordan met casey lindqvist at the gym; Casey was kind. Jordan's flat is sorted.",
        ),
        author=profile.author,
        mentee_id=mid,
    )
    store.save(
        profile.conn,
        Meeting(starts_at="2026-11-21T10:00", notes="Not about Jordan"),
        author=profile.author,
        mentee_id=other,
    )
    out_dir = tmp_path / "sar"
    out_dir.mkdir()
    path = profile.path
    profile.close()
    out = run_cli(
        "--profile",
        str(path),
        "sar",
        "--mentee",
        mid,
        "-o",
        str(out_dir),
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )
    assert out.returncode == 0, out.stderr
    [pdf] = out_dir.glob("*.pdf")
    [js] = out_dir.glob("*.json")
    data = _json.loads(js.read_text(encoding="utf-8"))
    assert data["person"]["fields"]["name"] == "Jordan Reeve" and data["redactions"] == 2
    [meeting] = [r for r in data["records"] if r["type"] == "meeting"]
    assert meeting["fields"]["notes"] == (
        "Jordan met [another person] at the gym; [another person] was kind. Jordan's flat is sorted."
    )
    assert [c["fields"]["given"] for c in data["consent_history"]] == [True, False]
    assert {e["action"] for e in data["audit_trail"]} >= {"create"}
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Subject access copy" in text and "Jordan Reeve" in text and "[another person]" in text
    assert "Casey" not in text and "Lindqvist" not in text and "Not about Jordan" not in text
    assert "Consent history" in text and "Who opened, changed, shared or printed" in text
    trail = "\n".join(
        line
        for line in text.split("Who opened, changed, shared or printed")[1].splitlines()
        if "Subject access copy ·" not in line
    )  # the footer gives the copy's reference
    assert "Meeting of 20 Nov 2026" in trail  # the record it was about, in words
    assert mid[:8] not in trail and not re.search(r"\d{4}-\d\d-\d\d", trail)  # never an id or an ISO date
    assert {e["record_id"] for e in data["audit_trail"]} >= {mid}  # the machine-readable copy keeps the ids
    again = run_cli(
        "--profile",
        str(path),
        "sar",
        "--mentee",
        mid,
        "-o",
        str(out_dir),
        "--passphrase-stdin",
        input=PASSPHRASE + "\n",
    )
    assert again.returncode != 0 and "nothing was overwritten" in again.stderr
    with open_profile(path, secret=PASSPHRASE) as p:
        assert audit.entries(p.conn, action="subject_access", mentee_id=mid)


def test_retention_deletes_what_is_due_after_a_case_closes_and_keeps_safeguarding_longer(make_profile, tmp_path):
    from datetime import date, timedelta

    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.trip import trip
    from mentor_app.privacy import retention
    from mentor_app.records.types import Concern, Consent, MentorLog

    sup, mentor, drive = _organisation(make_profile, tmp_path)
    closed = store.save(mentor.conn, Mentee(name="Closed Case", status="closed"), author=mentor.author)
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2020-01-01"), author=mentor.author, mentee_id=closed
    )
    meeting = store.save(
        mentor.conn, Meeting(starts_at="2026-01-05T10:00", notes="old"), author=mentor.author, mentee_id=closed
    )
    concern = store.save(
        mentor.conn,
        Concern(category="risk_from_others", raised_at="2026-01-05T12:00", what_happened="x"),
        author=mentor.author,
        mentee_id=closed,
    )
    active = store.save(mentor.conn, Mentee(name="Active Case", status="active"), author=mentor.author)
    store.save(mentor.conn, Meeting(starts_at="2026-01-05T10:00"), author=mentor.author, mentee_id=active)
    log = store.save(mentor.conn, MentorLog(on="2026-01-05", hours=2), author=mentor.author)
    trip(mentor)
    import_folder(sup, drive)
    policy = retention.load_policy(mentor)
    assert policy.years["meeting"] == 3 and policy.years["concern"] == 6 and not policy.automatic
    today = date.today()

    assert retention.due(mentor.conn, policy, today + timedelta(days=365)) == []
    in_four_years = {d.record_id for d in retention.due(mentor.conn, policy, today + timedelta(days=4 * 366))}
    assert meeting in in_four_years and log in in_four_years
    assert concern not in in_four_years and closed not in in_four_years and active not in str(in_four_years)
    everything = retention.due(mentor.conn, policy, today + timedelta(days=7 * 366))
    assert {d.record_id for d in everything} >= {meeting, concern, closed, log}
    assert everything.index(next(d for d in everything if d.record_id == concern)) < everything.index(
        next(d for d in everything if d.record_id == closed)
    )  # children first

    report = retention.delete_due(mentor, retention.due(mentor.conn, policy, today + timedelta(days=4 * 366)))
    assert report.counts() == {"meeting": 1, "consent": 1, "mentor_log": 1}
    assert "Closed Case" not in report.words() and "old" not in report.words()
    assert store.get(mentor.conn, concern) is not None and store.get(mentor.conn, meeting) is None
    assert [e.detail for e in audit.entries(mentor.conn, action="retention", record_id=meeting)] == [
        f"kept 3 years from {today.isoformat()}"
    ]
    trip(mentor)
    import_folder(sup, drive)
    gone = sup.conn.execute(
        "SELECT deleted, fields FROM shared_records WHERE id = ? AND current = 1", (meeting,)
    ).fetchone()
    assert gone == (1, "{}")  # the tombstone reached the supervisor

    with pytest.raises(Exception, match="between 1 and"):
        retention.save_policy(mentor, retention.Policy({**policy.years, "concern": 0}))
    retention.save_policy(mentor, retention.Policy({**policy.years, "concern": 1}, automatic=True))
    assert retention.load_policy(mentor).automatic
    report = retention.run_if_automatic(mentor, today + timedelta(days=2 * 366))
    assert report.counts() == {"concern": 1} and store.get(mentor.conn, concern) is None
    assert store.get(mentor.conn, closed) is not None  # the person's own record keeps its own period
    report = retention.run_if_automatic(mentor, today + timedelta(days=4 * 366))
    assert report.counts() == {"mentee": 1} and store.get(mentor.conn, closed) is None
    assert "the whole record of 1 person" in report.words()


def test_the_data_protection_menu_makes_a_copy_erases_and_shows_retention(qtbot, make_profile, tmp_path, monkeypatch):
    from datetime import date, timedelta

    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from mentor_app.privacy import retention
    from mentor_app.ui.main_window import MainWindow
    from mentor_app.ui.privacy_dialogs import RetentionDialog

    said = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _w, _t, text, *a: said.append(text)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name="Robin Quarry", status="closed"), author=profile.author)
    store.save(
        profile.conn, Meeting(starts_at="2026-01-05T10:00", notes="Robin's note"), author=profile.author, mentee_id=mid
    )
    window = MainWindow(profile)
    qtbot.addWidget(window)
    window.show_mentee(mid)
    window.subject_access()
    assert list(tmp_path.glob("subject-access-*.pdf")) and "Read it through" in said[-1]

    dialog = RetentionDialog(profile, window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and not dialog.delete_button.isEnabled()
    later = date.today() + timedelta(days=4 * 366)
    monkeypatch.setattr(
        retention, "due", lambda conn, policy, today=None, _due=retention.due: _due(conn, policy, later)
    )
    dialog.spins["meeting"].setValue(2)
    assert dialog.table.rowCount() == 2 and dialog.table.item(0, 1).text() == "Robin Quarry"
    dialog.save()
    assert retention.load_policy(profile).years["meeting"] == 2
    dialog.delete_now()
    assert "Deleted at the end of their retention period" in said[-1] and store.get(profile.conn, mid) is None

    other = store.save(profile.conn, Mentee(name="Sam Tiller"), author=profile.author)
    window.show_mentee(other)
    prompt = window.erase_person()
    prompt.editor.setText("Their request by letter")
    prompt.ok_button.click()
    assert store.get(profile.conn, other) is None and said[-1].startswith("Erased")
    assert audit.entries(profile.conn, action="erase", mentee_id=other)[0].detail == "Their request by letter"
    window.idle.stop()
    window.close()
