"""The desktop app's start: a window saying it is opening the notes comes up first, holding no record
text, and the profile's own window (or a plain message) takes its place."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import FAST_KDF, PASSPHRASE, add_note
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from mentor_app.errors import ProfileInUse
from mentor_app.records import store
from mentor_app.records.types import Mentee
from mentor_app.start import desktop_only, main
from mentor_app.storage.profile import create_profile, open_profile
from mentor_app.ui import app as desktop
from mentor_app.ui.main_window import MainWindow
from mentor_app.ui.start_window import OPENING, StartWindow


def _shown():
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def _give_up_after(ms: int) -> list:
    """Quit the event loop after `ms` if the app hasn't ended by itself; the list says whether it had to."""
    gave_up: list = []
    QTimer.singleShot(ms, lambda: (gave_up.append(True), QApplication.quit()))
    return gave_up


def _close_when(condition, seen):
    def look():
        shown = _shown()
        if condition(shown):
            seen.append([type(w).__name__ for w in shown])
            for w in shown:
                w.close()
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)


def test_the_start_window_is_on_screen_while_the_profile_opens_then_gives_way(qtbot, make_profile, monkeypatch):
    profile, _ = make_profile()
    add_note(profile, "Sam starts work at the depot on Monday")
    while_opening = []

    def obtain(folder, **_):
        # what a mentor sees while the keyring is read and the notes file opened
        while_opening.extend(
            (type(w).__name__, [label.text() for label in w.findChildren(QLabel)], w.windowTitle()) for w in _shown()
        )
        return profile

    monkeypatch.setattr(desktop, "obtain_profile", obtain)
    after = []
    _close_when(lambda shown: any(isinstance(w, MainWindow) for w in shown), after)
    stuck = _give_up_after(20_000)  # a window nobody closes must fail the test, not hang it
    assert desktop.run_app(profile.path) == 0
    assert not stuck

    assert while_opening == [("StartWindow", ["Mentor App", OPENING], "Mentor App")]
    assert after == [["MainWindow"]]  # the start window has gone; only the mentor's window is up
    assert QApplication.quitOnLastWindowClosed()


def test_a_profile_that_cannot_be_opened_gets_a_message_and_its_exit_code(qtbot, tmp_path, monkeypatch):
    def obtain(folder, **_):
        raise ProfileInUse("This profile is already open in another Mentor App window or command.")

    said = []

    def critical(parent, title, text):
        said.append((text, [type(w).__name__ for w in _shown()]))

    monkeypatch.setattr(desktop, "obtain_profile", obtain)
    monkeypatch.setattr(QMessageBox, "critical", critical)
    stuck = _give_up_after(20_000)
    assert desktop.run_app(tmp_path / "profile") == ProfileInUse("").exit_code
    assert not stuck
    # the message is the window on screen: the start window was hidden before it
    assert said == [("This profile is already open in another Mentor App window or command.", [])]
    assert not [w for w in _shown() if isinstance(w, StartWindow)]


def test_a_cancelled_unlock_ends_the_app_quietly(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(desktop, "obtain_profile", lambda folder, **_: None)
    stuck = _give_up_after(20_000)
    assert desktop.run_app(tmp_path / "profile") == 0
    assert not stuck
    assert not _shown()


def test_only_the_bare_command_goes_straight_to_the_window():
    assert desktop_only([]) == (True, None)
    assert desktop_only(["--profile", "/data/mentor"]) == (True, "/data/mentor")
    for other in (["--help"], ["--profile"], ["--profile", "--help"], ["check"], ["--profile", "p", "check"]):
        assert desktop_only(other)[0] is False


def test_every_other_command_is_the_command_line_s(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "usage: mentor-app" in capsys.readouterr().out


def test_closing_the_start_window_before_the_notes_are_open_ends_the_app_and_lets_go(qtbot, make_profile):
    profile, _ = make_profile()
    path = profile.path
    profile.close()

    def close_start():
        for w in _shown():
            if isinstance(w, StartWindow):
                w.windowHandle().close()  # as the title bar's close button does, not as the app closes it
                return
        QTimer.singleShot(5, close_start)

    QTimer.singleShot(0, close_start)
    stuck = _give_up_after(20_000)
    assert desktop.run_app(path) == 0
    assert not stuck
    assert not _shown()
    open_profile(path, secret=PASSPHRASE).close()  # nothing still holds the profile


@pytest.mark.keyring
def test_the_app_opens_by_keyring_in_a_process_of_its_own_start_window_first(tmp_path, secret_service):
    path = tmp_path / "kr"
    profile, _ = create_profile(path, role="mentor", name="Keyring User", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    secret_service.append(profile.keyring_entry)
    store.save(profile.conn, Mentee(name="Jordan Ash", status="active"), author="test")
    profile.close()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND", "XDG_CURRENT_DESKTOP")}
    env.update(QT_QPA_PLATFORM="offscreen", MENTOR_APP_START_MARKS="1")
    # as `mentor-app --profile DIR` runs it: keyring's backend chosen by the app itself, not by this test
    ran = subprocess.run(
        [sys.executable, "-c", "import sys; from mentor_app.start import main; sys.exit(main(sys.argv[1:]))"]
        + ["--profile", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    # first the start window, then the mentor's window with the mentee listed; no passphrase was asked
    assert ran.stdout.split()[:2] == ["painted", "listed"]
    reopened = open_profile(path, secret=PASSPHRASE)
    try:
        unlocks = [
            d for (d,) in reopened.conn.execute("SELECT detail FROM audit_log WHERE action = 'unlock' ORDER BY seq")
        ]
    finally:
        reopened.close()
    assert unlocks[-2] == "by keyring"
