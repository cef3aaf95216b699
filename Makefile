# bongsu top-level Makefile: the few commands a newcomer or CI needs.
#   make run    install deps, build, run bongsu on the bundled sample and summarise
#   make test   install deps, build Release + ASan/UBSan, run ctest on both
#   make run-scale  two sensors -> Redis stream -> two hub workers -> PostgreSQL, on this machine
JOBS ?= $(shell nproc)
BUILD := build
ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
SAMPLE := samples/sample.pcap
RUN_DIR := $(BUILD)/run

.PHONY: all deps build build-asan run run-scale test test-release test-asan fuzz fuzz-smoke bench clean

all: build

deps:
	./scripts/install-deps

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/Makefile:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBONGSU_SANITIZE=ON

build-asan: $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: deps build
	rm -rf $(RUN_DIR) && mkdir -p $(RUN_DIR)
	./$(BUILD)/bongsu -r $(SAMPLE) -l $(RUN_DIR) -k none
	./scripts/eve-summary $(RUN_DIR)/eve.json

run-scale: deps build
	./scripts/run-scale

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke

$(FUZZ_BUILD)/Makefile:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBONGSU_FUZZ=ON

fuzz: deps $(FUZZ_BUILD)/Makefile
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./tests/fuzz/run-all $(FUZZ_BUILD) $${FUZZ_SECONDS:-60}

fuzz-smoke: $(FUZZ_BUILD)/Makefile
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./tests/fuzz/run-all $(FUZZ_BUILD) $${FUZZ_SMOKE_SECONDS:-5}

bench: deps build
	./bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
