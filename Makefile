# The two commands of the README:
#   make run    install what is missing, build, run the built-in example
#   make test   install what is missing, build, run every test (lit + GoogleTest)

BUILD    ?= build
JOBS     ?= 2
LLVM     ?= /usr/lib/llvm-22
BUILD_TYPE ?= Release

.PHONY: run test build deps hf-reference configure docs clean fuzz test-sanitize

deps:
	@scripts/install-deps.sh

# Optional: HF's PyTorch models, the oracle of hf-compare.test.
hf-reference:
	@scripts/install-hf-reference.sh

$(BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD) \
	  -DMLIR_DIR=$(LLVM)/lib/cmake/mlir \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DPython3_EXECUTABLE=$$(command -v python3)

configure: deps $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD) -j$(JOBS)

# One line per set-up step; each step's output goes to $(BUILD)/logs.
run:
	@scripts/setup-quietly.sh $(BUILD) $(LLVM) $(JOBS)
	@scripts/run-example.sh $(BUILD)

test: build hf-reference
	ninja -C $(BUILD) -j$(JOBS) check-hybrid

# The whole suite built with AddressSanitizer + UndefinedBehaviorSanitizer
# (our code; LLVM/MLIR and JIT-compiled code are not instrumented), in its
# own build directory.
SANITIZE_BUILD ?= build-sanitize
test-sanitize: deps hf-reference
	cmake -G Ninja -S . -B $(SANITIZE_BUILD) -DMLIR_DIR=$(LLVM)/lib/cmake/mlir \
	  -DCMAKE_BUILD_TYPE=Release -DHYBRID_FUZZERS=OFF -DHYBRID_PYTHON=OFF \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
	  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
	ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  ninja -C $(SANITIZE_BUILD) -j$(JOBS) check-hybrid

# Long fuzzing runs (test/Fuzz runs each target 15 s): FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 600
fuzz: build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(BUILD)

# Refreshes the committed dialect reference from the ODS definitions.
docs: configure
	ninja -C $(BUILD) HybridDialectDocGen
	cp $(BUILD)/docs/Dialects/HybridDialect.md docs/HybridDialect.md

clean:
	rm -rf $(BUILD)
