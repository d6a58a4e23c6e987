"""The supervisor's Justice Data Lab file from the window: the basis recorded, the file saved, what it holds."""

from __future__ import annotations

import json

import openpyxl
from PySide6.QtWidgets import QFileDialog

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Consent, Mentee
from mentor_app.storage import audit
from mentor_app.ui.supervisor_window import SupervisorWindow
from mentor_app.ui.worker import wait_for_jobs


def _shared_people(make_profile, tmp_path):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Mentor M")
    for name, jdl_consent in (("Ann Agreed", True), ("Ben Sharing", False)):
        mid = store.save(
            mentor.conn,
            Mentee(name=name, date_of_birth="1990-01-02", mentoring_started="2026-03-01", gender="female"),
            author=mentor.author,
        )
        scopes = ["share_with_organisation"] + (["justice_data_lab"] if jdl_consent else [])
        for scope in scopes:
            store.save(mentor.conn, Consent(scope=scope, on="2026-02-01"), author=mentor.author, mentee_id=mid)
    trip(mentor)
    import_folder(supervisor, drive)
    return supervisor


def test_the_supervisor_records_a_basis_and_saves_the_file_from_the_window(qtbot, make_profile, tmp_path, monkeypatch):
    supervisor = _shared_people(make_profile, tmp_path)
    window = SupervisorWindow(supervisor)
    qtbot.addWidget(window)
    dialog = window.open_jdl()
    assert "No lawful basis is recorded" in dialog.basis.text()

    target = tmp_path / "jdl.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog.save()
    qtbot.waitUntil(lambda: "Saved" in dialog.outcome.text(), timeout=20_000)
    assert "1 person." in dialog.outcome.text() and "at least 60 people" in dialog.outcome.text()
    data = openpyxl.load_workbook(target)["Data"]
    assert [row[0] for row in data.iter_rows(min_row=2, values_only=True)] == ["Agreed"]

    # The data protection officer's basis, recorded in the window, brings in Ben too.
    prompt = dialog.record_basis()
    qtbot.keyClicks(prompt.editor, "UK GDPR Article 6(1)(e): public task, as our DPO decided")
    prompt.ok_button.click()
    assert "recorded by" in dialog.basis.text() and "public task" in dialog.basis.text()
    assert audit.entries(supervisor.conn, action="jdl_basis")

    again = tmp_path / "again.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(again), ""))
    dialog.save()
    qtbot.waitUntil(lambda: "again.xlsx" in dialog.outcome.text(), timeout=20_000)
    rows = openpyxl.load_workbook(again)["Data"].iter_rows(min_row=2, values_only=True)
    assert sorted(row[0] for row in rows) == ["Agreed", "Sharing"]
    assert "public task" in dialog.outcome.text()

    dialog.start.setText("the spring")
    dialog.save()
    assert dialog.problem.isVisibleTo(dialog) and "From" in dialog.problem.text()
    wait_for_jobs()


def test_the_justice_data_lab_box_fits_a_small_laptop_and_each_alt_letter_is_used_once(qtbot, make_profile, tmp_path):
    from test_keyboard_and_small_screen import SMALL_SCREEN, TITLE_BAR, clashes

    supervisor, _ = make_profile("supervisor", role="supervisor")
    window = SupervisorWindow(supervisor)
    qtbot.addWidget(window)
    dialog = window.open_jdl()
    qtbot.waitExposed(dialog)
    assert clashes(dialog) == {}
    assert dialog.width() <= SMALL_SCREEN[0] and dialog.height() <= SMALL_SCREEN[1] - TITLE_BAR
    assert clashes(window) == {}  # the new menu item's letter is its own
