"""The app's log files and crash reports say what happened and where, never what a record says or who it is about."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta

import pytest
from conftest import PASSPHRASE, add_note
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from mentor_app import logs
from mentor_app.directory.contacts import freshness
from mentor_app.records import store
from mentor_app.records.types import Contact
from mentor_app.ui import crash

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are a POSIX idea")


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.DIR_ENV, str(folder))
    # The crash hook replaces the interpreter's; put back whatever the test run had.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    yield folder
    logs.stop()


@pytest.fixture
def marker():
    return f"ZXQ-MARKER-{uuid.uuid4().hex}"


def encodings_of(text: str) -> list[bytes]:
    return [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "latin-1")]


def assert_no_marker_anywhere(folder, marker: str) -> list:
    """Every file under `folder`, as bytes, in every likely encoding; the random part alone counts as a leak too."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, "nothing was written, so nothing was checked"
    needles = encodings_of(marker) + encodings_of(marker.rsplit("-", 1)[-1])
    for p in files:
        data = p.read_bytes()
        for needle in needles:
            assert needle not in data, f"{p.name} holds record content"
    return files


def log_text(folder, kind="app") -> str:
    return (folder / f"{kind}.log").read_text(encoding="utf-8")


def test_an_error_in_a_button_saves_a_crash_report_and_shows_it_without_the_record(
    qtbot, make_profile, log_dir, marker, monkeypatch, tmp_path
):
    profile, _ = make_profile()
    add_note(profile, f"{marker} told me about the court date")
    # A directory entry whose date no code path expected; the error's own message quotes it.
    contact = Contact(organisation=f"{marker} Housing", categories=["housing"], last_checked=marker)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or box.show() or 0)
    logs.setup("app")
    crash.install()

    button = QPushButton("Check")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: freshness(contact))
    button.click()

    saved = sorted((log_dir / logs.CRASH_DIR).iterdir())
    assert len(saved) == 1 and re.fullmatch(r"crash-\d{8}-\d{6}-\d{6}\.txt", saved[0].name)
    report = saved[0].read_text(encoding="utf-8").rstrip("\n")
    assert "ValueError" in report and "mentor_app/directory/contacts.py:" in report and "in freshness" in report
    assert "Python" in report and "Qt" in report
    assert str(tmp_path) not in report and os.path.expanduser("~") not in report

    assert len(shown) == 1
    box = shown[0]
    assert box.detailedText() == report
    assert str(saved[0]) in box.informativeText()
    copy = next(b for b in box.buttons() if b.text() == "Copy details")
    copy.click()
    assert QApplication.clipboard().text() == report
    assert box.isVisible(), "copying closed the message before it could be read"
    box.close()

    assert "ERROR mentor_app.ui.crash: unexpected error [ValueError at " in log_text(log_dir)
    assert_no_marker_anywhere(log_dir, marker)


def test_careless_log_lines_keep_only_the_event_counts_and_record_ids(make_profile, log_dir, marker):
    profile, _ = make_profile()
    mentee_id = add_note(profile, f"{marker} is sleeping at his sister's")
    meeting = store.list_records(profile.conn, "meeting")[0]
    path = logs.setup("app")
    log = logging.getLogger("mentor_app.records.store")

    log.info("saved %s for %s", meeting.record.notes, mentee_id)
    log.info("saved %(note)s", {"note": meeting.record.notes})
    log.info(meeting.record)
    log.info("meetings saved: %d", 1, stack_info=True)
    try:
        raise KeyError(f"{marker} not in the caseload")
    except KeyError:
        log.exception("lookup failed for %r", marker)

    text = log_text(log_dir)
    assert path == log_dir / "app.log"
    assert f"saved [hidden] for {mentee_id}" in text
    assert "saved [hidden]\n" in text.replace("\r\n", "\n")
    assert "[Meeting]" in text and "meetings saved: 1" in text
    # The error was raised in this test file, so no app frame to name, and never its words.
    assert "lookup failed for '[hidden]' [KeyError at outside the app]" in text
    assert "Traceback" not in text and "Stack (most recent call last)" not in text
    assert_no_marker_anywhere(log_dir, marker)


@posix_only
def test_log_and_crash_files_are_private_to_the_user(log_dir):
    logs.setup("app")
    logging.getLogger("mentor_app").info("app started")
    report_path = logs.write_crash_report("Mentor App\nValueError")
    assert (log_dir.stat().st_mode & 0o777) == 0o700
    assert (report_path.parent.stat().st_mode & 0o777) == 0o700
    assert ((log_dir / "app.log").stat().st_mode & 0o777) == 0o600
    assert (report_path.stat().st_mode & 0o777) == 0o600


def test_setting_up_twice_writes_each_line_once_and_never_to_the_terminal(log_dir, capfd):
    # A library that sets up logging for the whole process prints everything that reaches the root logger.
    terminal = logging.StreamHandler(sys.stderr)
    logging.getLogger().addHandler(terminal)
    try:
        logs.setup("app")
        logs.setup("app")
        logging.getLogger("mentor_app.ui").warning("window closed")
    finally:
        logging.getLogger().removeHandler(terminal)
    assert log_text(log_dir).count("window closed") == 1
    out, err = capfd.readouterr()
    assert "window closed" not in out + err


def test_logs_roll_over_each_day_and_nothing_older_than_two_weeks_stays(log_dir):
    log_dir.mkdir(mode=0o700)
    today = date.today()
    for days_ago in range(3, 31):
        (log_dir / f"app.log.{today - timedelta(days=days_ago)}").write_text("app started\n", encoding="utf-8")
    current = log_dir / "app.log"
    current.write_text("the day before yesterday's line\n", encoding="utf-8")
    two_days_ago = datetime.combine(today - timedelta(days=2), datetime.min.time()).replace(hour=12).timestamp()
    os.utime(current, (two_days_ago, two_days_ago))

    logs.setup("app")
    logging.getLogger("mentor_app").info("today's line")

    dated = {p.name: p for p in log_dir.iterdir() if p.name.startswith("app.log.")}
    days = sorted(date.fromisoformat(name.rsplit(".", 1)[-1]) for name in dated)
    assert days[0] == today - timedelta(days=logs.KEEP_DAYS)
    assert len(days) <= logs.KEEP_DAYS
    rolled = dated[f"app.log.{today - timedelta(days=2)}"].read_text(encoding="utf-8")
    assert "the day before yesterday's line" in rolled
    assert "today's line" in log_text(log_dir) and "the day before" not in log_text(log_dir)


def test_only_the_newest_crash_reports_are_kept(log_dir):
    start = datetime(2026, 3, 1, 9, 0, 0)
    paths = [logs.write_crash_report(f"report {i}", now=start + timedelta(minutes=i)) for i in range(25)]
    kept = sorted((log_dir / logs.CRASH_DIR).iterdir())
    assert kept == paths[-logs.KEEP_CRASHES :]
    assert kept[0].read_text(encoding="utf-8") == "report 5\n"


@pytest.mark.slow
def test_the_command_line_logs_events_but_no_record_content(make_profile, log_dir, marker, tmp_path):
    # The folder name turns up in the messages of errors about its files.
    profile, _ = make_profile(name=f"profile-{marker}")
    add_note(profile, f"{marker} missed probation on Tuesday")
    profile.close()
    bad_csv = tmp_path / "services.csv"
    bad_csv.write_text(
        f"organisation,categories,phone,last_checked\n{marker} Trust,housing,0123,{marker}\n", encoding="utf-8"
    )

    def cli(*args):
        command = [sys.executable, "-m", "mentor_app", *args, "--profile", str(profile.path), "--passphrase-stdin"]
        return subprocess.run(
            command,
            check=False,
            input=PASSPHRASE + "\n",
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=120,
        )

    backed_up = cli("backup")
    imported = cli("directory", "import", str(bad_csv))
    backups_folder = profile.path / "backups"
    for p in backups_folder.iterdir():
        p.unlink()
    backups_folder.rmdir()
    backups_folder.write_bytes(b"")  # a file where the backups belong: the next backup fails
    failed = cli("backup")

    assert backed_up.returncode == 0, backed_up.stderr
    assert imported.returncode == 2 and "Row 2" in imported.stderr
    assert failed.returncode != 0 and marker in str(FileExistsError(str(backups_folder)))
    text = log_text(log_dir, "cli")
    assert "backup taken: manual" in text
    assert "WARNING mentor_app.storage.backups: backup failed: manual [FileExistsError at mentor_app/" in text
    for run in (backed_up, imported, failed):
        assert "backup failed" not in run.stderr and "Traceback" not in run.stderr
    assert_no_marker_anywhere(log_dir, marker)


def test_the_desktop_app_logs_start_unlock_and_close_without_names(qtbot, make_profile, log_dir, marker, monkeypatch):
    from PySide6.QtCore import QTimer

    from mentor_app.ui import app as desktop

    profile, _ = make_profile()
    add_note(profile, f"{marker} starts work at the depot")
    monkeypatch.setattr(desktop, "obtain_profile", lambda folder, **_: profile)
    from mentor_app.ui.main_window import MainWindow

    def close_windows():  # once the mentor's window has taken the start window's place
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        if any(isinstance(w, MainWindow) for w in shown):
            for w in shown:
                w.close()
        else:
            QTimer.singleShot(20, close_windows)

    QTimer.singleShot(0, close_windows)
    QTimer.singleShot(20_000, QApplication.quit)  # a dialog nobody answers must fail the test, not hang it
    assert desktop.run_app(profile.path) == 0

    events = [line.split(": ", 1)[1] for line in log_text(log_dir).splitlines()]
    assert events[0].startswith("app started")
    assert "profile unlocked: role mentor" in events
    assert "window closed" in events and events[-1] == "app finished: exit code 0"
    assert_no_marker_anywhere(log_dir, marker)
