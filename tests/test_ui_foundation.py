"""The desktop app's first steps, driven as a person would with pytest-qt."""

from __future__ import annotations

import pytest
from conftest import PASSPHRASE, add_note, note_bodies
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from mentor_app.storage import backups
from mentor_app.storage.profile import open_profile
from mentor_app.ui.main_window import MainWindow
from mentor_app.ui.setup import RecoveryCodeDialog, SetupDialog
from mentor_app.ui.unlock import UnlockDialog


def _unnamed_focusable(root: QWidget) -> list[str]:
    missing = []
    for w in [root, *root.findChildren(QWidget)]:
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isVisibleTo(root) and not w.accessibleName():
            text = getattr(w, "text", lambda: "")()
            if not text:
                missing.append(type(w).__name__)
    return missing


@pytest.mark.slow
def test_set_up_creates_an_encrypted_profile_and_shows_the_code_once(qtbot, tmp_path, no_keyring):
    dialog = SetupDialog(tmp_path / "p")
    qtbot.addWidget(dialog)
    assert _unnamed_focusable(dialog) == []
    qtbot.keyClicks(dialog.name, "Sam Taylor")
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClicks(dialog.repeat, PASSPHRASE + "x")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "different" in dialog.error.text()
    assert not (tmp_path / "p" / "profile.json").exists()

    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    profile = dialog.profile
    assert profile.display_name == "Sam Taylor"
    assert dialog.passphrase.text() == ""

    shown = RecoveryCodeDialog(dialog.recovery_code)
    qtbot.addWidget(shown)
    ok = shown.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    shown.reject()  # Escape does not skip the code
    assert shown.result() == 0 and not ok.isEnabled()
    shown.written.click()
    assert ok.isEnabled()
    code = dialog.recovery_code
    path = profile.path
    profile.close()
    with open_profile(path, secret=code):
        pass


@pytest.mark.slow
def test_set_up_with_an_organisation_hands_the_connection_to_the_window(qtbot, tmp_path, no_keyring):
    """Set-up saves the organisation on its worker; the window's thread must still be able to use the profile."""
    from mentor_app.directory.defaults import ensure_default_directory
    from mentor_app.ui.main_window import MainWindow

    dialog = SetupDialog(tmp_path / "p")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name, "Sam Taylor")
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClicks(dialog.repeat, PASSPHRASE)
    qtbot.keyClicks(dialog.organisation, "Riverside Mentoring")
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    profile = dialog.profile
    ensure_default_directory(profile)  # as the app does next, on the window's thread
    window = MainWindow(profile)
    qtbot.addWidget(window)
    window.close()
    assert profile.closed


def test_unlock_dialog_explains_a_wrong_passphrase_then_opens(qtbot, make_profile):
    profile, _ = make_profile()
    add_note(profile, "behind the lock")
    path = profile.path
    profile.close()
    dialog = UnlockDialog(path, "This computer's keyring can't be reached.", offer_keyring=False)
    qtbot.addWidget(dialog)
    dialog.show()
    assert _unnamed_focusable(dialog) == []
    qtbot.keyClicks(dialog.secret, "wrong passphrase")
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "doesn't match" in dialog.error.text(), timeout=20_000)
    assert "Traceback" not in dialog.error.text()

    dialog.secret.clear()
    qtbot.keyClicks(dialog.secret, PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert note_bodies(dialog.profile) == ["behind the lock"]
    dialog.profile.close()


def test_back_up_now_and_the_restore_banner(qtbot, make_profile):
    profile, _ = make_profile()
    add_note(profile, "first")
    window = MainWindow(profile)
    qtbot.addWidget(window)
    window.show()
    assert not window.restore_banner.isVisible()
    window.back_up_now()
    qtbot.waitUntil(lambda: len(backups.list_backups(profile.path)) == 1, timeout=10_000)
    first = backups.list_backups(profile.path)[0]

    add_note(profile, "second")
    profile.restore(first.path)
    window.refresh_lists()
    assert window.restore_banner.isVisible()
    assert note_bodies(profile) == ["first"]
    window.undo_restore_button.click()
    assert note_bodies(profile) == ["first", "second"]
    assert not window.restore_banner.isVisible()
    window.close()
    assert profile.closed
