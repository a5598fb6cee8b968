# WageSafe: the README's two commands are `make run` and `make test`.
# Both set everything up on a fresh machine and are quick on a second run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# The demo's public address (printed on the posters, linked in notices) follows HOST and PORT
# unless PUBLIC_BASE_URL is set: `make run PORT=8101` prints posters that point at port 8101.
DEMO_BASE_URL := $(or $(PUBLIC_BASE_URL),http://$(HOST):$(PORT))
# The second demo county (make run-county-b): its port follows make run's unless given, its mail
# catcher's follows its port. Each county's partner file is written from these (scripts/demo-partners.sh).
B_PORT ?= $(shell expr $(PORT) + 100)
B_SMTP_PORT ?= $(shell expr $(B_PORT) + 25)
DEMO_VAR := $(or $(WAGESAFE_VAR_DIR),var)

.PHONY: run run-county-b demo-build test install system-deps system-deps-test system-deps-bench check build posters bench clean help

help:
	@echo "make run    set up and run the whole system on http://$(HOST):$(PORT) (demo data)"
	@echo "make test   set up and run the whole test suite"
	@echo "make bench  run every benchmark and print one table"
	@echo "make run-county-b  a second demo county on :$(B_PORT) (B_PORT=...), paired with make run's (Open311 transfers)"

# The virtualenv is rebuilt only when the dependency pins change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(STAMP)

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

check: install
	$(BIN)/wagesafe check

build: check
	$(BIN)/wagesafe build

posters: check
	$(BIN)/wagesafe posters

# Everything `make run` prepares before it starts the demo: registry check, portal, posters.
demo-build: install system-deps
	$(BIN)/wagesafe check
	PUBLIC_BASE_URL=$(DEMO_BASE_URL) $(BIN)/wagesafe build
	PUBLIC_BASE_URL=$(DEMO_BASE_URL) $(BIN)/wagesafe posters

# Its partner file points at the second county's address (remembered by make run-county-b, else B_PORT); the second
# county's, if there is one, is pointed back at this port.
run: demo-build
	scripts/demo-partners.sh data/partners.yaml $(DEMO_VAR)/demo-partners.yaml \
	  "$$(cat $(DEMO_VAR)/county-b/demo-base-url 2>/dev/null || echo http://$(HOST):$(B_PORT))"
	! test -d $(DEMO_VAR)/county-b || scripts/demo-partners.sh demo/county-b/partners.yaml \
	  $(DEMO_VAR)/county-b/demo-partners.yaml $(DEMO_BASE_URL)
	PARTNERS_FILE=$(DEMO_VAR)/demo-partners.yaml PUBLIC_BASE_URL=$(DEMO_BASE_URL) \
	  $(BIN)/wagesafe demo --host $(HOST) --port $(PORT)

# A second demo county (白水县, demo/county-b/, port B_PORT) paired with `make run`'s, to try 转送外县.
run-county-b: install system-deps
	BIN=$(BIN) B_PORT=$(B_PORT) B_SMTP_PORT=$(B_SMTP_PORT) A_BASE_URL=$(DEMO_BASE_URL) scripts/run-county-b.sh

# promtool checks deploy/'s alert rules (tests/test_alert_rules.py); taken out of Debian's package.
PROMTOOL := $(VENV)/bin/promtool
$(PROMTOOL): | $(STAMP)
	scripts/fetch-promtool.sh $@

test: install system-deps-test $(PROMTOOL)
	WAGESAFE_PROMTOOL=$(if $(wildcard $(PROMTOOL)),$(abspath $(PROMTOOL))) $(BIN)/python -m pytest $(PYTEST_ARGS)

# bench_phone's Lighthouse figures need Node.js and Lighthouse (npm ci into bench/lighthouse/node_modules).
bench: install system-deps-bench bench/lighthouse/node_modules/.installed
	$(BIN)/python bench/run_all.py

system-deps-bench:
	@scripts/system-deps.sh bench

bench/lighthouse/node_modules/.installed: bench/lighthouse/package.json bench/lighthouse/package-lock.json
	cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf site .site.releases var .pytest_cache build *.egg-info
