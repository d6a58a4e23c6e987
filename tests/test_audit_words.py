"""The audit trail and the supervisor's filters in words a person understands.

The window names the kind of record and whom or what day it was about ("Meeting
of 29 Nov 2026", "Batch 2 from Sam Mentor's laptop"), says when a record has
gone, and never shows an id; the export keeps the ids for an investigation.
Days and months are typed as people write them, and one that can't be read is
said plainly with nothing lost.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.privacy.erasure import erase_mentee
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee
from mentor_app.reports import dashboard
from mentor_app.ui.audit_dialog import AuditDialog

HEX_ID = re.compile(r"\b[0-9a-f]{8}\b|[0-9a-f]{8}-[0-9a-f]{4}")
FINGERPRINT = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")


def _rows(dialog) -> list[list[str]]:
    t = dialog.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def _no_ids(rows, *ids) -> None:
    shown = "\n".join(" | ".join(r) for r in rows)
    assert not HEX_ID.search(shown), shown
    assert not FINGERPRINT.search(shown), shown
    for i in ids:
        assert i not in shown and i[:8] not in shown


@pytest.fixture
def shared(make_profile, tmp_path):
    """A mentor who shared Robin (by consent) with a concern, and the supervisor who imported it."""
    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    robin = store.save(mentor.conn, Mentee(name="Robin Quarry", status="active"), author=mentor.author)
    store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=robin
    )
    meeting = store.save(
        mentor.conn, Meeting(starts_at="2026-11-29T10:00", notes="At the gym"), author=mentor.author, mentee_id=robin
    )
    concern = store.save(
        mentor.conn,
        Concern(category="exploitation", raised_at="2026-11-28T11:00", what_happened="Asked to carry parcels"),
        author=mentor.author,
        mentee_id=robin,
    )
    trip(mentor)
    register.note_device(sup.conn, device_key(mentor).public, "")
    register.approve(sup.conn, device_key(mentor).fingerprint, "Sam Mentor")
    import_folder(sup, drive)
    return sup, mentor, {"robin": robin, "meeting": meeting, "concern": concern}


def test_the_mentors_trail_names_records_and_people_and_says_what_has_gone(qtbot, shared, tmp_path, monkeypatch):
    _, mentor, ids = shared
    sam = store.save(mentor.conn, Mentee(name="Sam Tiller"), author=mentor.author)
    store.save(mentor.conn, Meeting(starts_at="2026-11-20T10:00"), author=mentor.author, mentee_id=sam)
    store.delete(mentor.conn, ids["meeting"], author=mentor.author)
    erase_mentee(mentor, sam, "Their request by letter")
    dialog = AuditDialog(mentor)
    qtbot.addWidget(dialog)
    rows = _rows(dialog)
    _no_ids(rows, *ids.values(), sam)
    records = {r[2] for r in rows}
    assert "Meeting of 29 Nov 2026, since deleted" in records
    assert "Safeguarding concern of 28 Nov 2026" in records
    assert "Batch 1 to your supervisor" in records and "Their details" in records
    assert "Meeting, no longer here" in records  # Sam's meeting went with the erasure
    about = {r[3] for r in rows}
    assert "Robin Quarry" in about and "someone no longer in these records" in about and "Sam Tiller" not in about
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", r[0]) for r in rows)  # when, in words
    shared_row = next(r for r in rows if r[1] == "Shared with the supervisor")
    assert "in full, as they agreed" in shared_row[4] or "as safeguarding" in shared_row[4]

    # The export for an investigation keeps the ids.
    target = tmp_path / "trail.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    dialog.export()
    with target.open(newline="", encoding="utf-8") as f:
        exported = {row["record_id"] for row in csv.DictReader(f)}
    assert ids["meeting"] in exported and ids["concern"] in exported


def test_the_supervisors_trail_names_batches_by_laptop_and_notes_by_concern(qtbot, shared):
    sup, mentor, ids = shared
    dashboard.acknowledge(sup.conn, ids["concern"], "Rang the safeguarding lead", "Sup")
    dialog = AuditDialog(sup)
    qtbot.addWidget(dialog)
    rows = _rows(dialog)
    _no_ids(rows, *ids.values(), device_key(mentor).fingerprint)
    imports = [r for r in rows if r[1] == "Imported a mentor's log"]
    assert {r[2] for r in imports} == {"Batch 1 from Sam Mentor's laptop", "Batch 2 from Sam Mentor's laptop"}
    assert all(re.fullmatch(r"\d+ records?", r[4]) for r in imports)
    note = next(r for r in rows if r[2].startswith("Your note"))
    assert note[2] == "Your note on the safeguarding concern of 28 Nov 2026" and note[3] == "Robin Quarry"
    people = [dialog.person.itemText(i) for i in range(dialog.person.count())]
    assert "Robin Quarry" in people  # the supervisor can look for a person by name too


def test_days_are_typed_in_words_and_one_that_cant_be_read_is_said_plainly(qtbot, shared, monkeypatch):
    _, mentor, _ = shared
    dialog = AuditDialog(mentor)
    qtbot.addWidget(dialog)
    everything = _rows(dialog)
    assert dialog.since.placeholderText() == "from, e.g. 1 Nov 2026"
    dialog.since.setText("32/13")
    dialog.since.editingFinished.emit()
    assert dialog.problem.isVisibleTo(dialog)
    assert "Couldn't read “32/13” as a date" in dialog.problem.text() and dialog.problem.text().startswith("From")
    assert dialog.since.text() == "32/13" and _rows(dialog) == everything  # nothing lost, nothing hidden
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: asked.append(1) or ("", "")))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _w, _t, text, *a: warned.append(text)))
    dialog.export()
    assert not asked and "Nothing was exported" in warned[-1]

    dialog.since.setText("tomorrow")
    dialog.since.editingFinished.emit()
    assert dialog.problem.text() == "" and _rows(dialog) == []  # nothing happened after today
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", dialog.since.text())  # shown back as understood
    dialog.since.setText("1/1/2026")
    dialog.until.setText("today")
    dialog.until.editingFinished.emit()
    assert dialog.since.text() == "1 Jan 2026" and _rows(dialog) == everything
    dialog.since.setText("today")
    dialog.until.setText("1 Jan 2026")
    dialog.until.editingFinished.emit()
    assert "is after the last" in dialog.problem.text()


def _fits(field) -> bool:
    return field.width() >= field.fontMetrics().horizontalAdvance(field.placeholderText()) + 8


def test_the_placeholders_are_whole_on_a_1024_by_600_screen(qtbot, shared):
    from mentor_app.ui.supervisor_window import SupervisorWindow

    sup, mentor, _ = shared
    for profile in (mentor, sup):
        dialog = AuditDialog(profile)
        qtbot.addWidget(dialog)
        assert dialog.minimumSizeHint().width() <= 1024
        dialog.resize(1024 - 16, 600 - 40)
        dialog.show()
        for field in (dialog.since, dialog.until):
            assert _fits(field), (field.placeholderText(), field.width())
        dialog.done(0)
    window = SupervisorWindow(sup)
    qtbot.addWidget(window)
    window.resize(1024 - 16, 600 - 40)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.show()
    window.tabs.setCurrentIndex(2)
    assert window.start_month.placeholderText() == "from month, e.g. Apr 2026"
    for field in (window.start_month, window.end_month):
        assert field.isVisible() and _fits(field), (field.placeholderText(), field.width())
    window.idle.stop()
    window.close()


def test_the_supervisors_months_are_typed_in_words(qtbot, shared, monkeypatch):
    from mentor_app.ui.supervisor_window import SupervisorWindow

    sup = shared[0]
    window = SupervisorWindow(sup)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.show()
    window.tabs.setCurrentIndex(2)
    asked = []
    real = dashboard.activity
    monkeypatch.setattr(
        dashboard,
        "activity",
        lambda conn, fp="", start="", end="": asked.append((start, end)) or real(conn, fp, start, end),
    )
    window.start_month.setText("apr 26")
    window.end_month.setText("11/2026")
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.end_month.editingFinished.emit()
    assert asked[-1] == ("2026-04", "2026-11")
    assert (window.start_month.text(), window.end_month.text()) == ("Apr 2026", "Nov 2026")
    assert not window.month_problem.isVisibleTo(window)
    window.end_month.setText("Smarch")
    calls = len(asked)
    window.end_month.editingFinished.emit()
    assert (
        window.month_problem.isVisibleTo(window) and "Couldn't read “Smarch” as a month" in window.month_problem.text()
    )
    assert window.end_month.text() == "Smarch" and len(asked) == calls  # kept to put right; nothing recounted
    window.end_month.setText("Mar 2026")
    window.end_month.editingFinished.emit()
    assert "is after the last" in window.month_problem.text()
    window.idle.stop()
    window.close()
