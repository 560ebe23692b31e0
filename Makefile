# One target per task. `make help` lists them.
.DEFAULT_GOAL := help
CARGO ?= cargo

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

check: fmt-check clippy test ## Every check CI runs: formatting, lints, all tests

fmt-check: ## Fail if any file is not rustfmt-formatted
	$(CARGO) fmt --all --check

clippy: ## Lints on every target, warnings are errors
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test: node-deps ## All tests of every crate (installs the npm packages the tests drive first)
	$(CARGO) test --workspace --locked

node-deps: tests/tus-js/node_modules/.package-lock.json ## The npm packages the tests drive (tus-js-client, @tus/server)

tests/tus-js/node_modules/.package-lock.json: tests/tus-js/package-lock.json
	npm ci --prefix tests/tus-js --no-audit --no-fund

bench-ingest: node-deps ## Server intake load test, with @tus/server receiving the same photos
	scripts/bench-ingest.sh

bench: ## Criterion benchmarks of the store
	$(CARGO) bench -p testigo-core --bench store

bench-photo: ## Photo pipeline vs vipsthumbnail and Pillow on synthetic actas
	python3 scripts/bench-photo.py

watcher: ## Run the watcher example (a phone's core on the command line)
	$(CARGO) run -p testigo-core --example watcher

fmt: ## Format every file
	$(CARGO) fmt --all

.PHONY: help check fmt-check clippy test node-deps bench bench-photo bench-ingest watcher fmt
