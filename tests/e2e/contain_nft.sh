#!/usr/bin/env bash
# contain_nft.sh — end to end: `icmphound contain --apply` on a router namespace stops the
# attacker's ICMP (and with --isolate everything else) while the management network still
# reaches the attacker, stops the process the incident names and quarantines its executable;
# `--rollback` restores the traffic and the file's mode.
#
#   contain_nft.sh BIN
#
#   atk  10.77.0.10/24 eth0 ──veth── eth0 rtr 10.77.0.1/24
#                                    eth1 rtr 10.78.0.1/24 ──veth── eth0 vic  10.78.0.20/24
#                                    eth2 rtr 192.0.2.1/24 ──veth── eth0 mgmt 192.0.2.10/24
#
# 1. hping3 -1 -E sends a file out (60 x 600 bytes: well over exfil_min_bytes even if the capture
#    starts late under load) in echo payloads from atk to vic through rtr; tcpdump on rtr's
#    eth0 records it; `BIN analyze` makes the attacker's incident (exfiltration or tunnel).
# 2. In atk, a copy of ping renamed $E2E_TMP/bin/updater pings vic twice a second (the
#    "malicious process"), and a `sleep` stands by as the decoy. The incident's JSON lines get
#    the updater as the exfiltration finding's evidence.process (pid, start time and exe as
#    `icmphound watch` writes them, read from /proc), and a second finding naming the decoy's
#    pid with a start time an hour off — as if its pid had been reused.
# 3. Dry run: nothing changes. --mgmt covering the attacker: block refused, nothing added.
#    An incident about rtr's own address: refused.
# 4. `ip netns exec rtr BIN contain ID --from FILE --apply --isolate --mgmt 192.0.2.0/24`:
#    atk -> vic ping fails, vic -> atk ping fails, mgmt -> atk ping works; the updater is gone,
#    the decoy lives; the quarantine copy has the updater's SHA-256; the original is 0644.
#    Applied again: nothing added (same rules, same handles). The store holds every action.
# 5. `--rollback FILE`: the table is gone, atk -> vic ping works again, the file is 0755 again.
set -euo pipefail
bin=${1:?usage: contain_nft.sh BIN}
[[ $bin == /* ]] || bin=$PWD/$bin
. "$(dirname "$0")/lib.sh"

e2e_require tcpdump hping3 ping nft python3 sha256sum
e2e_init

e2e_ns atk
e2e_ns rtr
e2e_ns vic
e2e_ns mgmt
e2e_link atk eth0 10.77.0.10/24 rtr eth0 10.77.0.1/24
e2e_link rtr eth1 10.78.0.1/24 vic eth0 10.78.0.20/24
e2e_link rtr eth2 192.0.2.1/24 mgmt eth0 192.0.2.10/24
e2e_route atk 10.78.0.0/24 10.77.0.1
e2e_route atk 192.0.2.0/24 10.77.0.1
e2e_route vic 10.77.0.0/24 10.78.0.1
e2e_route mgmt 10.77.0.0/24 192.0.2.1
e2e_x 10 rtr sysctl -qw net.ipv4.ip_forward=1
e2e_seal
e2e_targets_assigned 10.78.0.20 10.77.0.10 192.0.2.10

reach() { # reach NS ADDR: one bounded ping exchange
  e2e_x 10 "$1" ping -n -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1
}
reach atk 10.78.0.20 || e2e_fail "the lab does not route: atk cannot ping vic"
reach mgmt 10.77.0.10 || e2e_fail "the lab does not route: mgmt cannot ping atk"

# ---- 1. a real exfiltration through the router, recorded and analysed
cap=$E2E_TMP/exfil.pcap
e2e_record_exfil rtr 10.78.0.20 "$cap"
e2e_analyze "$bin" "$cap" "$E2E_TMP/analysis.jsonl"
if ! e2e_has_finding "$E2E_TMP/analysis.jsonl" exfiltration 10.77.0.10 &&
   ! e2e_has_finding "$E2E_TMP/analysis.jsonl" tunnel 10.77.0.10; then
  cat "$E2E_TMP/analysis.jsonl" >&2
  e2e_fail "no exfiltration or tunnel finding from 10.77.0.10"
fi

# ---- 2. the process behind it, and a decoy whose pid the evidence gets wrong
mkdir -p "$E2E_TMP/bin"
cp /usr/bin/ping "$E2E_TMP/bin/updater"
chmod 0755 "$E2E_TMP/bin" "$E2E_TMP/bin/updater"
e2e_bg 170 atk sh -c 'echo $$ >"$1"; exec "$2" -n -q -i 0.5 10.78.0.20 >/dev/null 2>&1' sh "$E2E_TMP/updater.pid" "$E2E_TMP/bin/updater"
e2e_bg 170 atk sh -c 'echo $$ >"$1"; exec sleep 160' sh "$E2E_TMP/decoy.pid"
for ((i = 0; i < 50; i++)); do
  [[ -s $E2E_TMP/updater.pid && -s $E2E_TMP/decoy.pid ]] && break
  sleep 0.1
done
upid=$(cat "$E2E_TMP/updater.pid") dpid=$(cat "$E2E_TMP/decoy.pid")
sleep 0.3
[[ $(readlink "/proc/$upid/exe") == "$E2E_TMP/bin/updater" ]] || e2e_fail "the updater (pid $upid) did not start"
umode_before=$(stat -c %a "$E2E_TMP/bin/updater")
usha=$(sha256sum "$E2E_TMP/bin/updater" | cut -d' ' -f1)

incident=$(python3 - "$E2E_TMP/analysis.jsonl" "$E2E_TMP/incident.jsonl" "$upid" "$dpid" <<'PY'
import json, os, sys, datetime
src, dst, upid, dpid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = [json.loads(l) for l in open(src)]
inc = next(o for o in lines if o.get("type") == "incident" and o.get("primary") == "10.77.0.10")
finds = {o["id"]: o for o in lines if o.get("type") == "finding"}
hz = os.sysconf("SC_CLK_TCK")
btime = next(int(l.split()[1]) for l in open("/proc/stat") if l.startswith("btime "))
def start(pid):
    stat = open(f"/proc/{pid}/stat").read()
    ticks = int(stat[stat.rindex(")") + 2:].split()[19])
    ns = btime * 10**9 + ticks * 10**9 // hz
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (ns % 10**9 // 1000)
def proc(pid, start_time):
    exe = os.readlink(f"/proc/{pid}/exe")
    return {"pid": pid, "ppid": os.getppid(), "user": "root", "uid": 0, "comm": os.path.basename(exe)[:15],
            "cmdline": open(f"/proc/{pid}/cmdline").read().replace("\0", " ").strip(), "exe": exe,
            "exe_sha256": None, "start_time": start_time, "socket": "raw", "match": "pid-as-id", "source": "proc"}
main = next(finds[i] for i in inc["findings"] if finds[i]["kind"] in ("exfiltration", "tunnel"))
main["evidence"]["process"] = proc(upid, start(upid))
# the decoy: its pid, but a process that started an hour earlier (a reused pid)
st = start(dpid)
t = datetime.datetime.strptime(st[:19], "%Y-%m-%dT%H:%M:%S") - datetime.timedelta(hours=1)
decoy = {"type": "finding", "id": "F-00000000000dec01", "kind": "suspicious_process",
         "severity": "high", "confidence": 0.9, "src": "10.77.0.10", "dst": "10.78.0.20",
         "first_seen": main["first_seen"], "last_seen": main["last_seen"], "mitre": ["T1095"],
         "summary": "decoy", "evidence": {"process": proc(dpid, t.strftime("%Y-%m-%dT%H:%M:%S") + st[19:])}}
inc["findings"].append(decoy["id"])
with open(dst, "w") as f:
    for i in inc["findings"]:
        f.write(json.dumps(finds.get(i, decoy)) + "\n")
    f.write(json.dumps(inc) + "\n")
print(inc["id"])
PY
)
[[ $incident == I-* ]] || e2e_fail "no incident for 10.77.0.10"
e2e_log "incident $incident; updater pid $upid, decoy pid $dpid"

store=$E2E_TMP/store.db
qdir=$E2E_TMP/quarantine
rb=$E2E_TMP/rollback.json
contain() { # contain ARGS...: icmphound contain in rtr, bounded
  e2e_x 60 rtr env HOME="$E2E_TMP" XDG_STATE_HOME="$E2E_TMP/state" "$bin" contain "$@"
}
ruleset() { e2e_x 10 rtr nft list ruleset; }

# ---- 3. dry run, refusals
contain "$incident" --from "$E2E_TMP/incident.jsonl" --isolate --mgmt 192.0.2.0/24 --quarantine-dir "$qdir" \
  >"$E2E_TMP/plan.txt" || e2e_fail "the dry run failed"
grep -q 'Dry run' "$E2E_TMP/plan.txt" || e2e_fail "the plan does not say it is a dry run"
grep -q "ip saddr 10.77.0.10 ip daddr != { 192.0.2.0/24 } meta l4proto icmp drop" "$E2E_TMP/plan.txt" ||
  { cat "$E2E_TMP/plan.txt" >&2; e2e_fail "the plan lacks the ICMP block rule"; }
grep -q "stop-process .*: planned" "$E2E_TMP/plan.txt" || { cat "$E2E_TMP/plan.txt" >&2; e2e_fail "the updater is not planned to stop"; }
grep -q "reused" "$E2E_TMP/plan.txt" || { cat "$E2E_TMP/plan.txt" >&2; e2e_fail "the decoy's reused pid is not refused"; }
[[ -z $(ruleset) ]] || e2e_fail "the dry run changed the ruleset"
kill -0 "$upid" 2>/dev/null || e2e_fail "the dry run stopped the updater"

# the same incident without process evidence, applied with the attacker inside --mgmt
python3 - "$E2E_TMP/incident.jsonl" "$E2E_TMP/noproc.jsonl" <<'PY'
import json, sys
out = open(sys.argv[2], "w")
for o in map(json.loads, open(sys.argv[1])):
    if o.get("type") == "finding":
        o.get("evidence", {}).pop("process", None)
    out.write(json.dumps(o) + "\n")
PY
contain "$incident" --from "$E2E_TMP/noproc.jsonl" --mgmt 10.77.0.0/24 --apply --rollback-file "$E2E_TMP/rb-refused.json" \
  --store "$store" --format jsonl >"$E2E_TMP/refused.jsonl" || e2e_fail "an apply with everything refused failed"
python3 - "$E2E_TMP/refused.jsonl" <<'PY' || { cat "$E2E_TMP/refused.jsonl" >&2; e2e_fail "blocking a host inside --mgmt was not refused"; }
import json, sys
acts = {o["action"]: o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "action"}
a = acts["block-icmp"]
sys.exit(0 if a["state"] == "refused" and "management network" in a["refusal"] else 1)
PY
[[ -z $(ruleset) ]] || e2e_fail "a refused block still added rules"
python3 - "$E2E_TMP/incident.jsonl" "$E2E_TMP/self.jsonl" <<'PY'
import json, sys
out = open(sys.argv[2], "w")
for o in map(json.loads, open(sys.argv[1])):
    if o.get("type") == "incident":
        o["primary"] = "10.77.0.1"
    if o.get("type") == "finding":
        o["src"] = "10.77.0.1"
        o.get("evidence", {}).pop("process", None)
    out.write(json.dumps(o) + "\n")
PY
contain "$incident" --from "$E2E_TMP/self.jsonl" --format jsonl >"$E2E_TMP/self.out" || true
grep -q "this machine's own addresses" "$E2E_TMP/self.out" || { cat "$E2E_TMP/self.out" >&2; e2e_fail "rtr's own address was not refused"; }
e2e_log "ok: dry run changes nothing; management and own addresses refused"

# ---- 4. apply on the router
contain "$incident" --from "$E2E_TMP/incident.jsonl" --apply --isolate --mgmt 192.0.2.0/24 --quarantine-dir "$qdir" \
  --rollback-file "$rb" --store "$store" --format jsonl >"$E2E_TMP/applied.jsonl" ||
  { cat "$E2E_TMP/applied.jsonl" >&2; e2e_fail "contain --apply failed"; }
ruleset >"$E2E_TMP/ruleset1.txt"
grep -q 'table inet icmphound' "$E2E_TMP/ruleset1.txt" || e2e_fail "no table inet icmphound in rtr"
reach atk 10.78.0.20 && e2e_fail "atk's ICMP still passes the router"
reach vic 10.77.0.10 && e2e_fail "vic still reaches the isolated atk"
reach mgmt 10.77.0.10 || e2e_fail "the management network no longer reaches atk"
for ((i = 0; i < 30; i++)); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$upid" 2>/dev/null && e2e_fail "the updater (pid $upid) was not stopped"
kill -0 "$dpid" 2>/dev/null || e2e_fail "the decoy (pid $dpid, a reused pid in the evidence) was killed"
[[ -f $qdir/$usha ]] || { ls -la "$qdir" >&2 || true; e2e_fail "no quarantine copy named $usha"; }
[[ $(sha256sum "$qdir/$usha" | cut -d' ' -f1) == "$usha" ]] || e2e_fail "the quarantine copy differs"
[[ $(stat -c %a "$E2E_TMP/bin/updater") == 644 ]] || e2e_fail "the updater is still executable: $(stat -c %a "$E2E_TMP/bin/updater")"
python3 - "$E2E_TMP/applied.jsonl" <<'PY' || { cat "$E2E_TMP/applied.jsonl" >&2; e2e_fail "the applied actions are not as expected"; }
import json, sys
acts = [o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "action"]
st = {}
for a in acts:
    st.setdefault(a["action"], []).append(a["state"])
assert st["block-icmp"] == ["applied"] and st["isolate"] == ["applied"], st
assert sorted(st["stop-process"]) == ["applied", "refused"], st
assert sorted(st["quarantine"]) == ["applied", "refused"], st
for a in acts:
    assert a["dry_run"] is False and a["by"]["user"] == "root", a
    if a["action"] in ("block-icmp", "isolate"):
        assert all(r.get("handle", 0) > 0 for r in a["rules"]), a
PY
e2e_log "ok: applied — atk's ICMP blocked, atk isolated, mgmt still reaches it; updater killed, decoy alive, exe quarantined"

# applied again: nothing added, the same handles
contain "$incident" --from "$E2E_TMP/incident.jsonl" --apply --isolate --mgmt 192.0.2.0/24 --quarantine-dir "$qdir" \
  --rollback-file "$rb" --store "$store" --format jsonl >"$E2E_TMP/again.jsonl" || true
ruleset >"$E2E_TMP/ruleset2.txt"
cmp -s "$E2E_TMP/ruleset1.txt" "$E2E_TMP/ruleset2.txt" || { diff "$E2E_TMP/ruleset1.txt" "$E2E_TMP/ruleset2.txt" >&2; e2e_fail "a second --apply changed the ruleset"; }
python3 - "$E2E_TMP/again.jsonl" <<'PY' || { cat "$E2E_TMP/again.jsonl" >&2; e2e_fail "the second --apply did not find its rules in place"; }
import json, sys
acts = [o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "action"]
assert all(a["state"] == "present" for a in acts if a["action"] in ("block-icmp", "isolate")), acts
PY
python3 - "$store" <<'PY' || e2e_fail "the store does not hold the applied actions"
import json, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT action, state, dry_run, applied_us, detail FROM actions").fetchall()
applied = [r for r in rows if r[1] == "applied"]
assert {r[0] for r in applied} >= {"block-icmp", "isolate", "stop-process", "quarantine"}, rows
assert all(r[2] == 0 and r[3] and json.loads(r[4])["by"]["user"] == "root" for r in applied), rows
PY
e2e_log "ok: a second --apply adds nothing; the store holds who, when and the outcome"

# ---- 5. rollback
contain --rollback "$rb" --store "$store" >"$E2E_TMP/rollback.txt" || { cat "$E2E_TMP/rollback.txt" >&2; e2e_fail "rollback failed"; }
[[ -z $(ruleset) ]] || { ruleset >&2; e2e_fail "the rollback left rules behind"; }
reach atk 10.78.0.20 || e2e_fail "atk's ICMP does not pass again after the rollback"
reach vic 10.77.0.10 || e2e_fail "vic does not reach atk again after the rollback"
[[ $(stat -c %a "$E2E_TMP/bin/updater") == "$umode_before" ]] || e2e_fail "the updater's mode was not restored"
python3 - "$store" <<'PY' || e2e_fail "the store does not say rolled_back"
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT action, state, rolled_back_us FROM actions WHERE action IN ('block-icmp', 'isolate', 'quarantine') AND state != 'refused'").fetchall()
assert rows and all(r[1] == "rolled_back" and r[2] for r in rows), rows
PY
e2e_log "ok: rolled back — traffic restored, mode restored, recorded"
