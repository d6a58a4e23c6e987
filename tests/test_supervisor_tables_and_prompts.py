"""The supervisor's tables keep their place on a record when they refresh, and every question box survives the lock.

A screen reader on Casey's row must go on saying Casey after another concern is
acknowledged and the queue refreshes; what the supervisor types in "Your note",
"Action taken", "Keep the concern", a revoke or a lost batch is still there
after locking and unlocking, and OK still saves it.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QMessageBox
from test_accessibility import unnamed_focusable
from test_keyboard_and_small_screen import clashes

from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.export import device_folder
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.trip import trip
from mentor_app.records import store
from mentor_app.records.types import Concern, Consent, Meeting, Mentee
from mentor_app.reports import dashboard
from mentor_app.storage import audit
from mentor_app.ui.prompts import Prompt
from mentor_app.ui.supervisor_window import SupervisorWindow

PEOPLE = {"Alex Larch": "2026-11-30T10:00", "Casey Queue": "2026-11-29T10:00", "Dee Ash": "2026-11-28T10:00"}


@pytest.fixture
def said(monkeypatch):
    """What the message boxes would have said (a real one would block offscreen); questions are answered Yes."""
    shown: list[str] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            staticmethod(lambda _w, _t, text, *a, **k: shown.append(text) or QMessageBox.StandardButton.Yes),
        )
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    return shown


@pytest.fixture
def world(make_profile, tmp_path):
    """A supervisor with one approved mentor's log: three people, each with a concern, Alex's the newest."""
    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    people = {}
    for name, raised in PEOPLE.items():
        mid = store.save(mentor.conn, Mentee(name=name, status="active"), author=mentor.author)
        store.save(
            mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=mid
        )
        store.save(
            mentor.conn,
            Meeting(starts_at="2026-11-20T10:00", notes=f"Met {name} at the gym"),
            author=mentor.author,
            mentee_id=mid,
        )
        store.save(
            mentor.conn,
            Concern(
                category="exploitation",
                urgency="today",
                raised_at=raised,
                what_happened=f"{name} was asked to carry parcels",
            ),
            author=mentor.author,
            mentee_id=mid,
        )
        people[name] = mid
    trip(mentor)
    register.note_device(sup.conn, device_key(mentor).public, "")
    register.approve(sup.conn, device_key(mentor).fingerprint, "Sam Mentor")
    import_folder(sup, drive)
    concern_of = {r.mentee_name: r.record_id for r in dashboard.concerns(sup.conn)}
    return sup, mentor, drive, people, concern_of


@pytest.fixture
def window(qtbot, world, said):
    sup = world[0]
    w = SupervisorWindow(sup)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.refreshed, timeout=20_000):
        w.show()
    qtbot.waitExposed(w)
    QAccessible.setActive(True)
    yield w
    w.idle.stop()


def _names(table, column: int = 2) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def _spoken(table) -> str:
    """What a screen reader reads for the focused cell of `table`."""
    focused = QAccessible.queryAccessibleInterface(table).focusChild()
    assert focused is not None, "the table has no focused cell"
    return focused.text(QAccessible.Text.Name)


def _on_person(table, name: str) -> None:
    """Arrow to the Mentee cell of `name`'s row, as a keyboard user would."""
    table.setFocus()
    row = _names(table).index(name)
    table.selectRow(row)
    table.setCurrentIndex(table.model().index(row, 2))


def _lock_and_unlock(window, prompt: Prompt) -> None:
    window.shell.lock()
    assert window.locked and not prompt.isVisible(), "the lock hides the box"
    window.shell.unlock()
    assert not window.locked and prompt.isVisible(), "unlocking brings the box back"


# -- tables with stable rows -------------------------------------------------------------


def test_a_refresh_after_another_concern_is_acknowledged_stays_on_the_same_person(qtbot, window, world):
    sup, _, _, _, concern_of = world
    table = window.concerns
    assert _names(table) == ["Alex Larch", "Casey Queue", "Dee Ash"]
    _on_person(table, "Casey Queue")
    assert _spoken(table) == "Casey Queue"
    # Someone else's concern (Alex's, the row above) is acknowledged and the queue refreshes.
    dashboard.acknowledge(sup.conn, concern_of["Alex Larch"], "Called the mentor", "Sup")
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.refresh()
    assert _names(table) == ["Casey Queue", "Dee Ash"]
    assert table.chosen_key() == concern_of["Casey Queue"]  # still on Casey's record, now the first row
    assert table.currentIndex().row() == 0 and table.selectionModel().isRowSelected(0, table.rootIndex())
    assert _spoken(table) == "Casey Queue", "a screen reader says the person whose row it is"
    # A new concern arriving above does not move the supervisor off Casey either.
    table.model_.set_rows(
        [["Today", "1 Dec 2026, 09:00", "Eve New", "", "", "", ""]]
        + [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())],
        ["new"] + [table.model_.key(r) for r in range(table.rowCount())],
    )
    assert table.chosen_key() == concern_of["Casey Queue"] and _spoken(table) == "Casey Queue"


def test_acknowledging_the_chosen_concern_moves_to_the_next_and_says_its_person(qtbot, window, world):
    sup, _, _, _, concern_of = world
    table = window.concerns
    _on_person(table, "Casey Queue")
    prompt = window.acknowledge()
    assert "Casey Queue" in prompt.about.text() and "29 Nov 2026, 10:00" in prompt.about.text()
    assert clashes(prompt) == {} and unnamed_focusable(prompt) == []
    assert prompt.editor.accessibleName() == "What was done, and by whom?"
    assert prompt.height() <= 600 - 40 and prompt.width() <= 1024  # fits a small laptop's screen
    qtbot.keyClicks(prompt.editor, "Rang the safeguarding lead")
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        prompt.ok_button.click()
    assert _names(table) == ["Alex Larch", "Dee Ash"]
    assert table.chosen_key() == concern_of["Dee Ash"] and _spoken(table) == "Dee Ash"
    assert table.selectionModel().isRowSelected(1, table.rootIndex())  # highlighted is what the buttons act on
    assert "2 safeguarding concerns to act on" in window.summary.text()


def test_tabbing_into_the_queue_chooses_the_framed_row_and_the_action_box_names_it(qtbot, window):
    table = window.concerns
    window.activateWindow()
    table.clearSelection()
    qtbot.waitUntil(window.isActiveWindow, timeout=2_000)
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Tab)  # from the tab bar into the queue, by Tab alone
    assert QApplication.focusWidget() is table
    assert table.selectionModel().isRowSelected(0, table.rootIndex())
    prompt = window.acknowledge()
    assert _names(table)[0] in prompt.about.text()
    prompt.done(0)


def test_tables_move_by_tab_between_controls_and_cap_long_columns(qtbot, window):
    from mentor_app.ui.table_model import COLUMN_MAX_WIDTH, RecordTable

    tables = window.findChildren(RecordTable)
    # concerns, missed check-ins, caseload, people, their records, devices, referrals, needs
    assert len(tables) == 8
    for table in tables:
        assert not table.tabKeyNavigation() and table.accessibleName(), table.accessibleName()
    long_note = "Said they were asked to carry parcels across town for someone they owe money to, twice"
    row = [["Today", "1 Dec 2026, 09:00", "Eve", "Exploitation", "Sam Mentor", long_note, long_note]]
    window.concerns.set_rows(row, ["long"])
    assert window.concerns.columnWidth(5) <= COLUMN_MAX_WIDTH
    assert window.concerns.item(0, 5).toolTip() == long_note  # the whole text where the column cuts it short


def test_when_the_chosen_person_leaves_the_list_nobody_elses_records_open(qtbot, window, world):
    from mentor_app.privacy.erasure import erase_mentee

    sup, mentor, drive, people, _ = world
    window.tabs.setCurrentIndex(3)
    window.people.setFocus()
    window.people.selectRow(_names(window.people, 0).index("Casey Queue"))
    assert "Met Casey Queue at the gym" in _names(window.person, 2)
    views = len(audit.entries(sup.conn, action="view"))
    erase_mentee(mentor, people["Casey Queue"], "Their request")  # Casey's records leave the supervisor too
    trip(mentor)
    import_folder(sup, drive)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.refresh()
    assert "Casey Queue" not in _names(window.people, 0)
    assert window.person.rowCount() == 0  # not Dee's or Alex's, whom the supervisor did not choose
    assert len(audit.entries(sup.conn, action="view")) == views
    window.people.selectRow(_names(window.people, 0).index("Dee Ash"))  # choosing someone opens theirs
    assert "Met Dee Ash at the gym" in _names(window.person, 2)
    assert audit.entries(sup.conn, action="view", limit=1)[0].mentee_id == people["Dee Ash"]


# -- question boxes that survive the lock --------------------------------------------------


@pytest.mark.slow
def test_the_action_taken_box_survives_the_lock_and_saves(qtbot, window, world):
    sup, _, _, _, concern_of = world
    _on_person(window.concerns, "Alex Larch")
    prompt = window.acknowledge()
    assert prompt.windowTitle() == "Action taken" and "Alex Larch" in prompt.about.text()
    qtbot.keyClicks(prompt.editor, "Police told; mentor called back")
    _lock_and_unlock(window, prompt)
    assert prompt.editor.toPlainText() == "Police told; mentor called back"
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        prompt.ok_button.click()
    notes = dict(sup.conn.execute("SELECT record_id, action FROM supervisor_notes"))
    assert notes[concern_of["Alex Larch"]] == "Police told; mentor called back"
    assert "Alex Larch" not in _names(window.concerns)
    assert "Saved what was done" in window.statusBar().currentMessage()


def test_an_empty_action_is_asked_for_again_and_nothing_is_lost(qtbot, window, world):
    _on_person(window.concerns, "Alex Larch")
    prompt = window.acknowledge()
    prompt.ok_button.click()
    assert prompt.isVisible() and "Say what was done" in prompt.error.text()
    prompt.reject()
    assert _names(window.concerns) == ["Alex Larch", "Casey Queue", "Dee Ash"]


def test_your_note_survives_the_lock_and_shows_beside_the_persons_records(qtbot, window, said):
    window.tabs.setCurrentIndex(3)
    window.people.selectRow(_names(window.people, 0).index("Casey Queue"))
    assert "Met Casey Queue at the gym" in _names(window.person, 2)
    prompt = window.add_note()
    assert "Casey Queue" in prompt.about.text() and clashes(prompt) == {}
    qtbot.keyClicks(prompt.editor, "Asked Sam to check in weekly")
    _lock_and_unlock(window, prompt)
    prompt.ok_button.click()
    assert "Asked Sam to check in weekly" in _names(window.person, 2)
    window.people.clearSelection()
    assert window.add_note() is None and "Choose the person in the list first" in said[-1]


@pytest.mark.slow
def test_keep_the_concern_survives_the_lock_and_the_request_is_decided(qtbot, window, world, said):
    sup, mentor, drive, people, concern_of = world
    mentor_concern = store.list_records(mentor.conn, "concern", mentee_id=people["Dee Ash"])[0].id
    store.delete(mentor.conn, mentor_concern, author=mentor.author)  # the mentor asks for it to go
    trip(mentor)
    import_folder(sup, drive)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.refresh()
    row = _names(window.concerns).index("Dee Ash")
    assert window.concerns.item(row, 0).text().startswith("Deletion requested")
    _on_person(window.concerns, "Dee Ash")
    prompt = window.decide_request(False)
    assert prompt.windowTitle() == "Keep the concern" and "Dee Ash" in prompt.about.text()
    assert clashes(prompt) == {}
    qtbot.keyClicks(prompt.editor, "Needed for the review in January")
    _lock_and_unlock(window, prompt)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        prompt.ok_button.click()
    decided = audit.entries(sup.conn, action="deletion_decided")[0]
    assert "Needed for the review in January" in decided.detail
    row = _names(window.concerns).index("Dee Ash")
    assert not window.concerns.item(row, 0).text().startswith("Deletion requested")  # kept, as decided


@pytest.mark.slow
def test_revoking_a_device_survives_the_lock(qtbot, window, world):
    sup = world[0]
    window.tabs.setCurrentIndex(4)
    window.mentors.selectRow(0)
    prompt = window.revoke()
    arrived = register.list_devices(sup.conn)[0].last_sequence
    assert f"the device of Sam Mentor have arrived up to batch {arrived}" in prompt.about.text()
    assert prompt.editor.value() == arrived + 1
    assert clashes(prompt) == {}
    prompt.editor.selectAll()
    qtbot.keyClicks(prompt.editor, "5")
    _lock_and_unlock(window, prompt)
    assert prompt.editor.value() == 5
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        prompt.ok_button.click()
    assert window.mentors.item(0, 1).text() == "Revoked" and "revoked from batch 5" in window.mentors.item(0, 4).text()
    assert register.list_devices(sup.conn)[0].revoked_from_sequence == 5


def test_accepting_a_lost_batch_survives_the_lock(qtbot, window, world, said):
    sup, mentor, drive, people, _ = world
    store.save(
        mentor.conn,
        Meeting(starts_at="2026-11-25T10:00", notes="second"),
        author=mentor.author,
        mentee_id=people["Alex Larch"],
    )
    trip(mentor)
    store.save(
        mentor.conn,
        Meeting(starts_at="2026-11-26T10:00", notes="third"),
        author=mentor.author,
        mentee_id=people["Alex Larch"],
    )
    trip(mentor)
    lost = sorted(device_folder(drive, mentor).glob("*.mentorlog"))[-2]
    lost.unlink()  # lost on the way: the one after it waits
    import_folder(sup, drive)
    missing = register.list_devices(sup.conn)[0].waiting_for
    assert missing
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        window.refresh()
    window.tabs.setCurrentIndex(4)
    assert f"waiting for batch {missing}" in window.mentors.item(0, 4).text()
    window.mentors.selectRow(0)
    prompt = window.accept_lost()
    assert f"Batch {missing} from the device of Sam Mentor" in prompt.about.text()
    qtbot.keyClicks(prompt.editor, "The USB stick was lost")
    _lock_and_unlock(window, prompt)
    with qtbot.waitSignal(window.refreshed, timeout=20_000):
        prompt.ok_button.click()
    assert "accepted as lost" in said[-1]
    assert "The USB stick was lost" in audit.entries(sup.conn, action="accept_gap")[0].detail
    assert f"waiting for batch {missing}" not in window.mentors.item(0, 4).text()


def test_device_buttons_with_no_device_chosen_say_so(qtbot, window, said):
    window.tabs.setCurrentIndex(4)
    window.mentors.clearSelection()
    from PySide6.QtCore import QModelIndex

    window.mentors.setCurrentIndex(QModelIndex())
    for act in (window.approve, window.revoke, window.accept_lost):
        said.clear()
        assert act() is None
        assert said and "Choose the mentor's device in the list first" in said[-1]


# -- the mentor's side: erasing a person, and the fingerprint when enrolling ---------------


def test_the_erasure_reason_survives_the_lock_and_the_person_is_erased(qtbot, make_profile, said):
    from mentor_app.ui import privacy_dialogs
    from mentor_app.ui.main_window import MainWindow

    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name="Sam Tiller"), author=profile.author)
    window = MainWindow(profile)
    qtbot.addWidget(window)
    window.show()
    erased = []
    prompt = privacy_dialogs.erase(window, profile, mid, on_erased=lambda: erased.append(True))
    assert "Sam Tiller" in prompt.about.text() and clashes(prompt) == {}
    prompt.ok_button.click()
    assert prompt.isVisible() and "Give the reason" in prompt.error.text()  # nothing erased without one
    qtbot.keyClicks(prompt.editor, "Their request by letter")
    _lock_and_unlock(window, prompt)
    prompt.ok_button.click()
    assert store.get(profile.conn, mid) is None and erased == [True]
    assert audit.entries(profile.conn, action="erase", mentee_id=mid)[0].detail == "Their request by letter"
    window.idle.stop()
    window.close()


def test_the_enrolment_fingerprint_box_survives_the_lock(qtbot, make_profile, tmp_path, said):
    from mentor_app.exchange.enrolment import current_enrolment
    from mentor_app.ui.main_window import MainWindow
    from mentor_app.ui.sync_dialog import SyncDialog

    org, _ = make_profile("org", role="supervisor")
    content = make_enrolment(org)
    enrolment_file = tmp_path / "enrolment.json"
    enrolment_file.write_text(json.dumps(content))
    fp = parse_enrolment(enrolment_file.read_bytes()).fingerprint
    mentor, _ = make_profile("mentor")
    window = MainWindow(mentor)
    qtbot.addWidget(window)
    window.show()
    dialog = SyncDialog(mentor, window)
    dialog.show()
    assert dialog.enrol(enrolment_file) is None  # not yet: the box asks for the fingerprint
    prompt = dialog.fingerprint_prompt
    assert "enrolment.json" in prompt.about.text() and fp not in prompt.about.text()
    assert clashes(prompt) == {}
    qtbot.keyClicks(prompt.editor, fp)
    _lock_and_unlock(window, prompt)
    assert dialog.isVisible()
    prompt.ok_button.click()
    assert current_enrolment(mentor).fingerprint == fp
    assert said[-1].startswith("Enrolled with") and "Organisation:" in dialog.status.text()
    dialog.done(0)
    window.idle.stop()
    window.close()
