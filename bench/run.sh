#!/usr/bin/env bash
# run.sh — `make bench`: icmphound's speed and memory on large synthetic captures, beside a bare
# libpcap read loop (bench/bare.c) and tcpdump reading the same file.
#
#   bench/run.sh                         10M-packet mixed and flood captures, 1M-packet tunnel one
#   BENCH_PACKETS=1000000 bench/run.sh   smaller (the tunnel capture is a tenth of it)
#
# Environment: BUILD (build dir, default build), BENCH_PACKETS (default 10000000),
# BENCH_TUNNEL_PACKETS (default BENCH_PACKETS/10: its frames are ~1 kB), BENCH_TYPES (default
# "mixed flood tunnel"), BENCH_RUNS (default 3: each figure is the fastest of that many runs),
# BENCH_DATA (default bench/data; captures are generated there once, with a fixed seed).
#
# Prints, per capture and program: wall time, packets/s, peak RSS, and icmphound's speed as a
# ratio of the bare loop's; then the same as a Markdown table for docs/PERFORMANCE.md. This is a
# measurement, never a test: nothing here fails on a number. It exits non-zero only when a
# program itself fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PACKETS=${BENCH_PACKETS:-10000000}
TUNNEL_PACKETS=${BENCH_TUNNEL_PACKETS:-$((PACKETS / 10))}
TYPES=${BENCH_TYPES:-mixed flood tunnel}
RUNS=${BENCH_RUNS:-3}
DATA=${BENCH_DATA:-bench/data}
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "bench: $TIME is missing (package 'time'; scripts/deps.sh installs it)" >&2; exit 1; }

[[ -f $BUILD/build.ninja ]] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
gen=$BUILD/bench/gen bare=$BUILD/bench/bare ih=$BUILD/icmphound
mkdir -p "$DATA"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD...: run CMD RUNS times; sets best_s (fastest wall time) and best_kb (its peak
# RSS). Standard output is discarded except by the caller's own redirections inside CMD.
measure() {
  local name=$1 i s kb status t0 t1
  shift
  best_s="" best_kb=""
  for ((i = 0; i < RUNS; i++)); do
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

rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

failed=0
rows=()
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM; $(uname -sr)"
echo "$($ih --version 2>/dev/null | head -n 1 || true) build dir $BUILD, best of $RUNS runs, $(date -u +%Y-%m-%d)"
printf '%-8s %-10s %8s %12s %10s %8s\n' capture program seconds packets/s "RSS MB" ratio
for type in $TYPES; do
  n=$PACKETS
  [[ $type == tunnel ]] && n=$TUNNEL_PACKETS
  file=$DATA/$type-$n.pcap
  if [[ ! -s $file ]]; then
    echo "generating $file ..." >&2
    "$gen" -n "$n" -t "$type" -o "$file.tmp" && mv "$file.tmp" "$file"
  fi
  cat "$file" >/dev/null   # into the page cache, so no program pays for the disk

  packets=$("$bare" "$file")
  measure bare "$bare" "$file"
  bare_s=$best_s bare_kb=$best_kb
  measure icmphound "$ih" analyze --format jsonl "$file"
  ih_s=$best_s ih_kb=$best_kb
  measure tcpdump tcpdump -r "$file" -w /dev/null
  td_s=$best_s td_kb=$best_kb

  for prog in bare icmphound tcpdump; do
    case $prog in
      bare) s=$bare_s kb=$bare_kb ;;
      icmphound) s=$ih_s kb=$ih_kb ;;
      tcpdump) s=$td_s kb=$td_kb ;;
    esac
    if [[ -z $s ]]; then
      printf '%-8s %-10s %8s\n' "$type" "$prog" failed
      rows+=("| $type | $packets | $prog | failed | | | |")
      continue
    fi
    ratio=$(awk -v b="$bare_s" -v s="$s" 'BEGIN { if (s > 0 && b != "") printf "%.2f", b / s; else print "-" }')
    printf '%-8s %-10s %8s %12s %10s %8s\n' "$type" "$prog" "$s" "$(rate "$packets" "$s")" "$(mb "$kb")" "$ratio"
    rows+=("| $type | $packets | $prog | $s | $(rate "$packets" "$s") | $(mb "$kb") | $ratio |")
  done
done

echo
echo "ratio = bare loop's time / the program's time (1.00 = as fast as reading the file; target for icmphound: >= 0.70)"
echo
echo "Markdown for docs/PERFORMANCE.md:"
echo
echo "| capture | packets | program | seconds | packets/s | peak RSS (MB) | ratio to bare |"
echo "|---|---:|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
exit "$failed"
