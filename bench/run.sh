#!/usr/bin/env bash
# run.sh — `make bench`: icmphound's speed and memory on large synthetic captures, beside a bare
# libpcap read loop (bench/bare.c) and tcpdump reading the same file, and beside ndpiReader and
# tshark -z conv,ip on a 1M-packet subset; then how icmphound's cost grows (scaling).
#
#   bench/run.sh                         10M-packet mixed and flood captures, 1M-packet tunnel one
#   BENCH_PACKETS=1000000 bench/run.sh   smaller (the tunnel capture is a tenth of it)
#
# Environment: BUILD (build dir, default build), BENCH_PACKETS (default 10000000),
# BENCH_TUNNEL_PACKETS (default BENCH_PACKETS/10: its frames are ~1 kB), BENCH_TYPES (default
# "mixed flood tunnel"), BENCH_RUNS (default 3: each figure is the fastest of that many runs; the
# programs measured on one capture run in turn, not one after the other),
# BENCH_DATA (default bench/data; captures are generated there once, with a fixed seed),
# BENCH_PEER_PACKETS (default 1000000: the slow peers, ndpiReader and tshark, read only the
# first this many packets of each capture, and icmphound and the bare loop are measured again on
# that same subset for the ratios), BENCH_PEER_RUNS (default 1), BENCH_PEERS (default
# "ndpiReader tshark"; empty to skip them), BENCH_SCALING (default 1: also measure icmphound at a
# few sizes of packets, conversations and spoofed sources; 0 to skip).
#
# Prints, per capture and program: wall time, packets/s, peak RSS, and each program's speed as a
# ratio of the bare loop's; on the peer subset, icmphound's speed as a multiple of ndpiReader's
# and tshark's; then the scaling series; then the same as Markdown tables for
# docs/PERFORMANCE.md. This is a measurement, never a test: nothing here fails on a number. It
# exits non-zero only when a program itself fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PACKETS=${BENCH_PACKETS:-10000000}
TUNNEL_PACKETS=${BENCH_TUNNEL_PACKETS:-$((PACKETS / 10))}
TYPES=${BENCH_TYPES:-mixed flood tunnel}
RUNS=${BENCH_RUNS:-3}
DATA=${BENCH_DATA:-bench/data}
PEER_PACKETS=${BENCH_PEER_PACKETS:-1000000}
PEER_RUNS=${BENCH_PEER_RUNS:-1}
PEERS=${BENCH_PEERS-ndpiReader tshark}
SCALING=${BENCH_SCALING:-1}
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "bench: $TIME is missing (package 'time'; scripts/deps.sh installs it)" >&2; exit 1; }

[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
gen=$BUILD/bench/gen bare=$BUILD/bench/bare ih=$BUILD/icmphound
mkdir -p "$DATA"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD...: run CMD RUNS times (NRUNS if set); sets best_s (fastest wall time) and
# best_kb (its peak RSS). Standard output is discarded except by the caller's own redirections
# inside CMD.
measure() {
  local name=$1 i s kb status t0 t1 runs=${NRUNS:-$RUNS}
  shift
  best_s="" best_kb=""
  for ((i = 0; i < runs; i++)); do
    status=0
    t0=$EPOCHREALTIME
    "$TIME" -f '%e %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
    t1=$EPOCHREALTIME
    if ((status != 0)); then
      echo "bench: $name failed (exit $status):" >&2
      head -n 5 "$tmp/err" >&2
      failed=1
      best_s="" best_kb=""
      return 0
    fi
    # time(1) gives the peak RSS; its %e has only 10 ms steps, so the wall time is bash's own
    # microsecond clock around it (which adds well under a millisecond).
    read -r _ kb < <(tail -n 1 "$tmp/time")
    s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    if [[ -z $best_s ]] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
      best_s=$s best_kb=$kb
    fi
  done
}

# measure_round NAME...: the commands in arrays cmd_NAME, run in turn RUNS times (bare,
# icmphound, bare, icmphound, ...), so that every program sees the same moments of a machine
# whose speed changes from minute to minute; sets best_s_NAME and best_kb_NAME for each.
measure_round() {
  local name i
  for name in "$@"; do printf -v "best_s_$name" '%s' ""; printf -v "best_kb_$name" '%s' ""; done
  for ((i = 0; i < RUNS; i++)); do
    for name in "$@"; do
      local -n cmd="cmd_$name" bs="best_s_$name" bk="best_kb_$name"
      local keep_s=$bs keep_kb=$bk
      NRUNS=1 measure "$name" "${cmd[@]}"
      if [[ -z $best_s ]]; then
        bs="" bk=""
      elif [[ -z $keep_s ]] || awk -v a="$best_s" -v b="$keep_s" 'BEGIN { exit !(a < b) }'; then
        bs=$best_s bk=$best_kb
      else
        bs=$keep_s bk=$keep_kb
      fi
      unset -n cmd bs bk
    done
  done
}

rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

failed=0
rows=() peer_rows=() scale_rows=()
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM; $(uname -sr)"
echo "$($ih --version 2>/dev/null | head -n 1 || true) build dir $BUILD, best of $RUNS runs, $(date -u +%Y-%m-%d)"

# capture TYPE N [GEN-OPTION...]: the generated capture's path (generated once)
capture() {
  local type=$1 n=$2 tag="" file
  shift 2
  [[ $# -gt 0 ]] && tag=$(printf '%s' "$*" | tr -d ' -')
  file=$DATA/$type-$n${tag:+-$tag}.pcap
  if [[ ! -s $file ]]; then
    echo "generating $file ..." >&2
    "$gen" -n "$n" -t "$type" "$@" -o "$file.tmp" >&2 && mv "$file.tmp" "$file"
  fi
  printf '%s\n' "$file"
}

ratio() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0 && b != "") printf "%.2f", b / s; else print "-" }'; }

# row TABLE TYPE PACKETS PROG SECONDS KB BARE_SECONDS: prints a line and keeps a Markdown row
row() {
  local -n table=$1
  local type=$2 packets=$3 prog=$4 s=$5 kb=$6 bare=$7
  if [[ -z $s ]]; then
    printf '%-8s %9s %-10s %8s\n' "$type" "$packets" "$prog" failed
    table+=("| $type | $packets | $prog | failed | | | |")
    return
  fi
  printf '%-8s %9s %-10s %8s %12s %10s %8s\n' "$type" "$packets" "$prog" "$s" "$(rate "$packets" "$s")" "$(mb "$kb")" "$(ratio "$bare" "$s")"
  table+=("| $type | $packets | $prog | $s | $(rate "$packets" "$s") | $(mb "$kb") | $(ratio "$bare" "$s") |")
}

printf '%-8s %9s %-10s %8s %12s %10s %8s\n' capture packets program seconds packets/s "RSS MB" ratio
for type in $TYPES; do
  n=$PACKETS
  [[ $type == tunnel ]] && n=$TUNNEL_PACKETS
  file=$(capture "$type" "$n")
  cat "$file" >/dev/null   # into the page cache, so no program pays for the disk

  packets=$("$bare" "$file")
  cmd_bare=("$bare" "$file") cmd_bare64k=("$bare" -b 65536 "$file")
  cmd_icmphound=("$ih" analyze --format jsonl "$file") cmd_tcpdump=(tcpdump -r "$file" -w /dev/null)
  measure_round bare bare64k icmphound tcpdump
  bare_s=$best_s_bare
  row rows "$type" "$packets" bare "$best_s_bare" "$best_kb_bare" "$bare_s"
  row rows "$type" "$packets" bare-64k "$best_s_bare64k" "$best_kb_bare64k" "$bare_s"
  row rows "$type" "$packets" icmphound "$best_s_icmphound" "$best_kb_icmphound" "$bare_s"
  row rows "$type" "$packets" tcpdump "$best_s_tcpdump" "$best_kb_tcpdump" "$bare_s"

  # the slow peers, on the first PEER_PACKETS packets (the whole file when it is no bigger)
  [[ -z $PEERS ]] && continue
  sub=$file
  if ((packets > PEER_PACKETS)); then
    sub=${file%.pcap}-first$PEER_PACKETS.pcap
    [[ -s $sub ]] || editcap -r "$file" "$sub" "1-$PEER_PACKETS" >/dev/null
  fi
  cat "$sub" >/dev/null
  spackets=$("$bare" "$sub")
  cmd_bare=("$bare" "$sub") cmd_icmphound=("$ih" analyze --format jsonl "$sub")
  measure_round bare icmphound
  sbare_s=$best_s_bare sih_s=$best_s_icmphound
  row peer_rows "$type" "$spackets" bare "$best_s_bare" "$best_kb_bare" "$sbare_s"
  row peer_rows "$type" "$spackets" icmphound "$best_s_icmphound" "$best_kb_icmphound" "$sbare_s"
  for peer in $PEERS; do
    case $peer in
      ndpiReader) NRUNS=$PEER_RUNS measure ndpiReader ndpiReader -q -i "$sub" ;;
      tshark) NRUNS=$PEER_RUNS measure tshark tshark -n -q -z conv,ip -r "$sub" ;;
      *) echo "bench: unknown peer $peer" >&2; continue ;;
    esac
    row peer_rows "$type" "$spackets" "$peer" "$best_s" "$best_kb" "$sbare_s"
    [[ -n $best_s && -n $sih_s ]] &&
      echo "         icmphound is $(ratio "$best_s" "$sih_s")x $peer's speed on $type ($spackets packets)"
  done
done

# how the cost grows: with packets (mixed), with conversations and hosts (mixed, 1M packets or
# PEER_PACKETS), with distinct spoofed sources (flood); every figure is icmphound's, best of RUNS
if ((SCALING)); then
  echo
  echo "scaling (icmphound only):"
  printf '%-28s %9s %8s %12s %10s %10s\n' series packets seconds packets/s "ns/packet" "RSS MB"
  m=$PEER_PACKETS
  ((m > PACKETS)) && m=$PACKETS
  series=()
  for n in $((PACKETS / 100)) $((PACKETS / 10)) "$PACKETS"; do
    ((n > 0)) && series+=("packets:mixed 5000 conversations|mixed|$n|")
  done
  for c in 500 5000 50000; do
    series+=("conversations:mixed $c conversations, $((c * 2 / 5)) hosts|mixed|$m|-c $c")
  done
  for n in $((PACKETS / 100)) $((PACKETS / 10)) "$PACKETS"; do
    ((n > 0)) && series+=("sources:flood, every packet a new source|flood|$n|")
  done
  for item in "${series[@]}"; do
    IFS='|' read -r label type n opt <<<"$item"
    # shellcheck disable=SC2086 # opt is empty or one option and its value
    file=$(capture "$type" "$n" $opt)
    cat "$file" >/dev/null
    measure icmphound "$ih" analyze --format jsonl "$file"
    if [[ -z $best_s ]]; then
      printf '%-28s %9s %8s\n' "${label%%:*}" "$n" failed
      continue
    fi
    nspp=$(awk -v n="$n" -v s="$best_s" 'BEGIN { printf "%.0f", s * 1e9 / n }')
    printf '%-28s %9s %8s %12s %10s %10s\n' "${label%%:*}" "$n" "$best_s" "$(rate "$n" "$best_s")" "$nspp" "$(mb "$best_kb")"
    scale_rows+=("| ${label#*:} | $n | $best_s | $(rate "$n" "$best_s") | $nspp | $(mb "$best_kb") |")
  done
fi

echo
echo "ratio = bare loop's time / the program's time (1.00 = as fast as reading the file; target for icmphound: >= 0.70)"
echo "bare = libpcap's loop as pcap_open_offline opens a file (4 KB stdio buffer); bare-64k = the same loop on a"
echo "64 KB buffer, as icmphound opens its inputs"
echo
echo "Markdown for docs/PERFORMANCE.md:"
echo
echo "| capture | packets | program | seconds | packets/s | peak RSS (MB) | ratio to bare |"
echo "|---|---:|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if ((${#peer_rows[@]})); then
  echo
  echo "Peers on the first $PEER_PACKETS packets (best of $PEER_RUNS for the peers; target: icmphound >= 8x ndpiReader):"
  echo
  echo "| capture | packets | program | seconds | packets/s | peak RSS (MB) | ratio to bare |"
  echo "|---|---:|---|---:|---:|---:|---:|"
  printf '%s\n' "${peer_rows[@]}"
fi
if ((${#scale_rows[@]})); then
  echo
  echo "| series | packets | seconds | packets/s | ns/packet | peak RSS (MB) |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${scale_rows[@]}"
fi
exit "$failed"
