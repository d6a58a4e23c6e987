"""Render the main screens of a fresh demo profile to PNG files in docs/screenshots/.

Run: .venv/bin/python docs/screenshots.py   (offscreen; no display needed)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = Path(__file__).resolve().parent / "screenshots"


def main() -> int:
    app = QApplication(sys.argv[:1])
    from mentor_app import demo
    from mentor_app.records import caseload
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile
    from mentor_app.ui import record_dialogs
    from mentor_app.ui.main_window import MainWindow
    from mentor_app.ui.search_dialog import SearchDialog

    OUT.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp()) / "demo"
    profile, _ = create_profile(
        folder,
        role="mentor",
        name="Demo Mentor",
        passphrase=demo.DEMO_PASSPHRASE,
        use_keyring=False,
        kdf_params=Argon2Params(time_cost=2),
    )
    from mentor_app.directory.defaults import ensure_default_directory

    ensure_default_directory(profile)
    demo.generate(profile, seed=1)
    window = MainWindow(profile)
    window.show()

    def grab(widget, name):
        app.processEvents()
        widget.grab().save(str(OUT / f"{name}.png"))
        print(OUT / f"{name}.png")

    grab(window, "today")
    flagged = next(r for r in caseload.caseload(profile.conn) if r.safety_flag and r.status == "active")
    window.show_mentee(flagged.id)
    grab(window, "mentee-overview")
    window.mentee_page.tabs.setCurrentIndex(1)
    grab(window, "mentee-timeline")
    window.mentee_page.tabs.setCurrentIndex(2)
    grab(window, "mentee-needs")
    window.mentee_page.tabs.setCurrentIndex(4)
    grab(window, "mentee-referrals")
    from mentor_app.ui.sheet_dialog import SheetDialog

    sheet = SheetDialog(profile, flagged.id, parent=window)
    sheet.show()
    grab(sheet, "sheet-dialog")
    sheet.done(0)
    window.show_directory()
    window.directory.text.setText("housing")
    window.directory.refresh()
    grab(window, "directory")
    window.show_mentee(flagged.id)
    meeting = record_dialogs.MeetingForm(window, profile, flagged.id)
    meeting.show()
    grab(meeting, "record-meeting")
    meeting.done(0)
    concern = record_dialogs.concern_form(window, profile, flagged.id)
    concern.show()
    grab(concern, "safeguarding-concern")
    concern.done(0)
    search = SearchDialog(profile, window)
    search.show()
    search.query.setText("jobcentre")
    search.run()
    grab(search, "search")
    search.done(0)
    import json

    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.ui.sync_dialog import SyncDialog

    supervisor, _ = create_profile(
        folder.parent / "supervisor",
        role="supervisor",
        name="Riverside Mentoring",
        passphrase=demo.DEMO_PASSPHRASE,
        use_keyring=False,
        kdf_params=Argon2Params(time_cost=2),
    )
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    supervisor.close()
    drive = Path(tempfile.gettempdir()) / "Mentoring shared drive"
    drive.mkdir(exist_ok=True)
    accept_enrolment(profile, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    sync = SyncDialog(profile, window)
    sync.show()
    grab(sync, "sharing")
    from mentor_app.ui.audit_dialog import AuditDialog
    from mentor_app.ui.privacy_dialogs import RetentionDialog

    trail = AuditDialog(profile, window, flagged.id)
    trail.show()
    grab(trail, "audit-trail")
    trail.close()
    keep = RetentionDialog(profile, window)
    keep.show()
    grab(keep, "retention")
    keep.close()
    sync.done(0)
    window.lock()
    grab(window, "locked")
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.trip import trip
    from mentor_app.storage.profile import open_profile
    from mentor_app.ui.supervisor_window import SupervisorWindow

    trip(profile)
    window.close()
    supervisor = open_profile(folder.parent / "supervisor", secret=demo.DEMO_PASSPHRASE)
    register.note_device(supervisor.conn, device_key_public(folder), "Demo Mentor")
    for d in register.list_devices(supervisor.conn):
        register.approve(supervisor.conn, d.fingerprint, "Demo Mentor")
    import_folder(supervisor, drive)
    from PySide6.QtCore import QEventLoop

    board = SupervisorWindow(supervisor)
    counted = QEventLoop()  # the dashboard counts off the UI thread
    board.refreshed.connect(counted.quit)
    board.show()
    counted.exec()
    grab(board, "supervisor-safeguarding")
    board.tabs.setCurrentIndex(2)
    grab(board, "supervisor-activity")
    board.close()
    shutil.rmtree(drive, ignore_errors=True)
    delivery_screens(grab, folder.parent)
    return 0


def delivery_screens(grab, root: Path) -> None:
    """A batch goes missing from the drive: what the mentor and the supervisor see, on a 1024×600 screen."""
    import json
    from datetime import date

    from PySide6.QtCore import QEventLoop

    from mentor_app import demo
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.export import device_folder
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.keys import device_key
    from mentor_app.exchange.trip import trip
    from mentor_app.records import store
    from mentor_app.records.types import Concern, Meeting
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile
    from mentor_app.ui.main_window import MainWindow
    from mentor_app.ui.supervisor_window import SupervisorWindow
    from mentor_app.ui.sync_dialog import SyncDialog

    fast = Argon2Params(time_cost=2)
    supervisor, _ = create_profile(
        root / "delivery-supervisor",
        role="supervisor",
        name="Riverside Mentoring",
        passphrase=demo.DEMO_PASSPHRASE,
        use_keyring=False,
        kdf_params=fast,
    )
    mentor, _ = create_profile(
        root / "delivery-mentor",
        role="mentor",
        name="Sam Mentor",
        passphrase=demo.DEMO_PASSPHRASE,
        use_keyring=False,
        kdf_params=fast,
    )
    demo.generate(mentor, seed=4, mentees=4, weeks=3)
    drive = root / "delivery-drive"
    drive.mkdir()
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    register.note_device(supervisor.conn, device_key(mentor).public, "Sam Mentor")
    register.approve(supervisor.conn, device_key(mentor).fingerprint, "Sam Mentor")
    trip(mentor)
    import_folder(supervisor, drive)
    trip(mentor)
    person = store.list_records(mentor.conn, "mentee")[0]
    today = date.today().isoformat()
    store.save(
        mentor.conn,
        Concern(
            category="exploitation",
            urgency="today",
            raised_at=f"{today}T15:00",
            what_happened="Said someone is asking them to carry parcels.",
        ),
        author=mentor.author,
        mentee_id=person.id,
    )
    store.save(
        mentor.conn,
        Meeting(starts_at=f"{today}T14:00", kind="one_to_one", place="Café", notes="Talked about the weekend."),
        author=mentor.author,
        mentee_id=person.id,
    )
    trip(mentor)
    store.save(
        mentor.conn,
        Meeting(starts_at=f"{today}T16:00", kind="sport", activity="football", duration_minutes=90),
        author=mentor.author,
        mentee_id=person.id,
    )
    trip(mentor)
    lost = sorted(device_folder(drive, mentor).glob("*.mentorlog"))[-3]  # the concern's batch
    lost.unlink()  # a sync client "resolved a conflict" before the supervisor imported it
    import_folder(supervisor, drive)
    trip(mentor)  # the receipt says what is missing: it goes again
    import_folder(supervisor, drive)
    # A mentor erases someone on request: a shared concern about them waits for the supervisor.
    from mentor_app.privacy.erasure import erase_mentee

    asked = next(
        m
        for m in store.list_records(mentor.conn, "mentee")
        if store.list_records(mentor.conn, "concern", mentee_id=m.id) and m.id != person.id
    )
    erase_mentee(mentor, asked.id, "Their written request")
    trip(mentor)
    import_folder(supervisor, drive)
    store.save(
        mentor.conn, Meeting(starts_at=f"{today}T17:00", kind="one_to_one"), author=mentor.author, mentee_id=person.id
    )
    trip(mentor)
    later = sorted(device_folder(drive, mentor).glob("*.mentorlog"))[-1]
    later.unlink()

    board = SupervisorWindow(supervisor)
    counted = QEventLoop()
    board.refreshed.connect(counted.quit)
    board.resize(1024, 600)
    board.show()
    counted.exec()
    grab(board, "supervisor-erasure-request")
    board.tabs.setCurrentIndex(4)
    grab(board, "supervisor-mentors-waiting")
    board.close()

    # The mentor's app reads the receipt on its next trip; here, before it puts the batch back.
    from mentor_app.exchange.trip import read_receipt

    read_receipt(mentor, drive)
    window = MainWindow(mentor)
    window.resize(1024, 600)
    window.show()
    sync = SyncDialog(mentor, window)
    sync.resize(1000, 580)
    sync.show()
    grab(sync, "sharing-not-yet-received")
    sync.done(0)
    window.show_mentee(person.id)
    window.mentee_page.tabs.setCurrentIndex(1)
    grab(window, "concern-received")
    window.close()
    shutil.rmtree(drive, ignore_errors=True)


def device_key_public(folder: Path) -> bytes:
    from mentor_app import demo
    from mentor_app.exchange.keys import device_key
    from mentor_app.storage.profile import open_profile

    with open_profile(folder, secret=demo.DEMO_PASSPHRASE) as p:
        return device_key(p).public


if __name__ == "__main__":
    sys.exit(main())
