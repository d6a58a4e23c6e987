"""Shared fixtures: real SQLCipher profiles, a real keyring or none at all."""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
import sys
from pathlib import Path

# Widgets render offscreen unless a test run asks for a real screen (Xvfb).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import keyring.backends.fail  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from mentor_app.storage import keystore
from mentor_app.storage.keywrap import Argon2Params
from mentor_app.storage.profile import create_profile

PASSPHRASE = "correct horse battery"
# Cheap Argon2 for tests that open profiles many times; the real cost is
# exercised by every test that goes through the `mentor-app` command.
FAST_KDF = Argon2Params(time_cost=1, memory_kib=8 * 1024, parallelism=1)
NO_KEYRING = "keyring.backends.fail.Keyring"

# Hypothesis profiles. Without HYPOTHESIS_PROFILE, hypothesis's own profile is in force ("default", or
# "ci" where it detects CI) and every property test runs its full number of examples, given with
# `examples(n)` beside the test. HYPOTHESIS_PROFILE=dev (as `make test-fast` sets) caps each at
# DEV_EXAMPLES: a quick look while changing code, not a search for rare cases.
DEV_EXAMPLES = 5
settings.register_profile("dev", max_examples=DEV_EXAMPLES)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def examples(full: int) -> int:
    """A property test's number of examples: `full`, or at most the dev profile's under that profile."""
    if settings.get_current_profile_name() == "dev":
        return min(full, settings().max_examples)
    return full


def secret_service_available() -> bool:
    try:
        from keyring.backends.SecretService import Keyring as SecretServiceKeyring
    except ImportError:
        return False
    backend = keyring.get_keyring()
    return isinstance(backend, SecretServiceKeyring) or (
        hasattr(backend, "backends") and any(isinstance(b, SecretServiceKeyring) for b in backend.backends)
    )


# Python's cyclic garbage collector runs in whichever thread happens to allocate. If it ran in a
# background job's thread it could destroy a window's Qt objects there, which crashes Qt; so, as the app
# does (mentor_app/ui/collector.py), the tests collect on the main thread only: after each test.
gc.disable()


def pytest_collection_finish(session):
    # What importing the app and the tests left behind lives to the end: later collections skip it, which
    # makes the collection after each test several times quicker.
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def collect_garbage_on_the_main_thread():
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def private_log_dir(tmp_path_factory, monkeypatch):
    """The app's log files go to a throwaway folder, never the real user's."""
    monkeypatch.setenv("MENTOR_APP_LOG_DIR", str(tmp_path_factory.mktemp("logs")))


@pytest.fixture
def no_keyring(monkeypatch):
    """This process and its children see no usable keyring at all."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def secret_service():
    """The real Secret Service daemon; the entries listed in it (see Profile.keyring_entry) are removed afterwards."""
    if not secret_service_available():
        if os.environ.get("MENTOR_APP_REQUIRE_KEYRING"):
            pytest.fail("A Secret Service keyring daemon is required here but was not found.")
        pytest.skip("no Secret Service keyring daemon in this session")
    made: list[str] = []
    yield made
    for entry in made:
        keystore.forget_key(entry)


@pytest.fixture
def make_profile(tmp_path, no_keyring):
    """A factory of real, open SQLCipher profiles with no keyring; closes them after."""
    opened = []

    def factory(name="profile", role="mentor", passphrase=PASSPHRASE, **kwargs):
        kwargs.setdefault("use_keyring", False)
        kwargs.setdefault("kdf_params", FAST_KDF)
        profile, code = create_profile(tmp_path / name, role=role, name="Test Mentor", passphrase=passphrase, **kwargs)
        opened.append(profile)
        return profile, code

    yield factory
    for p in opened:
        p.close()


def run_cli(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120):
    """The real `mentor-app` command in a child process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mentor_app", *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def file_digests(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its SHA-256, to prove nothing was touched."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def add_note(profile, body: str) -> str:
    """A real record carrying `body` (a meeting note for a mentee of that name)."""
    from mentor_app.records import store
    from mentor_app.records.types import Meeting, Mentee

    mentee = store.save(profile.conn, Mentee(name=body[:200]), author=profile.author)
    store.save(profile.conn, Meeting(starts_at="2026-11-01T10:00", notes=body), author=profile.author, mentee_id=mentee)
    return mentee


def note_bodies(profile) -> list[str]:
    """The notes of every meeting in the profile, sorted."""
    from mentor_app.records import store

    return sorted(s.record.notes for s in store.list_records(profile.conn, "meeting"))
