#!/usr/bin/env bash
# truncate-offsets.sh — a capture cut at many offsets must end with one clean error naming the
# file and the byte offset (exit 3), or read cleanly when the cut falls between packets (exit 0),
# and in both cases still write the findings made before the cut and the stats line last.
#
#   truncate-offsets.sh BIN CAPTURE [CUTS]
#
# CUTS (default 60) offsets are spread over the file, plus cuts inside the file header. Every
# finding written for a cut file must also be a finding of the whole file (same id), or be about
# the same kind and source (an episode that ended early at the cut); nothing new is invented.
set -uo pipefail
bin=${1:?usage: truncate-offsets.sh BIN CAPTURE [CUTS]}
cap=${2:?usage: truncate-offsets.sh BIN CAPTURE [CUTS]}
cuts=${3:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
size=$(stat -c %s "$cap")
timeout 60 "$bin" analyze --no-config --format jsonl "$cap" >"$tmp/full.jsonl" 2>"$tmp/full.err" ||
  { echo "the whole capture did not analyse cleanly"; cat "$tmp/full.err"; exit 1; }
fail=0 clean=0 errors=0
offsets="1 10 23 24 30"
for ((i = 1; i <= cuts; i++)); do offsets+=" $((size * i / (cuts + 1)))"; done
for off in $offsets; do
  cut=$tmp/cut.pcap
  head -c "$off" "$cap" >"$cut"
  status=0
  timeout 60 "$bin" analyze --no-config --format jsonl "$cut" >"$tmp/out" 2>"$tmp/err" || status=$?
  case $status in
    0) clean=$((clean + 1)) ;;
    2) # a cut inside the file header: nothing can be read; the error names the file
       if ! grep -q "cut.pcap" "$tmp/err"; then echo "cut at $off: exit 2 without the file name"; fail=1; fi
       errors=$((errors + 1)); continue ;;
    3) errors=$((errors + 1))
       if ! grep -q "cut.pcap" "$tmp/err" || ! grep -q "offset" "$tmp/err"; then
         echo "cut at $off: the error does not name the file and offset:"; cat "$tmp/err"; fail=1
       fi ;;
    *) echo "cut at $off: exit $status"; cat "$tmp/err"; fail=1; continue ;;
  esac
  if ! python3 - "$tmp/full.jsonl" "$tmp/out" "$status" <<'PY'
import json, sys
full = [json.loads(l) for l in open(sys.argv[1])]
cut = [json.loads(l) for l in open(sys.argv[2])]
status = int(sys.argv[3])
assert cut and cut[-1].get("type") == "stats", "the stats line is not last"
assert cut[-1].get("clean") == (status == 0), "stats.clean does not match the exit status"
ids = {o["id"] for o in full if o.get("type") == "finding"}
kinds = {(o["kind"], o["src"]) for o in full if o.get("type") == "finding"}
for o in cut:
    if o.get("type") == "finding" and o["id"] not in ids and (o["kind"], o["src"]) not in kinds:
        raise AssertionError("a finding the whole capture does not have: %s" % json.dumps(o)[:300])
PY
  then echo "cut at $off: output check failed"; fail=1; fi
done
echo "truncate-offsets: $(wc -w <<<"$offsets") cuts of $(basename "$cap") ($size bytes): $clean clean, $errors read errors, $([[ $fail == 0 ]] && echo ok || echo FAILED)"
exit $fail
