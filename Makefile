# Quick start:  make demo   (sets everything up, runs the main job: kiosk demo on SQLite)
#               make test   (sets everything up, runs every test)
# Both are idempotent: a second run only checks that everything is in place.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
APT_PACKAGES := fonts-wqy-microhei espeak-ng sox libpulse0 libusb-1.0-0 libegl1 libgl1 libxkbcommon0 \
                libfontconfig1 libdbus-1-3 libxcb-cursor0 poppler-utils chromium
export KIOSK_TEST_PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: setup system venv translations demo pg test lint bench lock clean

setup: system venv translations

# Debian packages: a CJK font, espeak-ng + sox for the voice clips, the libraries Qt needs,
# chromium (headless) for the tests of the phone page.
system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The application and its test tools install from requirements.lock: exact versions with
# their hashes, so a new upstream release reaches a branch only through `make lock`.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Deliberate upgrade: re-resolve pyproject.toml's ranges to the newest releases, with hashes.
# Then run `make test` and `kiosk bench --soak` before committing the new lock.
lock:
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --upgrade \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_34 \
	  --custom-compile-command "make lock" -o requirements.lock

venv: $(STAMP)

translations: venv
	@if [ -f tools/build_translations.py ]; then $(BIN)/python tools/build_translations.py; fi

demo: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  $(BIN)/kiosk demo --simulate; \
	else \
	  echo "No screen here: running the demo offscreen for 20 s and saving every window to var/screenshots/"; \
	  QT_QPA_PLATFORM=offscreen $(BIN)/kiosk demo --simulate --for 20 --screenshots var/screenshots; \
	fi

# PostgreSQL tests need the server of KIOSK_TEST_PG_URL; start the local cluster if it is down.
pg:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "Starting the local PostgreSQL cluster"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -1) main start || true; \
	fi

test: setup pg
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check kiosk tests tools
	$(BIN)/mypy kiosk

bench: setup pg
	$(BIN)/kiosk bench --pg $(KIOSK_TEST_PG_URL)

clean:
	rm -rf var build *.egg-info .pytest_cache
