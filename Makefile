# Two commands set everything up on a fresh machine:
#   make run    install into .venv and open the app
#   make test   install into .venv (with test tools) and run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# `make run` opens a demo profile full of invented people (made on first run);
# `make run DEMO=` opens your own profile instead.
DEMO   ?= .demo-profile

.PHONY: run test test-fast lint bench installer install install-test lock translations clean

# Every install takes the exact versions and hashes locked in requirements/ (see `make lock`),
# then the project itself without its dependencies, built by the locked setuptools.
PIP_LOCKED  = $(BIN)/python -m pip install --quiet --require-hashes -r requirements/build.txt -r
PIP_PROJECT = $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/build.txt

install: $(BIN)/python
	$(PIP_LOCKED) requirements/app.txt
	$(PIP_PROJECT)

# Installed again only when the lockfiles or pyproject.toml change (the stamp keeps `make test-fast` quick).
install-test: $(VENV)/.installed-test
$(VENV)/.installed-test: requirements/build.txt requirements/test.txt requirements/app.txt pyproject.toml | $(BIN)/python
	$(PIP_LOCKED) requirements/test.txt
	$(PIP_PROJECT)
	touch $@

run: install
ifneq ($(DEMO),)
	@[ -f "$(DEMO)/profile.json" ] || $(BIN)/mentor-app --profile "$(DEMO)" demo
	$(BIN)/mentor-app --profile "$(DEMO)" $(ARGS)
else
	$(BIN)/mentor-app $(ARGS)
endif

test: install-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop while changing code (under a minute on two cores): every test but those marked slow, with
# hypothesis's dev profile (fewer examples; see tests/conftest.py), on every core (JOBS=1 for one).
# `make test` still runs everything.
test-fast: install-test
	HYPOTHESIS_PROFILE=dev QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not slow" -n $(or $(JOBS),auto) $(PYTEST_ARGS)

# Benchmarks at mentor, supervisor and stress scale (minutes); results in bench/results/.
# Inside a private keyring session where gnome-keyring is installed, so start-up
# is measured the everyday way (unlocked by the keyring, not by passphrase).
# Ruff (lint and format) and mypy, as configured in pyproject.toml; CI runs this before the tests.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-test
	$(if $(filter 3,$(shell which gnome-keyring-daemon dbus-run-session secret-tool | wc -l)),.ci/with-keyring) \
	$(CURDIR)/$(BIN)/python bench/run.py --scale $(or $(SCALE),all)

# A one-folder build of the app for this system with PyInstaller (dist/mentor-app), and on
# Linux a tarball with a desktop entry and per-user install script. See installer/README.md.
installer: $(BIN)/python
	$(PIP_LOCKED) requirements/installer.txt
	$(PIP_PROJECT)
	$(BIN)/python installer/make_icons.py
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 0) PYTHONHASHSEED=0 \
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
	    installer/mentor-app.spec
	[ "$$(uname)" != Linux ] || installer/linux/package.sh

# Write requirements/*.txt again from pyproject.toml, installer/requirements.in and
# requirements/build.in, for every system and Python 3.10 and up, with the hashes of every
# published file. Pins already there are kept while they still fit; to move on:
#   make lock LOCK_ARGS='--upgrade-package reportlab'   (one package)
#   make lock LOCK_ARGS=--upgrade                       (everything)
UV_VERSION = 0.13.9
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.10 --generate-hashes \
	--custom-compile-command 'make lock' $(LOCK_ARGS)
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(UV_COMPILE) requirements/build.in -o requirements/build.txt
	$(UV_COMPILE) pyproject.toml -c requirements/build.txt -o requirements/app.txt
	$(UV_COMPILE) pyproject.toml --extra test --extra lint -c requirements/build.txt -c requirements/app.txt \
	    -o requirements/test.txt
	$(UV_COMPILE) pyproject.toml installer/requirements.in -c requirements/build.txt \
	    -c requirements/app.txt -o requirements/installer.txt

# The words the app translates, from the source (GNU gettext, see mentor_app/i18n.py): the template
# resources/locale/mentor_app.pot, each language's .po brought up to date with it (translators fill in
# what is new), then checked (placeholders must match their source) and compiled to the .mo the app reads.
LOCALE   = resources/locale
XGETTEXT = xgettext --language=Python --from-code=UTF-8 --no-wrap --sort-by-file --package-name="Mentor App" \
	--keyword=w --keyword=N_ --keyword=NC_:1c,2 --keyword=n:1,2
translations:
	$(XGETTEXT) -o $(LOCALE)/mentor_app.pot $$(git ls-files 'mentor_app/*.py' | sort)
	for po in $(LOCALE)/*/LC_MESSAGES/mentor_app.po; do \
	    msgmerge --quiet --update --no-wrap --no-fuzzy-matching --backup=none $$po $(LOCALE)/mentor_app.pot && \
	    msgfmt --check --statistics -o $${po%.po}.mo $$po || exit 1; \
	done

clean:
	rm -rf $(VENV) build dist *.egg-info
