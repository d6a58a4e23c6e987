"""`mentor-app selftest`: open the real main window offscreen and visit every main screen."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from ..records import caseload
from ..words import count
from . import record_dialogs
from .main_window import MainWindow
from .mentor_log import MentorLogDialog
from .search_dialog import SearchDialog
from .settings_dialog import SettingsDialog
from .sheet_dialog import SheetDialog
from .sync_dialog import SyncDialog


def run_selftest(profile, out=sys.stdout) -> int:
    """Render each screen; 0 when all of them drew something."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    # The offscreen platform warns about window hints it can't honour; that is noise here.
    qInstallMessageHandler(
        lambda mode, context, message: None if "propagateSizeHints" in message else print(message, file=sys.stderr)
    )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(profile)
    window.show()
    failures = []

    def visit(name: str, widget) -> None:
        app.processEvents()
        image = widget.grab().toImage()
        ok = not image.isNull() and image.width() > 50 and image.height() > 50
        print(f"{'ok  ' if ok else 'FAIL'} {name}", file=out)
        if not ok:
            failures.append(name)

    def visit_dialog(name: str, dialog) -> None:
        dialog.show()
        visit(name, dialog)
        dialog.done(0)

    visit("today", window)
    rows = caseload.caseload(profile.conn)
    if rows:
        window.show_mentee(rows[0].id)
        for i in range(window.mentee_page.tabs.count()):
            window.mentee_page.tabs.setCurrentIndex(i)
            visit(f"mentee: {window.mentee_page.tabs.tabText(i).replace('&', '').lower()}", window)
        visit_dialog("record a meeting", record_dialogs.MeetingForm(window, profile, rows[0].id))
        visit_dialog("safeguarding concern", record_dialogs.concern_form(window, profile, rows[0].id))
        visit_dialog("meeting plan", record_dialogs.risk_form(window, profile, rows[0].id))
        visit_dialog("signpost or refer", record_dialogs.ReferralForm(window, profile, rows[0].id))
        visit_dialog("signposting sheet", SheetDialog(profile, rows[0].id, parent=window))
    window.show_directory()
    visit("directory", window)
    visit_dialog("new mentee", record_dialogs.mentee_form(window, profile))
    visit_dialog("search", SearchDialog(profile, window))
    visit_dialog("settings", SettingsDialog(profile, window))
    visit_dialog("my log", MentorLogDialog(profile, window))
    visit_dialog("sharing", SyncDialog(profile, window))
    window.lock()
    visit("locked", window)
    window.close()
    print("All screens rendered." if not failures else f"{count(len(failures), 'screen')} failed.", file=out)
    return 0 if not failures else 1
