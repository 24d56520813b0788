#!/usr/bin/env bash
# live.sh — `make bench-live`: does `icmphound watch` keep up with an ICMP flood on a live
# interface, and when it does not, does it say so? (issue 9: "live capture keeps up with a flood
# on a veth pair in namespaces with drops reported")
#
#   bench/live.sh                                   as root
#   LIVE_SECONDS=3 LIVE_RATES="u100 flood" BUILD=build-x bench/live.sh
#
#   snd  eth0 10.77.0.1/24 ──veth── eth0 10.77.0.2/24  vic
#   hping3 -1 --rand-source → 10.77.0.2                icmphound watch -i eth0 (its own pid, as
#                                                      root, dropping to nobody by itself)
#
# For each rate of LIVE_RATES, in a fresh watch: watch starts on vic's eth0 (--format jsonl
# --stats-interval 1), and once it listens hping3 sends ICMP echo requests from random spoofed
# sources (every packet a new source: the worst case for icmphound's per-host state) to the
# victim for LIVE_SECONDS, stopped by SIGINT so that it prints its own count; watch runs
# SETTLE seconds longer (--duration) to read what is still queued, then writes its final stats
# line. The veth counters (`ip -s -j link`) are read before and after in both namespaces.
#
# Environment: BUILD (build dir, default build), LIVE_SECONDS (default 5: seconds of sending
# per run), LIVE_RATES (default "u100 u20 u10 flood": hping3's interval, -i uN microseconds,
# or "flood" for --flood), LIVE_WATCH_ARGS (extra options for watch, default none: watch runs
# with its defaults: 8 MB kernel buffer, promiscuous, process attribution on).
#
# Prints per run: what the sender sent (hping3's count and the veth's tx counter), what the
# victim interface received (rx and rx_dropped), what libpcap counted (ps_recv, ps_drop,
# ps_ifdrop from watch's stats line "capture"), what icmphound read ("packets"), the share of the
# received packets that icmphound read, when a stats line first showed a drop, watch's peak RSS
# (/usr/bin/time -f %M) and its CPU time; then the same as a Markdown table for
# docs/PERFORMANCE.md. This is a measurement, never a test: nothing here fails on a number; it
# exits non-zero only when the lab cannot be built or a program itself fails.
#
# The lab follows tests/e2e/lib.sh's rules: two namespaces of our own joined by one veth pair,
# nothing linked to the host's namespace, no default route anywhere (e2e_seal), only lab
# addresses, the only destination (10.77.0.2) assigned in the lab (e2e_targets_assigned),
# every command under timeout(1), background processes killed by pid and the namespaces deleted
# by lib.sh's cleanup trap. The spoofed sources stay inside the lab: they are only the source
# field of packets sent over the veth to 10.77.0.2; vic has no default route (only
# 10.77.0.0/24 on eth0), so its echo replies to those sources fail with "Network is
# unreachable" before they are sent, and the veth leads nowhere but snd anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BUILD=${BUILD:-build}
SECS=${LIVE_SECONDS:-5}
RATES=${LIVE_RATES:-u100 u20 u10 flood}
read -r -a WATCH_ARGS <<<"${LIVE_WATCH_ARGS:-}"
SETTLE=3        # seconds watch runs past the sender's end: starting, then reading what is queued
TIME=/usr/bin/time
TARGET=10.77.0.2

[[ $SECS =~ ^[1-9][0-9]*$ ]] || { echo "live: LIVE_SECONDS must be a whole number of seconds" >&2; exit 1; }
for r in $RATES; do
  [[ $r == flood || $r =~ ^u[1-9][0-9]*$ ]] ||
    { echo "live: bad rate '$r' in LIVE_RATES (uN: one packet every N microseconds, or flood)" >&2; exit 1; }
done

# shellcheck source=SCRIPTDIR/../tests/e2e/lib.sh
. tests/e2e/lib.sh
e2e_require hping3 python3 # exits 77 (skipped) unless root with `ip netns`
[[ -x $TIME ]] || e2e_skip "$TIME is missing (package 'time'; scripts/deps.sh installs it)"

[[ -f $BUILD/build.ninja ]] || timeout 600 meson setup "$BUILD" >/dev/null
timeout 1200 ninja -C "$BUILD" >/dev/null
case $BUILD in /*) ih=$BUILD/icmphound ;; *) ih=$root/$BUILD/icmphound ;; esac
[[ -x $ih ]] || e2e_fail "$ih was not built"

e2e_init

e2e_ns snd
e2e_ns vic
# IPv6 off in both: no router solicitations or MLD reports on the link, so that the veth
# counters hold only what hping3 sent.
for ns in snd vic; do
  e2e_x 10 "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
e2e_link snd eth0 10.77.0.1/24 vic eth0 "$TARGET/24"
# A permanent neighbour entry: no ARP exchange during a run either.
vic_mac=$(e2e_x 10 vic cat /sys/class/net/eth0/address)
timeout 10 ip -n "$(e2e_name snd)" neigh replace "$TARGET" lladdr "$vic_mac" dev eth0 nud permanent
e2e_seal
e2e_targets_assigned "$TARGET"

# counters NS: "rx_packets rx_dropped tx_packets tx_dropped" of NS's eth0
counters() {
  timeout 10 ip -n "$(e2e_name "$1")" -s -j link show dev eth0 | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["rx"]["packets"], s["rx"]["dropped"], s["tx"]["packets"], s["tx"]["dropped"])'
}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
[[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] && dirty=" (with uncommitted changes)"
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM; $(uname -sr); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%d) commit $commit$dirty, build dir $BUILD ($("$ih" --version 2>/dev/null | head -n 1 || true)), $SECS s per run, rates: $RATES"
echo "watch: icmphound watch -i eth0 --format jsonl --stats-interval 1 ${WATCH_ARGS[*]} (SIGINT $SETTLE s after the sender ends)"
echo

rows=()
n=0
for rate in $RATES; do
  n=$((n + 1))
  out=$E2E_TMP/watch.$n.jsonl err=$E2E_TMP/watch.$n.err tm=$E2E_TMP/time.$n hlog=$E2E_TMP/hping3.$n
  if [[ $rate == flood ]]; then pace=(--flood); else pace=(-i "$rate"); fi

  cv=$(counters vic) cs=$(counters snd)
  read -r vrx0 vrxd0 _ _ <<<"$cv"
  read -r _ _ stx0 stxd0 <<<"$cs"

  e2e_bg $((SECS + SETTLE + 30)) vic "$TIME" -f '%M %U %S' -o "$tm" \
    "$ih" watch -i eth0 --format jsonl --stats-interval 1 --duration $((SECS + SETTLE + 20)) \
    ${WATCH_ARGS[@]+"${WATCH_ARGS[@]}"} -o "$out" 2>"$err"
  watch_pid=$E2E_LAST_PID
  e2e_wait_listening "$err" "$watch_pid" watch
  sleep 0.3

  # SIGINT after SECS: hping3 then prints "N packets transmitted"; the outer bound kills it
  # if it does not stop.
  hstatus=0
  t0=$(date +%s.%N)
  e2e_x $((SECS + 15)) snd timeout -s INT "$SECS" hping3 -1 --rand-source -q "${pace[@]}" "$TARGET" \
    >"$hlog" 2>&1 || hstatus=$?
  # 124: stopped by the SIGINT, as meant (hping3 may also exit 0 on it)
  if ((hstatus != 0 && hstatus != 124 && hstatus != 130)); then
    cat "$hlog" >&2
    e2e_fail "hping3 ($rate) exited $hstatus"
  fi

  t1=$(date +%s.%N)
  # hping3 does not always stop at once on SIGINT: watch is stopped SETTLE s after the sender
  # really ended (by its pid, found below the wrappers e2e_bg started), not at a fixed time,
  # so that it saw the whole run; --duration above is only a bound.
  sleep "$SETTLE"
  ihpid=$(e2e_pid_below "$watch_pid" icmphound)
  [[ -n $ihpid ]] && kill -INT "$ihpid" 2>/dev/null
  wstatus=0
  wait "$watch_pid" || wstatus=$?
  ((wstatus == 0)) || { cat "$err" >&2; e2e_fail "icmphound watch exited $wstatus"; }

  cv=$(counters vic) cs=$(counters snd)
  read -r vrx1 vrxd1 _ _ <<<"$cv"
  read -r _ _ stx1 stxd1 <<<"$cs"
  sent=$(sed -n 's/^\([0-9][0-9]*\) packets transmitted.*/\1/p' "$hlog" | tail -n 1)

  elapsed=$(python3 -c "print(max(0.001, $t1 - $t0))")
  row=$(python3 - "$out" "$tm" "$rate" "$elapsed" "${sent:-}" \
    $((stx1 - stx0)) $((stxd1 - stxd0)) $((vrx1 - vrx0)) $((vrxd1 - vrxd0)) <<'EOF'
import json, sys
path, tm, rate, secs, sent, stx, stxd, vrx, vrxd = sys.argv[1:10]
secs, stx, stxd, vrx, vrxd = float(secs), int(stx), int(stxd), int(vrx), int(vrxd)
lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
stats = [o for o in lines if o.get("type") == "stats"]
final = [o for o in stats if o.get("final")]
if not final:
    sys.exit("live: no final stats line in " + path)
f = final[-1]
cap = f.get("capture", {})
first_drop = "-"
for o in stats:
    c = o.get("capture", {})
    if c.get("ps_drop", 0) or c.get("ps_ifdrop", 0):
        first_drop = "%.0f" % o.get("uptime_s", 0) if not o.get("final") else "final"
        break
kb, user, system = open(tm).read().split()[-3:]
pk = f.get("packets", 0)
def n(x):
    return "?" if x is None else "{:,}".format(x)
share = "%.1f %%" % (100.0 * pk / vrx) if vrx else "-"
print(" | ".join([
    "--flood" if rate == "flood" else "-i " + rate,
    n(int(sent)) if sent else "?", n(stx), n(stxd), n(vrx), n(int(vrx / secs)), n(vrxd),
    n(cap.get("ps_recv")), n(cap.get("ps_drop")), n(cap.get("ps_ifdrop")), n(pk), share,
    first_drop, "%.1f" % (int(kb) / 1024), "%.2f" % (float(user) + float(system))]))
EOF
  )
  rows+=("| $row |")
  echo "run $n ($rate): $row"
done

echo
echo "sent: hping3's own count (it can be a few short of tx); tx / tx dropped: snd's eth0; rx / rx"
echo "dropped: vic's eth0 (rx/s over the sender's real run time, SIGINT after $SECS s; rx dropped is lost before any capture"
echo "sees it, and libpcap's ps_ifdrop does not count it); ps_*: libpcap's counters in watch's final"
echo "stats line (\"capture\"); read: icmphound's \"packets\"; share: read / rx; first drop: uptime (s)"
echo "of the first stats line with ps_drop or ps_ifdrop above 0; CPU: watch's user + system seconds."
echo
echo "Markdown for docs/PERFORMANCE.md:"
echo
echo "| hping3 rate | sent (hping3) | tx | tx dropped | rx (victim) | rx/s | rx dropped | ps_recv | ps_drop | ps_ifdrop | read by icmphound | share of rx | first drop in stats (s) | peak RSS (MB) | watch CPU (s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
