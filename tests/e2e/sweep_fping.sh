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

# ---- 2. the same sweep, slower, under watch: reported while it runs (issue 6: findings as they
# happen), then in its final form, which names the line it supersedes when the range grew.
out=$E2E_TMP/watch.jsonl
e2e_bg 90 atk "$bin" watch -i eth0 --format jsonl -o "$out" --judge-interval 1 --stats-interval 0 \
  --duration 60 2>"$E2E_TMP/watch.err"
watch_pid=$E2E_LAST_PID
e2e_wait_listening "$E2E_TMP/watch.err" "$watch_pid" watch
# 30 targets, one every 250 ms: about 7.5 s; fping by its pid, bounded
e2e_bg 40 atk fping -q -a -r 0 -i 250 -p 250 -g 10.78.0.32/27
fping_pid=$E2E_LAST_PID
sleep 5
cp "$out" "$E2E_TMP/watch.during.jsonl"
running=no
kill -0 "$fping_pid" 2>/dev/null && running=yes
wait "$fping_pid" 2>/dev/null || true
sleep 1
# the icmphound process below timeout(1) and ip netns exec: SIGINT, by pid
ihpid=$(e2e_pid_below "$watch_pid" icmphound)
[[ -n $ihpid ]] || e2e_fail "watch is gone before its stop"
kill -INT "$ihpid"
wait "$watch_pid" || e2e_fail "watch exited $?"
[[ $running == yes ]] || e2e_fail "fping had already ended when the output was read: the test proves nothing"

python3 - "$E2E_TMP/watch.during.jsonl" "$out" <<'PY' || { cat "$out" >&2; e2e_fail "the sweep was not reported while it ran, or its final line is wrong"; }
import json, sys
during = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
final = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
sweeps = lambda ls: [o for o in ls if o.get("type") == "finding" and o["kind"] == "sweep" and o["src"] == "10.77.0.10"]
early = sweeps(during)
assert early, "no sweep line while fping ran"
assert early[0]["severity"] != "info", early[0]
allsw = sweeps(final)
last = allsw[-1]
assert last["evidence"]["hosts_probed"] >= early[0]["evidence"]["hosts_probed"]
assert last["evidence"]["hosts_probed"] >= 28, last["evidence"]
ids = {o["id"] for o in allsw}
sup = [o["supersedes"] for o in allsw if "supersedes" in o]
assert all(s in ids for s in sup), (sup, ids)
# the host's last incident line lists the final sweep, not a superseded one
inc = [o for o in final if o.get("type") == "incident" and o["primary"] == "10.77.0.10"][-1]
assert last["id"] in inc["findings"], (last["id"], inc["findings"])
assert not (set(sup) & set(inc["findings"])), inc["findings"]
st = [o for o in final if o.get("type") == "stats"][-1]
print("early: %d hosts at %s; final: %d hosts, %s; updates %d" % (early[0]["evidence"]["hosts_probed"], early[0]["last_seen"],
      last["evidence"]["hosts_probed"], "supersedes " + last["supersedes"] if "supersedes" in last else "same id",
      st["live_judgement"]["updates"]), file=sys.stderr)
PY
e2e_log "ok: the sweep reported by watch while fping ran, then in its final form"
