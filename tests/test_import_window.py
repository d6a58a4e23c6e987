"""The window's step-by-step import: a file, its columns, the preview, then saving, on a small screen."""

from __future__ import annotations

import pytest
from test_keyboard_and_small_screen import SMALL_SCREEN, TITLE_BAR, clashes

from mentor_app.records import store
from mentor_app.records.types import Mentee
from mentor_app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, make_profile):
    profile, _ = make_profile()
    w = MainWindow(profile)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.idle.stop()


def _names(window) -> list[str]:
    return [window.mentees.item(i).text() for i in range(window.mentees.count())]


def test_people_come_in_step_by_step_and_the_list_shows_them(qtbot, window, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(
        "Nmae,DOB,Tel,R&D code\nAmir Khan,01/02/1989,07700 900111,x1\nBea Cole,31/02/1990,,x2\nCy Dunn,,,\n", "utf-8"
    )
    dialog = window.open_import()
    dialog.next()
    assert "Choose the spreadsheet first" in dialog.problem.text()
    dialog.load(path)
    assert "3 rows" in dialog.file_label.text() and dialog.as_people.isChecked()
    assert clashes(dialog) == {}
    dialog.next()
    assert dialog.steps.currentIndex() == 1 and "2 headings were not understood" in dialog.columns_intro.text()
    assert clashes(dialog) == {}
    dialog.next()  # refused: two columns aren't said yet
    assert dialog.steps.currentIndex() == 1 and '"Nmae" (did you mean name?)' in dialog.problem.text()
    name_box, _, _, code_box = dialog.boxes
    name_box.setCurrentIndex(name_box.findData("name"))
    code_box.setCurrentIndex(code_box.findData(""))  # leave it out
    dialog.next()
    assert dialog.steps.currentIndex() == 2
    assert "2 people to add; 1 row with problems" in dialog.summary.text()
    assert "Row 3: Date of birth" in dialog.details.toPlainText()
    assert dialog.only_good.isVisible() and clashes(dialog) == {}
    assert store.list_records(window.profile.conn, "mentee") == []  # nothing yet

    dialog.only_good.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=20_000) as added:
        dialog.next()
    assert added.args == [2]
    assert "2 people added" in dialog.summary.text()
    names = _names(window)
    assert any("Amir Khan" in n for n in names) and any("Cy Dunn" in n for n in names)
    assert not any("Bea Cole" in n for n in names)
    dialog.close()


def test_a_meeting_for_one_of_two_people_with_the_same_name_goes_to_the_one_chosen(qtbot, window, tmp_path):
    conn, author = window.profile.conn, window.profile.author
    older = store.save(conn, Mentee(name="Sam Smith", date_of_birth="1970-05-01"), author=author)
    younger = store.save(conn, Mentee(name="Sam Smith", date_of_birth="2001-09-09"), author=author)
    path = tmp_path / "meetings.csv"
    path.write_text("Name,Date,Venue\nSam Smith,03/11/2026 10:00,Library\n", "utf-8")
    dialog = window.open_import()
    dialog.load(path)
    assert dialog.as_meetings.isChecked()
    dialog.next()
    dialog.next()
    [(_, which)] = dialog.who
    assert "waiting for you to say who the person is" in dialog.summary.text()
    assert sorted(which.itemText(i) for i in range(1, which.count())) == [
        "Sam Smith, born 1 May 1970",
        "Sam Smith, born 9 Sep 2001",
    ]
    which.setCurrentIndex(which.findData(younger))
    assert "1 meeting to add" in dialog.summary.text()
    assert dialog.height() <= SMALL_SCREEN[1] - TITLE_BAR
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.next()
    [meeting] = store.list_records(conn, "meeting")
    assert meeting.mentee_id == younger != older and meeting.record.place == "Library"
    dialog.close()


def test_going_back_while_saving_can_not_bring_the_rows_in_twice(qtbot, window, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("Name\n" + "".join(f"Person {n:04}\n" for n in range(1500)), "utf-8")
    dialog = window.open_import()
    dialog.load(path)
    dialog.next()
    dialog.next()
    with qtbot.waitSignal(dialog.saved, timeout=60_000):
        dialog.next()
        assert not dialog.back_button.isEnabled()
        dialog.back()  # pressed while "Saving…"
        dialog.next()
        dialog.next()
    qtbot.wait(200)
    assert len(store.list_records(window.profile.conn, "mentee")) == 1500
    dialog.close()


def test_tab_alone_reaches_next_on_each_step_and_then_save(qtbot, window, tmp_path):
    from PySide6.QtCore import Qt
    from test_keyboard_and_small_screen import _tab_to

    path = tmp_path / "one.csv"
    path.write_text("Name,DOB\nGina Holt,01/02/1989\n", "utf-8")
    dialog = window.open_import()
    qtbot.waitExposed(dialog)
    dialog.load(path)
    from PySide6.QtWidgets import QApplication, QPushButton

    QApplication.setActiveWindow(dialog)
    choose = next(b for b in dialog.findChildren(QPushButton) if "hoose" in b.text())
    choose.setFocus()
    for step in range(3):
        _tab_to(qtbot, dialog, dialog.next_button)
        assert dialog.next_button.text().replace("&", "") == ("Save them" if step == 2 else "Next")
        if step == 2:
            with qtbot.waitSignal(dialog.saved, timeout=20_000):
                qtbot.keyClick(dialog.next_button, Qt.Key.Key_Space)
        else:
            qtbot.keyClick(dialog.next_button, Qt.Key.Key_Space)
            assert dialog.steps.currentIndex() == step + 1
    assert [s.record.name for s in store.list_records(window.profile.conn, "mentee")] == ["Gina Holt"]
    dialog.close()
