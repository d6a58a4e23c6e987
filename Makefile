# Two commands set everything up on a fresh machine:
#   make run    install into .venv and open the app
#   make test   install into .venv (with test tools) and run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# `make run` opens a demo profile full of invented people (made on first run);
# `make run DEMO=` opens your own profile instead.
DEMO   ?= .demo-profile

.PHONY: run test bench installer install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: install
ifneq ($(DEMO),)
	@[ -f "$(DEMO)/profile.json" ] || $(BIN)/mentor-app --profile "$(DEMO)" demo
	$(BIN)/mentor-app --profile "$(DEMO)" $(ARGS)
else
	$(BIN)/mentor-app $(ARGS)
endif

test: install-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks at mentor, supervisor and stress scale (minutes); results in bench/results/.
# Inside a private keyring session where gnome-keyring is installed, so start-up
# is measured the everyday way (unlocked by the keyring, not by passphrase).
bench: install-test
	$(if $(filter 3,$(shell which gnome-keyring-daemon dbus-run-session secret-tool | wc -l)),.ci/with-keyring) \
	$(CURDIR)/$(BIN)/python bench/run.py --scale $(or $(SCALE),all)

# A one-folder build of the app for this system with PyInstaller (dist/mentor-app), and on
# Linux a tarball with a desktop entry and per-user install script. See installer/README.md.
installer: install
	$(BIN)/pip install --quiet -r installer/requirements.txt
	$(BIN)/python installer/make_icons.py
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 0) PYTHONHASHSEED=0 \
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
	    installer/mentor-app.spec
	[ "$$(uname)" != Linux ] || installer/linux/package.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
