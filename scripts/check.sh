#!/usr/bin/env bash
# check.sh — what `make check` runs: build and run every test, then build and run them all again
# under AddressSanitizer + UndefinedBehaviorSanitizer, then build the libFuzzer targets with clang
# and run each for a second (one more test), and end with ONE line "N passed, N failed"
# counting every test of both runs (read from meson's testlog.json). A build that fails counts as
# one failed test, so the closing line is always there. Exit status 0 only when nothing failed.
#
#   BUILD (default build) and ASAN_BUILD (default build-asan) name the build directories;
#   CHECK_SKIP_ASAN=1 runs the first pass only (quick local runs; make check never sets it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}

passed=0 failed=0 skipped=0

# count DIR: add the results in DIR/meson-logs/testlog.json to the totals.
count() {
  local log=$1/meson-logs/testlog.json p f s
  if [[ ! -s $log ]]; then
    echo "check: no test log in $1: counting it as one failure" >&2
    failed=$((failed + 1))
    return
  fi
  read -r p f s < <(python3 - "$log" <<'EOF'
import json, sys
p = f = s = 0
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:                       # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS
        f += 1
print(p, f, s)
EOF
  ) || { echo "check: cannot read $log" >&2; failed=$((failed + 1)); return; }
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  echo "check: $1: $p passed, $f failed, $s skipped"
}

# pass DIR [meson setup options...]: configure if needed, build, test, count.
pass() {
  local dir=$1; shift
  echo "== $dir: build"
  if [[ ! -f $dir/build.ninja ]] && ! meson setup "$dir" "$@"; then
    echo "check: meson setup $dir failed" >&2; failed=$((failed + 1)); return
  fi
  if ! ninja -C "$dir"; then
    echo "check: build of $dir failed" >&2; failed=$((failed + 1)); return
  fi
  echo "== $dir: test"
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --print-errorlogs
  count "$dir"
}

pass "$BUILD"
if [[ ${CHECK_SKIP_ASAN:-0} != 1 ]]; then
  # detect_leaks: a leak is a failure; abort_on_error / halt_on_error: the first report stops
  # the test with a non-zero status, so a sanitizer finding can never pass silently.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  pass "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false
fi

# make fuzz's build: the libFuzzer targets with clang (ASan+UBSan), each run for a second, so
# that `make fuzz` cannot break unnoticed (clang's -Wextra differs from gcc's, and the targets
# link only part of the code). Counted as one test. Skipped without clang.
if [[ ${CHECK_SKIP_ASAN:-0} != 1 ]]; then
  if command -v clang >/dev/null 2>&1; then
    echo "== ${FUZZ_BUILD:-build-fuzz}: build the fuzz targets with clang, one second each"
    if FUZZ_SECONDS=1 scripts/fuzz.sh >"${TMPDIR:-/tmp}/icmphound-check-fuzz.$$.log" 2>&1; then
      passed=$((passed + 1)); echo "check: fuzz targets: built with clang, 1 s each, no crash"
    else
      failed=$((failed + 1)); tail -n 30 "${TMPDIR:-/tmp}/icmphound-check-fuzz.$$.log"
      echo "check: fuzz targets: FAILED (make fuzz)" >&2
    fi
    rm -f "${TMPDIR:-/tmp}/icmphound-check-fuzz.$$.log"
  else
    skipped=$((skipped + 1)); echo "check: no clang: fuzz targets not built"
  fi
fi

((skipped > 0)) && echo "check: $skipped skipped (not counted)"
echo "$passed passed, $failed failed"
((failed == 0))
