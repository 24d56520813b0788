#!/usr/bin/env bash
# regen-golden.sh — rewrite the expected outputs of the golden tests (tests/golden/TESTLIST).
#
#   scripts/regen-golden.sh [NAME...]     all cases, or only the named ones
#
# Only on purpose: after a deliberate change to the output, or to add a case. Review the result
# with `git diff tests/golden/expected` before committing it; every changed line is a claim that
# the new output is the right one. BUILD (default build) names the build directory used.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
bin=$(cd "$BUILD" && pwd)/icmphound

n=0
while read -r name capture expected opts; do
  [[ -z ${name:-} || $name == \#* ]] && continue
  if (($#)); then
    wanted=0
    for w in "$@"; do [[ $w == "$name" ]] && wanted=1; done
    ((wanted)) || continue
  fi
  # shellcheck disable=SC2086  # options are whitespace-separated words, as in TESTLIST
  bash tests/golden/run-golden.sh --update "$bin" "$name" "$capture" "$expected" $opts
  n=$((n + 1))
done <tests/golden/TESTLIST
echo "regen-golden: $n case(s) written; review with: git diff --stat tests/golden/expected"
