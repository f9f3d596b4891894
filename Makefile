# Two commands for a fresh machine:
#   make run   - set up .venv, build the published store from data/, serve on http://localhost:8501
#   make test  - set up .venv (with test tools) and run the whole test suite
#   make serve - like run, but on every interface for a team: PORT=8501, optional BASE_PATH=explorer;
#                with SCALING_EXPLORER_DATABASE_URL=postgresql://… set, the user store is that database
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
BASE_PATH ?=

.PHONY: run serve test store bench clean

$(VENV)/.run-deps: requirements.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-dev.txt
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

store: $(VENV)/.run-deps
	$(BIN)/python -m scaling_explorer.store

run: store
	$(BIN)/streamlit run app.py --server.address localhost --server.port $(PORT)

serve: store
	$(BIN)/streamlit run app.py --server.address 0.0.0.0 --server.port $(PORT) \
		$(if $(BASE_PATH),--server.baseUrlPath $(BASE_PATH))

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q -ra tests

bench: $(VENV)/.test-deps
	$(BIN)/python bench/fit_speed.py
	$(BIN)/python bench/app_latency.py
	$(BIN)/python bench/two_process.py

clean:
	rm -rf $(VENV) var .pytest_cache
