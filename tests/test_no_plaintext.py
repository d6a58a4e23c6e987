"""No plaintext of a record anywhere in the profile: database, WAL, backups."""

from __future__ import annotations

from pathlib import Path

from conftest import add_note

from mentor_app.records import store

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
