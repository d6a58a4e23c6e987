"""Uses the real app as a screen-reader user would, and saves what the AT-SPI bus shows on each screen.

Run inside a private D-Bus session with an unlocked keyring (test_atspi.py runs it
under .ci/with-keyring):

    python atspi_session.py OUT_DIR

It starts an X server (Xvfb) and the AT-SPI bus, makes a demo mentor profile and a
supervisor profile (their keys in the session's keyring, so the app opens without
a passphrase, as on a mentor's laptop), starts the app on each in a process of its
own, moves through the screens with key presses (xdotool), and after each one
asks atspi_reader.py (system Python, pyatspi) for the accessible tree. It
writes OUT_DIR/session.json (the screens, in order, each with its tree or what
went wrong), OUT_DIR/record-text.json (pieces of record text from the profiles:
names, notes, concerns) and the app's own output. It asserts nothing: the test
does.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SYSTEM_PYTHON = os.environ.get("ATSPI_PYTHON", "/usr/bin/python3")
BUS_LAUNCHER_PLACES = (
    "/usr/libexec/at-spi-bus-launcher",
    "/usr/lib/at-spi2-core/at-spi-bus-launcher",
    "/usr/lib/at-spi-bus-launcher",
)
SCREEN = "1366x768x24"
ITEMS_READ = 40  # children read of each list, table and tree on an unlocked screen
STEP_TIMEOUT = 40.0  # seconds a screen may take to appear: generous, a slow CI machine is not a failure
# Record fields that hold directory or organisation text, not a person's: they may rightly show when locked.
NOT_PERSONAL = {"place", "partner", "organisation", "reported_to", "recorded_by", "checked_by"}


def bus_launcher() -> str | None:
    return next((p for p in BUS_LAUNCHER_PLACES if Path(p).is_file()), None)


@dataclass
class Step:
    """Key presses in a window, then what must be on the bus before the tree is read."""

    name: str
    keys: list[str] = field(default_factory=list)  # xdotool key names, pressed in turn
    type_text: str = ""  # typed after the keys (a passphrase)
    then: list[str] = field(default_factory=list)  # keys pressed after the text
    focus: str = ""  # regex of the window to give the keyboard to first ("" = leave it)
    window: str = "."  # wait for a showing window whose name matches
    absent: str = ""  # ... and none matching this
    showing: str = ""  # ... and a showing "role:name" matching this
    focused: str = ""  # ... and the focused "role:name" matching this
    clipboard: bool = False  # read the X11 clipboard and primary selection after it
    locked: bool = False  # the window is locked here: no record text may be showing
    keys_from: str = ""  # press Alt+the Alt-letter of the showing control whose "role:name" matches
    press: str = ""  # do the action of the object whose "role:name" matches (as a screen reader can)
    tree: bool = True  # read the tree (else only wait for the windows)
    wanted: str = ""  # what should be there, in words, for the message when it isn't


class Session:
    def __init__(self, out: Path):
        self.out = out
        self.children: list[subprocess.Popen] = []
        self.env = dict(os.environ)
        self.screens: list[dict] = []

    # -- the X server and the accessibility bus ------------------------------
    def start_x(self) -> None:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        self.children.append(xvfb)
        number = b""
        with os.fdopen(read, "rb") as pipe:  # Xvfb writes the display it chose once it is ready
            while not number.endswith(b"\n"):
                chunk = pipe.read(1)
                if not chunk:
                    raise RuntimeError("Xvfb stopped before it said which display it took")
                number += chunk
        self.env["DISPLAY"] = f":{number.decode().strip()}"
        self.env.pop("WAYLAND_DISPLAY", None)

    def start_accessibility_bus(self) -> None:
        launcher = bus_launcher()
        if launcher is None:
            raise RuntimeError("at-spi-bus-launcher is not installed (Debian: at-spi2-core)")
        self.children.append(
            subprocess.Popen(
                [launcher, "--launch-immediately"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
        # Asked without starting anything (NameHasOwner): the launcher above must be the one that answers.
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            has = subprocess.run(
                [
                    "dbus-send",
                    "--session",
                    "--print-reply=literal",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.a11y.Bus",
                ],
                env=self.env,
                capture_output=True,
                text=True,
            )
            if "true" in has.stdout:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("org.a11y.Bus never appeared on the session bus: " + has.stderr.strip())
            time.sleep(0.1)
        address = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply=literal",
                "--dest=org.a11y.Bus",
                "/org/a11y/bus",
                "org.a11y.Bus.GetAddress",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if address.returncode != 0 or "unix:" not in address.stdout:
            raise RuntimeError("the accessibility bus has no address: " + address.stderr.strip())

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait(10)
        self.children = []

    # -- the app --------------------------------------------------------------
    def start_app(self, profile: Path, name: str) -> subprocess.Popen:
        env = dict(
            self.env,
            QT_QPA_PLATFORM="xcb",
            QT_ACCESSIBILITY="1",
            QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
            MENTOR_APP_LOG_DIR=str(self.out / "logs"),
        )
        env.pop("QT_SCALE_FACTOR", None)
        log = open(self.out / f"app-{name}.log", "w")
        app = subprocess.Popen(
            [sys.executable, "-m", "mentor_app", "--profile", str(profile)],
            env=env,
            cwd=HERE.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.children.append(app)
        return app

    def stop_app(self, app: subprocess.Popen) -> None:
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(15)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait(10)
        self.children.remove(app)

    # -- reading and driving --------------------------------------------------
    def read_tree(self, app: subprocess.Popen, step: Step) -> dict:
        command = [
            SYSTEM_PYTHON,
            str(HERE / "atspi_reader.py"),
            "--pid",
            str(app.pid),
            "--window",
            step.window,
            "--timeout",
            str(STEP_TIMEOUT),
        ]
        for option in ("absent", "showing", "focused", "press"):
            if getattr(step, option):
                command += [f"--{option}", getattr(step, option)]
        if not step.tree:
            command.append("--no-tree")
        elif not step.locked:
            # What is on screen, and enough rows of each list and table; behind the lock, everything.
            command += ["--items", str(ITEMS_READ), "--showing-only"]
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=STEP_TIMEOUT + 30)
        try:
            tree = json.loads(done.stdout)
        except json.JSONDecodeError:
            tree = {"error": f"the reader printed no tree (exit {done.returncode}): {done.stderr.strip()[-2000:]}"}
        if app.poll() is not None:
            tree["error"] = f"the app stopped (exit {app.returncode}); " + tree.get("error", "")
        return tree

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def give_keyboard_to(self, app: subprocess.Popen, title: str) -> None:
        """Put the X input focus on the app's showing window whose title matches (there is no window manager)."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--pid", str(app.pid), "--name", title],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.split()
            if found:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no window of the app is titled like {title!r}")
            time.sleep(0.1)
        self.xdotool("windowfocus", "--sync", found[-1])

    def clipboard(self) -> dict:
        done = subprocess.run(
            [sys.executable, str(HERE / "x11_clipboard.py")], env=self.env, capture_output=True, text=True, timeout=60
        )
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            return {"error": f"reading the clipboard failed: {done.stderr.strip()[-1000:]}"}

    def run(self, app: subprocess.Popen, window_name: str, steps: list[Step]) -> None:
        tree: dict = {}
        for step in steps:
            started = time.monotonic()
            screen = {"window": window_name, "name": step.name, "locked": step.locked}
            try:
                if step.focus:
                    self.give_keyboard_to(app, step.focus)
                keys = list(step.keys)
                if step.keys_from:
                    letter = alt_letter(tree, step.keys_from)
                    if not letter:
                        raise RuntimeError(f"no Alt-letter is announced for {step.keys_from!r}")
                    keys.insert(0, f"alt+{letter}")
                for key in keys:
                    self.xdotool("key", "--delay", "40", key)
                if step.type_text:
                    self.xdotool("type", "--delay", "20", step.type_text)
                for key in step.then:
                    self.xdotool("key", "--delay", "40", key)
                tree = self.read_tree(app, step)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                tree = {"error": str(exc)}
            if "error" in tree:
                words = f"{step.wanted}: not there ({tree['error']})" if step.wanted else tree["error"]
                if "windows" in tree:
                    words += f"; windows showing: {[w['name'] for w in tree['windows'] if 'showing' in w['states']]}"
                tree["error"] = words
            screen.update(tree)
            if step.clipboard:
                screen["clipboard"] = self.clipboard()
            screen["seconds"] = round(time.monotonic() - started, 2)
            self.screens.append(screen)
            if "error" in tree:
                return  # the next screens start from this one: they would only fail for the same reason


def alt_letter(tree: dict, pattern: str) -> str:
    """The Alt-letter a screen reader announces for the showing control whose "role:name" matches."""
    for node in tree.get("nodes", []):
        if "showing" in node["states"] and re.search(pattern, f"{node['role']}:{node['name']}"):
            for keys in node.get("keys") or []:
                found = re.search(r"(?:Alt|<Alt>)\+?(\w)\b", keys)
                if found:
                    return found.group(1).lower()
    return ""


# -- the profiles -----------------------------------------------------------------


def fast_kdf():
    from mentor_app.storage.keywrap import Argon2Params

    # The keyring opens these profiles; the passphrase is typed once, at the lock screen.
    return Argon2Params(time_cost=1, memory_kib=8 * 1024, parallelism=1)


def record_text(profiles) -> list[str]:
    """Pieces of every person's records (names, notes, concerns, goals): what must not show while locked."""
    from mentor_app.records import store
    from mentor_app.records.types import fields_of

    pieces: set[str] = set()
    for profile in profiles:
        for stored in store.list_records(profile.conn):
            if stored.type == "contact":
                continue  # the signposting directory: public services, not people
            for fld in fields_of(type(stored.record)):
                value = getattr(stored.record, fld.name)
                if not fld.metadata.get("search") or fld.name in NOT_PERSONAL or not isinstance(value, str):
                    continue
                text = " ".join(value.split())
                if len(text) < 8:
                    continue
                if len(text) <= 60:
                    pieces.add(text)
                    continue
                pieces.add(text[:40])
                pieces.update(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) >= 16)
    return sorted(pieces)


def make_mentor(folder: Path):
    from mentor_app import demo
    from mentor_app.storage.profile import create_profile

    profile, _ = create_profile(
        folder,
        role="mentor",
        name="Demo Mentor",
        passphrase=demo.DEMO_PASSPHRASE,
        use_keyring=True,
        kdf_params=fast_kdf(),
    )
    demo.mark_as_demo(folder)
    demo.generate(profile, seed=3, mentees=8, weeks=10)
    return profile


def make_supervisor(folder: Path, drive: Path):
    """A supervisor who has imported two mentors' logs, as in test_supervisor_ui.py."""
    from mentor_app import demo
    from mentor_app.exchange import mentors as register
    from mentor_app.exchange.enrolment import accept_enrolment, make_enrolment, parse_enrolment
    from mentor_app.exchange.importer import import_folder
    from mentor_app.exchange.keys import device_key
    from mentor_app.exchange.trip import trip
    from mentor_app.storage.profile import create_profile

    sup, _ = create_profile(
        folder / "supervisor",
        role="supervisor",
        name="Riverside Mentoring",
        passphrase=demo.DEMO_PASSPHRASE,
        use_keyring=True,
        kdf_params=fast_kdf(),
    )
    enrolment = parse_enrolment(json.dumps(make_enrolment(sup)).encode())
    drive.mkdir()
    mentors = []
    for n in range(2):
        mentor, _ = create_profile(
            folder / f"mentor{n}",
            role="mentor",
            name=f"Mentor {n}",
            passphrase=demo.DEMO_PASSPHRASE,
            use_keyring=False,
            kdf_params=fast_kdf(),
        )
        demo.generate(mentor, seed=20 + n, mentees=4, weeks=6)
        accept_enrolment(mentor, enrolment, enrolment.fingerprint, shared_folder=str(drive))
        trip(mentor)
        register.note_device(sup.conn, device_key(mentor).public, "")
        register.approve(sup.conn, device_key(mentor).fingerprint, f"Mentor {n}")
        mentors.append(mentor)
    import_folder(sup, drive)
    return sup, mentors


# -- the screens --------------------------------------------------------------------

MAIN = r"Demo Mentor$"
LOCKED = r"— locked$"
SUPERVISOR = r"\(supervisor\)$"
LOCK_SCREEN = "the lock screen, its passphrase field showing and taking the keyboard"


def closing(title: str, back_to: str) -> Step:
    """Escape in a dialog, until only the window is left."""
    return Step(f"{title.strip('^$')} closed", focus=title, keys=["Escape"], window=back_to, absent=title, tree=False)


def mentor_steps() -> list[Step]:
    """Every main screen of a mentor's window, by keyboard alone, and the lock: with a form open and without."""
    return [
        Step(
            "Today",
            window=MAIN,
            showing=r":Welcome$",
            wanted="the main window, opened by the keyring without asking for the passphrase",
        ),
        # Alt+W is the list's filter; Tab moves into the list (opening nobody), Enter opens the first person.
        Step(
            "mentee page: overview",
            focus=MAIN,
            keys=["alt+w", "Tab", "Return"],
            window=MAIN,
            showing=r"^label:Mentee name$",
        ),
        Step("mentee page: timeline", keys=["alt+t"], window=MAIN, showing=r"^tree:Timeline$"),
        Step("mentee page: needs and goals", keys=["alt+g"], window=MAIN, showing=r":Needs over time$"),
        Step("needs check", press=r"^push button:New needs check…$", window=r"^Needs check$"),
        closing(r"^Needs check$", MAIN),
        Step("mentee page: actions", focus=MAIN, keys=["alt+a"], window=MAIN, showing=r"^list:Actions agreed$"),
        Step("mentee page: referrals", keys=["alt+s"], window=MAIN, showing=r"^tree:Signposts and referrals$"),
        Step("signposting sheet", keys=["alt+h"], window=r"^Signposting sheet$"),
        closing(r"^Signposting sheet$", MAIN),
        Step("meeting form", focus=MAIN, keys=["ctrl+m"], window=r"^Record a meeting$"),
        closing(r"^Record a meeting$", MAIN),
        Step("concern form", focus=MAIN, keys=["ctrl+shift+c"], window=r"^Safeguarding concern$"),
        closing(r"^Safeguarding concern$", MAIN),
        Step("directory", focus=MAIN, keys=["ctrl+d"], window=MAIN, focused=r":Search the directory$"),
        Step("search", focus=MAIN, keys=["ctrl+k"], window=r"^Search$"),
        closing(r"^Search$", MAIN),
        Step("sharing", focus=MAIN, keys=["alt+f", "s"], window=r"^Sharing with your supervisor$"),
        closing(r"^Sharing with your supervisor$", MAIN),
        Step("settings", focus=MAIN, keys=["ctrl+comma"], window=r"^Settings$"),
        closing(r"^Settings$", MAIN),
        Step("my log", focus=MAIN, keys=["alt+r", "l"], window=r"^My log"),
        closing(r"^My log", MAIN),
        Step("audit trail", focus=MAIN, keys=["alt+p", "a"], window=r"^Audit trail$"),
        closing(r"^Audit trail$", MAIN),
        # A meeting opened from a person's timeline, its notes copied: record text on screen, in the
        # clipboard and in the primary selection, as a mentor might leave them.
        Step(
            "mentee page again",
            focus=MAIN,
            keys=["alt+w", "Tab", "Return"],
            window=MAIN,
            showing=r"^label:Mentee name$",
        ),
        Step("a meeting from the timeline", keys=["alt+t", "Tab", "Home", "Return"], window=r"^Edit meeting$"),
        Step(
            "its notes copied",
            keys_from=r"^text:Notes$",
            then=["ctrl+a", "ctrl+c"],
            window=r"^Edit meeting$",
            focused=r"^text:Notes$",
            clipboard=True,
        ),
        # Locked with the form still open: View › Lock now, done through the accessibility bus,
        # reaches the window behind a form (the idle lock does the same after some minutes).
        Step(
            "locked with a form open",
            press=r"^menu item:Lock now$",
            window=LOCKED,
            absent=r"^Edit meeting$",
            locked=True,
            clipboard=True,
        ),
        Step(
            "unlocked: the form is back",
            focus=LOCKED,
            type_text="demo passphrase",
            then=["Return"],
            window=r"^Edit meeting$",
            absent=LOCKED,
            tree=False,
        ),
        closing(r"^Edit meeting$", MAIN),
        Step(
            "locked by Ctrl+L",
            focus=MAIN,
            keys=["ctrl+l"],
            window=LOCKED,
            focused=r"Passphrase",
            locked=True,
            clipboard=True,
            wanted=LOCK_SCREEN,
        ),
        Step("unlocked", type_text="demo passphrase", then=["Return"], window=MAIN, absent=LOCKED),
    ]


def supervisor_steps() -> list[Step]:
    """Each tab of the supervisor's window, then the lock from the tab with people's names."""
    tabs = [
        ("safeguarding", "s", r":Safeguarding concerns to act on$"),
        ("caseload", "c", r":Caseload per mentor$"),
        ("activity", "a", r":Meetings per week$"),
        ("mentors", "m", r":Mentor devices$"),
        ("set aside", "e", r"^list:Files set aside$"),
        ("directory", "d", r":Search the directory$"),
        ("people", "l", r":People shared by consent$"),
    ]
    steps = [
        Step(
            "supervisor: first screen",
            window=SUPERVISOR,
            showing=r":Safeguarding concerns to act on$",
            wanted="the supervisor's window, opened by the keyring without asking for the passphrase",
        )
    ]
    for n, (name, letter, shown) in enumerate(tabs):
        steps.append(
            Step(
                f"supervisor: {name}",
                focus=SUPERVISOR if n == 0 else "",
                keys=[f"alt+{letter}"],
                window=SUPERVISOR,
                showing=shown,
            )
        )
    steps += [
        Step(
            "supervisor: locked by Ctrl+L",
            keys=["ctrl+l"],
            window=LOCKED,
            focused=r"Passphrase",
            locked=True,
            clipboard=True,
            wanted=LOCK_SCREEN,
        ),
        Step("supervisor: unlocked", type_text="demo passphrase", then=["Return"], window=SUPERVISOR, absent=LOCKED),
    ]
    return steps


def main() -> int:
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    session = Session(out)
    started = time.monotonic()
    result: dict = {"screens": session.screens}
    try:
        session.start_x()
        session.start_accessibility_bus()
        mentor = make_mentor(out / "mentor")
        supervisor, feeding = make_supervisor(out / "organisation", out / "drive")
        (out / "record-text.json").write_text(
            json.dumps(
                {
                    "mentor": record_text([mentor]),
                    "supervisor": record_text(feeding),
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        for p in [mentor, supervisor, *feeding]:
            p.close()
        result["setup_seconds"] = round(time.monotonic() - started, 2)
        for name, profile, steps in (
            ("mentor", out / "mentor", mentor_steps()),
            ("supervisor", out / "organisation" / "supervisor", supervisor_steps()),
        ):
            app = session.start_app(profile, name)
            try:
                session.run(app, name, steps)
            finally:
                session.stop_app(app)
    except Exception as exc:  # noqa: BLE001 - said in the result, so the test shows it
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        session.stop_all()
        result["seconds"] = round(time.monotonic() - started, 2)
        (out / "session.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main())
