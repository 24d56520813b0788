#!/usr/bin/env bash
# valgrind-all.sh — read every capture in tests/data under valgrind memcheck and require no
# memory error and no definite or indirect leak: tcpdump's corpus (tests/data/tcpdump/, fuzzed
# and malformed captures), the recorded corpora (corpus/, recorded/), the Zeek conn.logs (zeek/,
# through `analyze` like a capture), plus one run of each other command that reads traffic or a
# store (log, explain, report, analyze --endpoint-log, analyze --store then hunt).
#
#   valgrind-all.sh BIN [DATA_DIR]
#
# Needs a build WITHOUT sanitizers (ASan and valgrind cannot share a process); meson registers
# it only for such a build. Skipped (77) without valgrind.
#
# Cost: valgrind spends ~0.7 s of CPU starting the program, more than reading most captures, so:
#   1. every file is first read natively (fast) to learn its exit status;
#   2. files that read cleanly (exit 0) are analysed BATCH at a time in one valgrind process
#      (`analyze` takes several files; one that cannot be opened or is corrupt stops the run,
#      so only clean ones are batched, and Zeek logs are not mixed with captures);
#   3. every other file (exit 2: unsupported link type or not a capture; exit 3: truncated) runs
#      alone, so its error path is checked too, and must give the same status as natively.
# Runs VALGRIND_JOBS processes at a time (default: nproc). Measured (Debian 12, valgrind 3.19,
# 2 cores shared with other builds, load ~3): 868 files in 303 valgrind processes, 249 s of
# wall time, 217 s user + 40 s system CPU, so about 130 s on two idle cores. Two thirds of it
# are the 278 tcpdump captures with an unsupported link type, one process each.
set -uo pipefail

VG_OPTS=(-q --vgdb=no --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
         --show-leak-kinds=definite,indirect --read-inline-info=no --num-callers=24)

# ---- worker: one job line "EXPECTED<TAB>ARG<TAB>ARG..." (args of BIN; @TMP@ = a private
# directory; a line may hold several commands separated by a lone ';' field, run in order)
if [[ ${1:-} == --job ]]; then
  bin=$2 line=$3
  tmp=$(mktemp -d)
  IFS=$'\t' read -r -a f <<<"$line"
  expected=${f[0]}
  args=("${f[@]:1}")
  why="" n=0 what=""
  run_one() { # ARGS...
    local status=0 a=() x
    for x in "$@"; do a+=("${x//@TMP@/$tmp}"); done
    n=$((n + 1))
    what="$*"
    timeout 600 valgrind "${VG_OPTS[@]}" --log-file="$tmp/vg.$n" "$bin" "${a[@]}" \
      >/dev/null 2>"$tmp/err.$n" || status=$?
    if [[ -s $tmp/vg.$n ]] || ((status == 99)); then
      why="valgrind: $(grep -m3 -E '(Invalid|uninitialised|definitely|indirectly|Mismatched|overlap|Syscall param)' "$tmp/vg.$n" | tr '\n' ' ')"
      cat "$tmp/vg.$n" >"$tmp/report"
    elif ((status == 124)); then
      why="timed out after 600 s"
    elif [[ $status != "$expected" ]]; then
      why="exit $status, natively $expected: $(head -c 200 "$tmp/err.$n" | tr '\n' ' ')"
    fi
    [[ -z $why ]]
  }
  cmd=()
  for x in "${args[@]}" ';'; do
    if [[ $x == ';' ]]; then
      run_one "${cmd[@]}" || break
      cmd=()
    else
      cmd+=("$x")
    fi
  done
  if [[ -n $why ]]; then
    # one write per result, so that parallel workers do not interleave
    { printf 'FAIL %s | %s\n' "$what" "$why"; [[ -f $tmp/report ]] && sed 's/^/    /' "$tmp/report" | head -n 60; } |
      { out=$(cat); printf '%s\n' "$out"; }
  else
    printf 'ok %s %s\n' "$expected" "${args[*]}"
  fi
  rm -rf "$tmp"
  exit 0
fi

# ---- native pre-pass: "STATUS<TAB>FILE"
if [[ ${1:-} == --native ]]; then
  bin=$2 file=$3 status=0
  timeout 60 "$bin" analyze --format jsonl "$file" >/dev/null 2>&1 || status=$?
  printf '%s\t%s\n' "$status" "$file"
  exit 0
fi

if (($# < 1)); then
  echo "usage: $0 BIN [DATA_DIR]" >&2
  exit 1
fi
if ! command -v valgrind >/dev/null; then
  echo "valgrind not installed: skipped"
  exit 77
fi
bin=$1
[[ $bin == /* ]] || bin=$PWD/$bin
data=${2:-$(cd "$(dirname "$0")/../data" && pwd)}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
jobs=${VALGRIND_JOBS:-$(nproc)}
batch=${VALGRIND_BATCH:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

{
  find "$data/tcpdump" -maxdepth 1 -type f ! -name 'README*' ! -name 'LICENSE*'
  find "$data/corpus" "$data/recorded" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \)
  find "$data/zeek" -maxdepth 1 -type f \( -name '*.log' -o -name '*.json' \)
} | sort >"$work/files"
tr '\n' '\0' <"$work/files" | xargs -0 -r -n 1 -P "$jobs" bash "$self" --native "$bin" | sort -k2 >"$work/native"

# the job list
: >"$work/jobs"
# clean captures, batched; clean conn.logs, batched apart (one run reads one kind of input)
for kind in capture zeek; do
  if [[ $kind == zeek ]]; then pat="^0	$data/zeek/"; else pat="^0	"; fi
  grep -E "$pat" "$work/native" | { [[ $kind == zeek ]] && cat || grep -vF "	$data/zeek/"; } | cut -f2 |
    xargs -r -d '\n' -n "$batch" | while read -r -a files; do
      (IFS=$'\t'; printf '0\tanalyze\t--format\tjsonl\t%s\n' "${files[*]}")
    done >>"$work/jobs"
done
# everything else alone, with its native status
grep -v '^0	' "$work/native" | while IFS=$'\t' read -r st file; do
  printf '%s\tanalyze\t--format\tjsonl\t%s\n' "$st" "$file"
done >>"$work/jobs"
# the other commands, once each on the seed case
seed=$data/corpus/case_seed.pcap
cat >>"$work/jobs" <<EOF
0	log	$seed
0	log	--packets	--format	jsonl	$seed	$data/corpus/sweep_fping.pcapng
0	explain	10.77.0.10	$seed
0	explain	10.77.0.10	--format	markdown	$seed
0	report	--html	@TMP@/r.html	--markdown	@TMP@/r.md	$seed
0	analyze	--endpoint-log	$data/endpoint/audit.log	--endpoint-host	10.77.0.10	$seed
0	analyze	--endpoint-log	$data/endpoint/osquery_socket_events.jsonl	--endpoint-host	10.77.0.10	--format	jsonl	$seed
0	analyze	--store	@TMP@/s.db	--format	jsonl	$seed	;	analyze	--store	@TMP@/s.db	$data/zeek/sweep_lateral.conn.log	;	hunt	--store	@TMP@/s.db	sweeps	;	hunt	--store	@TMP@/s.db	lateral	;	hunt	--store	@TMP@/s.db	timeline	10.77.0.10
EOF

njobs=$(wc -l <"$work/jobs")
nfiles=$(wc -l <"$work/files")
# longest jobs (batches) first, so that the tail of the run is not one long batch
awk -F'\t' '{ print NF "\t" $0 }' "$work/jobs" | sort -t$'\t' -k1,1nr | cut -f2- | tr '\n' '\0' |
  xargs -0 -r -n 1 -P "$jobs" bash "$self" --job "$bin" >"$work/results"

fail=$(grep -c '^FAIL ' "$work/results")
ok=$(grep -c '^ok ' "$work/results")
if ((fail)); then
  echo "failures:"
  grep -v '^ok ' "$work/results"
fi
echo "valgrind: $nfiles files and the other commands in $njobs valgrind jobs ($jobs at a time," \
     "$batch clean files a batch): $ok clean, $fail failed, $((SECONDS - start)) s"
((ok > 0 && fail == 0 && ok + fail == njobs))
