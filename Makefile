# make run  — set up what is missing, build, serve on http://127.0.0.1:3000 (SQLite)
# make test — set up what is missing (incl. Chromium), run every test
.PHONY: run test setup check lint bench

run:
	@scripts/setup.sh run
	@scripts/run.sh

test:
	@scripts/setup.sh test
	@scripts/test.sh

setup:
	@scripts/setup.sh test

# Fast feedback while working: type-check the server and the wasm build.
check:
	cargo check -p server
	cargo check -p frontend --target wasm32-unknown-unknown

lint:
	cargo fmt --all --check
	cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
