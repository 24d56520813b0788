#!/usr/bin/env bash
# fuzz.sh — what `make fuzz` runs: build the libFuzzer targets with clang (ASan+UBSan) and run each
# for FUZZ_SECONDS (default 60).
#
# Every executable in $FUZZ_BUILD/fuzz/ (default build-fuzz) is a target. For a target named
# fuzz_NAME (or NAME), new inputs go to fuzz/corpus-NAME/ (not committed) and fuzz/regress/NAME/
# (committed inputs that once found a bug) is read as seeds too. A crash is written as
# fuzz/crash-NAME-<hash>: copy it into fuzz/regress/NAME/ once fixed, so it is replayed forever.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

if [[ ! -f $FUZZ_BUILD/build.ninja ]]; then
  CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$FUZZ_BUILD"

targets=()
if [[ -d $FUZZ_BUILD/fuzz ]]; then
  while IFS= read -r t; do targets+=("$t"); done < <(find "$FUZZ_BUILD/fuzz" -maxdepth 1 -type f -perm -u+x | sort)
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz targets in $FUZZ_BUILD/fuzz/ (fuzz/meson.build builds them)" >&2
  exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=0
for t in "${targets[@]}"; do
  base=$(basename "$t")
  name=${base#fuzz_}
  name=${name#fuzz-}
  corpus=fuzz/corpus-$name
  mkdir -p "$corpus"
  seeds=()
  for d in "fuzz/regress/$name" "fuzz/regress/$base"; do
    [[ -d $d ]] && seeds+=("$d")
  done
  echo "== $base: ${FUZZ_SECONDS}s, corpus $corpus${seeds:+, seeds ${seeds[*]}}"
  if ! "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="fuzz/crash-$name-" "$corpus" "${seeds[@]}"; then
    echo "fuzz: $base FAILED; the input is in fuzz/crash-$name-*" >&2
    failed=1
  fi
done
exit "$failed"
