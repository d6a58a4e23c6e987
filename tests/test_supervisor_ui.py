"""The supervisor's window on an organisation with imported logs."""

from __future__ import annotations

import json

import pytest
from test_accessibility import unnamed_focusable

from mentor_app import demo
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.reports import dashboard
from mentor_app.reports.figures import supervisor_figures
from mentor_app.ui.supervisor_window import SupervisorWindow


@pytest.fixture
def supervisor(make_profile, tmp_path):
    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    for n in range(2):
        mentor, _ = make_profile(f"mentor{n}")
        demo.generate(mentor, seed=10 + n, mentees=5, weeks=8)
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        trip(mentor)
        register.note_device(sup.conn, device_key(mentor).public, "")
        register.approve(sup.conn, device_key(mentor).fingerprint, f"Mentor {n}")
    import_folder(sup, drive)
    return sup


def test_dashboard_shows_concerns_first_and_acknowledging_clears_them(qtbot, supervisor):
    window = SupervisorWindow(supervisor)
    qtbot.addWidget(window)
    window.show()
    # The counting happens off the UI thread: the window is usable while the tables fill.
    assert "Counting" in window.summary.text() or "updating" in window.summary.text()
    qtbot.waitSignal(window.refreshed, timeout=20_000).wait()
    assert "updating" not in window.summary.text()
    assert window.tabs.tabText(0).replace("&", "") == "Safeguarding"
    open_concerns = dashboard.concerns(supervisor.conn)
    assert window.concerns.rowCount() == len(open_concerns) > 0
    assert window.concerns.item(0, 2).text()  # the mentee's name: shared on the basis of safeguarding
    assert window.caseload.rowCount() == 2
    assert "Meetings per week" in window.meetings_chart.accessibleDescription()
    assert unnamed_focusable(window) == []
    window.concerns.selectRow(0)
    dashboard.acknowledge(
        supervisor.conn, window.concerns.item(0, 0).data(0x0100), "Called the mentor; police told", "Sup"
    )
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.refresh()
    assert window.concerns.rowCount() == len(open_concerns) - 1
    assert window.people.rowCount() > 0
    window.people.selectRow(0)
    assert window.person.rowCount() > 0
    from mentor_app.storage import audit

    viewed = audit.entries(supervisor.conn, action="view", limit=1)[0]
    assert viewed.record_id == window.people.item(0, 0).data(0x0100)  # a supervisor's look is on record too
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.mentor_filter.setCurrentIndex(1)
    one_mentor = int(window.summary.text().split(" · ")[1].split()[0])
    assert 0 < one_mentor < supervisor_figures(supervisor.conn).people
    names = {window.people.item(r, 0).text() for r in range(window.people.rowCount())}
    consented = {name for _, name, _ in dashboard.shared_people(supervisor.conn)}
    assert names == consented
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        assert unnamed_focusable(window) == [], window.tabs.tabText(tab)
    window.lock()
    assert window.locked
    window.close()


@pytest.mark.slow
def test_a_double_clicked_log_is_imported_by_a_supervisor_and_refused_plainly_by_a_mentor(
    qtbot, make_profile, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from mentor_app.ui.app import open_file
    from mentor_app.ui.main_window import MainWindow

    said = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _w, _t, text, *a: said.append(text)))
    sup, _ = make_profile("sup", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    demo.generate(mentor, seed=3, mentees=3, weeks=4)
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    trip(mentor)
    first, batch = sorted(device_folder(drive, mentor).glob("*.mentorlog"))  # the concerns travel first
    register.note_device(sup.conn, device_key(mentor).public, "")
    register.approve(sup.conn, device_key(mentor).fingerprint, "Mentor")
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    loose = downloads / batch.name
    loose.write_bytes(batch.read_bytes())  # e.g. saved from an email, outside the shared folder
    (downloads / first.name).write_bytes(first.read_bytes())

    window = SupervisorWindow(sup)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitSignal(window.refreshed, timeout=20_000).wait()
    assert window.people.rowCount() == 0
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        open_file(window, loose)
    assert "1 batch waiting for an earlier batch" in said[-1]  # the second, alone, waits for the first
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        open_file(window, downloads / first.name)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        open_file(window, loose)
    assert said[-1].startswith("1 batch imported")
    assert window.people.rowCount() > 0
    window.close()

    mentor_window = MainWindow(mentor)
    qtbot.addWidget(mentor_window)
    open_file(mentor_window, loose)
    assert "nothing was imported" in said[-1]
    open_file(mentor_window, tmp_path / "notes.txt")
    assert "not a Mentor App log" in said[-1]
    mentor_window.close()


def test_the_queue_shows_what_the_mentor_did_and_a_closed_concern_is_not_urgent(
    qtbot, make_profile, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from mentor_app.records import store
    from mentor_app.records.types import Concern, Mentee

    said = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _w, _t, text, *a: said.append(text)))
    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    mid = store.save(mentor.conn, Mentee(name="Casey Queue", status="active"), author=mentor.author)
    store.save(
        mentor.conn,
        Concern(
            category="suicide_self_harm",
            urgency="immediate",
            raised_at="2026-08-01T10:00",
            what_happened="Said they had a plan",
            action_taken="Stayed with them; called 999",
            reported_to="Safeguarding lead",
            status="closed",
        ),
        author=mentor.author,
        mentee_id=mid,
    )
    store.save(
        mentor.conn,
        Concern(
            category="exploitation",
            urgency="today",
            raised_at="2026-11-30T10:00",
            what_happened="Asked to carry parcels",
        ),
        author=mentor.author,
        mentee_id=mid,
    )
    trip(mentor)
    register.note_device(sup.conn, device_key(mentor).public, "")
    register.approve(sup.conn, device_key(mentor).fingerprint, "Mentor")
    import_folder(sup, drive)

    window = SupervisorWindow(sup)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.show()
    cells = [
        [window.concerns.item(r, c).text() for c in range(window.concerns.columnCount())]
        for r in range(window.concerns.rowCount())
    ]
    closed = next(row for row in cells if "Said they had a plan" in row[-1])
    assert closed[0] == "Closed by the mentor" and "⚠" not in closed[0] and cells[-1] == closed  # not urgent, last
    assert "Stayed with them; called 999" in closed[5] and "reported to Safeguarding lead" in closed[5]
    assert closed[1] == "1 Aug 2026, 10:00"
    from PySide6.QtCore import QModelIndex

    window.concerns.clearSelection()
    window.concerns.setCurrentIndex(QModelIndex())
    assert window.acknowledge() is None  # nothing chosen: said so, no box about no concern
    assert "Choose the concern in the list first" in said[-1]
    window.close()


@pytest.mark.slow
def test_the_funder_report_saved_again_under_the_same_name_replaces_both_files(
    qtbot, supervisor, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    target = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: said.append(text)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k: said.append(text)))
    window = SupervisorWindow(supervisor)
    qtbot.addWidget(window)
    for attempt in (1, 2):  # the save dialog has asked "replace?" the second time
        window.make_report()
        qtbot.waitUntil(lambda attempt=attempt: len(said) == attempt, timeout=30_000)
        assert said[-1].startswith("Saved"), said[-1]
    assert target.stat().st_size > 1000 and target.with_suffix(".csv").read_text(encoding="utf-8")
    window.idle.stop()
