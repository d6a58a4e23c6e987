"""`make bench`: the app's real work at mentor, supervisor and stress scale, each beside a baseline.

Writes bench/results/<date>-<scale>.json and .md and prints the table. Never part of the tests'
pass/fail (the test suite only runs `--scale smoke` to check this code works).

Start-up is timed at two points, each window beside a bare PySide6 window's first paint in the same run:
the first window painted, and its records listed (the mentee list and Today; the dashboard's counts).

    python bench/run.py [--scale smoke|mentor|supervisor|stress|all] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCALES = {
    "smoke": {"mentors": 2, "mentees": 3, "meetings": 60, "referrals": 6, "runs": 2, "starts": 2},
    "mentor": {"mentors": 1, "mentees": 25, "meetings": 2500, "referrals": 300, "runs": 5, "starts": 11},
    "supervisor": {"mentors": 40, "mentees": 25, "meetings": 2500, "referrals": 300, "runs": 3, "starts": 11},
    "stress": {"mentors": 40, "mentees": 25, "meetings": 12500, "referrals": 300, "runs": 2, "starts": 5},
}
QUERIES = ["jobcentre", "hostel", "gym course", "bank", "probation", "kids", "flat", "library", "walk", "nothing-here"]
PASSPHRASE = "benchmark passphrase"

# Start-up is timed through what `mentor-app --profile DIR` runs (mentor_app.start.main), with
# MENTOR_APP_START_MARKS=1: the app prints "painted" once its first window (the start window, "Opening your
# notes…") is drawn and "listed" once the
# mentee list and Today (mentor) or the dashboard's counts (supervisor) are in and drawn, then closes the
# window as a person would. Where there is no keyring, the passphrase stands in for the unlock dialog.
# Peak memory is read from VmHWM: ru_maxrss would carry over the benchmark's own peak across exec.
MAIN_WINDOW = r"""
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if sys.argv[2]:
    from mentor_app.storage.profile import open_profile
    import mentor_app.ui.app as desktop
    desktop.obtain_profile = lambda folder, **_: open_profile(folder, secret=sys.argv[2])
from mentor_app.start import main
code = main(["--profile", sys.argv[1]])
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print("memory", hwm, flush=True)
sys.exit(code)
"""
IMPORT = r"""
import json, sys, time
from pathlib import Path
from mentor_app.exchange.importer import import_folder
from mentor_app.storage.profile import open_profile
profile = open_profile(sys.argv[1], secret=sys.argv[2] or None)
start = time.perf_counter()
first = import_folder(profile, Path(sys.argv[3]))
seconds = time.perf_counter() - start
start = time.perf_counter()
again = import_folder(profile, Path(sys.argv[3]))
again_seconds = time.perf_counter() - start
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
profile.close()
print(json.dumps({"imported": first.batches_imported, "again": again.batches_imported, "seconds": round(seconds, 2),
                  "again_seconds": round(again_seconds, 3), "hwm_kb": int(hwm)}))
"""
# The baseline: a bare PySide6 window, "painted" found the same way as the app's.
MINIMAL_WINDOW = r"""
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()

class Marks(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Paint:
            window.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (print("painted", flush=True), window.close()))
        return False

marks = Marks()
window.installEventFilter(marks)
window.show()
app.exec()
"""


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "min_ms": round(ordered[0] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "runs": len(ordered),
    }


def _timed(fn, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return _stats(samples)


def _start(script: str, env: dict, *args: str) -> dict:
    """One start in a process of its own: seconds from launch to each line it prints ("painted", "listed"),
    and its peak memory in kB when it says ("memory")."""
    with tempfile.TemporaryFile("w+") as err:  # a file, not a pipe: what the child says there can't block it
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, **env},
        )
        seen = {}
        watchdog = threading.Timer(300, proc.kill)  # a start that never gets there fails instead of hanging
        watchdog.start()
        for line in proc.stdout:
            word, _, rest = line.strip().partition(" ")
            seen[word] = int(rest) if rest else time.perf_counter() - start
        watchdog.cancel()
        if proc.wait() != 0 or "painted" not in seen:
            err.seek(0)
            raise RuntimeError(f"a start-up run failed ({proc.returncode}): {err.read()[-2000:]}")
    return seen


def start_up(window: str, profile: Path, secret: str, runs: int, tmp: Path) -> dict:
    """The window's start, at first paint and with its records listed, beside a bare PySide6 window's first paint.

    Runs alternate with the baseline's, after one of each not counted (files cached, the shipped directory
    loaded: an everyday start).
    """
    env = {"MENTOR_APP_START_MARKS": "1", "MENTOR_APP_LOG_DIR": str(tmp / "start-logs")}
    _start(MAIN_WINDOW, env, str(profile), secret)
    _start(MINIMAL_WINDOW, {})
    app, bare = [], []
    for _ in range(runs):
        app.append(_start(MAIN_WINDOW, env, str(profile), secret))
        bare.append(_start(MINIMAL_WINDOW, {})["painted"])
    base = _stats(bare)
    unlocked_by = "passphrase" if secret else "keyring"
    points = {}
    for point, words, target in (("painted", "first window painted", 1.5), ("listed", "records listed", 2.5)):
        figure = _stats([a[point] for a in app])
        points[point] = {
            **figure,
            "point": words,
            "baseline": "a bare PySide6 window, first painted",
            "baseline_median_ms": base["median_ms"],
            "baseline_p95_ms": base["p95_ms"],
            "ratio": round(figure["median_ms"] / base["median_ms"], 2),
            "p95_ratio": round(figure["p95_ms"] / base["p95_ms"], 2),
            "target_ratio": target,
            "unlocked_by": unlocked_by,
            "window": window,
        }
    points["rss_mb"] = round(max(a.get("memory", 0) for a in app) / 1024, 1)
    return points


def plain_copy(profile, target: Path) -> sqlite3.Connection:
    """An unencrypted SQLite copy of the same data, the floor SQLCipher is measured against."""
    profile.conn.execute("ATTACH DATABASE ? AS plaincopy KEY ''", (str(target),))
    profile.conn.execute("SELECT sqlcipher_export('plaincopy')").fetchall()
    profile.conn.execute("DETACH DATABASE plaincopy")
    return sqlite3.connect(str(target))


def stall_probe(actions, settle_ms: int = 150, timeout_s: int = 300) -> dict:
    """The longest the UI thread went without turning while each action ran (and its background work finished).

    A 5 ms precise timer ticks on the UI thread; the widest gap between two ticks, less the 5 ms,
    is how long a user would have seen the window freeze. `actions` is [(name, action, busy)].
    """
    out = {name: _widest_gap(action, busy, settle_ms, timeout_s) for name, action, busy in actions}
    worst = max(out, key=out.get)
    return {"worst_ms": out[worst], "worst_action": worst, "target_ms": 100, "per_action_ms": out}


def _widest_gap(action, busy, settle_ms: int, timeout_s: int) -> int:
    """Run one action in an event loop of its own; the widest gap between two 5 ms ticks, less the 5 ms."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    loop, clock = QEventLoop(), QElapsedTimer()
    state = {"last": 0, "worst": 0, "started": False}

    def tick():
        now = clock.elapsed()
        state["worst"], state["last"] = max(state["worst"], now - state["last"]), now

    def run():
        state["started"] = True
        action()

    def check():
        if state["started"] and not busy():
            poll.stop()
            QTimer.singleShot(settle_ms, loop.quit)

    ticker, poll = QTimer(), QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(tick)
    poll.timeout.connect(check)
    clock.start()
    ticker.start(5)
    poll.start(20)
    QTimer.singleShot(10, run)
    QTimer.singleShot(timeout_s * 1000, loop.quit)
    loop.exec()
    ticker.stop()
    poll.stop()
    return max(0, state["worst"] - 5)


def background_busy(window=None):
    from PySide6.QtCore import QThreadPool

    return lambda: QThreadPool.globalInstance().activeThreadCount() > 0 or bool(getattr(window, "_wanted", None))


def bench_mentor(results: dict, tmp: Path, scale: dict) -> None:
    from mentor_app import demo
    from mentor_app.records import store
    from mentor_app.records.types import Meeting, Mentee
    from mentor_app.storage.profile import create_profile, open_profile

    runs = scale["runs"]
    path = tmp / "mentor"
    profile, _ = create_profile(path, role="mentor", name="Bench Mentor", passphrase=PASSPHRASE)
    demo.generate_volume(profile, mentees=scale["mentees"], meetings=scale["meetings"], referrals=scale["referrals"])
    keyring = profile.meta.keyring_enabled
    heavy = store.save(profile.conn, Mentee(name="Two Hundred Meetings", status="active"), author=profile.author)
    store.save_many(
        profile.conn,
        [
            (
                Meeting(
                    starts_at=f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00",
                    notes="A long catch-up about the week. " * 8,
                ),
                heavy,
            )
            for n in range(200)
        ],
        author=profile.author,
    )
    profile.close()

    started = start_up("mentor", path, "" if keyring else PASSPHRASE, scale["starts"], tmp)
    results["start to first window drawn (mentor profile)"] = started["painted"]
    results["start to mentee list and Today (mentor window)"] = started["listed"]
    results["peak memory, main window open"] = {"rss_mb": started["rss_mb"]}
    if keyring:
        results["open by keyring"] = _timed(lambda: open_profile(path).close(), runs)
    results["unlock by passphrase (the KDF)"] = _timed(lambda: open_profile(path, secret=PASSPHRASE).close(), runs)

    profile = open_profile(path, secret=PASSPHRASE)
    conn = profile.conn
    mentee = store.list_records(conn, "mentee")[0].id
    results["save one meeting"] = _timed(
        lambda: store.save(
            conn,
            Meeting(starts_at="2026-11-20T10:00", notes="Saved in the benchmark."),
            author=profile.author,
            mentee_id=mentee,
        ),
        30,
    )
    _search_against_plain(results, profile, tmp / "plain.db")

    from PySide6.QtWidgets import QApplication

    app_instance = QApplication.instance() or QApplication([])
    from mentor_app.ui.mentee_page import MenteePage

    page = MenteePage(profile)
    results["load a mentee page with 200 meetings"] = _timed(
        lambda: (page.show_mentee(heavy), app_instance.processEvents()), runs
    )
    page.deleteLater()

    from mentor_app.ui.main_window import MainWindow
    from mentor_app.ui.search_dialog import SearchDialog

    idle = background_busy()
    holder = {}

    def open_window():
        holder["w"] = MainWindow(profile)
        holder["w"].show()

    def search_typed():
        dialog = holder["s"] = SearchDialog(profile, holder["w"])
        dialog.show()
        dialog.query.setText("hostel")
        dialog.run()

    results["UI stall (mentor window)"] = stall_probe(
        [
            ("open the main window", open_window, idle),
            ("open a mentee with 200 meetings", lambda: holder["w"].show_mentee(heavy), idle),
            ("open the directory", lambda: holder["w"].show_directory(), idle),
            ("search as you type", search_typed, idle),
            ("back to today", lambda: holder["w"].pages.setCurrentIndex(0), idle),
        ]
    )
    holder["s"].close()
    holder["w"].timer.stop()
    holder["w"].sync_timer.stop()
    holder["w"].idle.stop()
    holder["w"].hide()
    profile.close()


def _sealed_bytes(profile, result) -> list[bytes]:
    """The bytes of every batch one trip sealed (a trip may write two: concerns travel first)."""
    return [
        profile.conn.execute("SELECT data FROM outbox WHERE sequence = ?", (seq,)).fetchone()[0]
        for seq, _, _ in result.sealed
    ]


def _age_ciphertext(data: bytes) -> bytes:
    """The age message inside a batch file: a version 2 batch's first line is its signed envelope."""
    from mentor_app.exchange.batch import ENVELOPE_MAGIC

    return data.partition(b"\n")[2] if data.startswith(ENVELOPE_MAGIC) else data


def _age_decrypt(identity_file: Path, data: bytes) -> bytes:
    return subprocess.run(
        ["age", "-d", "-i", str(identity_file)], input=_age_ciphertext(data), capture_output=True, check=True
    ).stdout


def _age_floor(tmp: Path, identity_file: Path, batches: list[bytes], recipient: str) -> float | None:
    """Seconds the age command line takes to encrypt the plaintext of all of a trip's batches: the floor an
    export can't beat."""
    if not shutil.which("age") or not batches:
        return None
    plaintext = b"".join(_age_decrypt(identity_file, data) for data in batches)
    (tmp / "plain.batch").write_bytes(plaintext)
    start = time.perf_counter()
    subprocess.run(["age", "-r", recipient, "-o", str(tmp / "floor.age"), str(tmp / "plain.batch")], check=True)
    elapsed = time.perf_counter() - start
    (tmp / "floor.age").unlink()
    return elapsed


def _floor_fields(elapsed: float, floor: float | None, target: float) -> dict:
    return {
        "baseline": "age CLI encrypting the same plaintext (all of the trip's batches)",
        "baseline_median_ms": round(floor * 1000, 1) if floor else None,
        "ratio": round(elapsed / floor, 1) if floor else None,
        "target_ratio": target,
    }


def _shared_records_schema(sup_path: Path, secret: str) -> list[str]:
    """The supervisor's own shared_records table and indexes, as created by its migrations (no triggers)."""
    from mentor_app.storage.profile import open_profile

    sup = open_profile(sup_path, secret=secret or None)
    rows = [
        r[0]
        for r in sup.conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'shared_records' AND type IN ('table', 'index') "
            "AND sql IS NOT NULL ORDER BY type DESC, name"
        )
    ]
    sup.close()
    return rows


def import_floor(tmp: Path, identity_file: Path, files: list[Path], schema: list[str]) -> float | None:
    """The import's floor: the same batch files decrypted by the age CLI, and the same records inserted into
    plain SQLite (a file on disk, shared_records' own shape and indexes), one transaction per batch."""
    if not shutil.which("age"):
        return None
    from mentor_app.storage.migrations import _EXTRACTED

    target = tmp / "import-floor.db"
    target.unlink(missing_ok=True)
    db = sqlite3.connect(str(target), isolation_level=None)
    for statement in schema:
        db.execute(statement)
    extracted = ", ".join(expression.replace("NEW.fields", "?11") for _, expression in _EXTRACTED)
    names = ", ".join(name for name, _ in _EXTRACTED)
    insert = (
        f"INSERT INTO shared_records(id, version, content_sha256, fingerprint, sequence, type, base_version, "
        f"basis, mentee_id, pseudonym, fields, updated_at, deleted, {names}) "
        f"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, {extracted})"
    )
    start = time.perf_counter()
    for path in files:
        plaintext = _age_decrypt(identity_file, path.read_bytes())
        header, _, stream = plaintext.partition(b"\n")
        manifest = json.loads(header)["manifest"]
        fp, sequence = manifest["device_key_id"], manifest["sequence"]
        rows = []
        for line in stream.splitlines():
            r = json.loads(line)
            rows.append(
                (
                    r["id"],
                    r["version"],
                    r["content_sha256"],
                    fp,
                    sequence,
                    r["type"],
                    r["base_version"],
                    r["basis"],
                    r.get("mentee_id"),
                    r.get("pseudonym"),
                    json.dumps(r["fields"]),
                    str(r.get("updated_at", "")),
                    int(bool(r.get("deleted"))),
                )
            )
        db.execute("BEGIN")
        db.executemany(insert, rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def bench_exchange(results: dict, tmp: Path, scale: dict) -> None:
    from mentor_app import demo
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.keys import device_key, organisation_keys
    from mentor_app.exchange.trip import trip
    from mentor_app.records import store
    from mentor_app.records.types import Meeting
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile

    fast = Argon2Params(time_cost=1, memory_kib=8192, parallelism=1)  # not what is measured here
    # Unlocked by the keyring where there is one, as a supervisor's PC is day to day.
    sup, _ = create_profile(
        tmp / "supervisor", role="supervisor", name="Bench Org", passphrase=PASSPHRASE, kdf_params=fast
    )
    sup_secret = "" if sup.meta.keyring_enabled else PASSPHRASE
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    identity = organisation_keys(sup)[0][0]
    drive = tmp / "drive"
    drive.mkdir()
    first_export, total_records = None, 0
    for m in range(scale["mentors"]):
        p, _ = create_profile(
            tmp / f"m{m}", role="mentor", name=f"Mentor {m}", passphrase=PASSPHRASE, use_keyring=False, kdf_params=fast
        )
        demo.generate_volume(
            p, seed=m, mentees=scale["mentees"], meetings=scale["meetings"], referrals=scale["referrals"]
        )
        accept_enrolment(p, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        register.note_device(sup.conn, device_key(p).public, "")
        register.approve(sup.conn, device_key(p).fingerprint, f"Mentor {m}")
        start = time.perf_counter()
        result = trip(p)
        elapsed = time.perf_counter() - start
        total_records += result.records
        if first_export is None:
            key = tmp / "org.key"
            key.write_text(identity + "\n")
            sealed = _sealed_bytes(p, result)
            floor = _age_floor(tmp, key, sealed, enrolment.recipients[0])
            first_export = {
                "records": result.records,
                "batches": len(result.sealed),
                "median_ms": round(elapsed * 1000, 1),
                "bytes_per_record": round(sum(map(len, sealed)) / result.records),
                **_floor_fields(elapsed, floor, 5.0),
            }
            mentee = store.list_records(p.conn, "mentee")[0].id
            store.save_many(
                p.conn,
                [(Meeting(starts_at="2026-11-21T10:00", notes="Changed. " * 20), mentee) for _ in range(1000)],
                author=p.author,
            )
            start = time.perf_counter()
            changed = trip(p)
            elapsed = time.perf_counter() - start
            floor = _age_floor(tmp, key, _sealed_bytes(p, changed), enrolment.recipients[0])
            results["export of 1,000 changed records"] = {
                "median_ms": round(elapsed * 1000, 1),
                "records": changed.records,
                "batches": len(changed.sealed),
                **_floor_fields(elapsed, floor, 5.0),
            }
            total_records += changed.records
        p.close()
    results["export of a full mentor profile"] = first_export
    files = sorted(drive.glob("device-*/*.mentorlog"))
    batches = len(files)
    sup.close()
    # In its own process, so its peak memory is the import's alone.
    out = json.loads(
        subprocess.run(
            [sys.executable, "-c", IMPORT, str(tmp / "supervisor"), sup_secret, str(drive)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert out["imported"] == batches and out["again"] == 0
    floor = import_floor(tmp, key, files, _shared_records_schema(tmp / "supervisor", sup_secret))
    results["supervisor import"] = {
        "batches": batches,
        "records": total_records,
        "seconds": out["seconds"],
        "peak_rss_mb": round(out["hwm_kb"] / 1024, 1),
        "baseline": "age CLI decrypting the same files + the same records inserted into "
        "plain SQLite (shared_records' shape and indexes), a transaction per "
        "batch",
        "baseline_seconds": round(floor, 2) if floor else None,
        "ratio": round(out["seconds"] / floor, 1) if floor else None,
        "target_ratio": 4.0,
    }
    results["re-import of the same folder"] = {"seconds": out["again_seconds"], "target_seconds": 1.0}
    started = start_up("supervisor", tmp / "supervisor", sup_secret, scale["starts"], tmp)
    results["start to first window drawn (supervisor profile)"] = started["painted"]
    results["start to dashboard (supervisor window)"] = started["listed"]
    results["peak memory, supervisor window open"] = {"rss_mb": started["rss_mb"], "target_mb": 300}
    bench_dashboard(results, tmp / "supervisor", drive, scale)


def bench_dashboard(results: dict, path: Path, drive: Path, scale: dict) -> None:
    """The dashboard's reads, and how long the supervisor's window ever stops responding."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from mentor_app.reports import dashboard
    from mentor_app.storage.profile import open_profile

    QApplication.instance() or QApplication([])
    sup = open_profile(path, secret=PASSPHRASE)
    results["dashboard load (all tabs' reads)"] = _timed(
        lambda: (dashboard.overview(sup.conn), dashboard.activity(sup.conn)), scale["runs"]
    )
    from mentor_app.exchange.enrolment import SHARED_FOLDER
    from mentor_app.ui import supervisor_window

    sup.set_setting(SHARED_FOLDER, str(drive))
    # The folder picker and the summary box wait for a person; here they answer at once.
    supervisor_window.QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(drive))
    QMessageBox.information = staticmethod(lambda *a, **k: None)
    holder = {}

    def busy():
        return background_busy(holder.get("w"))()

    def open_window():
        holder["w"] = supervisor_window.SupervisorWindow(sup)
        holder["w"].show()

    w = lambda: holder["w"]  # noqa: E731
    actions = [
        ("open the supervisor window", open_window, busy),
        ("refresh", lambda: w().refresh(), busy),
        ("choose one mentor", lambda: w().mentor_filter.setCurrentIndex(1), busy),
        ("choose a span of months", lambda: (w().start_month.setText("2026-01"), w().refresh_activity()), busy),
        ("re-import the shared folder", lambda: w().import_now(), busy),
    ]
    actions += [
        (f"show the {name} tab", lambda i=i: w().tabs.setCurrentIndex(i), busy)
        for i, name in enumerate(["safeguarding", "caseload", "activity", "people"])
    ]
    actions.append(("open a person's records", lambda: w().people.selectRow(0), busy))
    results["UI stall (supervisor window)"] = stall_probe(actions)
    w().idle.stop()
    w().hide()
    sup.close()


def bench_import(results: dict, tmp: Path, people: int = 500, meetings: int = 5000) -> None:
    """A caseload spreadsheet brought in (a CSV of people, an .xlsx of meetings), beside the same records
    saved straight into another profile: what reading, matching and checking the rows costs."""
    import openpyxl

    from mentor_app.records import importing, store
    from mentor_app.records.types import Meeting
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile

    fast = Argon2Params(time_cost=1, memory_kib=8192, parallelism=1)
    people_csv = tmp / "people.csv"
    people_csv.write_text(
        "Full name,DOB,Tel,Postcode\n"
        + "".join(
            f"Person {n:04},{1 + n % 28}/{1 + n % 12}/19{60 + n % 40},07700 9{n:05},M{1 + n % 40} 1AA\n"
            for n in range(people)
        ),
        encoding="utf-8",
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Client", "Session date", "Mins", "Venue", "Type", "Notes"])
    for n in range(meetings):
        sheet.append(
            [f"Person {n % people:04}", datetime(2026, 1 + n // 500 % 12, 1 + n % 28, 9 + n % 8), 60, "Café", "1:1",
             "Talked about the week, housing and work. " * 4]
        )  # fmt: skip
    meetings_xlsx = tmp / "meetings.xlsx"
    book.save(meetings_xlsx)

    times, direct = [], []
    for run in range(3):
        profile, _ = create_profile(
            tmp / f"import-{run}", role="mentor", name="Bench", passphrase=PASSPHRASE, use_keyring=False,
            kdf_params=fast,
        )  # fmt: skip
        start = time.perf_counter()
        for path in (people_csv, meetings_xlsx):
            table = importing.read(path)
            columns = importing.match_columns(profile.conn, table.headings, importing.guess_kind(table.headings))
            importing.save(profile.conn, importing.plan(profile.conn, table, columns), author=profile.author)
        times.append(time.perf_counter() - start)
        saved = {s.id: s.record for s in store.list_records(profile.conn, "mentee")}
        met = [(s.record, s.mentee_id) for s in store.list_records(profile.conn, "meeting")]
        profile.close()
        base, _ = create_profile(
            tmp / f"direct-{run}", role="mentor", name="Bench", passphrase=PASSPHRASE, use_keyring=False,
            kdf_params=fast,
        )  # fmt: skip
        start = time.perf_counter()
        new_ids = store.save_many(base.conn, [(m, None) for m in saved.values()], author=base.author)
        ids = dict(zip(saved, new_ids, strict=True))
        store.save_many(base.conn, [(m, ids[who]) for m, who in met if isinstance(m, Meeting)], author=base.author)
        direct.append(time.perf_counter() - start)
        base.close()
    median, floor = sorted(times)[1], sorted(direct)[1]
    results[f"import a caseload spreadsheet ({people} people, CSV; {meetings} meetings, .xlsx)"] = {
        "seconds": round(median, 2),
        "baseline": "the same records saved straight into a profile (store.save_many)",
        "baseline_seconds": round(floor, 2),
        "ratio": round(median / max(floor, 0.001), 2),
    }


def bench_search(results: dict, tmp: Path, meetings: int) -> None:
    """Global search over one profile holding `meetings` meetings, beside an unencrypted copy."""
    from mentor_app import demo
    from mentor_app.storage.keywrap import Argon2Params
    from mentor_app.storage.profile import create_profile

    fast = Argon2Params(time_cost=1, memory_kib=8192, parallelism=1)
    profile, _ = create_profile(
        tmp / "search", role="mentor", name="Bench Search", passphrase=PASSPHRASE, use_keyring=False, kdf_params=fast
    )
    demo.generate_volume(profile, mentees=max(25, meetings // 100), meetings=meetings, referrals=300)
    _search_against_plain(results, profile, tmp / "search-plain.db")
    profile.close()


def _search_against_plain(results: dict, profile, plain_path: Path) -> None:
    from mentor_app.records.search import search

    plain = plain_copy(profile, plain_path)
    encrypted, unencrypted = [], []
    for _ in range(5):
        for q in QUERIES:
            start = time.perf_counter()
            search(profile.conn, q)
            encrypted.append(time.perf_counter() - start)
            start = time.perf_counter()
            search(plain, q)
            unencrypted.append(time.perf_counter() - start)
    plain.close()
    enc, pla = _stats(encrypted), _stats(unencrypted)
    results["global search"] = {
        **enc,
        "baseline": "same queries on an unencrypted SQLite copy",
        "baseline_median_ms": pla["median_ms"],
        "baseline_p95_ms": pla["p95_ms"],
        "ratio": round(enc["median_ms"] / max(pla["median_ms"], 0.001), 2),
        "p95_ratio": round(enc["p95_ms"] / max(pla["p95_ms"], 0.001), 2),
    }


def bench_print(results: dict, tmp: Path, scale: dict) -> None:
    from mentor_app.printing.qr import modules
    from mentor_app.printing.sheet import SheetOptions, build_booklet, build_sheet
    from mentor_app.records import vocab
    from mentor_app.records.types import Contact
    from mentor_app.settings import DEFAULT_EMERGENCY_NUMBERS

    def contact(i):
        return Contact(
            organisation=f"Service {i}",
            categories=[list(vocab.DIRECTORY_CATEGORIES)[i % 13]],
            help_with="Free help and advice. " * 3,
            phone=f"01632 960{i:03d}",
            website=f"https://service{i}.example.org",
            address=f"{i} High Street, Riverside",
            last_checked="2026-10-01",
        )

    options = SheetOptions(emergency_numbers=DEFAULT_EMERGENCY_NUMBERS)
    six = [(str(i), contact(i)) for i in range(6)]
    build_sheet(six, tmp / "warm.pdf", options)

    def sheet():
        modules.cache_clear()
        (tmp / "sheet.pdf").unlink(missing_ok=True)  # a sheet is always written to a new file
        build_sheet(six, tmp / "sheet.pdf", options)

    results["one signposting sheet (6 services)"] = _timed(sheet, scale["runs"] * 2)
    count = 100 if scale is not SCALES["smoke"] else 10
    start = time.perf_counter()
    modules.cache_clear()
    build_booklet([(str(i), contact(i)) for i in range(count)], tmp / "booklet.pdf", options)
    results[f"booklet of {count} services"] = {"seconds": round(time.perf_counter() - start, 2)}


def markdown(scale: str, results: dict) -> str:
    lines = [
        f"### {scale} scale — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        "| measure | figure | baseline | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for name, r in results.items():
        if r is None:
            continue
        figure = (
            f"{r['median_ms']} ms (p95 {r.get('p95_ms', '–')})"
            if "median_ms" in r and "p95_ms" in r
            else f"{r['median_ms']} ms"
            if "median_ms" in r
            else f"{r['seconds']} s" + (f", peak {r['peak_rss_mb']} MB" if "peak_rss_mb" in r else "")
            if "seconds" in r
            else f"{r['rss_mb']} MB"
            if "rss_mb" in r
            else f"{r['worst_ms']} ms at worst ({r['worst_action']})"
            if "worst_ms" in r
            else json.dumps(r)
        )
        base = (
            f"{r['baseline_median_ms']} ms"
            if r.get("baseline_median_ms") is not None
            else f"{r['baseline_seconds']} s"
            if r.get("baseline_seconds") is not None
            else ""
        )
        if base and r.get("baseline_p95_ms") is not None:
            base += f" (p95 {r['baseline_p95_ms']})"
        ratio = r.get("ratio", "") or ""
        if ratio and r.get("p95_ratio"):
            ratio = f"{ratio} (p95 {r['p95_ratio']})"
        if ratio and r.get("target_ratio"):
            ratio = f"{ratio} (target ≤ {r['target_ratio']:g})"
        if r.get("target_seconds"):
            figure += f" (target < {r['target_seconds']:g} s)"
        lines.append(f"| {name} | {figure} | {base} | {ratio} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="all", choices=[*SCALES, "all"])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scales = ["mentor", "supervisor", "stress"] if args.scale == "all" else [args.scale]
    # An installed app runs from compiled bytecode; so does what is measured here.
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "mentor_app"), quiet=1)
    for name in scales:
        scale = SCALES[name]
        results: dict = {}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            if name in ("smoke", "mentor"):
                bench_mentor(results, tmp, scale)
                bench_print(results, tmp, scale)
                bench_import(results, tmp)
            if name in ("smoke", "supervisor", "stress"):
                bench_exchange(results, tmp, scale)
            if name in ("supervisor", "stress"):
                bench_search(results, tmp, scale["mentors"] * scale["meetings"])
        stem = f"{date.today()}-{name}"
        (out / f"{stem}.json").write_text(
            json.dumps(
                {
                    "scale": name,
                    "settings": scale,
                    "date": str(date.today()),
                    "machine": platform.platform(),
                    "cores": os.cpu_count(),
                    "results": results,
                },
                indent=2,
            )
        )
        table = markdown(name, results)
        (out / f"{stem}.md").write_text(table)
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
