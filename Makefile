# Sportello: `make run` to try it, `make test` for everything CI runs.
SHELL := /bin/bash
CARGO_FEATURES := custom-protocol,e2e

.PHONY: run run-xvfb test deps ui bindings-check e2e bench fuzz deb deb-check last-mail clean

## Start the demo server and open the Sportello window against it.
run:
	@scripts/run.sh --preflight
	$(MAKE) deps ui
	cargo build --features custom-protocol --bin sportello -p sportello -p sportello-server
	scripts/run.sh

## The same, inside a virtual display with its own keyring (no monitor needed).
run-xvfb: deps ui
	cargo build --features custom-protocol --bin sportello -p sportello -p sportello-server
	scripts/with-desktop.sh scripts/run.sh

## Everything CI runs: lints, UI checks and tests, Rust tests on SQLite and PostgreSQL,
## binding drift, end-to-end in the real window, the .deb installed and removed.
test: deps ui
	npm --prefix ui run check
	npm --prefix ui test
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --features $(CARGO_FEATURES) -- -D warnings
	SPORTELLO_TEST_POSTGRES_URL=$$(scripts/pg.sh start) \
	  scripts/with-desktop.sh cargo test --workspace --features $(CARGO_FEATURES)
	scripts/pg.sh stop
	$(MAKE) bindings-check
	scripts/deb-check.sh

## Install missing system packages, npm packages and tauri-driver.
deps:
	scripts/deps.sh

## The UI bundle the desktop binary embeds.
ui:
	npm --prefix ui run build

## TypeScript types are generated from Rust by the tests, the window's capability from the
## command list by the build; they must be committed as generated.
bindings-check:
	@if [ -n "$$(git status --porcelain -- ui/src/lib/bindings src-tauri/capabilities)" ]; then \
	  git status --porcelain -- ui/src/lib/bindings src-tauri/capabilities; \
	  echo "generated files drifted from their Rust source: commit the regenerated files."; exit 1; \
	fi

## Only the end-to-end suite (real window, keyring, WebDriver).
e2e: deps ui
	cargo build -p sportello-server --bin sportello-server
	scripts/with-desktop.sh cargo test --features $(CARGO_FEATURES) --test e2e

## Performance figures, each beside its baseline measured in the same run: the table is
## printed and written to docs/benchmarks.md.
bench: export SPORTELLO_BENCH_TABLE := $(CURDIR)/target/bench-table.tsv
bench: deps
	mkdir -p target && rm -f $$SPORTELLO_BENCH_TABLE
	SPORTELLO_BENCH_POSTGRES_URL=$$(scripts/pg.sh start) cargo bench -p sportello-server --bench api
	cargo bench -p sportello-app --bench sync
	cargo bench -p sportello-app --bench exports
	scripts/pg.sh stop
	$(MAKE) ui
	cargo build --release --features custom-protocol --example hello_window
	scripts/with-desktop.sh cargo test --release --features custom-protocol,e2e --test e2e -- --ignored bench_ --nocapture
	scripts/bench-table.sh $$SPORTELLO_BENCH_TABLE docs/benchmarks.md

## Fuzz every parser for FUZZ_SECONDS each (default 60). cargo-fuzz needs the
## nightly-only sanitizer flags; RUSTC_BOOTSTRAP lets the stable toolchain take them.
FUZZ_TARGETS := iban tax_code vat_number email money
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$t -- -max_total_time=$${FUZZ_SECONDS:-60} || exit 1; \
	done

## Release .deb bundle (AppImage needs a download this build does not make).
deb: deps ui
	ui/node_modules/.bin/tauri build --bundles deb

## Build the .deb, install it with dpkg, run the installed program, remove it.
deb-check:
	scripts/deb-check.sh

## Show the newest e-mail of the demo outbox (the login code).
last-mail:
	scripts/last-mail.sh

clean:
	cargo clean
	rm -rf ui/build
