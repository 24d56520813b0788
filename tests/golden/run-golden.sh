#!/usr/bin/env bash
# run-golden.sh — one golden case: run the analyser on a capture, compare with the expected output.
#
#   run-golden.sh [--update] BIN NAME CAPTURE EXPECTED [OPTION...]
#
# Runs `BIN analyze --no-config --format jsonl CAPTURE OPTION...` with TZ=GMT0 from tests/data
# (CAPTURE is a path relative to it, so every path the tool prints is the same on every machine;
# --no-config, so that no ~/.config or /etc/icmphound file changes the output) and compares
# standard output with tests/golden/expected/EXPECTED byte for byte, stats line included; on a
# difference it shows a unified diff. The exit status must be 0, or the number stored in
# expected/NAME.exit when that file exists (bad-input cases); for those, standard error must match
# expected/NAME.stderr too. With --update it writes those files instead (scripts/regen-golden.sh;
# only on purpose). An expected file that does not exist yet makes the case skip (status 77).
# A first OPTION --command=CMD[,ARG...] runs `BIN CMD ARG... CAPTURE OPTION...` instead of
# `analyze --format jsonl` (e.g. --command=explain,10.77.0.10 --format markdown).
set -uo pipefail
update=0
[[ ${1:-} == --update ]] && { update=1; shift; }
if (($# < 4)); then
  echo "usage: $0 [--update] BIN NAME CAPTURE EXPECTED [OPTION...]" >&2
  exit 1
fi
bin=$1 name=$2 capture=$3 expected=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
exp=$here/expected/$expected
[[ $bin == /* ]] || bin=$PWD/$bin

cmd=(analyze --no-config --format jsonl)
if [[ ${1:-} == --command=* ]]; then
  IFS=, read -r -a cmd <<<"${1#--command=}"
  shift
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
(cd "$data" && TZ=GMT0 LC_ALL=C exec timeout 120 "$bin" "${cmd[@]}" "$capture" "$@") \
  >"$tmp/out" 2>"$tmp/err" || status=$?

if ((update)); then
  # Never bless a crash, a timeout or a binary that did not run.
  if ((status >= 124)); then
    echo "$name: not written: the analyser ended with status $status" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$exp")"
  cp "$tmp/out" "$exp"
  rm -f "$here/expected/$name.exit" "$here/expected/$name.stderr"
  if ((status != 0)); then
    echo "$status" >"$here/expected/$name.exit"
    cp "$tmp/err" "$here/expected/$name.stderr"
  fi
  echo "$name: wrote expected/$expected ($(wc -l <"$exp") lines, exit $status)"
  exit 0
fi

if [[ ! -f $exp ]]; then
  echo "$name: no expected/$expected yet; run scripts/regen-golden.sh once the output is right"
  exit 77
fi
want_status=0
[[ -f $here/expected/$name.exit ]] && want_status=$(<"$here/expected/$name.exit")
fail=0
if ((status != want_status)); then
  echo "$name: exit status $status, expected $want_status"
  echo "--- stderr:"; cat "$tmp/err"
  fail=1
fi
if ! cmp -s "$exp" "$tmp/out"; then
  echo "$name: output differs from expected/$expected (- expected, + actual):"
  diff -u --label "expected/$expected" --label "actual" "$exp" "$tmp/out" | head -200
  fail=1
fi
if [[ -f $here/expected/$name.stderr ]] && ! cmp -s "$here/expected/$name.stderr" "$tmp/err"; then
  echo "$name: standard error differs from expected/$name.stderr:"
  diff -u --label "expected/$name.stderr" --label "actual" "$here/expected/$name.stderr" "$tmp/err"
  fail=1
fi
((fail)) && exit 1
echo "$name: ok"
