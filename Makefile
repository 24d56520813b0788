# Thin wrapper around Meson + Ninja; the real build is meson.build. Targets:
#   make / make build   configure $(BUILD) if needed and build it
#   make demo           analyse the bundled case capture: terminal summary, JSON lines and the HTML
#                       report in demo-out/
#   make check          every test, then every test again under ASan+UBSan, then the fuzz targets
#                       built with clang (1 s each); ends "N passed, N failed"
#   make bench          synthetic 10M-packet captures: icmphound vs a bare libpcap loop (bench/run.sh)
#   make bench-live     icmphound watch under an hping3 flood on a veth pair between two network
#                       namespaces: packets sent, received, read and dropped (bench/live.sh; root)
#   make fuzz           libFuzzer targets for FUZZ_SECONDS each (clang, $(FUZZ_BUILD))
#   make clean          remove the build directories and generated outputs
# Build directories can be moved: make check BUILD=build-x ASAN_BUILD=build-x-asan
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
DEMO_CAPTURE ?= tests/data/corpus/case_seed.pcap
DEMO_OUT ?= demo-out

export BUILD ASAN_BUILD FUZZ_BUILD FUZZ_SECONDS

.PHONY: all build demo check bench bench-live bench-live-root fuzz clean deps deps-build

all: build

deps:
	@scripts/deps.sh

deps-build:
	@scripts/deps.sh --build-only

# Configure once; afterwards ninja re-runs meson by itself when a meson.build changes.
build:
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD)
	@ninja -C $(BUILD)

demo: deps-build
	@$(MAKE) --no-print-directory build
	@mkdir -p $(DEMO_OUT)
	@echo "== icmphound analyze $(DEMO_CAPTURE)"
	@$(BUILD)/icmphound analyze $(DEMO_CAPTURE)
	@name=$$(basename $(DEMO_CAPTURE)); name=$${name%.*}; \
	 $(BUILD)/icmphound analyze --format jsonl $(DEMO_CAPTURE) > $(DEMO_OUT)/$$name.jsonl; \
	 echo "JSON lines: $(DEMO_OUT)/$$name.jsonl ($$(wc -l < $(DEMO_OUT)/$$name.jsonl) lines)"
	@# ---- HTML report (issue 8): one self-contained page, charts included ----
	@name=$$(basename $(DEMO_CAPTURE)); name=$${name%.*}; \
	 $(BUILD)/icmphound report --html $(DEMO_OUT)/$$name.html $(DEMO_CAPTURE) && \
	 echo "Open $(DEMO_OUT)/$$name.html in any browser: one self-contained page that loads nothing"

check: deps
	@scripts/check.sh

bench: deps
	@$(MAKE) --no-print-directory build
	@bench/run.sh

# Needs root (network namespaces, hping3's raw socket): skipped with a message otherwise. The
# work is in bench-live-root, so that `make -n bench-live` only prints it.
bench-live:
	@if [ "$$(id -u)" -ne 0 ]; then \
	  echo "bench-live: skipped: needs root (network namespaces, a veth pair, hping3)"; \
	else \
	  $(MAKE) --no-print-directory bench-live-root; \
	fi

bench-live-root: deps
	@$(MAKE) --no-print-directory build
	@bench/live.sh

fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEMO_OUT)
