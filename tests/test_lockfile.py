"""The locked versions in requirements/ agree with the ranges in pyproject.toml.

`make install`, `make test` and `make installer` install exactly what requirements/*.txt
pin, checked by hash; pyproject.toml and installer/requirements.in keep the ranges. When a
range changes and `make lock` was not run, these tests say which package is out of step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself brings tomli there
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
HASH = re.compile(r"sha256:[0-9a-f]{64}")

# Every system the installers are built on, for every Python from the oldest pyproject.toml
# allows to the newest the lock was made for.
PYTHONS = ["3.10.12", "3.11.2", "3.11.7", "3.12.3", "3.13.1", "3.14.0"]
SYSTEMS = [
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix", "platform_machine": "arm64"},
]
ENVIRONMENTS = [
    {
        **system,
        "python_full_version": full,
        "python_version": ".".join(full.split(".")[:2]),
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    for system in SYSTEMS
    for full in PYTHONS
]


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: tuple[str, ...]
    line: str

    def applies(self, env: dict[str, str]) -> bool:
        return self.marker is None or self.marker.evaluate(env)


def read_lock(name: str) -> list[Pin]:
    """The pins of a lock file written by `make lock` (one `name==version ; marker` per entry)."""
    text = (LOCKS / name).read_text(encoding="utf-8")
    assert "make lock" in text.splitlines()[1], f"requirements/{name} was not written by `make lock`"
    pins = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, *hashes = (part.strip() for part in line.split("--hash="))
        req = Requirement(requirement)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, (
            f"requirements/{name}: {requirement!r} is not pinned to one version"
        )
        assert hashes and all(HASH.fullmatch(h) for h in hashes), (
            f"requirements/{name}: {requirement!r} has no sha256 hash"
        )
        pins.append(Pin(canonicalize_name(req.name), Version(specs[0].version), req.marker, tuple(hashes), requirement))
    assert pins, f"requirements/{name} pins nothing"
    return pins


def chosen(pins: list[Pin], name: str, env: dict[str, str]) -> Pin | None:
    """The pin pip would install for `name` on that system and Python, if any."""
    matching = [p for p in pins if p.name == canonicalize_name(name) and p.applies(env)]
    assert len(matching) <= 1, f"{name} is pinned twice for {env['sys_platform']} {env['python_version']}"
    return matching[0] if matching else None


def describe(env: dict[str, str]) -> str:
    return f"{env['sys_platform']}, Python {env['python_full_version']}"


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
TEST_EXTRAS = [
    Requirement(r) for extra in ("test", "lint") for r in PYPROJECT["project"]["optional-dependencies"][extra]
]
BUILD = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]] + [Requirement("pip")]
INSTALLER_TOOLS = [
    Requirement(line)
    for line in (ROOT / "installer" / "requirements.in").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]

# Which lock holds what: each purpose's lock holds all it installs.
EXPECTED = {
    "app.txt": RUNTIME,
    "test.txt": RUNTIME + TEST_EXTRAS,
    "installer.txt": RUNTIME + INSTALLER_TOOLS,
    "build.txt": BUILD,
}


@pytest.mark.parametrize("lock", sorted(EXPECTED))
def test_every_line_is_one_exact_version_with_hashes(lock):
    pins = read_lock(lock)
    for env in ENVIRONMENTS:  # and no package twice for one system and Python
        for name in {p.name for p in pins}:
            chosen(pins, name, env)


@pytest.mark.parametrize("lock", sorted(EXPECTED))
def test_each_dependency_is_pinned_within_its_range(lock):
    pins = read_lock(lock)
    problems: dict[str, list[str]] = {}  # problem -> the systems and Pythons it is seen on
    for req in EXPECTED[lock]:
        for env in ENVIRONMENTS:
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            pin = chosen(pins, req.name, env)
            if pin is None:
                problems.setdefault(f"{req} is not in requirements/{lock}", []).append(describe(env))
            elif not req.specifier.contains(pin.version, prereleases=True):
                problems.setdefault(f"requirements/{lock} has {pin.line}, outside {req}", []).append(describe(env))
    assert not problems, "run `make lock`:\n" + "\n".join(
        f"{problem} (on {len(where)} of {len(ENVIRONMENTS)} systems and Pythons, e.g. {where[0]})"
        for problem, where in sorted(problems.items())
    )


@pytest.mark.parametrize("lock", ["test.txt", "installer.txt"])
def test_the_app_gets_the_same_versions_in_every_lock(lock):
    """Tests and the installer run the very versions a plain install gets, and the build tools'."""
    pins = read_lock(lock)
    for reference in ("app.txt", "build.txt"):
        base = read_lock(reference)
        for env in ENVIRONMENTS:
            for name in {p.name for p in base}:
                want, got = chosen(base, name, env), chosen(pins, name, env)
                if want is None or got is None:
                    assert reference == "build.txt" or want is None, (
                        f"requirements/{lock} lacks {want.line} from {reference} on {describe(env)}"
                    )
                    continue
                assert got.version == want.version and set(got.hashes) == set(want.hashes), (
                    f"requirements/{lock} has {got.line}, {reference} has {want.line} ({describe(env)})"
                )
