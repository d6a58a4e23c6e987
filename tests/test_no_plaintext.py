"""No plaintext of a record anywhere in the profile: database, WAL, backups; attachments' bytes and names too."""

from __future__ import annotations

from pathlib import Path

from conftest import add_note

from mentor_app.records import attachments, store
from mentor_app.records.types import Consent

MARKERS = ["ZEBRA-MARKER-7731", "Añnalise Ðøe-Mąrker", "probation officer M4RK3R"]


def _files_containing(folder: Path, needles: list[str]) -> list[str]:
    hits = []
    encodings = [n.encode("utf-8") for n in needles] + [n.encode("utf-16-le") for n in needles]
    for f in folder.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            hits += [f"{f.name}: {n!r}" for n in encodings if n in data]
    return hits


def test_markers_never_reach_disk_in_the_clear_while_open_or_after_close(make_profile):
    profile, _ = make_profile()
    for i, marker in enumerate(MARKERS * 50):
        add_note(profile, f"{marker} note number {i}")
    profile.set_setting("profile.name", MARKERS[1])
    path = profile.path
    # While open: the WAL holds the recent pages.
    assert (path / "mentor.db-wal").exists()
    assert _files_containing(path, MARKERS) == []

    profile.backup_now()
    for s in store.list_records(profile.conn, "mentee")[:20]:
        store.delete(profile.conn, s.id, author=profile.author)
    assert _files_containing(path, MARKERS) == []
    profile.close()

    files = sorted(p.name for p in path.rglob("*") if p.is_file())
    assert any(name.endswith(".mentorbackup") for name in files)
    assert _files_containing(path, MARKERS) == []


def test_marker_scan_would_find_plaintext_if_it_were_there(tmp_path):
    (tmp_path / "leak.txt").write_text(f"x {MARKERS[1]} y", encoding="utf-8")
    assert _files_containing(tmp_path, MARKERS) != []


def _slices(data: bytes, width: int = 32, step: int = 61) -> list[bytes]:
    """Stretches of a file's bytes from end to end: any one of them on disk would be a copy of it in the clear."""
    return [data[i : i + width] for i in range(0, len(data) - width, step)] + [data[-width:]]


def _files_holding_bytes(folder: Path, needles: list[bytes]) -> list[str]:
    found = set()
    for f in folder.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            found |= {f.name for n in needles if n in data}
    return sorted(found)


def test_an_attachments_bytes_and_name_never_reach_disk_in_the_clear(make_profile, tmp_path):
    from test_attachments import pdf_bytes, png_bytes

    profile, _ = make_profile()
    mentee = add_note(profile, "Attachment owner")
    consent = store.save(
        profile.conn, Consent(scope="share_with_organisation", on="2026-01-01"), author=profile.author, mentee_id=mentee
    )
    picture, document = png_bytes(160, 120, seed=7), pdf_bytes(f"Signed by {MARKERS[0]}")
    outside = tmp_path / "chosen"
    outside.mkdir()
    (outside / f"{MARKERS[1]}.png").write_bytes(picture)
    (outside / "form.pdf").write_bytes(document)
    attachments.attach(profile.conn, mentee, outside / f"{MARKERS[1]}.png", author=profile.author)
    attachments.attach(profile.conn, consent, outside / "form.pdf", author=profile.author)
    needles = _slices(picture) + _slices(document)
    path = profile.path
    assert (path / "mentor.db-wal").exists()
    assert _files_holding_bytes(path, needles) == [] and _files_containing(path, MARKERS) == []
    profile.backup_now()
    attachments.view(profile.conn, attachments.list_for(profile.conn, mentee)[0].id, author=profile.author)
    assert _files_holding_bytes(path, needles) == [] and _files_containing(path, MARKERS) == []
    profile.close()
    assert any(p.name.endswith(".mentorbackup") for p in path.rglob("*"))
    assert _files_holding_bytes(path, needles) == [] and _files_containing(path, MARKERS) == []
    # The scan would find them: the files chosen outside the profile hold exactly these bytes.
    assert _files_holding_bytes(outside, needles) == sorted(["form.pdf", f"{MARKERS[1]}.png"])
