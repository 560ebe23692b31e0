# One target per task. `make help` lists them.
.DEFAULT_GOAL := help
CARGO ?= cargo

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

check: setup fmt-check clippy doc test test-kotlin test-python check-swift check-ios api-conformance ## Every check CI runs: formatting, lints, doc links, all tests, the bindings, the API against its OpenAPI document (installs what is missing first)

setup: ## Install what a fresh machine lacks: Debian packages (JNA, JUnit, Chromium, ...), Python and npm packages
	scripts/setup.sh

fmt-check: ## Fail if any file is not rustfmt-formatted
	$(CARGO) fmt --all --check

clippy: ## Lints on every target, warnings are errors
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

doc: ## The API docs (they reach the Kotlin and Swift docs) build without a broken link
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

test: setup ## All tests of every crate (installs what they drive first)
	$(CARGO) test --workspace --locked

bindings: ## Build the phone library and generate its Kotlin, Swift and Python bindings (bindings/out/)
	bindings/generate.sh

test-kotlin: setup ## The generated Kotlin bindings on the JVM (JUnit) against the library and a real server
	bindings/test-kotlin.sh

test-python: setup ## The generated Python bindings (unittest) against the library and a real server
	bindings/test-python.sh

api-conformance: setup ## The server against its OpenAPI document: schemathesis, every check, zero failures
	scripts/api-conformance.sh --seed 20261202

check-swift: setup ## The generated Swift bindings' C headers compile and match the library's exports
	bindings/check-swift.sh

ffi-size: ## Stripped size of the shared library the apps load (the `phone` profile: fat LTO, one codegen unit)
	$(CARGO) build --locked --profile phone -p testigo-ffi && cp $${CARGO_TARGET_DIR:-target}/phone/libtestigo_ffi.so /tmp/libtestigo_ffi.so && strip /tmp/libtestigo_ffi.so && ls -l /tmp/libtestigo_ffi.so

check-ios: setup ## The iOS app's Swift sources parse (tree-sitter), name only catalog keys, and mirror the Kotlin model's messages and delays
	python3 ios-sample/check-sources.py

bench-ingest: setup ## Server intake load test, with @tus/server receiving the same photos
	scripts/bench-ingest.sh

bench-sync: ## The sync engine on GPRS/EDGE/3G links through the fault proxy
	$(CARGO) run --release --locked -p testigo-cli -- bench sync

bench-dashboard: ## Dashboard pages with a million stations and captures
	$(CARGO) run --release --locked -p testigo-cli -- bench dashboard

bench: ## Criterion benchmarks of the store
	$(CARGO) bench -p testigo-core --bench store

fuzz: ## Every fuzz target for 10 million runs on stable Rust (scripts/fuzz.sh; photo_prepare for 5 minutes)
	for t in enrollment_uri tus_headers wire_json qr_payload sms bundle; do scripts/fuzz.sh $$t -runs=10000000 -max_len=4096 || exit 1; done
	scripts/fuzz.sh photo_prepare -max_total_time=300 -max_len=65536 -rss_limit_mb=512

bench-photo: ## Photo pipeline vs vipsthumbnail and Pillow on synthetic actas
	python3 scripts/bench-photo.py

watcher: ## Run the watcher example (a phone's core on the command line)
	$(CARGO) run -p testigo-core --example watcher

fmt: ## Format every file
	$(CARGO) fmt --all

.PHONY: help check setup fmt-check clippy doc test bindings test-kotlin test-python check-swift ffi-size bench bench-photo bench-ingest bench-sync bench-dashboard watcher fmt
