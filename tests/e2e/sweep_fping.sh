#!/usr/bin/env bash
# sweep_fping.sh — end to end: a real fping sweep in a two-namespace lab must be reported as a
# sweep from the attacker.
#
#   sweep_fping.sh BIN
#
#   atk  10.77.0.10/24  eth0 ──veth── eth0  tgt  10.77.0.1/24 (the attacker's gateway)
#                                                 10.78.0.2–.62 on the same interface; nftables
#                                                 drops ICMP to all but a few "live" ones
# tcpdump captures on the attacker's eth0 while `fping -q -a -r 0 -g 10.78.0.32/27` runs; then
# `BIN analyze --format jsonl` must report a finding of kind sweep from 10.77.0.10.
set -euo pipefail
bin=${1:?usage: sweep_fping.sh BIN}
[[ $bin == /* ]] || bin=$PWD/$bin
. "$(dirname "$0")/lib.sh"

e2e_require tcpdump fping nft python3
e2e_init

LIVE=(33 37 40 50)

e2e_ns atk
e2e_ns tgt
e2e_link atk eth0 10.77.0.10/24 tgt eth0 10.77.0.1/24
for o in $(seq 2 62); do e2e_addr tgt eth0 "10.78.0.$o/24"; done
e2e_route atk 10.78.0.0/24 10.77.0.1
e2e_seal
e2e_targets_assigned 10.78.0.32/27

live=""
for o in "${LIVE[@]}"; do live+="10.78.0.$o, "; done
e2e_x 10 tgt nft -f - <<NFT
table inet lab {
  chain input {
    type filter hook input priority 0;
    ip daddr != { ${live%, } } ip protocol icmp drop
  }
}
NFT

cap=$E2E_TMP/sweep_fping.pcap
e2e_capture_start atk eth0 "$cap" 60
e2e_x 60 atk fping -q -a -r 0 -g 10.78.0.32/27 >"$E2E_TMP/alive" 2>/dev/null || true
e2e_capture_stop

# The lab itself must have behaved: exactly the live hosts answered.
alive=$(sort "$E2E_TMP/alive" | tr '\n' ' ')
[[ $alive == "10.78.0.33 10.78.0.37 10.78.0.40 10.78.0.50 " ]] ||
  e2e_fail "fping saw '$alive' alive, expected the 4 live hosts"
packets=$(timeout 30 tcpdump -n -r "$cap" 2>/dev/null | wc -l)
((packets >= 30)) || e2e_fail "capture holds only $packets packets"
e2e_log "captured $packets packets"

e2e_analyze "$bin" "$cap" "$E2E_TMP/out.jsonl"
if ! e2e_has_finding "$E2E_TMP/out.jsonl" sweep 10.77.0.10; then
  cat "$E2E_TMP/out.jsonl" >&2
  e2e_fail "no sweep finding from 10.77.0.10 at severity low or above"
fi
e2e_log "ok: sweep from 10.77.0.10 reported"
