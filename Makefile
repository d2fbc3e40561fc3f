# relaykit: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else here is the inner loop (see `make help`).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= 1
COLLECTION := collections/ansible_collections/relaykit/edge
# The lab's Debian release: trixie (13, the default) or bookworm (12): make demo LAB_RELEASE=bookworm
LAB_RELEASE ?= trixie
export LAB_RELEASE
# Molecule scenarios run their hosts on both releases: both base images are built first. Most
# scenarios hold hosts of each release; relay46 runs the whole site once per release
# (RELAYKIT_RELEASE). `make molecule` runs them in two lanes side by side (scenarios wait on their
# hosts a third of the time), each run of a scenario in one lane only (same names, same networks).
MOLECULE_RELEASES := trixie bookworm
MOLECULE_ALONE := sysctl_tuning_localhost
MOLECULE_LANE_A := relay46:trixie relay46:bookworm sysctl_tuning
MOLECULE_LANE_B := port_relay neighbours certificates
MOLECULE_LANES := $(MOLECULE_LANE_A) $(MOLECULE_LANE_B)
SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: help demo test check lint unit unit-hostpy integration sanity molecule molecule-one scenario converge verify \
        bench bench-control bench-smoke bench-down lab-up lab-down lab-status venv build clean

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  scenarios: $(SCENARIOS)   (make scenario S=name)"

demo: venv ## install everything, bring up the lab, run site.yml, prove it with traffic
	lab/lab.sh up
	ansible-playbook site.yml
	ansible-playbook lab/demo.yml

test: venv ## every check and test: lint, unit (also under Python 3.9-3.13), integration, sanity, collection build, every molecule scenario, bench smoke
	@# The lab's images build (network and disk) while the checks that need none run (CPU).
	scripts/lanes.sh "lab/lab.sh images $(MOLECULE_RELEASES)" \
	                 "$(MAKE) --no-print-directory lint unit unit-hostpy sanity build integration"
	$(MAKE) --no-print-directory molecule bench-smoke

check: venv ## the fast inner loop (< 1 min): lint + unit tests
	$(MAKE) --no-print-directory lint unit

venv: $(VENV)/.installed ## create the virtualenv from requirements.txt

$(VENV)/.installed: requirements.txt scripts/bootstrap.sh
	scripts/bootstrap.sh $(VENV)
	@touch $@

lint: venv ## yamllint, ansible-lint (production profile), ruff
	yamllint --strict .
	ansible-lint --profile production
	python scripts/role-docs.py --check
	ruff check . roles/port_relay/files/relaykit roles/ddns/files/relaykit-ddns
	ruff format --check . roles/port_relay/files/relaykit roles/ddns/files/relaykit-ddns

unit: venv ## pytest unit tests: the collection's and the host-side relaykit command's
	python -m pytest -q $(COLLECTION)/tests/unit tests/unit

unit-hostpy: ## the host programs' unit tests under every Python 3.9-3.13 found (pyenv or PATH; venvs in .venv-hostpy/)
	scripts/hostpy-tests.sh

integration: venv ## playbook tests on the controller: bad input stops the run, import of a seed .env
	python -m pytest -q tests/integration

sanity: venv ## ansible-test sanity on the collection
	scripts/sanity.sh

build: venv ## ansible-galaxy collection build (into build/)
	ansible-galaxy collection build --force --output-path build $(COLLECTION)

molecule: venv ## molecule test of every scenario (create, converge, idempotence, verify, destroy), two lanes side by side
	lab/lab.sh images $(MOLECULE_RELEASES)
	@missing="$(filter-out $(MOLECULE_ALONE) $(foreach run,$(MOLECULE_LANES),$(firstword $(subst :, ,$(run)))),$(SCENARIOS))"; \
	  [ -z "$$missing" ] || { echo "scenario(s) in no molecule lane (Makefile MOLECULE_LANE_*): $$missing" >&2; exit 1; }
	@# Alone first: it changes (and puts back) the machine's own kernel settings, which other hosts share.
	$(MAKE) --no-print-directory molecule-one S=$(MOLECULE_ALONE)
	scripts/lanes.sh "$(foreach run,$(MOLECULE_LANE_A),$(MAKE) --no-print-directory molecule-one S=$(subst :, R=,$(run)) &&) true" \
	                 "$(foreach run,$(MOLECULE_LANE_B),$(MAKE) --no-print-directory molecule-one S=$(subst :, R=,$(run)) &&) true"
	docker volume prune -f >/dev/null

# One run of one scenario, timed: make molecule-one S=relay46 R=bookworm (R picks the release of relay46).
molecule-one:
	@echo "=== molecule scenario $(S) $(R)"; start=$$SECONDS; \
	  RELAYKIT_RELEASE=$(or $(R),trixie) molecule test -s $(S); \
	  echo "=== molecule scenario $(S) $(R) passed in $$((SECONDS - start)) s"

scenario: venv ## one scenario by name, full sequence: make scenario S=sysctl_tuning (RELAYKIT_RELEASE=bookworm for relay46, certificates)
	lab/lab.sh images $(MOLECULE_RELEASES)
	molecule test -s $(S)

converge: venv ## converge one scenario and leave its hosts up: make converge S=sysctl_tuning
	lab/lab.sh images $(MOLECULE_RELEASES)
	molecule converge -s $(S)

verify: venv ## verify a converged scenario again: make verify S=sysctl_tuning
	molecule verify -s $(S)

bench: venv ## the benchmark: engines against the direct path, converge times (about 20 min; hosts stay up)
	python bench/run.py

bench-control: venv ## only the converge figures: one relay host, a fleet of 8, the lab's whole site (over SSH)
	python bench/run.py --control

bench-smoke: venv ## one short repetition of the benchmark (part of make test), so it cannot rot
	python bench/run.py --quick

bench-down: ## remove the benchmark's hosts and networks
	python3 bench/run.py --down

lab-up: venv ## bring up the local lab (idempotent)
	lab/lab.sh up

lab-down: ## remove the local lab
	lab/lab.sh down

lab-status: ## list the lab hosts
	lab/lab.sh status

clean: ## remove the venv, build output and caches (the lab stays)
	rm -rf $(VENV) .venv-hostpy build .pytest_cache .ruff_cache $(COLLECTION)/tests/output
