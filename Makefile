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
# scenarios hold hosts of each release; these run once per release (RELAYKIT_RELEASE, their images).
MOLECULE_RELEASES := trixie bookworm
PER_RELEASE_SCENARIOS := certificates relay46
SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: help demo test check lint unit unit-hostpy integration sanity molecule scenario converge verify \
        bench bench-smoke bench-down lab-up lab-down lab-status venv build clean

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  scenarios: $(SCENARIOS)   (make scenario S=name)"

demo: venv ## install everything, bring up the lab, run site.yml, prove it with traffic
	lab/lab.sh up
	ansible-playbook site.yml
	ansible-playbook lab/demo.yml

test: venv ## every check and test: lint, unit (also under Python 3.9-3.13), integration, sanity, collection build, every molecule scenario, bench smoke
	$(MAKE) --no-print-directory lint unit unit-hostpy integration sanity build molecule bench-smoke

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

molecule: venv ## molecule test of every scenario (create, converge, idempotence, verify, destroy)
	lab/lab.sh images $(MOLECULE_RELEASES)
	set -e; for s in $(SCENARIOS); do \
	  releases=trixie; [[ " $(PER_RELEASE_SCENARIOS) " == *" $$s "* ]] && releases="$(MOLECULE_RELEASES)"; \
	  for r in $$releases; do \
	    label=$$s; [ "$$releases" = trixie ] || label="$$s ($$r)"; \
	    echo "=== molecule scenario $$label"; start=$$SECONDS; \
	    RELAYKIT_RELEASE=$$r molecule test -s $$s; \
	    echo "=== molecule scenario $$label passed in $$((SECONDS - start)) s"; \
	  done; \
	done
	docker volume prune -f >/dev/null

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
