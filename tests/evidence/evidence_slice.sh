#!/usr/bin/env bash
# evidence_slice.sh — `icmphound evidence` on the seed case (issue 7): the package's
# packets.pcap holds exactly the incident's packets, and `evidence --verify` catches one changed
# byte, a removed file and an added one.
#
# "Exactly" is checked against an independent count: for each finding of the incident, tcpdump
# reads the original capture with a BPF filter written from the finding (ICMP between its src
# and dst; for lateral movement TCP/UDP to the listed hosts and ports) and the packets whose time
# falls in [first_seen, last_seen + grace] are kept; the union of those packets, printed by
# tcpdump, must be line for line what tcpdump prints of packets.pcap (same times, same
# summaries, same order).
#
#   evidence_slice.sh BIN DATA_DIR
set -uo pipefail
bin=$1 data=$2
cap=$data/corpus/case_seed.pcap
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/ih-evidence-XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }
tcpd() { tcpdump -n -tt --time-stamp-precision=micro "$@" 2>/dev/null; }

# analyse into a store, take the malicious incident
"$bin" analyze --no-config --seed 1 --format jsonl --store "$tmp/store.db" "$cap" >"$tmp/a.jsonl" ||
  { echo "FAIL: analyze --store exited $?"; exit 1; }
id=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "incident" and o["verdict"] == "malicious":
        print(o["id"]); break' "$tmp/a.jsonl")
[[ -n $id ]] || { echo "FAIL: no malicious incident in the seed case"; exit 1; }

# ---- cut from the store (the capture found by the path the store recorded)
"$bin" evidence "$id" --store "$tmp/store.db" --out "$tmp/ev" >"$tmp/ev.out" 2>"$tmp/ev.err" ||
  { echo "FAIL: evidence exited $?: $(cat "$tmp/ev.err")"; exit 1; }
for f in packets.pcap incident.json findings.jsonl processes.json MANIFEST; do
  [[ -f $tmp/ev/$f ]] || die "the package has no $f"
  [[ $(stat -c %a "$tmp/ev/$f") == 444 ]] || die "$f is mode $(stat -c %a "$tmp/ev/$f"), not 0444"
done

# the independent count: tcpdump filters and time windows from the findings
python3 - "$tmp/a.jsonl" "$id" "$cap" >"$tmp/expected.txt" <<'EOF' || die "the independent count failed"
import json, subprocess, sys
from datetime import datetime, timezone

lines = [json.loads(l) for l in open(sys.argv[1])]
inc = next(o for o in lines if o["type"] == "incident" and o["id"] == sys.argv[2])
findings = {o["id"]: o for o in lines if o["type"] == "finding"}
grace_us = 2 * 1000000

def us(t):  # RFC 3339 with microseconds, UTC -> integer microseconds
    d = datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond

def net(d):
    return ("net " if "/" in d else "host ") + d

def tcpdump(bpf):
    cmd = ["tcpdump", "-n", "-tt", "--time-stamp-precision=micro", "-r", sys.argv[3]] + ([bpf] if bpf else [])
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()

picked = set()  # tcpdump lines (time and summary) of the packets that belong
for fid in inc["findings"]:
    f = findings[fid]
    s = f["src"]
    if f["kind"] == "lateral_movement":
        per_host = []
        for h in f["evidence"]["hosts"]:
            ports = " or ".join("(%s and port %s)" % (p.split("/")[1], p.split("/")[0]) for p in h["ports"])
            per_host.append("(host %s and (%s))" % (h["addr"], ports))
        bpf = "host %s and (tcp or udp) and (%s)" % (s, " or ".join(per_host))
    else:
        bpf = "(icmp or icmp6) and host %s and %s" % (s, net(f["dst"]))
    lo, hi = us(f["first_seen"]), us(f["last_seen"]) + grace_us
    for l in tcpdump(bpf):
        sec, frac = l.split(None, 1)[0].split(".")
        if lo <= int(sec) * 1000000 + int(frac) <= hi:
            picked.add(l)
# in the capture's order
for l in tcpdump(None):
    if l in picked:
        print(l)
EOF
tcpd -r "$tmp/ev/packets.pcap" >"$tmp/got.txt" || die "tcpdump cannot read packets.pcap"
want=$(wc -l <"$tmp/expected.txt") got=$(wc -l <"$tmp/got.txt")
echo "evidence_slice: incident $id: packets.pcap holds $got packets, the independent count is $want"
((want > 0)) || die "the independent count is 0"
if ! diff -q "$tmp/expected.txt" "$tmp/got.txt" >/dev/null; then
  die "packets.pcap differs from the incident's packets:"
  diff "$tmp/expected.txt" "$tmp/got.txt" | head -20
fi
# every packet involves the primary host; nothing but ICMP, TCP and UDP
primary=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["primary"])' "$tmp/ev/incident.json")
[[ $(tcpd -r "$tmp/ev/packets.pcap" "host $primary" | wc -l) == "$got" ]] || die "packets.pcap holds packets without $primary"
[[ $(tcpd -r "$tmp/ev/packets.pcap" "not (icmp or icmp6 or tcp or udp)" | wc -l) == 0 ]] || die "packets.pcap holds other protocols"
# the manifest: hashes of the files and the capture, the identity checked, the operator
python3 - "$tmp/ev" "$cap" "$id" <<'EOF' || die "MANIFEST is not what it should be"
import hashlib, json, os, sys
d, cap, iid = sys.argv[1:]
m = json.load(open(os.path.join(d, "MANIFEST")))
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
assert m["format"] == 1 and m["incident"] == iid, m["incident"]
names = sorted(f["name"] for f in m["files"])
assert names == ["findings.jsonl", "incident.json", "packets.pcap", "processes.json"], names
for f in m["files"]:
    p = os.path.join(d, f["name"])
    assert f["sha256"] == sha(p) and f["size"] == os.path.getsize(p), f["name"]
src = m["sources"][0]
assert src["sha256"] == sha(cap) and src["input_id_checked"], src
assert m["command"][:3] == ["icmphound", "evidence", iid], m["command"]
assert m["operator"]["user"] and "collected_at" in m and m["tool"]["version"]
assert sum(1 for _ in open(os.path.join(d, "findings.jsonl"))) == len(json.load(open(os.path.join(d, "incident.json")))["findings"])
EOF

# ---- the same from the JSON lines, with the capture given: the same packets
"$bin" evidence "$id" --from "$tmp/a.jsonl" --out "$tmp/ev2" "$cap" >/dev/null 2>"$tmp/ev2.err" ||
  die "evidence --from exited $?: $(cat "$tmp/ev2.err")"
cmp -s "$tmp/ev/packets.pcap" "$tmp/ev2/packets.pcap" || die "--from and --store cut different packets"
cmp -s "$tmp/ev/findings.jsonl" "$tmp/ev2/findings.jsonl" || die "--from and --store give different findings.jsonl"

# ---- refusals
"$bin" evidence "$id" --store "$tmp/store.db" --out "$tmp/ev" >/dev/null 2>"$tmp/err"
rc=$?; [[ $rc == 2 ]] && grep -q "not empty" "$tmp/err" || die "a non-empty DIR: exit $rc, $(cat "$tmp/err")"
"$bin" evidence "$id" --store "$tmp/store.db" --out "$tmp/ev3" "$data/corpus/sweep_nmap.pcap" >/dev/null 2>"$tmp/err"
rc=$?; [[ $rc == 2 ]] && grep -q "is not a capture this incident was found in" "$tmp/err" ||
  die "another capture: exit $rc, $(cat "$tmp/err")"
[[ ! -e $tmp/ev3 ]] || die "a refused capture still created DIR"
"$bin" evidence I-0000000000000000 --store "$tmp/store.db" --out "$tmp/ev3" >/dev/null 2>&1
[[ $? == 2 ]] || die "an unknown incident did not exit 2"

# ---- verify: intact, then one changed byte, a removed file, an added file
"$bin" evidence --verify "$tmp/ev" >"$tmp/v.out" || die "a fresh package does not verify: $(cat "$tmp/v.out")"
"$bin" evidence --verify --sources "$tmp/ev" >"$tmp/v.out" || die "--sources does not verify: $(cat "$tmp/v.out")"
cp -a "$tmp/ev" "$tmp/bad"
chmod u+w "$tmp/bad/packets.pcap"
off=$(( $(stat -c %s "$tmp/bad/packets.pcap") / 2 ))
byte=$(od -An -tu1 -j "$off" -N1 "$tmp/bad/packets.pcap" | tr -d ' ')
printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" | dd of="$tmp/bad/packets.pcap" bs=1 seek="$off" conv=notrunc status=none
"$bin" evidence --verify "$tmp/bad" >"$tmp/v.out"; rc=$?
[[ $rc == 6 ]] || die "one changed byte: --verify exited $rc, not 6"
grep -q "^CHANGED  packets.pcap" "$tmp/v.out" || die "one changed byte is not reported: $(cat "$tmp/v.out")"
grep -q "NOT INTACT: 1 changed, 0 missing, 0 added" "$tmp/v.out" || die "the summary is wrong: $(tail -1 "$tmp/v.out")"
rm -f "$tmp/bad/findings.jsonl"
echo "not evidence" >"$tmp/bad/notes.txt"
"$bin" evidence --verify "$tmp/bad" >"$tmp/v.out"; rc=$?
[[ $rc == 6 ]] || die "a removed and an added file: --verify exited $rc, not 6"
grep -q "^MISSING  findings.jsonl" "$tmp/v.out" || die "a removed file is not reported: $(cat "$tmp/v.out")"
grep -q "^EXTRA    notes.txt" "$tmp/v.out" || die "an added file is not reported: $(cat "$tmp/v.out")"
grep -q "NOT INTACT: 1 changed, 1 missing, 1 added" "$tmp/v.out" || die "the summary is wrong: $(tail -1 "$tmp/v.out")"
# a package without a readable MANIFEST cannot be checked at all
rm -f "$tmp/bad/MANIFEST"
"$bin" evidence --verify "$tmp/bad" >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || die "no MANIFEST: --verify exited $rc, not 2"
# a forged manifest naming a file outside the package is refused, not followed
mkdir "$tmp/forged"
printf '{"format":1,"files":[{"name":"../store.db","size":1,"sha256":"%064d"}]}\n' 0 >"$tmp/forged/MANIFEST"
"$bin" evidence --verify "$tmp/forged" >/dev/null 2>"$tmp/err"; rc=$?
[[ $rc == 2 ]] && grep -q "plain name" "$tmp/err" || die "a forged name: exit $rc, $(cat "$tmp/err")"

((fail)) && exit 1
echo "evidence_slice: ok"
