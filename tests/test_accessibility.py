"""Every focusable control on every main screen has a name a screen reader can speak."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from mentor_app import demo
from mentor_app.records import caseload
from mentor_app.ui import record_dialogs
from mentor_app.ui.main_window import MainWindow
from mentor_app.ui.mentor_log import MentorLogDialog
from mentor_app.ui.search_dialog import SearchDialog
from mentor_app.ui.settings_dialog import SettingsDialog
from mentor_app.ui.setup import RecoveryCodeDialog, SetupDialog
from mentor_app.ui.sheet_dialog import SheetDialog
from mentor_app.ui.sync_dialog import SyncDialog
from mentor_app.ui.unlock import UnlockDialog


def unnamed_focusable(root: QWidget) -> list[str]:
    """Walk the accessible tree from `root`; list focusable, visible nodes without a name."""
    QAccessible.setActive(True)
    missing, seen = [], set()

    def walk(iface, path):
        if iface is None or not iface.isValid():
            return
        key = (id(iface.object()), iface.role())
        if key in seen:
            return
        seen.add(key)
        state = iface.state()
        if state.focusable and not state.invisible and not state.offscreen and not state.disabled:
            if not (iface.text(QAccessible.Text.Name) or "").strip():
                missing.append(f"{path}/{iface.role().name}:{type(iface.object()).__name__}")
        for i in range(iface.childCount()):
            walk(iface.child(i), f"{path}/{iface.role().name}")

    walk(QAccessible.queryAccessibleInterface(root), type(root).__name__)
    return missing


@pytest.fixture
def window(qtbot, make_profile):
    profile, _ = make_profile()
    demo.generate(profile, seed=5, mentees=4, weeks=4)
    w = MainWindow(profile)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.idle.stop()


def test_main_window_today_and_every_mentee_tab(window):
    assert unnamed_focusable(window) == []
    window.show_mentee(caseload.caseload(window.profile.conn)[0].id)
    for i in range(window.mentee_page.tabs.count()):
        window.mentee_page.tabs.setCurrentIndex(i)
        assert unnamed_focusable(window) == [], window.mentee_page.tabs.tabText(i)
    window.show_directory()
    assert unnamed_focusable(window) == []
    window.lock()
    assert unnamed_focusable(window) == []


@pytest.mark.parametrize(
    "make",
    [
        lambda w, p, m: record_dialogs.MeetingForm(w, p, m),
        lambda w, p, m: record_dialogs.concern_form(w, p, m),
        lambda w, p, m: record_dialogs.risk_form(w, p, m),
        lambda w, p, m: record_dialogs.consent_form(w, p, m),
        lambda w, p, m: record_dialogs.action_form(w, p, m),
        lambda w, p, m: record_dialogs.goal_form(w, p, m),
        lambda w, p, m: record_dialogs.mentee_form(w, p),
        lambda w, p, m: record_dialogs.log_form(w, p),
        lambda w, p, m: record_dialogs.needs_form(w, p, m),
        lambda w, p, m: SearchDialog(p, w),
        lambda w, p, m: SettingsDialog(p, w),
        lambda w, p, m: MentorLogDialog(p, w),
        lambda w, p, m: record_dialogs.ReferralForm(w, p, m),
        lambda w, p, m: record_dialogs.contact_form(w, p),
        lambda w, p, m: SheetDialog(p, m, parent=w),
        lambda w, p, m: SyncDialog(p, w),
    ],
    ids=[
        "meeting",
        "concern",
        "meeting-plan",
        "consent",
        "action",
        "goal",
        "mentee",
        "my-log-entry",
        "needs-check",
        "search",
        "settings",
        "my-log",
        "referral",
        "contact",
        "sheet",
        "sync",
    ],
)
def test_every_form_is_named(qtbot, window, make):
    mentee = caseload.caseload(window.profile.conn)[0].id
    dialog = make(window, window.profile, mentee)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_focusable(dialog) == []
    dialog.done(0)


def test_set_up_unlock_and_recovery_screens_are_named(qtbot, tmp_path):
    for dialog in (
        SetupDialog(tmp_path / "p"),
        UnlockDialog(tmp_path / "p", "Why", offer_keyring=True),
        RecoveryCodeDialog("22222-33333-44444-55555-66666"),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        assert unnamed_focusable(dialog) == [], type(dialog).__name__
        dialog.done(0)


def test_the_walker_notices_an_unnamed_control(qtbot):
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    root = QWidget()
    qtbot.addWidget(root)
    QVBoxLayout(root).addWidget(QLineEdit())
    root.show()
    assert unnamed_focusable(root) != []
