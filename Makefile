# searchops.snapshots — every command a developer or CI needs.
#   make demo         start the local stack if needed, then run the demo playbook against it
#   make test         install everything, start the local stack, run lint, sanity, the tarball test, unit, integration, molecule
#   make stack-up     start the local stack (OpenSearch, moto, fault proxies); make stack-down stops it
#   make bench        the benchmarks; each writes bench/results/<name>.json
#   make test-engines the integration tests against every engine; writes tests/output/engines.json
#                     and the README's compatibility table
#   ENGINE=<name>     the stack's engine for stack-up, demo, integration (tools/stack.py: engines());
#                     opensearch-3.6.0 when not given
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
ifdef ENGINE
export SEARCHOPS_ENGINE := $(ENGINE)
endif

.PHONY: demo collection molecule test venv system-deps lint sanity tarball-test unit integration pytest stack-up stack-down stack-status stack-logs clean

test: venv lint sanity stack-up tarball-test pytest molecule

system-deps:
	@tools/system-deps.sh

venv: system-deps $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# the checkout, runnable as the collection searchops.snapshots (tests/collection.py)
COLLECTIONS := $(CURDIR)/.cache/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/searchops/snapshots
collection: venv
	$(PY) -c 'from tests.collection import use_checkout; use_checkout()'

demo: collection stack-up
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ansible-playbook -i inventories/local searchops.snapshots.demo

# ansible-lint resolves this collection's modules (used by its roles) through the same
# checkout-as-collection link the tests use (tests/collection.py)
lint: collection lint-docs
	ruff check .
	ruff format --check .
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ansible-lint
	antsibull-changelog lint

# the modules' DOCUMENTATION and the roles' argument specs, as antsibull-docs renders them:
# schema, markup, and references to this collection and those it depends on
.PHONY: lint-docs docs
lint-docs: collection
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) antsibull-docs lint-collection-docs --plugin-docs \
		--validate-collection-refs dependent --disallow-unknown-collection-refs $(COLLECTION)

# the docs site: antsibull-docs writes a page for every module and role, tools/docs_playbooks.py
# one for the playbooks, README.md and docs/*.md are copied in as they are (myst-parser), Sphinx
# builds the HTML (all generated afresh under .cache/docs-build; open build/html/index.html there)
DOCS := $(CURDIR)/.cache/docs-build
docs: collection
	rm -rf $(DOCS)
	mkdir -m 755 $(DOCS)
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) antsibull-docs sphinx-init --use-current --fail-on-error --lenient \
		--dest-dir $(DOCS) --index-rst-source docs/site/index.rst --project searchops.snapshots \
		--title searchops.snapshots --copyright 'searchops maintainers' searchops.snapshots
	$(PY) tools/docs_playbooks.py > $(DOCS)/rst/playbooks.rst
	echo 'extensions.append("myst_parser")  # README.md and docs/*.md' >> $(DOCS)/conf.py
	mkdir $(DOCS)/rst/docs && cp README.md $(DOCS)/rst/ && cp docs/*.md $(DOCS)/rst/docs/
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(DOCS)/build.sh
	@echo "docs: $(DOCS)/build/html/index.html"

sanity: venv
	tools/sanity.sh

# build the tarball, install it into an empty collections path, run its unit tests and the demo from there
tarball-test: venv stack-up
	tools/tarball-test.sh

# tests/tools: the local stack's and the gateway's own tests (not shipped in the tarball)
unit: venv
	pytest tests/unit tests/tools

integration: venv stack-up
	pytest tests/integration

# unit and integration in one run, so one pytest summary closes the output
pytest: venv
	pytest tests/unit tests/tools tests/integration

# extensions/molecule: converge, idempotence, verify against the local stack
molecule: collection stack-up
	molecule test --all

stack-up: venv
	$(PY) tools/stack.py up

# each engine in turn (one node at a time, the stack's ports), all of tests/integration against it;
# leaves the default engine running
# the benchmarks (not tests: they assert nothing), each writing bench/results/<name>.json
.PHONY: bench
bench: collection stack-up
	$(PY) bench/task_cost_bench.py
	$(PY) bench/snapshot_bench.py
	$(PY) bench/listing_bench.py
	$(PY) bench/fleet_bench.py
	$(PY) bench/drill_bench.py

.PHONY: test-engines
test-engines: collection
	$(PY) tools/engines.py run

stack-down:
	$(PY) tools/stack.py down

stack-status:
	$(PY) tools/stack.py status

stack-logs:
	$(PY) tools/stack.py logs

clean: stack-down
	rm -rf .stack
