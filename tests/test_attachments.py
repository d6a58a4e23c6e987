"""Attachments: a scanned consent form, a licence condition or a copy of ID kept with a person.

Real PNG, JPEG and PDF files are attached and read back byte for byte; a file too big, a link, a
folder or anything that isn't a picture or a PDF (whatever its name says) is refused with a plain
message and nothing stored. An attachment is in the person's subject access copy and the dump,
goes with its record when that is deleted, erased or past retention, travels with a hand-over,
never leaves in a batch for the supervisor, survives a backup and restore, and is listed, shown
and removed on the mentee page.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from mentor_app import clock
from mentor_app.errors import BadInput
from mentor_app.records import attachments, store
from mentor_app.records.types import Consent, Mentee
from mentor_app.storage import audit, backups, db

NAME_MARKER = "Licence-ZQX-7731"


def png_bytes(width: int = 96, height: int = 64, seed: int = 1) -> bytes:
    """A real PNG of random pixels: it doesn't compress, so any stretch of it is found only where it was put."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf_bytes(text: str = "Signed consent form PDF-MARKER-4417") -> bytes:
    """A real one-page PDF, its text left uncompressed so the scan would see it if it were on disk."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0, invariant=1)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def person(make_profile, tmp_path):
    """A mentor's profile with one person and their written consent."""
    profile, _ = make_profile()
    mid = store.save(profile.conn, Mentee(name="Robin Quarry", status="active"), author=profile.author)
    consent = store.save(
        profile.conn,
        Consent(scope="share_with_organisation", on="2026-01-01", method="written"),
        author=profile.author,
        mentee_id=mid,
    )
    return profile, mid, consent


def count_rows(conn) -> int:
    return int(conn.execute("SELECT count(*) FROM attachments").fetchone()[0])


# -- attaching ---------------------------------------------------------------------------------------


def test_a_real_png_jpeg_and_pdf_are_attached_and_read_back_byte_for_byte(person, tmp_path):
    profile, mid, consent = person
    files = {
        "scan.png": png_bytes(),
        "photo of ID.jpg": jpeg_bytes(),
        f"{NAME_MARKER}.pdf": pdf_bytes(),
    }
    ids = {
        name: attachments.attach(
            profile.conn, consent if name.endswith(".pdf") else mid, write(tmp_path, name, data), author=profile.author
        )
        for name, data in files.items()
    }
    listed = attachments.list_for(profile.conn, mid)
    assert [(a.name, a.kind) for a in listed] == [
        ("scan.png", "png"),
        ("photo of ID.jpg", "jpeg"),
        (f"{NAME_MARKER}.pdf", "pdf"),
    ]
    assert [a.record_id for a in listed] == [mid, mid, consent]
    for name, data in files.items():
        assert attachments.content(profile.conn, ids[name]) == data
        assert attachments.get(profile.conn, ids[name]).sha256 == hashlib.sha256(data).hexdigest()
    assert listed[2].what.startswith("PDF document, ") and listed[2].what.endswith("KB")
    assert attachments.belongs_to(profile.conn, listed[0]) == "Their details"
    assert attachments.belongs_to(profile.conn, listed[2]).endswith(", 1 Jan 2026")
    # The trail has ids and the kind, never the file's name.
    added = audit.entries(profile.conn, action="attachment_add", mentee_id=mid)
    assert sorted(e.detail for e in added) == ["jpeg", "pdf", "png"]
    assert NAME_MARKER not in json.dumps([e.__dict__ for e in audit.entries(profile.conn)])


def test_what_a_file_is_comes_from_its_content_never_its_name(person, tmp_path):
    profile, mid, _ = person
    pretend = write(tmp_path, "consent form.pdf", b"Dear Robin, this is a letter, not a PDF at all.\n" * 20)
    with pytest.raises(BadInput, match="Only photos and scans .* and PDF documents can be attached") as refused:
        attachments.attach(profile.conn, mid, pretend, author=profile.author)
    assert "Nothing was attached" in refused.value.message and "Robin" not in refused.value.message
    for name, data in (("page.html", b"<html>%PDF-</html>"), ("empty.png", b""), ("word.docx", b"PK\x03\x04rest")):
        with pytest.raises(BadInput, match="Only photos"):
            attachments.attach(profile.conn, mid, write(tmp_path, name, data), author=profile.author)
    assert count_rows(profile.conn) == 0
    # A real picture with a misleading name is a picture.
    attachments.attach(profile.conn, mid, write(tmp_path, "notes.txt", png_bytes()), author=profile.author)
    assert [a.kind for a in attachments.list_for(profile.conn, mid)] == ["png"]


def test_a_file_too_big_is_refused_from_its_size_before_any_of_it_is_read(person, tmp_path, monkeypatch):
    profile, mid, _ = person
    big = tmp_path / "huge scan.pdf"
    with open(big, "wb") as fh:  # sparse: its size is what the folder says, without writing 10 MB
        fh.write(b"%PDF-1.4\n")
        fh.truncate(attachments.MAX_FILE_BYTES + 1)

    def never(*_a, **_k):
        raise AssertionError("the file was read")

    monkeypatch.setattr(attachments, "read_limited", never)
    with pytest.raises(BadInput, match=r"That file is 10 MB: an attachment can be at most 10 MB") as refused:
        attachments.attach(profile.conn, mid, big, author=profile.author)
    assert "huge scan" not in refused.value.message
    assert count_rows(profile.conn) == 0


def test_a_file_of_exactly_the_limit_is_taken(person, tmp_path):
    profile, mid, _ = person
    data = pdf_bytes()
    data += b"%" * (attachments.MAX_FILE_BYTES - len(data))
    attachments.attach(profile.conn, mid, write(tmp_path, "full.pdf", data), author=profile.author)
    assert attachments.list_for(profile.conn, mid)[0].size == attachments.MAX_FILE_BYTES


@pytest.mark.slow
def test_one_persons_attachments_together_are_limited_and_the_message_says_so(person, tmp_path):
    profile, mid, consent = person
    for i in range(2):  # 2 × 10 MB attached; a third would pass the 25 MB a person may have
        data = pdf_bytes(f"page {i}")
        data += b"%" * (attachments.MAX_FILE_BYTES - len(data))
        attachments.attach(profile.conn, consent, write(tmp_path, f"part {i}.pdf", data), author=profile.author)
    third = pdf_bytes("third") + b"%" * (6 * 1024 * 1024)
    with pytest.raises(BadInput, match="more than the 25 MB one person's may") as refused:
        attachments.attach(profile.conn, mid, write(tmp_path, "third.pdf", third), author=profile.author)
    assert "Nothing was attached" in refused.value.message
    assert len(attachments.list_for(profile.conn, mid)) == 2
    # Another person has their own allowance.
    other = store.save(profile.conn, Mentee(name="Sam Tiller"), author=profile.author)
    attachments.attach(profile.conn, other, write(tmp_path, "third.pdf", third), author=profile.author)


def test_a_link_or_a_folder_is_refused_and_the_same_file_twice_is_said(person, tmp_path):
    profile, mid, _ = person
    real = write(tmp_path, "form.png", png_bytes())
    link = tmp_path / "form-link.png"
    link.symlink_to(real)
    with pytest.raises(BadInput, match=r"a link\) to a file, not the file itself"):
        attachments.attach(profile.conn, mid, link, author=profile.author)
    dangling = tmp_path / "gone.png"
    dangling.symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(BadInput, match="a link"):
        attachments.attach(profile.conn, mid, dangling, author=profile.author)
    folder = tmp_path / "a folder.png"
    folder.mkdir()
    with pytest.raises(BadInput, match="isn't a file that can be attached"):
        attachments.attach(profile.conn, mid, folder, author=profile.author)
    with pytest.raises(BadInput, match="can't be found"):
        attachments.attach(profile.conn, mid, tmp_path / "missing.png", author=profile.author)
    assert count_rows(profile.conn) == 0
    attachments.attach(profile.conn, mid, real, author=profile.author)
    with pytest.raises(BadInput, match="already attached there"):
        attachments.attach(profile.conn, mid, real, author=profile.author)
    assert count_rows(profile.conn) == 1


def test_only_a_person_or_their_consent_takes_an_attachment(person, tmp_path):
    from mentor_app.records.types import Meeting

    profile, mid, consent = person
    meeting = store.save(profile.conn, Meeting(starts_at="2026-02-01T10:00"), author=profile.author, mentee_id=mid)
    form = write(tmp_path, "form.png", png_bytes())
    with pytest.raises(BadInput, match="to a person or to their consent only"):
        attachments.attach(profile.conn, meeting, form, author=profile.author)
    store.delete(profile.conn, consent, author=profile.author)
    with pytest.raises(BadInput, match="no longer exists"):
        attachments.attach(profile.conn, consent, form, author=profile.author)
    assert [words for _, words in attachments.targets(profile.conn, mid)] == ["Their details"]


def test_a_file_name_of_the_longest_length_is_kept_whole_and_a_longer_one_keeps_its_ending(person, tmp_path):
    profile, mid, _ = person
    longest = "Ł" * 100 + "a" * (255 - 200 - 4) + ".png"  # 255 bytes in UTF-8: the most a file system allows
    assert len(longest.encode("utf-8")) == 255
    attachments.attach(profile.conn, mid, write(tmp_path, longest, png_bytes()), author=profile.author)
    assert attachments.list_for(profile.conn, mid)[0].name == longest
    too_long = "x" * 400 + ".pdf"
    kept = attachments.clean_name(too_long)
    assert len(kept) == attachments.MAX_NAME and kept.endswith(".pdf")
    assert attachments.clean_name("line\nbreak\x00.png") == "linebreak.png"
    assert attachments.clean_name("   ") == "attachment"


# -- removing, and going with the record ----------------------------------------------------------------


def test_removing_one_and_deleting_its_record_take_it_and_the_persons_own_stay(person, tmp_path):
    profile, mid, consent = person
    own = attachments.attach(profile.conn, mid, write(tmp_path, "id.png", png_bytes(seed=2)), author=profile.author)
    form = attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", pdf_bytes()), author=profile.author)
    extra_file = write(tmp_path, "extra.png", png_bytes(seed=3))
    extra = attachments.attach(profile.conn, mid, extra_file, author=profile.author)
    attachments.remove(profile.conn, extra, author=profile.author)
    assert [e.action for e in audit.entries(profile.conn, record_id=extra)] == ["attachment_remove", "attachment_add"]
    store.delete(profile.conn, consent, author=profile.author)
    assert [a.id for a in attachments.list_for(profile.conn, mid)] == [own]
    assert attachments.get(profile.conn, form) is None
    with pytest.raises(BadInput, match="no longer here"):
        attachments.remove(profile.conn, form, author=profile.author)
    store.delete(profile.conn, mid, author=profile.author)
    assert count_rows(profile.conn) == 0


def test_erasure_takes_them_from_the_profile_and_every_backup_in_it(person, tmp_path):
    from mentor_app.privacy.erasure import erase_mentee

    profile, mid, consent = person
    attachments.attach(profile.conn, mid, write(tmp_path, "id.png", png_bytes()), author=profile.author)
    attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", pdf_bytes()), author=profile.author)
    stays = store.save(profile.conn, Mentee(name="Sam Tiller"), author=profile.author)
    kept = attachments.attach(profile.conn, stays, write(tmp_path, "sam.png", png_bytes(seed=9)), author=profile.author)
    profile.backup_now()
    result = erase_mentee(profile, mid, "their written request")
    assert result.attachments == 2 and "Erased 2 records and 2 attachments about this person" in result.words()
    assert [a.id for a in attachments.list_for(profile.conn, stays)] == [kept] and count_rows(profile.conn) == 1
    [backup] = backups.list_backups(profile.path)
    conn = db.connect(backup.path, profile.key, readonly=True)
    try:
        assert conn.execute("SELECT id FROM attachments").fetchall() == [(kept,)]
    finally:
        conn.close()


def test_retention_takes_an_attachment_with_the_record_it_belongs_to(person, tmp_path):
    from mentor_app.privacy import retention

    profile, mid, consent = person
    form = attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", pdf_bytes()), author=profile.author)
    own = attachments.attach(profile.conn, mid, write(tmp_path, "id.png", png_bytes()), author=profile.author)
    person_now = store.get(profile.conn, mid).record
    person_now.status = "closed"
    store.save(profile.conn, person_now, author=profile.author, record_id=mid)
    policy = retention.Policy({**retention.load_policy(profile).years, "consent": 1})
    later = date.today() + timedelta(days=2 * 366)
    report = retention.delete_due(profile, retention.due(profile.conn, policy, later))
    assert report.counts() == {"consent": 1}
    assert attachments.get(profile.conn, form) is None and attachments.get(profile.conn, own) is not None
    with clock.frozen_at(date.today() + timedelta(days=4 * 366)):
        retention.delete_due(profile, retention.due(profile.conn, policy))
    assert store.get(profile.conn, mid) is None and count_rows(profile.conn) == 0


# -- copies: subject access, the dump, backups, hand-overs -----------------------------------------------


@pytest.mark.slow
def test_the_subject_access_copy_holds_each_attachment_in_a_file_of_its_own(person, tmp_path):
    from pdfminer.high_level import extract_text
    from test_long_text import assert_inside_the_page

    from mentor_app.privacy.sar import write_subject_access

    profile, mid, consent = person
    picture, document = png_bytes(), pdf_bytes()
    attachments.attach(profile.conn, mid, write(tmp_path, "copy of ID.png", picture), author=profile.author)
    attachments.attach(profile.conn, consent, write(tmp_path, f"{NAME_MARKER}.pdf", document), author=profile.author)
    longest = "L" * 251 + ".png"  # the longest name a file system allows, with no space to wrap at
    attachments.attach(profile.conn, mid, write(tmp_path, longest, png_bytes(seed=4)), author=profile.author)
    other = store.save(profile.conn, Mentee(name="Sam Tiller"), author=profile.author)
    attachments.attach(profile.conn, other, write(tmp_path, "sam.png", png_bytes(seed=5)), author=profile.author)
    out = tmp_path / "copy"
    out.mkdir()
    pdf, js, files = write_subject_access(profile, mid, out)
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["format_version"] == 2
    assert [(a["name"], a["kind"], a["attached_to"]["type"]) for a in data["attachments"]] == [
        ("copy of ID.png", "png", "mentee"),
        (f"{NAME_MARKER}.pdf", "pdf", "consent"),
        (longest, "png", "mentee"),
    ]
    assert [f.name for f in files] == [a["file"] for a in data["attachments"]]
    assert [f.read_bytes() for f in files] == [picture, document, png_bytes(seed=4)]  # as attached, byte for byte
    assert_inside_the_page(pdf)
    assert files[0].name.endswith("-attachment-1.png") and files[1].name.endswith("-attachment-2.pdf")
    assert all(NAME_MARKER not in f.name for f in out.iterdir())  # a name is content: not a file's name
    assert data["attachments"][1]["sha256"] == hashlib.sha256(document).hexdigest()
    text = " ".join(extract_text(str(pdf)).split())
    assert "Attachments (3)" in text and f"{NAME_MARKER}.pdf" in text and files[1].name in text
    assert "sam.png" not in js.read_text(encoding="utf-8") and "sam.png" not in text
    trail = audit.entries(profile.conn, action="subject_access")[0]
    assert trail.detail == "1 records, 3 attachments"
    # Asked again into the same folder: refused before anything is written, nothing overwritten.
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(BadInput, match="nothing was overwritten"):
        write_subject_access(profile, mid, out)
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_subject_access_copy_that_cannot_be_finished_leaves_none_of_its_files(person, tmp_path, monkeypatch):
    from mentor_app.privacy import sar

    profile, mid, _ = person
    attachments.attach(profile.conn, mid, write(tmp_path, "id.png", png_bytes()), author=profile.author)
    out = tmp_path / "copy"
    out.mkdir()
    monkeypatch.setattr(sar, "write_pdf", lambda data, target: target.write_bytes(b"%PDF-1.4 stand-in"))

    def refuse(conn, attachment_id):
        raise OSError("the disk is full")

    monkeypatch.setattr(sar.attachments, "content", refuse)
    with pytest.raises(OSError):
        sar.write_subject_access(profile, mid, out)
    assert list(out.iterdir()) == []


def test_the_dump_holds_the_attachments_themselves(person, tmp_path):
    from mentor_app.privacy.portability import dump

    profile, mid, consent = person
    document = pdf_bytes()
    attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", document), author=profile.author)
    data = dump(profile)
    assert data["format_version"] == 3
    [held] = data["attachments"]
    assert held["record_id"] == consent and held["mentee_id"] == mid and held["name"] == "form.pdf"
    assert base64.b64decode(held["data_base64"]) == document
    json.dumps(data)  # as the command writes it


def test_a_backup_holds_them_and_a_restore_brings_them_back(person, tmp_path):
    profile, mid, consent = person
    document = pdf_bytes()
    form = attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", document), author=profile.author)
    backup = profile.backup_now()
    assert backups.verify_backup(backup, profile.key).good
    attachments.remove(profile.conn, form, author=profile.author)
    profile.restore(backup)
    assert attachments.content(profile.conn, form) == document
    assert profile.check().ok


@pytest.mark.slow
def test_a_hand_over_carries_them_to_the_next_mentor(person, make_profile, tmp_path):
    from mentor_app.exchange.handover import make_handover, receive_handover

    profile, mid, consent = person
    picture, document = png_bytes(), pdf_bytes()
    own = attachments.attach(profile.conn, mid, write(tmp_path, "id.png", picture), author=profile.author)
    form = attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", document), author=profile.author)
    code = make_handover(profile, mid, tmp_path / "robin.mentorhandover")
    assert count_rows(profile.conn) == 0
    assert {e.record_id for e in audit.entries(profile.conn, action="handover_out")} >= {own, form}
    second, _ = make_profile("second")
    assert receive_handover(second, tmp_path / "robin.mentorhandover", code) == "Robin Quarry"
    moved = attachments.list_for(second.conn, mid)
    assert [(a.id, a.record_id, a.name) for a in moved] == [(own, mid, "id.png"), (form, consent, "form.pdf")]
    assert [attachments.content(second.conn, a.id) for a in moved] == [picture, document]
    assert {e.action for e in audit.entries(second.conn, record_id=form)} == {"handover_in"}


@pytest.mark.slow
def test_a_hand_over_file_with_something_else_as_an_attachment_is_refused_whole(person, make_profile, tmp_path):
    import pyrage

    from mentor_app.exchange.handover import HandoverError, make_handover, receive_handover

    profile, mid, consent = person
    attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", pdf_bytes()), author=profile.author)
    code = make_handover(profile, mid, tmp_path / "robin.mentorhandover")
    payload = json.loads(pyrage.passphrase.decrypt((tmp_path / "robin.mentorhandover").read_bytes(), code))
    payload["attachments"][0]["data"] = base64.b64encode(b"MZ\x90\x00 a program, not a PDF").decode()
    (tmp_path / "changed.mentorhandover").write_bytes(
        pyrage.passphrase.encrypt(json.dumps(payload).encode("utf-8"), code)
    )
    second, _ = make_profile("second")
    with pytest.raises(HandoverError, match="attachment this profile can't keep"):
        receive_handover(second, tmp_path / "changed.mentorhandover", code)
    assert store.list_records(second.conn) == [] and count_rows(second.conn) == 0


# -- never to the supervisor --------------------------------------------------------------------------


def test_no_export_batch_carries_an_attachment_even_with_consent_to_share(make_profile, tmp_path):
    import pyrage
    from pyrage import x25519

    from mentor_app.exchange import batch as batch_format
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.export import device_folder
    from mentor_app.exchange.keys import organisation_keys
    from mentor_app.exchange.trip import trip

    sup, _ = make_profile("supervisor", role="supervisor")
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive = tmp_path / "drive"
    drive.mkdir()
    mentor, _ = make_profile("mentor")
    accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
    mid = store.save(mentor.conn, Mentee(name="Robin Quarry", status="active"), author=mentor.author)
    consent = store.save(
        mentor.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=mentor.author, mentee_id=mid
    )
    picture, document = png_bytes(), pdf_bytes()
    attachments.attach(mentor.conn, mid, write(tmp_path, f"{NAME_MARKER}.png", picture), author=mentor.author)
    trip(mentor)
    attachments.attach(mentor.conn, consent, write(tmp_path, "form.pdf", document), author=mentor.author)
    trip(mentor)
    identities, _ = organisation_keys(sup)
    files = sorted(device_folder(drive, mentor).glob("*" + batch_format.SUFFIX))
    assert files
    opened = []
    for f in files:
        data = f.read_bytes()
        data = data.partition(b"\n")[2] if data.startswith(batch_format.ENVELOPE_MAGIC) else data
        opened.append(pyrage.decrypt(data, [x25519.Identity.from_str(i) for i in identities]))
    everything = b"\n".join(opened)
    assert b"Robin Quarry" in everything  # the person's records went, by their consent
    assert NAME_MARKER.encode() not in everything and b"form.pdf" not in everything
    for data in (picture, document):
        assert not any(data[i : i + 48] in everything for i in range(0, len(data) - 48, 97))
    assert base64.b64encode(picture[100:160]) not in everything


# -- the mentee page ------------------------------------------------------------------------------------


@pytest.fixture
def page(qtbot, person):
    from mentor_app.ui.mentee_page import MenteePage

    profile, mid, consent = person
    widget = MenteePage(profile)
    qtbot.addWidget(widget)
    widget.show()
    widget.show_mentee(mid)
    return widget, profile, mid, consent


def test_the_mentee_page_attaches_lists_and_removes_by_its_buttons(page, tmp_path, monkeypatch):
    from mentor_app.ui import attachments as ui

    widget, profile, mid, consent = page
    box = widget.attachments
    assert box.names() == [] and box.empty.isVisibleTo(widget)
    form = write(tmp_path, "signed consent.pdf", pdf_bytes())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(form), "")))
    asked = []

    def choose_consent(dialog):
        asked.append([dialog.list.item(i).text() for i in range(dialog.list.count())])
        dialog.list.setCurrentRow(1)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ui.AttachToDialog, "exec", choose_consent)
    said = []
    widget.said.connect(said.append)
    next(b for b in box.findChildren(ui.QPushButton) if b.text() == "Attach a file…").click()
    consent_words = "Consent given: Records may be shared with the supervising organisation, 1 Jan 2026"
    assert asked == [["Their details", consent_words]]
    assert box.names() == ["signed consent.pdf"] and not box.empty.isVisibleTo(widget)
    assert box.items[0].text(2).startswith("Consent given") and box.items[0].text(1).startswith("PDF document")
    assert attachments.list_for(profile.conn, mid)[0].record_id == consent
    assert "kept encrypted" in said[-1]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    box.list.setCurrentItem(box.items[0])
    next(b for b in box.findChildren(ui.QPushButton) if b.text() == "Remove…").click()
    assert box.names() == [] and count_rows(profile.conn) == 0 and said[-1] == "Attachment removed."


def test_a_picture_is_shown_from_memory_and_the_looking_is_in_the_audit_trail(page, tmp_path, monkeypatch):
    from mentor_app.ui import attachments as ui

    widget, profile, mid, _ = page
    attachments.attach(profile.conn, mid, write(tmp_path, "id.png", png_bytes(120, 80)), author=profile.author)
    widget.refresh()
    shown = []

    def look(dialog):
        shown.append((dialog.picture.width(), dialog.picture.height(), dialog.shown.accessibleName()))
        dialog.actual.setChecked(True)
        assert dialog.shown.pixmap().width() == 120
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ui.PictureDialog, "exec", look)
    written_before = {p for p in tmp_path.rglob("*")}
    widget.attachments.view()
    assert shown == [(120, 80, "Picture: id.png")]
    assert {p for p in tmp_path.rglob("*")} == written_before  # no file was written to show it
    [entry] = audit.entries(profile.conn, action="attachment_view")
    assert entry.mentee_id == mid and entry.detail == "png"


def test_a_pdf_is_read_from_a_copy_saved_where_the_mentor_chooses_never_through_a_link(page, tmp_path, monkeypatch):
    widget, profile, mid, consent = page
    document = pdf_bytes()
    attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", document), author=profile.author)
    widget.refresh()
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("someone else's file")
    target = tmp_path / "copy.pdf"
    target.symlink_to(elsewhere)  # the save dialog asked before replacing what is there: a link
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Save))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    said = []
    widget.said.connect(said.append)
    widget.attachments.view()
    assert not target.is_symlink() and target.read_bytes() == document
    assert elsewhere.read_text() == "someone else's file"
    assert os.stat(target).st_mode & 0o077 == 0
    assert "not encrypted" in said[-1]
    assert [e.action for e in audit.entries(profile.conn, action="attachment_copy")] == ["attachment_copy"]
    assert audit.entries(profile.conn, action="attachment_view") == []  # the app itself never showed it


def test_the_audit_trail_says_what_was_attached_to_what_without_its_name(person, tmp_path):
    from mentor_app.privacy.audit_words import AuditWords

    profile, mid, consent = person
    form = attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", pdf_bytes()), author=profile.author)
    gone = attachments.attach(profile.conn, mid, write(tmp_path, "id.png", png_bytes()), author=profile.author)
    attachments.remove(profile.conn, gone, author=profile.author)
    words = AuditWords(profile.conn, "mentor")
    shown = {e.record_id: (e.words, words.record(e), words.detail(e)) for e in audit.entries(profile.conn)}
    assert shown[form] == ("Attached a file", "PDF document attached to their consent of 1 Jan 2026", "")
    assert shown[gone] == ("Attached a file", "Picture (PNG), no longer here", "")


def test_the_mentee_page_and_its_dialogs_fit_a_small_screen_and_every_control_is_named(qtbot, page, tmp_path):
    from test_accessibility import unnamed_focusable
    from test_keyboard_and_small_screen import TITLE_BAR, clashes

    from mentor_app.ui import attachments as ui

    widget, profile, mid, consent = page
    longest = "a" * 251 + ".png"
    attachments.attach(profile.conn, consent, write(tmp_path, "form.pdf", pdf_bytes()), author=profile.author)
    picture = attachments.attach(profile.conn, mid, write(tmp_path, longest, png_bytes()), author=profile.author)
    widget.refresh()
    widget.resize(760, 540)
    assert widget.minimumSizeHint().width() <= 760  # beside the mentee list in a 1024-wide window
    assert widget.attachments.names()[1] == longest
    assert unnamed_focusable(widget) == []
    found, data = attachments.view(profile.conn, picture, author=profile.author)
    for dialog in (
        ui.PictureDialog(found, ui.decode_picture(data), widget),
        ui.AttachToDialog(attachments.targets(profile.conn, mid), widget),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        hint = dialog.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 600 - TITLE_BAR, (type(dialog).__name__, hint)
        assert unnamed_focusable(dialog) == [] and clashes(dialog) == {}
        dialog.done(0)


def test_what_to_attach_to_is_chosen_by_arrow_keys_and_enter(qtbot, page):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from mentor_app.ui import attachments as ui

    widget, profile, mid, consent = page
    dialog = ui.AttachToDialog(attachments.targets(profile.conn, mid), widget)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2_000)
    assert QApplication.focusWidget() is dialog.list
    qtbot.keyClick(dialog.list, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.chosen() == consent
