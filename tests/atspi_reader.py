"""Reads one application's accessible tree from the real AT-SPI bus, as a screen reader does, and prints it as JSON.

Runs in the system's Python with pyatspi (Debian: python3-pyatspi), never in the app's
virtualenv, and in a process of its own, so what it sees is only what the app
publishes on the bus. Used by test_atspi.py:

    python3 atspi_reader.py --pid PID [--press REGEX] [--window REGEX] [--absent REGEX]
                            [--showing REGEX] [--focused REGEX] [--no-tree] [--items N] [--showing-only]
                            [--timeout SECONDS]

With --press it first does the first action of the first object whose "role:name"
matches (as a screen reader's "activate" does: a menu item is triggered even
while a form is open over the window).

It waits until the application with that process id is on the bus and what was
asked for is there: a showing window (frame, dialog, window) whose name matches
--window, none matching --absent, a showing object whose "role:name" matches
--showing, and the focused object's "role:name" matching --focused. Then it
prints {"windows": [...], "nodes": [...], "focused": ...} where every node has its
id, its parent's id, a path to read, role, name, description, states, the text
of its text interface if it has one and, for a control, the keys announced for
it and its relations (its labels' names under "labelled-by"). Exit code 3 when
the deadline passes first (the JSON then says what was there instead).

With --no-tree only the windows are printed; with --items N only the first N
children of each list, table and tree are read, and with --showing-only
nothing inside an object that isn't showing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

try:
    import pyatspi
    from gi.repository import Atspi  # pyatspi's own binding (it requires Atspi 2.0)
except ImportError:  # said plainly, so the test can tell a missing package from a broken bus
    print(json.dumps({"error": "pyatspi is not installed (Debian: python3-pyatspi)"}))
    sys.exit(2)

WINDOW_ROLES = {"frame", "dialog", "window", "alert", "file chooser"}
MAX_TEXT = 4000  # characters of a text interface read per node
MAX_NODES = 20000  # a runaway tree ends the walk, said in the output
ITEM_HOLDERS = {"list", "table", "tree", "tree table"}  # where --items limits how many children are read


def states_of(acc) -> list[str]:
    try:
        return sorted(s.value_nick for s in acc.get_state_set().get_states())
    except Exception:  # noqa: BLE001 - an object that went away while being read
        return ["defunct"]


def text_of(acc, interfaces: list[str]) -> str | None:
    if "Text" not in interfaces:
        return None
    try:
        count = Atspi.Text.get_character_count(acc)
        return Atspi.Text.get_text(acc, 0, min(count, MAX_TEXT)) if count else ""
    except Exception:  # noqa: BLE001
        return None


def keys_of(acc, interfaces: list[str]) -> list[str]:
    """The key bindings announced for the object's actions (Qt gives a buddy label's Alt-letter here)."""
    if "Action" not in interfaces:
        return []
    try:
        return [k for k in (Atspi.Action.get_key_binding(acc, i) for i in range(Atspi.Action.get_n_actions(acc))) if k]
    except Exception:  # noqa: BLE001
        return []


def relations_of(acc) -> dict[str, list[str]]:
    """The object's relations by kind ("labelled-by": the names of its labels), as a screen reader reads them."""
    found: dict[str, list[str]] = {}
    try:
        for relation in acc.get_relation_set() or []:
            kind = relation.get_relation_type().value_nick
            targets = [relation.get_target(i) for i in range(relation.get_n_targets())]
            found.setdefault(kind, []).extend(t.get_name() or "" for t in targets if t is not None)
    except Exception:  # noqa: BLE001
        pass
    return found


def node(acc, path: str) -> dict:
    try:
        interfaces = list(acc.get_interfaces())
    except Exception:  # noqa: BLE001
        interfaces = []
    item = {
        "path": path,
        "role": acc.get_role_name(),
        "name": acc.get_name() or "",
        "description": acc.get_description() or "",
        "states": states_of(acc),
        "text": text_of(acc, interfaces),
        "interfaces": interfaces,
    }
    if "focusable" in item["states"]:  # a control: what its labels are and which keys reach it
        item["keys"], item["relations"] = keys_of(acc, interfaces), relations_of(acc)
    return item


def walk(app, items: int | None = None, showing_only: bool = False) -> tuple[list[dict], bool]:
    """Every object under the application, depth first; True if the walk was cut short.

    With `items`, a list, table or tree has only its first `items` children read (each says
    how many it has in "children"); with `showing_only`, what isn't showing is read but not entered.
    """
    nodes: list[dict] = []
    seen: set = set()
    stack = [(app, "app", -1)]
    while stack:
        acc, path, parent = stack.pop()
        if len(nodes) >= MAX_NODES:
            return nodes, True
        try:
            key = (acc.get_bus_name(), acc.path) if hasattr(acc, "path") else id(acc)
        except Exception:  # noqa: BLE001
            key = id(acc)
        if key in seen:
            continue
        seen.add(key)
        try:
            item = node(acc, path)
            count = acc.get_child_count()
        except Exception:  # noqa: BLE001 - gone while read: the next poll sees the new tree
            continue
        item["id"], item["parent"], item["children"] = len(nodes), parent, count
        if items is not None and item["role"] in ITEM_HOLDERS:
            count = min(count, items)
        if showing_only and "showing" not in item["states"] and parent >= 0:
            count = 0
        nodes.append(item)
        label = f"{item['role']}:{item['name'][:40]}".replace("/", "∕")  # a path to read, not to split
        children = []
        for i in range(count):
            try:
                child = acc.get_child_at_index(i)
            except Exception:  # noqa: BLE001
                child = None
            if child is not None:
                children.append((child, f"{path}/{i}.{label}", item["id"]))
        stack.extend(reversed(children))
    return nodes, False


def glance(app) -> list[dict]:
    """Role, name and states of what is showing (a subtree that isn't showing is not entered): quick to poll."""
    nodes, stack = [], [app]
    while stack and len(nodes) < MAX_NODES:
        acc = stack.pop()
        try:
            item = {"role": acc.get_role_name(), "name": acc.get_name() or "", "states": states_of(acc)}
            if "showing" not in item["states"] and acc is not app:
                continue
            nodes.append(item)
            stack.extend(c for c in (acc.get_child_at_index(i) for i in range(acc.get_child_count())) if c is not None)
        except Exception:  # noqa: BLE001 - gone while read
            continue
    return nodes


def find_app(pid: int):
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.get_child_count()):
        try:
            app = desktop.get_child_at_index(i)
            if app is not None and app.get_process_id() == pid:
                return app
        except Exception:  # noqa: BLE001 - another client that just left the bus
            continue
    return None


def windows_of(app) -> list[dict]:
    found = []
    for i in range(app.get_child_count()):
        child = app.get_child_at_index(i)
        if child is not None and child.get_role_name() in WINDOW_ROLES:
            found.append({"role": child.get_role_name(), "name": child.get_name() or "", "states": states_of(child)})
    return found


def press(pid: int, pattern: str, deadline: float) -> str:
    """Do the first action of the first object whose "role:name" matches; what went wrong, or ""."""
    while True:
        app = find_app(pid)
        if app is not None:
            app.clear_cache()
            stack = [app]
            while stack:
                acc = stack.pop()
                try:
                    if re.search(pattern, f"{acc.get_role_name()}:{acc.get_name() or ''}"):
                        if Atspi.Action.get_n_actions(acc) < 1:
                            return f"{pattern!r} has no action to do"
                        Atspi.Action.do_action(acc, 0)
                        return ""
                    stack.extend(
                        c for c in (acc.get_child_at_index(i) for i in range(acc.get_child_count())) if c is not None
                    )
                except Exception:  # noqa: BLE001 - gone while read
                    continue
        if time.monotonic() > deadline:
            return f"nothing matching {pattern!r} to press"
        time.sleep(0.1)


def label(item: dict) -> str:
    return f"{item['role']}:{item['name']}"


def unmet(args, windows: list[dict], nodes: list[dict] | None) -> str:
    """What is not there yet, in words; empty when everything asked for is."""
    showing = [w for w in windows if "showing" in w["states"]]
    if not any(re.search(args.window, w["name"]) for w in showing):
        return f"no showing window matching {args.window!r}"
    if args.absent and any(re.search(args.absent, w["name"]) for w in showing):
        return f"a window matching {args.absent!r} is still showing"
    if nodes is None:
        return ""
    if args.showing and not any("showing" in n["states"] and re.search(args.showing, label(n)) for n in nodes):
        return f"nothing showing matches {args.showing!r}"
    if args.focused:
        focused = [label(n) for n in nodes if "focused" in n["states"]]
        if not any(re.search(args.focused, f) for f in focused):
            return f"the focus is on {focused or 'nothing that is showing'}, not {args.focused!r}"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--window", default=".", help="wait for a showing window whose name matches this")
    parser.add_argument("--absent", default="", help="... and for no showing window whose name matches this")
    parser.add_argument("--showing", default="", help='... and for a showing object whose "role:name" matches')
    parser.add_argument("--focused", default="", help='... and for the focused object\'s "role:name" to match')
    parser.add_argument("--press", default="", help='first do the action of the object whose "role:name" matches')
    parser.add_argument("--no-tree", action="store_true", help="wait as asked, then print only the windows")
    parser.add_argument(
        "--items",
        type=int,
        default=None,
        help="read only this many children of each list, table and tree (default: all)",
    )
    parser.add_argument(
        "--showing-only",
        action="store_true",
        help="don't read inside objects that aren't showing (default: read everything)",
    )
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    if args.press:
        pressed = press(args.pid, args.press, deadline)
        if pressed:
            print(json.dumps({"error": pressed}))
            return 3
    app, windows = None, []
    nodes: list[dict] = []
    cut = False
    missing = "the application is not on the accessibility bus"
    while True:
        try:
            app = find_app(args.pid)
            if app is not None:
                app.clear_cache()  # what the app says now, not what an earlier poll read
                windows = windows_of(app)
                missing = unmet(args, windows, None)
                if not missing and (args.showing or args.focused):
                    missing = unmet(args, windows, glance(app))
                if not missing:
                    if not args.no_tree:
                        nodes, cut = walk(app, args.items, args.showing_only)
                    break
        except Exception as exc:  # noqa: BLE001 - the app is still starting, or a window closed mid-read
            missing = f"reading the tree failed: {exc}"
        if time.monotonic() > deadline:
            try:
                nodes, cut = walk(app) if app is not None else ([], False)
            except Exception:  # noqa: BLE001
                nodes = []
            focused = [label(n) for n in nodes if "focused" in n["states"]]
            print(
                json.dumps(
                    {
                        "error": f"after {args.timeout:g} s: {missing}",
                        "windows": windows,
                        "focused": focused,
                        "nodes": nodes,
                    }
                )
            )
            return 3
        time.sleep(0.1)
    if args.no_tree:
        print(json.dumps({"windows": windows}))
        return 0
    print(
        json.dumps(
            {
                "windows": windows,
                "nodes": nodes,
                "cut_short": cut,
                "focused": [label(n) for n in nodes if "focused" in n["states"]],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
