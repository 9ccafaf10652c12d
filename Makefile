# Thin wrappers over CMake + CTest. Every target installs what it needs first.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test static clean bench

all: build

deps:
	@bash scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# make demo: analyze a bundled real incident, then collect an evidence pack of this machine.
demo: build
	@bash scripts/demo $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

static: deps
	cmake -S . -B build-static -DOOMSCOPE_STATIC=ON -DOOMSCOPE_BUILD_TESTS=OFF >/dev/null
	cmake --build build-static -j $(JOBS) --target oomscope

bench: build
	@bash bench/run-analyze-bench

clean:
	rm -rf $(BUILD) build-static
