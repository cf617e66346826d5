# Two commands for learners:  `make course` (open the course)  and  `make test` (run every test).
# Both create .venv and install what is missing first. Everything else is for maintainers.

# The first Python 3.10-3.13 on PATH (TensorFlow has no wheels outside that range).
PY ?= $(shell for p in python3.11 python3.12 python3.13 python3.10 python3; do \
        command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,10) <= sys.version_info[:2] <= (3,13))' 2>/dev/null \
        && echo $$p && break; done)
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
# The exact versions CI tested (pip freeze of its .venv); tools/proof.sh passes Colab's pins here instead.
CONSTRAINTS ?= constraints.txt
# The extras make install adds: the test tools and the instructor's nbgrader (tools/proof.sh drops the latter for
# Colab's versions, whose notebook 6.5 nbgrader 0.9 cannot run with).
EXTRAS ?= dev,instructor

.PHONY: course install test lint run bench proof student grade nbgrader-course clean-notebooks headers distclean

course: $(STAMP)  ## open the course in JupyterLab at notebook 00 (as root, e.g. in a container, it needs --allow-root)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

install: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -n "$(PY)" || { echo "No Python 3.10-3.13 found on PATH: install one (e.g. from python.org) and run make again."; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@if $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))'; then \
	  $(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[$(EXTRAS)]"; \
	else echo "$(CONSTRAINTS) pins releases that need Python 3.11+: installing pyproject.toml's tested ranges instead."; \
	  $(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"; fi
	@touch $(STAMP)

# Tests keep their quiz progress apart from the learner's own.
test: export COURSE_PROGRESS_FILE = $(CURDIR)/build/test-progress.json
test: $(STAMP)  ## lint, notebook form, unit and browser tests, then every notebook under nbval
	$(BIN)/ruff check utils tools tests notebooks
	$(BIN)/python tools/nb.py check
	$(BIN)/python -m pytest tests notebooks --nbval-lax -q -rs

lint: $(STAMP)
	$(BIN)/ruff check utils tools tests notebooks

run: $(STAMP)  ## execute every notebook headlessly into build/executed and build/html
	$(BIN)/python tools/nb.py run

bench: $(STAMP)  ## wall time per notebook and in total
	$(BIN)/python tools/nb.py bench

proof:  ## `make test` under every configuration the README promises (CPUs, Colab's versions, no TFLite Micro), with times
	bash tools/proof.sh

student: $(STAMP)  ## the plain student edition of every notebook, in build/student (graded with `make grade`)
	$(BIN)/python tools/student.py

grade: $(STAMP)  ## grade a folder of submissions: make grade SUBMISSIONS=folder [GRADE_ARGS="--timeout 120"]
	@test -n "$(SUBMISSIONS)" || { echo "Say which folder to grade: make grade SUBMISSIONS=path/to/folder"; exit 1; }
	$(BIN)/python tools/grade.py $(SUBMISSIONS) $(GRADE_ARGS)

nbgrader-course: $(STAMP)  ## the lessons as a complete nbgrader course: make nbgrader-course DEST=folder
	@test -n "$(DEST)" || { echo "Say where to write it: make nbgrader-course DEST=path/to/folder"; exit 1; }
	$(BIN)/python tools/nbgrader_course.py $(DEST)

headers: $(STAMP)
	$(BIN)/python tools/nb.py headers

clean-notebooks: $(STAMP)  ## put every notebook in committed form
	$(BIN)/python tools/nb.py clean

distclean:
	rm -rf $(VENV) build artefacts
