"""What a screen reader gets from the real app, read through the real AT-SPI bus.

The app runs in a process of its own under Xvfb, with the AT-SPI bus of a private
D-Bus session (at-spi2-core), and is moved through its screens by key presses;
a separate reader in the system's Python (pyatspi) reads the accessible tree on
each (see atspi_session.py and atspi_reader.py). On every screen of both windows
each control that can take focus has a spoken name; while locked, nothing that
is showing carries a person's record text, and the clipboard and the primary
selection hold none of it.

Skipped where the pieces are missing (not Linux, no at-spi2-core, pyatspi, Xvfb,
xdotool or gnome-keyring) with the reason; in CI a missing piece fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a whole desktop session under Xvfb, read through AT-SPI

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import atspi_session  # noqa: E402

# Items of a list, tree or table are read out by their text; an empty cell is "blank", not an unnamed control.
ITEM_ROLES = {
    "list item",
    "table cell",
    "tree item",
    "table row header",
    "table column header",
    "column header",
    "row header",
}
MENTOR_SCREENS = [
    "Today",
    "mentee page: overview",
    "mentee page: timeline",
    "mentee page: needs and goals",
    "needs check",
    "mentee page: actions",
    "mentee page: referrals",
    "signposting sheet",
    "meeting form",
    "concern form",
    "directory",
    "search",
    "sharing",
    "settings",
    "my log",
    "audit trail",
    "a meeting from the timeline",
    "locked with a form open",
    "locked by Ctrl+L",
    "unlocked",
]
SUPERVISOR_SCREENS = [
    "supervisor: safeguarding",
    "supervisor: caseload",
    "supervisor: activity",
    "supervisor: mentors",
    "supervisor: set aside",
    "supervisor: directory",
    "supervisor: people",
    "supervisor: locked by Ctrl+L",
    "supervisor: unlocked",
]


def missing_pieces() -> str:
    """Why this machine can't run the test, in words; "" when it can."""
    if not sys.platform.startswith("linux"):
        return "the AT-SPI bus exists on Linux only"
    for tool, package in (
        ("Xvfb", "xvfb"),
        ("xdotool", "xdotool"),
        ("dbus-run-session", "dbus"),
        ("dbus-send", "dbus"),
        ("gnome-keyring-daemon", "gnome-keyring"),
        ("secret-tool", "libsecret-tools"),
    ):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: {package})"
    if atspi_session.bus_launcher() is None:
        return "at-spi-bus-launcher is not installed (Debian: at-spi2-core)"
    python = atspi_session.SYSTEM_PYTHON
    if not Path(python).is_file():
        return f"{python} (the system's Python, for pyatspi) is not there"
    probe = subprocess.run([python, "-c", "import pyatspi"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return "pyatspi is not installed for the system's Python (Debian: python3-pyatspi, gir1.2-atspi-2.0)"
    return ""


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One run of the app through all its screens; every test below reads from it."""
    reason = missing_pieces()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"The accessibility test must run in CI, but {reason}.")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("atspi")
    command = [str(HERE.parent / ".ci" / "with-keyring"), sys.executable, str(HERE / "atspi_session.py"), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=280)
    result_file = out / "session.json"
    assert result_file.is_file(), f"the session wrote no result (exit {done.returncode}): {done.stderr[-3000:]}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    result["record_text"] = json.loads((out / "record-text.json").read_text(encoding="utf-8"))
    result["out"] = out
    return result


def screens(session, window: str | None = None) -> list[dict]:
    return [s for s in session["screens"] if "nodes" in s and (window is None or s["window"] == window)]


def screen(session, name: str) -> dict:
    found = [s for s in screens(session) if s["name"] == name]
    assert found, f"the screen {name!r} was not reached (see test_every_screen_was_reached)"
    return found[0]


def showing_everywhere(nodes: list[dict]) -> list[dict]:
    """The nodes that are showing with every object above them showing too (a hidden list's items
    still say "showing" in Qt, so their own state alone is not enough)."""
    by_id = {n["id"]: n for n in nodes}

    def shown(n) -> bool:
        while n is not None:
            if "showing" not in n["states"]:
                return False
            n = by_id.get(n["parent"])
        return True

    return [n for n in nodes if shown(n)]


def spoken_label(n: dict) -> str:
    """What a screen reader says a control is: its labels (the "labelled-by" relation, from a buddy
    label), or its own name. A drop-down list's name is only its current choice (that is how Qt names
    a combo box on Linux), so a drop-down list is labelled by its labels alone."""
    labels = " ".join(x for x in n.get("relations", {}).get("labelled-by", []) if x.strip())
    if n["role"] == "combo box":
        return labels
    return labels or n["name"].strip()


def unnamed_controls(nodes: list[dict]) -> list[str]:
    """Controls on screen that take focus but have nothing for a screen reader to say."""
    return [
        f"{n['role']} {n['name'][:30]!r} at {n['path']}"
        for n in showing_everywhere(nodes)
        if "focusable" in n["states"] and n["role"] not in ITEM_ROLES and not spoken_label(n)
    ]


def with_record_text(nodes: list[dict], pieces: list[str]) -> list[str]:
    """Objects a screen reader would call showing or visible whose name, description or text holds record text."""
    found = []
    for n in nodes:
        if not {"showing", "visible"} & set(n["states"]):
            continue
        said = " ".join(" ".join([n["name"], n["description"], n.get("text") or ""]).split())
        hits = [p for p in pieces if p in said]
        if hits:
            found.append(f"{n['role']} {n['name'][:40]!r} at {n['path'][:120]}: {hits[0]!r}")
    return found


# -- the checks themselves notice what they look for ----------------------------


def node(id, parent, role, name="", states=("enabled", "focusable", "showing", "visible"), text=None, labels=()):
    return {
        "id": id,
        "parent": parent,
        "path": f"{parent}/{id}",
        "role": role,
        "name": name,
        "description": "",
        "states": list(states),
        "text": text,
        "relations": {"labelled-by": list(labels)} if labels else {},
    }


def test_the_checks_notice_an_unnamed_control_and_record_text():
    nodes = [
        node(0, -1, "application", "Mentor App", ("showing",)),
        node(1, 0, "frame", "W", ("showing",)),
        node(2, 1, "combo box", "2 – some need"),
        node(3, 1, "push button", "Save"),
        node(4, 1, "list", "Hidden", ("focusable",)),
        node(5, 4, "list item", "Jordan Alder"),
        node(6, 4, "push button"),
        node(7, 1, "combo box", "Everyone", labels=["Show"]),
        node(8, 1, "text", labels=["Place"]),
    ]
    assert unnamed_controls(nodes) == ["combo box '2 – some need' at 1/2"]
    assert with_record_text(nodes, ["Jordan Alder"]) == ["list item 'Jordan Alder' at 4/5: 'Jordan Alder'"]
    assert with_record_text(
        [node(0, -1, "text", "Notes", text="Met at the  café.\nJordan Alder  smiled")], ["Jordan Alder smiled"]
    )


# -- the real app --------------------------------------------------------------------


def test_every_screen_was_reached(session):
    assert "error" not in session, session["error"]
    reached = {s["name"]: s for s in session["screens"]}
    failed = [f"{s['window']} › {s['name']}: {s['error']}" for s in session["screens"] if "error" in s]
    if failed:
        failed.append(f"(the trees and the app's output are in {session['out']})")
    assert failed == [], failed
    missing = [name for name in MENTOR_SCREENS + SUPERVISOR_SCREENS if "nodes" not in reached.get(name, {})]
    assert missing == [], f"not reached: {missing} (see {session['out']})"
    assert not any(s.get("cut_short") for s in session["screens"])


def test_every_control_on_every_screen_has_a_spoken_label(session):
    unnamed = {s["name"]: unnamed_controls(s["nodes"]) for s in screens(session)}
    assert {k: v for k, v in unnamed.items() if v} == {}


def test_the_needs_chart_takes_focus_and_says_what_it_shows(session):
    needs = screen(session, "mentee page: needs and goals")
    chart = [n for n in showing_everywhere(needs["nodes"]) if n["name"] == "Needs over time"]
    assert chart, "the needs chart is not on the Needs and goals tab"
    assert "focusable" in chart[0]["states"], chart[0]
    assert chart[0]["description"].strip() or (chart[0]["text"] or "").strip(), "the chart has no text equivalent"


def test_the_record_text_search_finds_record_text_when_unlocked(session):
    # Guards the next test: the pieces of record text do show up where records are on screen.
    for name, window in (("mentee page: timeline", "mentor"), ("supervisor: people", "supervisor")):
        shown = showing_everywhere(screen(session, name)["nodes"])
        assert with_record_text(shown, session["record_text"][window]), name


def test_nothing_with_record_text_is_showing_while_locked(session):
    locked = [s for s in screens(session) if s["locked"]]
    assert len(locked) == 3
    exposed = {s["name"]: with_record_text(s["nodes"], session["record_text"][s["window"]]) for s in locked}
    assert {k: v for k, v in exposed.items() if v} == {}
    for s in locked:
        assert [w["name"] for w in s["windows"] if "showing" in w["states"]] == ["Mentor App — locked"], s["name"]


def test_the_lock_empties_the_clipboard_and_the_primary_selection_of_record_text(session):
    note = screen(session, "its notes copied")["clipboard"]
    assert note.get("clipboard") and note["clipboard"] == note.get("selection"), note  # the notes were copied
    for s in session["screens"]:
        if s["locked"] and "clipboard" in s:
            pieces = session["record_text"][s["window"]] + [note["clipboard"]]
            held = {where: text for where, text in s["clipboard"].items() if any(p in text for p in pieces)}
            assert held == {}, s["name"]
            assert "error" not in s["clipboard"], s["clipboard"]


def test_after_unlocking_the_focus_is_in_the_window_not_on_the_hidden_unlock_button(session):
    for name in ("unlocked", "supervisor: unlocked"):
        focused = [
            f"{n['role']}:{n['name']}"
            for n in showing_everywhere(screen(session, name)["nodes"])
            if "focused" in n["states"] and n["role"] not in ITEM_ROLES
        ]
        assert focused, f"{name}: nothing has the focus"
        assert not any(f.endswith(":Unlock") or "Passphrase" in f for f in focused), (name, focused)
