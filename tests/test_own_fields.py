"""The organisation's own questions: defined by the supervisor, published, asked at two mentors, shared and
counted; taken away later with their answers still readable."""

from __future__ import annotations

import json
import subprocess

import pytest
from PySide6.QtCore import Qt

from mentor_app.errors import BadInput
from mentor_app.exchange import mentors as register
from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
from mentor_app.exchange.importer import import_folder
from mentor_app.exchange.keys import device_key
from mentor_app.exchange.publish import pick_up, publish
from mentor_app.exchange.trip import trip
from mentor_app.records import own_fields, store
from mentor_app.records.types import Consent, Meeting, Mentee
from mentor_app.reports import funder
from mentor_app.reports.figures import Figures, add, mentor_figures, supervisor_figures
from mentor_app.ui import record_dialogs


def _organisation(make_profile, tmp_path, mentors=2):
    supervisor, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(supervisor)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    supervisor.set_setting("exchange.shared_folder", str(drive))
    found = []
    for n in range(mentors):
        mentor, _ = make_profile(f"mentor{n}")
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        register.note_device(supervisor.conn, device_key(mentor).public, "")
        register.approve(supervisor.conn, device_key(mentor).fingerprint, f"Mentor {n}")
        found.append(mentor)
    return supervisor, found, drive


def test_questions_are_checked_when_they_are_made():
    import sqlite3

    conn = sqlite3.connect(":memory:")  # settings only: what define() reads and writes
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")
    with pytest.raises(BadInput, match="at least two choices"):
        own_fields.define(conn, "Football team", "choice", "mentee", ["Only one"])
    with pytest.raises(BadInput, match="Give the question a name"):
        own_fields.define(conn, "  ", "text", "meeting")
    q = own_fields.define(conn, "Housing on release", "choice", "mentee", ["Own tenancy", "Hostel", "Hostel"], True)
    assert q.choices == ("Own tenancy", "Hostel") and q.counts
    with pytest.raises(BadInput, match="already a question with that name"):
        own_fields.define(conn, "housing on release", "text", "mentee")
    text = own_fields.define(conn, "Anything else", "text", "meeting", counted=True)
    assert not text.counts  # words can't be counted
    with pytest.raises(BadInput, match="Housing on release: please choose from the list"):
        own_fields.check_answer(q, "Sofa")
    assert own_fields.check_answer(own_fields.define(conn, "Miles", "number", "meeting"), "1,250") == 1250


def test_a_question_published_asked_at_two_mentors_shared_counted_and_retired(qtbot, make_profile, tmp_path):
    supervisor, mentors, drive = _organisation(make_profile, tmp_path)
    housing = own_fields.define(
        supervisor.conn, "Housing on release", "choice", "mentee", ["Own tenancy", "Hostel", "No fixed abode"], True
    )
    miles = own_fields.define(supervisor.conn, "Miles walked", "number", "meeting", counted=True)
    secret = own_fields.define(supervisor.conn, "Hopes for next year", "text", "mentee")
    publish(supervisor, drive)

    first = ""
    for n, mentor in enumerate(mentors):
        assert pick_up(mentor) == 0  # no directory entries; the questions came with it
        assert [q.label for q in own_fields.load(mentor.conn)] == [housing.label, miles.label, secret.label]
        # The form asks them after the built-in fields, and keeps the answers in the record.
        form = record_dialogs.mentee_form(None, mentor)
        qtbot.addWidget(form)
        form.editors["name"].put(f"Consenting Person {n}")
        form.answers[housing.key].put("Hostel")
        form.answers[secret.key].put(f"Private hope {n}")
        form.save()
        consenting = form.saved_id
        first = first if n else consenting
        store.save(
            mentor.conn,
            Consent(scope="share_with_organisation", on="2026-01-01"),
            author=mentor.author,
            mentee_id=consenting,
        )
        private = store.save(
            mentor.conn,
            Mentee(name=f"Private Person {n}", own={housing.key: "No fixed abode", secret.key: "Hidden hope"}),
            author=mentor.author,
        )
        for mid in (consenting, private):
            store.save(
                mentor.conn,
                Meeting(starts_at="2026-03-02T10:00", kind="sport", own={miles.key: 3.5}),
                author=mentor.author,
                mentee_id=mid,
            )
        trip(mentor)
    import_folder(supervisor, drive)

    figures = supervisor_figures(supervisor.conn)
    own = Figures()
    for mentor in mentors:
        add(own, mentor_figures(mentor.conn))
    assert figures.own == own.own  # the supervisor's counts are the mentors' own
    assert figures.own[housing.key] == {"Hostel": 2, "No fixed abode": 2}
    assert figures.own[miles.key] == {"total": 14.0, "answered": 4}
    held = json.dumps([json.loads(f) for (f,) in supervisor.conn.execute("SELECT fields FROM shared_records")])
    assert "Private hope 0" in held and "Private hope 1" in held  # shared with consent
    assert "Hidden hope" not in held  # not a count, and no consent: it stayed on the laptops

    pdf = funder.write_pdf(figures, tmp_path / "report.pdf", organisation="Our Project", period="2026")
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Our own question: Housing on release" in words and "No fixed abode" in words
    assert "Our own question: Miles walked" in words and "14" in words
    assert "hope" not in words.lower() and "Person" not in words

    # Taken away: no longer asked, old answers still readable where they are held.
    own_fields.retire(supervisor.conn, housing.key)
    publish(supervisor, drive)
    mentor = mentors[0]
    pick_up(mentor)
    form = record_dialogs.mentee_form(None, mentor)
    qtbot.addWidget(form)
    assert housing.key not in form.answers and secret.key in form.answers
    stored = store.get(mentor.conn, first)
    edit = record_dialogs.mentee_form(None, mentor, stored)
    qtbot.addWidget(edit)
    edit.answers[secret.key].put("A new hope")
    edit.save()
    kept = store.get(mentor.conn, first).record.own
    assert kept[housing.key] == "Hostel" and kept[secret.key] == "A new hope"  # the retired answer is kept
    from mentor_app.privacy.sar import gather
    from mentor_app.records.dump import dump

    dumped = dump(mentor)
    assert {q["label"] for q in dumped["own_questions"]} >= {"Housing on release", "Hopes for next year"}
    assert any(r["fields"]["own"].get(housing.key) == "Hostel" for r in dumped["records"]["mentee"])
    copy = gather(mentor, first)
    assert copy["person"]["fields"]["own"] == {"Housing on release": "Hostel", "Hopes for next year": "A new hope"}
    from mentor_app.ui.mentee_page import MenteePage

    page = MenteePage(mentor)
    qtbot.addWidget(page)
    page.show_mentee(first)
    items = (page.details.itemAt(i) for i in range(page.details.count()))
    shown = [item.widget().text() for item in items if item is not None and item.widget() is not None]
    assert "Housing on release" in shown and "Hostel" in shown


def test_the_supervisors_questions_box_adds_and_stops_asking(qtbot, make_profile, tmp_path):
    from test_keyboard_and_small_screen import SMALL_SCREEN, TITLE_BAR, clashes

    from mentor_app.ui.supervisor_window import SupervisorWindow

    supervisor, _, _ = _organisation(make_profile, tmp_path, mentors=0)
    window = SupervisorWindow(supervisor)
    qtbot.addWidget(window)
    dialog = window.open_own_fields()
    qtbot.waitExposed(dialog)
    assert clashes(dialog) == {} and clashes(window) == {}
    assert dialog.height() <= SMALL_SCREEN[1] - TITLE_BAR
    assert dialog.focusWidget() is dialog.label  # typing starts in the new question
    qtbot.keyClicks(dialog.label, "Football team")
    dialog.kind.setCurrentIndex(dialog.kind.findData("choice"))
    dialog.choices.setPlainText("Reds\nBlues")
    dialog.counted.setChecked(True)
    dialog.add()
    [q] = own_fields.load(supervisor.conn)
    assert (q.label, q.choices, q.counts) == ("Football team", ("Reds", "Blues"), True)
    dialog.add()  # nothing typed: said plainly, nothing added
    assert "Give the question a name" in dialog.problem.text() and len(own_fields.load(supervisor.conn)) == 1
    dialog.list.setCurrentRow(0)
    dialog.retire()
    assert own_fields.load(supervisor.conn)[0].retired
    assert "no longer asked" in dialog.list.item(0).text()
    assert dialog.list.item(0).data(Qt.ItemDataRole.UserRole) == q.key
