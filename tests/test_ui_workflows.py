"""Each workflow of the mentor's workspace, done as a person would with pytest-qt."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import FAST_KDF, PASSPHRASE
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QListWidget, QMessageBox, QWidget

from mentor_app import demo
from mentor_app.records import caseload, store
from mentor_app.records.consent import consent_in_force
from mentor_app.records.types import Mentee
from mentor_app.settings import Settings, load_settings, save_settings
from mentor_app.storage.profile import create_profile
from mentor_app.ui import record_dialogs
from mentor_app.ui.app import obtain_profile
from mentor_app.ui.main_window import MainWindow


@pytest.fixture
def demo_profile(make_profile):
    profile, _ = make_profile()
    demo.generate(profile, seed=3, mentees=5, weeks=6)
    return profile


@pytest.fixture
def window(qtbot, demo_profile):
    w = MainWindow(demo_profile)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.idle.stop()


def _when_modal(qtbot, action, failures: list | None = None):
    """Run `action(dialog)` on the next modal dialog, once it is open.

    If the action fails, the dialog is closed so the test doesn't hang, and
    the failure is kept for `_raise_failures`.
    """
    failures = _FAILURES if failures is None else failures

    def later():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, later)
            return
        # Offscreen there is no window manager to give the new dialog focus; a desktop does this.
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow, timeout=2_000)
        try:
            action(dialog)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test itself
            failures.append(exc)
            dialog.done(0)

    QTimer.singleShot(0, later)


_FAILURES: list = []


@pytest.fixture(autouse=True)
def _raise_failures():
    _FAILURES.clear()
    yield
    if _FAILURES:
        raise _FAILURES[0]


def _active_row(profile, name_part: str):
    return next(r for r in caseload.caseload(profile.conn) if name_part in r.name)


def _visible_texts(root: QWidget) -> str:
    texts = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel):
            texts.append(w.text())
        if isinstance(w, QListWidget):
            texts += [w.item(i).text() for i in range(w.count())]
    return "\n".join(texts)


def test_add_a_mentee_from_the_main_window(qtbot, window):
    def fill(dialog):
        qtbot.keyClicks(dialog.editors["name"].widget, "Robin Quayside")
        qtbot.keyClicks(dialog.editors["phone"].widget, "07700 900555")
        dialog.save()

    _when_modal(qtbot, fill)
    window.new_mentee()
    assert window.pages.currentWidget() is window.mentee_page
    assert "Robin Quayside" in window.mentee_page.heading.text()
    names = [window.mentees.item(i).text() for i in range(window.mentees.count())]
    assert any("Robin Quayside" in n for n in names)


def test_record_consent_and_withdraw_it(qtbot, window, demo_profile):
    mid = store.save(demo_profile.conn, Mentee(name="Consent Person", status="active"), author=demo_profile.author)
    window.refresh_lists()
    window.show_mentee(mid)
    form = record_dialogs.consent_form(window, demo_profile, mid)
    qtbot.addWidget(form)
    scope = form.editors["scope"].widget
    scope.setCurrentIndex(scope.findData("share_with_organisation"))
    form.save()
    window.mentee_page.refresh()
    assert "supervising organisation: yes" in window.mentee_page.consent_text.text()
    assert consent_in_force(demo_profile.conn, mid, "share_with_organisation").in_force

    withdraw = record_dialogs.consent_form(window, demo_profile, mid, scope="share_with_organisation", given=False)
    qtbot.addWidget(withdraw)
    assert not withdraw.editors["given"].widget.isChecked()
    withdraw.save()
    window.mentee_page.refresh()
    assert "supervising organisation: no" in window.mentee_page.consent_text.text()
    assert not consent_in_force(demo_profile.conn, mid, "share_with_organisation").in_force


def test_record_a_meeting_with_the_keyboard_alone(qtbot, window, demo_profile):
    row = _active_row(demo_profile, "")
    window.show_mentee(row.id)
    before = len(store.list_records(demo_profile.conn, "meeting", mentee_id=row.id))
    seen = {}

    def type_it(dialog):
        seen["who"] = dialog.attendees()
        notes = dialog.editors["notes"].widget
        for _ in range(40):  # Tab through the form, as a keyboard user would
            if QApplication.focusWidget() is notes:
                break
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen["reached_notes"] = QApplication.focusWidget() is notes
        qtbot.keyClicks(notes, "Walked to the library; talked about the course.")
        qtbot.keyClick(notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    _when_modal(qtbot, type_it)
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert seen == {"who": [row.id], "reached_notes": True}
    meetings = store.list_records(demo_profile.conn, "meeting", mentee_id=row.id)
    assert len(meetings) == before + 1
    newest = max(meetings, key=lambda s: s.change_seq)
    assert newest.record.notes == "Walked to the library; talked about the course."
    started = datetime.fromisoformat(newest.record.starts_at)
    assert abs((datetime.now() - started).total_seconds()) < 180  # defaults to now


def test_group_sport_session_for_three_mentees(qtbot, window, demo_profile):
    rows = [r for r in caseload.caseload(demo_profile.conn) if r.status != "closed"][:3]
    assert len(rows) == 3
    form = record_dialogs.MeetingForm(window, demo_profile, rows[0].id)
    qtbot.addWidget(form)
    for i in range(form.who.count()):
        if form.who.item(i).data(Qt.ItemDataRole.UserRole) in {r.id for r in rows}:
            form.who.item(i).setCheckState(Qt.CheckState.Checked)
    kind = form.editors["kind"].widget
    kind.setCurrentIndex(kind.findData("sport"))
    assert form.editors["activity"].widget.isVisibleTo(form)
    form.editors["activity"].widget.setCurrentIndex(form.editors["activity"].widget.findData("boxing"))
    form.editors["notes"].widget.setPlainText("Pad work and skipping.")
    form.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    saved = [store.get(demo_profile.conn, i) for i in form.saved_ids]
    assert {s.mentee_id for s in saved} == {r.id for r in rows}
    assert len({s.record.group_id for s in saved}) == 1 and saved[0].record.group_id
    assert all(s.record.activity == "boxing" and s.record.kind == "sport" for s in saved)


def test_safeguarding_concern_shows_the_lead_at_once(qtbot, window, demo_profile):
    settings = load_settings(demo_profile)
    settings.safeguarding_lead, settings.safeguarding_lead_phone = "Morgan Lead-Person", "07700 900999"
    save_settings(demo_profile, settings)
    row = _active_row(demo_profile, "")
    form = record_dialogs.concern_form(window, demo_profile, row.id)
    qtbot.addWidget(form)
    form.show()
    shown = _visible_texts(form)
    assert "Morgan Lead-Person" in shown and "07700 900999" in shown and "999" in shown
    assert "legal duty" in shown
    form.editors["category"].widget.setCurrentIndex(form.editors["category"].widget.findData("exploitation"))
    form.editors["what_happened"].widget.setPlainText("Asked to hold a package for someone.")
    form.save()
    window.refresh_lists()
    concerns = [window.home.concerns.item(i).text() for i in range(window.home.concerns.count())]
    assert any("Exploitation" in c for c in concerns)


def test_search_and_jump_to_the_record(qtbot, window, demo_profile):
    row = _active_row(demo_profile, "")
    marker = store.save(
        demo_profile.conn,
        record_dialogs.Meeting(starts_at="2026-01-05T10:00", notes="Talked about the Quinnell allotment"),
        author=demo_profile.author,
        mentee_id=row.id,
    )

    def find(dialog):
        qtbot.keyClicks(dialog.query, "quinn")
        qtbot.keyClick(dialog.query, Qt.Key.Key_Return)

    _when_modal(qtbot, find)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.pages.currentWidget() is window.mentee_page
    assert window.mentee_page.mentee_id == row.id
    assert window.mentee_page.timeline.currentItem().data(0, Qt.ItemDataRole.UserRole) == marker


@pytest.mark.slow
def test_idle_lock_hides_content_and_clears_copied_text(qtbot, window, demo_profile):
    row = _active_row(demo_profile, "")
    window.show_mentee(row.id)
    assert row.name.split(" (")[0] in _visible_texts(window)
    window.activateWindow()
    QGuiApplication.clipboard().setText(row.name)
    window.clipboard_guard._changed()  # offscreen has no window focus events; as on a desktop
    window.idle.set_minutes(0.01)
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    assert row.name.split(" (")[0] not in _visible_texts(window)
    assert QGuiApplication.clipboard().text() == ""
    window.idle.set_minutes(30)  # so a slow machine doesn't lock it again straight after the unlock below

    qtbot.keyClicks(window.lock_page.secret, "wrong words here")
    qtbot.keyClick(window.lock_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "doesn't match" in window.lock_page.error.text(), timeout=10_000)
    assert window.locked
    window.lock_page.secret.clear()
    qtbot.keyClicks(window.lock_page.secret, PASSPHRASE)
    qtbot.keyClick(window.lock_page.secret, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    assert row.name.split(" (")[0] in _visible_texts(window)


def test_ctrl_l_locks_and_open_forms_are_hidden_not_lost(qtbot, window, demo_profile):
    form = record_dialogs.mentee_form(window, demo_profile)
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.editors["name"].widget, "Half Typed")
    window.lock()
    assert window.locked and not form.isVisible()
    window.unlock()
    assert form.isVisible() and form.editors["name"].widget.text() == "Half Typed"
    form.done(0)


def test_closing_a_changed_form_asks_first(qtbot, window, demo_profile):
    form = record_dialogs.mentee_form(window, demo_profile)
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.editors["name"].widget, "Not Yet Saved")

    def answer(button):
        def press(box):
            assert isinstance(box, QMessageBox) and "not saved" in box.text()
            box.button(button).click()

        return press

    _when_modal(qtbot, answer(QMessageBox.StandardButton.Cancel))
    form.reject()
    assert form.isVisible()
    _when_modal(qtbot, answer(QMessageBox.StandardButton.Discard))
    form.reject()
    assert not form.isVisible()
    assert not any("Not Yet Saved" in r.name for r in caseload.caseload(demo_profile.conn))


@pytest.mark.keyring
def test_app_unlocks_by_keyring_without_asking(qtbot, tmp_path, secret_service):
    path = tmp_path / "kr"
    profile, _ = create_profile(path, role="mentor", name="Keyring User", passphrase=PASSPHRASE, kdf_params=FAST_KDF)
    secret_service.append(profile.keyring_entry)
    profile.close()
    opened = obtain_profile(path)  # would block on a dialog if it had to ask
    assert opened.unlocked_by == "keyring"
    w = MainWindow(opened)
    qtbot.addWidget(w)
    assert "Keyring User" in w.windowTitle()
    w.close()


def test_settings_are_kept_in_the_profile(demo_profile):
    save_settings(demo_profile, Settings(organisation="Test Org", idle_lock_minutes=7, larger_text=True))
    loaded = load_settings(demo_profile)
    assert (loaded.organisation, loaded.idle_lock_minutes, loaded.larger_text) == ("Test Org", 7, True)


def test_refer_without_consent_offers_to_record_it_then_refers(qtbot, window, demo_profile):
    from mentor_app.records.types import Contact

    cid = store.save(
        demo_profile.conn,
        Contact(organisation="Partner Housing Trust", categories=["housing"], phone="01632 960777"),
        author=demo_profile.author,
    )
    mid = store.save(demo_profile.conn, Mentee(name="Needs A Flat", status="active"), author=demo_profile.author)
    window.refresh_lists()
    window.show_mentee(mid)
    form = record_dialogs.ReferralForm(window, demo_profile, mid, contact_id=cid)
    qtbot.addWidget(form)
    form.editors["kind"].put("referral")
    form.editors["reason"].put("Needs move-on accommodation")

    def consent_box(box):
        assert "consent" in box.text() and "Partner Housing Trust" in box.text()
        _when_modal(qtbot, fill_consent)
        next(b for b in box.buttons() if "consent now" in b.text()).click()

    def fill_consent(consent):
        assert consent.editors["partner"].get() == "Partner Housing Trust"
        assert consent.editors["scope"].get() == "share_with_partner"
        consent.save()

    _when_modal(qtbot, consent_box)
    form.save()
    referrals = store.list_records(demo_profile.conn, "referral", mentee_id=mid)
    assert [r.record.kind for r in referrals] == ["referral"]
    assert referrals[0].record.organisation == "Partner Housing Trust"
    window.mentee_page.refresh()
    assert window.mentee_page.referrals.topLevelItemCount() == 1


def test_directory_search_finds_a_service_and_marks_it_checked(qtbot, window, demo_profile):
    from mentor_app.directory.defaults import ensure_default_directory

    ensure_default_directory(demo_profile)
    window.show_directory()
    qtbot.keyClicks(window.directory.text, "debt")
    qtbot.waitUntil(lambda: window.directory.results.count() > 0, timeout=3000)
    titles = [window.directory.results.item(i).text() for i in range(window.directory.results.count())]
    assert any("StepChange" in t for t in titles)
    assert all(t.startswith("⚠") for t in titles if "StepChange" in t)  # shipped entries: check before use
    row = next(i for i, t in enumerate(titles) if "StepChange" in t)
    window.directory.results.setCurrentRow(row)
    assert "Check before use" in window.directory.details.text()
    window.directory.mark_checked()
    titles = [window.directory.results.item(i).text() for i in range(window.directory.results.count())]
    assert any(t.startswith("StepChange") for t in titles)
    assert "Checked " in window.directory.details.text()


def test_sheet_dialog_saves_a_pdf_off_the_ui_thread(qtbot, window, demo_profile, tmp_path):
    from mentor_app.ui.sheet_dialog import SheetDialog

    row = _active_row(demo_profile, "")
    dialog = SheetDialog(demo_profile, row.id, parent=window)
    qtbot.addWidget(dialog)
    for i in range(min(3, dialog.contacts.count())):
        dialog.contacts.item(i).setCheckState(Qt.CheckState.Checked)
    dialog.with_name.setChecked(False)
    saved = []
    dialog.write(tmp_path / "sheet.pdf", saved.append)
    assert not dialog.isEnabled()  # busy while the PDF is built
    qtbot.waitUntil(lambda: bool(saved), timeout=20_000)
    assert saved[0].stat().st_size > 1000 and dialog.isEnabled()


def test_a_preview_on_a_computer_with_no_pdf_viewer_says_so(qtbot, window, demo_profile, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from mentor_app.ui.sheet_dialog import SheetDialog

    opened = []
    # No PDF viewer can run here: the desktop says it could not open the file, as on such a laptop.
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or False))
    dialog = SheetDialog(demo_profile, _active_row(demo_profile, "").id, parent=window)
    qtbot.addWidget(dialog)
    dialog.contacts.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.preview()
    qtbot.waitUntil(lambda: bool(opened), timeout=20_000)
    assert "no program set up to show PDFs" in dialog.error.text() and "Save as PDF" in dialog.error.text()
    dialog.done(0)


def test_status_bar_says_when_the_drive_is_missing_and_shares_when_it_is_back(
    qtbot, window, demo_profile, make_profile, tmp_path
):
    import json

    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.ui.sync_dialog import SyncDialog

    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    accept_enrolment(demo_profile, enrolment, enrolment.fingerprint, shared_folder=str(tmp_path / "drive"))
    window.auto_share()
    words = window.sync_label.text()
    assert words.startswith("Shared drive not found") and "changes waiting" in words
    (tmp_path / "drive").mkdir()
    window.auto_share()
    qtbot.waitUntil(lambda: window._share_job is None, timeout=20_000)
    assert window.sync_label.text() == "Shared drive reachable — all shared"
    assert list((tmp_path / "drive").glob("device-*/*.mentorlog"))
    dialog = SyncDialog(demo_profile, window)
    qtbot.addWidget(dialog)
    assert "0 changes" in dialog.status.text() and dialog.people.count() > 0
    dialog.done(0)


def test_ask_before_sharing_waits_for_the_mentor(qtbot, window, demo_profile, make_profile, tmp_path):
    import json

    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment

    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    (tmp_path / "drive").mkdir()
    accept_enrolment(demo_profile, enrolment, enrolment.fingerprint, shared_folder=str(tmp_path / "drive"))
    window.settings.ask_before_sharing = True
    window.auto_share()
    assert window._share_job is None
    assert "ready to share" in window.sync_label.text()
    assert not list((tmp_path / "drive").glob("device-*/*.mentorlog"))


def test_directory_flags_follow_the_out_of_date_setting(qtbot, window, demo_profile):
    from datetime import date, timedelta

    from mentor_app.records.types import Contact

    checked = (date.today() - timedelta(days=75)).isoformat()
    store.save(
        demo_profile.conn,
        Contact(
            organisation="Two Months Old Service", categories=["legal"], phone="01632 960555", last_checked=checked
        ),
        author=demo_profile.author,
    )
    window.show_directory()
    window.directory.text.setText("two months old")
    window.directory.refresh()
    assert not window.directory.results.item(0).text().startswith("⚠")
    settings = load_settings(demo_profile)
    settings.stale_after_months = 2
    save_settings(demo_profile, settings)
    window.directory.refresh()
    assert window.directory.results.item(0).text().startswith("⚠")
    assert "Possibly out of date" in window.directory.details.text()
