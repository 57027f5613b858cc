# The two commands a newcomer needs: `make run` and `make test`. Everything else builds on them.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DCALLROUTER_WERROR=ON
endif

.PHONY: all bootstrap build run test clean bench bench-build bench-journal bench-ready-10m bench-flow bench-memory \
        bench-micro bench-e2e bench-pinned bench-crash bench-history bench-analytics bench-abuse sim-build demo sanitize-build test-sanitize fuzz ui

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: bootstrap $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The admin console (ui/ → ui/dist, served at /ui/). Without node the daemon still builds and runs;
# /ui/ then answers a page saying the console is not installed.
ui: bootstrap
	@if command -v node >/dev/null && [ -d ui/node_modules ]; then cd ui && node build.mjs; \
	else echo "make ui: node or ui/node_modules missing (run scripts/bootstrap); the console is not built" >&2; fi

run: build ui
	$(BUILD_DIR)/callrouterd --config config/callrouter.json

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The suite again under ASan + UBSan (any report fails), and the libFuzzer targets of tests/fuzz,
# from one clang tree (build-sanitize). `make fuzz FUZZ_SECONDS=600` for a long run.
SANITIZE_DIR ?= build-sanitize
FUZZ_SECONDS ?= 60
# A small quarantine: ASan's default (256 MB of freed memory kept poisoned) would show as RSS
# growth in the tests that bound the daemon's memory under attack.
SANITIZE_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:quarantine_size_mb=16 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(SANITIZE_DIR)/CMakeCache.txt: | bootstrap
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCALLROUTER_SANITIZE=ON -DCALLROUTER_FUZZ=ON

sanitize-build: bootstrap $(SANITIZE_DIR)/CMakeCache.txt
	cmake --build $(SANITIZE_DIR) -j $(JOBS)

test-sanitize: sanitize-build
	cd $(SANITIZE_DIR) && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS)

fuzz: sanitize-build
	$(SANITIZE_ENV) scripts/fuzz $(SANITIZE_DIR)/tests/fuzz $(FUZZ_SECONDS)

# Benchmarks build in their own Release tree so they never slow `make test`; results go to
# bench/results/ and docs/performance.md. `make bench` is the end-to-end benchmark (provider
# simulator against callrouterd and a bare Beast server, ~4 min); the micro benchmarks are
# `make bench-micro` (bench-journal takes a few minutes); 10M calls is opt-in.
BENCH_DIR ?= build-bench
BENCH_DATA ?= /tmp

$(BENCH_DIR)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release -DCALLROUTER_BENCH=ON -DBUILD_TESTING=OFF $(CMAKE_FLAGS)

bench-build: bootstrap $(BENCH_DIR)/CMakeCache.txt
	cmake --build $(BENCH_DIR) -j $(JOBS) --target journal_commit_bench history_bench analytics_bench ready_bench flow_bench memory_bench acd_bench callrouterd \
	    callrouter_sim bare_server durable_server malloc_count

# Only what the simulator needs (make demo, make bench).
sim-build: bootstrap $(BENCH_DIR)/CMakeCache.txt
	cmake --build $(BENCH_DIR) -j $(JOBS) --target callrouterd callrouter_sim bare_server durable_server malloc_count

bench: bench-e2e bench-pinned bench-crash

bench-micro: bench-flow bench-memory bench-journal

# Open-loop ingest sweep (1k/2k/5k/10k voice webhooks/s + a saturation step) against the bare
# server and a fresh callrouterd with fsync, then whole calls with agents; writes
# bench/results/e2e.json, docs/performance-e2e.png and the e2e section of docs/performance.md.
E2E_FLAGS ?=
BENCH_WAIT_QUIET ?= 60  # seconds to wait for other work on the machine to calm down first
bench-e2e: sim-build
	$(BENCH_DIR)/bench/callrouter_sim bench --daemon $(BENCH_DIR)/callrouterd --bare $(BENCH_DIR)/bench/bare_server \
	    --work $(BENCH_DATA)/callrouter-sim --out bench/results/e2e.json --wait-quiet $(BENCH_WAIT_QUIET) $(E2E_FLAGS)
	BENCH_COMMAND="make bench$(if $(E2E_FLAGS), E2E_FLAGS='$(E2E_FLAGS)')" scripts/bench-report bench/results/e2e.json

# Closed-loop throughput with every server pinned to CPU 0 and the simulator to CPU 1 (issue 13):
# the bare server, the durable baseline (bare + one fsynced RocksDB record per request) and
# callrouterd, alternating for 3 rounds; prints the table (both ratios) for docs/performance.md and
# writes bench/results/e2e-pinned.json. ~2 min.
PINNED_FLAGS ?=
bench-pinned: sim-build
	$(BENCH_DIR)/bench/callrouter_sim pinned --daemon $(BENCH_DIR)/callrouterd --bare $(BENCH_DIR)/bench/bare_server \
	    --durable $(BENCH_DIR)/bench/durable_server --malloc-count $(BENCH_DIR)/bench/libmalloc_count.so --work $(BENCH_DATA)/callrouter-sim --out bench/results/e2e-pinned.json \
	    --wait-quiet $(BENCH_WAIT_QUIET) $(PINNED_FLAGS)

# kill -9 under the pinned load, three times, restarting on the same data dir; fails unless the
# change feed holds every acknowledged webhook's call once with no seq gap (issue 13). ~20 s.
bench-crash: sim-build
	$(BENCH_DIR)/bench/callrouter_sim crash --daemon $(BENCH_DIR)/callrouterd --work $(BENCH_DATA)/callrouter-sim \
	    --out bench/results/crash-pinned.json

# callrouterd with one org and four agents, and the simulator placing a call every two seconds:
# one line per call (flow path, agent, outcome), the console at http://127.0.0.1:$(DEMO_PORT)/ui/
# (its admin key is printed). Ctrl-C stops both.
DEMO_PORT ?= 8081
demo: sim-build ui
	$(BENCH_DIR)/bench/callrouter_sim demo --daemon $(BENCH_DIR)/callrouterd --ui ui/dist --port $(DEMO_PORT)

bench-memory: bench-build
	$(BENCH_DIR)/bench/memory_bench bench/results/memory.json
	$(BENCH_DIR)/bench/acd_bench bench/results/acd.json

# Call history: export of 1,000,000 calls and filtered pages over them (HISTORY_CALLS=10000000 for 10M).
HISTORY_CALLS ?= 1000000
bench-history: bench-build
	$(BENCH_DIR)/bench/history_bench --calls $(HISTORY_CALLS) --dir $(BENCH_DATA)/callrouter-history \
	    --out bench/results/history.json

# Analytics: a year of calls (1,000,000 by default), counters per event, a year of figures.
ANALYTICS_CALLS ?= 1000000
bench-analytics: bench-build
	$(BENCH_DIR)/bench/analytics_bench --calls $(ANALYTICS_CALLS) --dir $(BENCH_DATA)/callrouter-analytics \
	    --out bench/results/analytics.json

# Issue 19's abuse attacks 1-3 and 9 against the ordinary build (a check of bounds under attack,
# not a throughput figure): webhook latency and RSS beside a baseline; exits 1 if a bound breaks.
# ~4 min; not part of `make test`. Results: bench/results/abuse.json and docs/performance.md.
ABUSE_FLAGS ?=
bench-abuse: build
	CALLROUTERD=$(BUILD_DIR)/callrouterd /usr/bin/python3 bench/ops/abuse.py --out bench/results/abuse.json $(ABUSE_FLAGS)

bench-flow: bench-build
	$(BENCH_DIR)/bench/flow_bench bench/results/flow.json

bench-journal: bench-build
	$(BENCH_DIR)/bench/journal_commit_bench --dir $(BENCH_DATA) --out bench/results/journal_commit.json
	$(BENCH_DIR)/bench/ready_bench --calls 1000000 --dir $(BENCH_DATA)/callrouter-ready-1m \
	    --daemon $(BENCH_DIR)/callrouterd --out bench/results/ready.json

bench-ready-10m: bench-build
	$(BENCH_DIR)/bench/ready_bench --calls 10000000 --dir $(BENCH_DATA)/callrouter-ready-10m \
	    --daemon $(BENCH_DIR)/callrouterd --out bench/results/ready.json

clean:
	rm -rf $(BUILD_DIR)
