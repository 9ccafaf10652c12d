# Thin wrappers over CMake + CTest. Every target installs what it needs first.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=
# A build directory's first configure uses Ninja when it is installed (scripts/install-deps
# installs it); a directory configured before keeps its generator.
GEN = $(if $(wildcard $(1)/CMakeCache.txt),,$(if $(shell command -v ninja),-G Ninja))

.PHONY: all deps build demo test static clean bench asan fuzz fuzz-build fuzz-smoke

# Hardening stages (issue 5, docs/reliability.md). Each has its own build directory.
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
# make fuzz: seconds per target; make test: seconds per target (keeps the targets alive in CI).
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 20
# Any ASan/UBSan/LSan report fails the test that triggered it (the build aborts on the first).
SAN_ENV = ASAN_OPTIONS=abort_on_error=0:halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

all: build

deps:
	@bash scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) $(call GEN,$(BUILD)) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# make demo: analyze a bundled real incident, then collect an evidence pack of this machine.
demo: build
	@bash scripts/demo $(BUILD)

# make test: builds build/ and the static binary (its test runs the static build), runs the whole
# suite, then the same suite under ASan+UBSan, then a short run of every
# fuzz target. Measured total on the 2-core CI machine: see docs/reliability.md.
test: build static
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900
	$(MAKE) --no-print-directory asan
	$(MAKE) --no-print-directory fuzz-smoke

# make asan: every test, e2e real memcg OOMs included, under AddressSanitizer +
# UndefinedBehaviorSanitizer (gcc). The OOM-killed hog is its own executable built without
# sanitizers (tests/testing/hog.c), so the kernel's report describes only what it allocated.
asan: deps
	cmake -S . -B $(ASAN_BUILD) $(call GEN,$(ASAN_BUILD)) -DOOMSCOPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 900

# make fuzz: each libFuzzer target for FUZZ_SECONDS, from tests/fuzz/corpus/<target>/.
fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD) $(call GEN,$(FUZZ_BUILD)) -DOOMSCOPE_FUZZ=ON -DOOMSCOPE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

fuzz: fuzz-build
	@bash tests/fuzz/run-fuzzers $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	@FUZZ_JOBS=$(JOBS) bash tests/fuzz/run-fuzzers $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# make static: build-static/oomscope, linked -static from the objects of $(BUILD) (same compile
# flags as -DOOMSCOPE_STATIC=ON; after `make build` this is one link).
static: deps
	cmake -S . -B $(BUILD) $(call GEN,$(BUILD)) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target oomscope_static
	mkdir -p build-static && cp $(BUILD)/static/oomscope build-static/oomscope.tmp && mv -f build-static/oomscope.tmp build-static/oomscope

bench: build
	@bash bench/run-analyze-bench

clean:
	rm -rf $(BUILD) build-static $(ASAN_BUILD) $(FUZZ_BUILD)
