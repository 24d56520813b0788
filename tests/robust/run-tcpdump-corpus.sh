#!/usr/bin/env bash
# run-tcpdump-corpus.sh — read every capture of tcpdump's own test suite (tests/data/tcpdump/,
# many truncated, malformed or fuzzed on purpose) and require that each ends cleanly or with a
# clear, documented error; never a crash, a hang or a sanitizer report.
#
#   run-tcpdump-corpus.sh BIN [DIR]
#
# Per capture: `timeout 20 BIN analyze --format jsonl FILE`. Accepted outcomes:
#   exit 0  clean         the last line of standard output is the "stats" object
#   exit 3  read error    stderr names the file; the stats line is still written
#   exit 2  cannot open   (e.g. unsupported link type) stderr names the file
# Anything else fails: another status, a signal, the timeout (124), or "runtime error",
# "AddressSanitizer" or "LeakSanitizer" on stderr. Runs two captures at a time (ROBUST_JOBS).
set -uo pipefail

if [[ ${1:-} == --one ]]; then
  # Worker: one capture; prints one result line "CLASS FILE[ WHY]" (one write, so lines from
  # parallel workers do not interleave).
  bin=$2 file=$3
  tmp=$(mktemp -d)
  status=0
  timeout 20 "$bin" analyze --format jsonl "$file" >"$tmp/out" 2>"$tmp/err" || status=$?
  base=$(basename "$file")
  why=""
  if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$tmp/err"; then
    why="sanitizer report: $(grep -m1 -E 'runtime error|Sanitizer' "$tmp/err")"
  else
    case $status in
      0) tail -n 1 "$tmp/out" | grep -qE '"type" *: *"stats"' || why="exit 0 but the last line is not the stats line" ;;
      3) if ! grep -qF "$base" "$tmp/err"; then why="exit 3 without an error naming the file"
         elif ! tail -n 1 "$tmp/out" | grep -qE '"type" *: *"stats"'; then why="exit 3 but no stats line"
         fi ;;
      2) grep -qF "$base" "$tmp/err" || why="exit 2 without an error naming the file" ;;
      124) why="timed out after 20 s" ;;
      *) if ((status > 128)); then why="killed by signal $((status - 128))"; else why="exit $status"; fi ;;
    esac
  fi
  if [[ -n $why ]]; then
    printf 'FAIL %s %s | %s\n' "$file" "$why" "$(head -c 300 "$tmp/err" | tr '\n' ' ')"
  else
    case $status in 0) c=clean ;; 2) c=open_error ;; 3) c=read_error ;; esac
    printf '%s %s %s\n' "$c" "$file" "$(head -n 1 "$tmp/err" | head -c 200)"
  fi
  rm -rf "$tmp"
  exit 0
fi

if (($# < 1)); then
  echo "usage: $0 BIN [DIR]" >&2
  exit 1
fi
bin=$1
[[ $bin == /* ]] || bin=$PWD/$bin
dir=${2:-$(cd "$(dirname "$0")/../data/tcpdump" && pwd)}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
results=$(mktemp)
trap 'rm -f "$results"' EXIT

find "$dir" -maxdepth 1 -type f ! -name 'README*' ! -name 'LICENSE*' -print0 | sort -z |
  xargs -0 -r -n 1 -P "${ROBUST_JOBS:-2}" bash "$self" --one "$bin" >"$results"

total=$(wc -l <"$results")
clean=$(grep -c '^clean ' "$results")
open=$(grep -c '^open_error ' "$results")
readerr=$(grep -c '^read_error ' "$results")
fail=$(grep -c '^FAIL ' "$results")
if ((fail)); then
  echo "failures:"
  grep '^FAIL ' "$results"
fi
# A sample of the errors, so a reader can judge whether they are clear.
if ((open + readerr)); then
  echo "sample of error messages:"
  grep -E '^(open_error|read_error) ' "$results" | head -n 5 | sed 's/^/  /'
fi
echo "tcpdump corpus: $total captures: $clean clean, $open open errors (exit 2), $readerr read errors (exit 3), $fail failures"
((total > 0 && fail == 0))
