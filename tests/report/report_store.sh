#!/usr/bin/env bash
# report_store.sh — the report built from the store (issue 8): `analyze --store` the seed case into a
# temporary SQLite file, then `report --store` writes HTML and Markdown from it alone.
#
#   report_store.sh BIN [EXPECTED_MD]
#
# Checked:
#   1. the HTML (read as text): one card per incident of the analysis (its id, verdict, score and
#      every ATT&CK technique), the ICMP-over-time chart and the top talkers drawn from the hourly
#      summaries (svg with <title> and <desc>, a data table), the payload chart left out with a
#      sentence saying why (never drawn empty), no script, the Content-Security-Policy, and a
#      footer that says the report came from the store;
#   2. the Markdown equals EXPECTED_MD byte for byte (a golden file; UPDATE=1 rewrites it);
#   3. the selection: --host of the incident's host keeps it, of a host with nothing drops it;
#      --since after the capture and --sensor of another sensor give no incident; --until before
#      --since, a capture given with --store, or a selection without --store are usage errors (1);
#      a store that does not exist is exit 2 and creates nothing.
# Skipped (77) without python3.
set -uo pipefail
if (($# < 1)); then
  echo "usage: $0 BIN [EXPECTED_MD]" >&2
  exit 1
fi
bin=$1
[[ $bin == /* ]] || bin=$PWD/$bin
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
expected=${2:-$here/expected/report_store_case_seed.md}
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# the analysis, from tests/data so that the input is recorded as corpus/case_seed.pcap
(cd "$data" && TZ=GMT0 LC_ALL=C timeout 120 "$bin" analyze --no-config --store "$tmp/s.db" --sensor lab \
  --format jsonl corpus/case_seed.pcap) >"$tmp/a.jsonl" 2>"$tmp/a.err" || { cat "$tmp/a.err" >&2; bad "analyze --store failed"; }

TZ=GMT0 LC_ALL=C timeout 60 "$bin" report --store "$tmp/s.db" --html "$tmp/r.html" --markdown "$tmp/r.md" \
  2>"$tmp/r.err"
rc=$?
((rc == 0)) || { cat "$tmp/r.err" >&2; bad "report --store exited $rc"; }
grep -q 'from the store' "$tmp/r.err" || bad "the closing summary does not say the report came from the store"

python3 - "$tmp/a.jsonl" "$tmp/r.html" <<'EOF' || fail=1
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
html = open(sys.argv[2], encoding="utf-8").read()
fails = []
incs = [o for o in lines if o.get("type") == "incident"]
if not incs:
    fails.append("the analysis made no incident")
for inc in incs:
    m = re.search(r'<article[^>]*id="%s"[^>]*>(.*?)</article>' % re.escape(inc["id"]), html, re.S)
    if not m:
        fails.append("no incident card for %s" % inc["id"])
        continue
    card = m.group(1)
    if inc["verdict"] not in card:
        fails.append("card %s lacks its verdict %s" % (inc["id"], inc["verdict"]))
    if not re.search(r'\b%d\b' % inc["score"], card):
        fails.append("card %s lacks its score %d" % (inc["id"], inc["score"]))
    for t in inc["mitre"]:
        if t["id"] not in card:
            fails.append("card %s lacks technique %s" % (inc["id"], t["id"]))
    for s in inc["playbook"]:
        if s["title"] not in card:
            fails.append("card %s lacks playbook step %s" % (inc["id"], s["title"]))
for chart in ("chart-activity", "chart-talkers"):
    m = re.search(r'<svg[^>]*id="%s"[^>]*>(.*?)</svg>' % chart, html, re.S)
    if not m:
        fails.append("no svg %s" % chart)
        continue
    if "<title" not in m.group(1) or "<desc" not in m.group(1):
        fails.append("svg %s lacks <title> or <desc>" % chart)
act = re.search(r'id="chart-activity".*?</figure>', html, re.S)
if act and "<table" not in act.group(0):
    fails.append("the activity chart has no data table")
if act and "10.77.0.10" not in act.group(0):
    fails.append("the activity chart does not show 10.77.0.10")
if 'id="chart-payload"' in html:
    fails.append("the payload chart is drawn, but the store keeps no payloads")
if 'id="payload-omitted"' not in html or "does not keep" not in html and "not the payloads" not in html:
    fails.append("no sentence saying why the payload chart is left out")
if re.search(r"<script|https?:|src=", html, re.I):
    fails.append("a script or an external resource in the page")
if "default-src 'none'" not in html:
    fails.append("no Content-Security-Policy")
if "from the store" not in html:
    fails.append("the footer does not say the report came from the store")
for f in fails:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if fails else 0)
EOF

# the Markdown from the store, against its golden file
if [[ ${UPDATE:-0} == 1 ]]; then
  mkdir -p "$(dirname "$expected")"
  cp "$tmp/r.md" "$expected"
  echo "wrote $expected"
elif [[ ! -f $expected ]]; then
  bad "no expected Markdown $expected (UPDATE=1 writes it)"
elif ! diff -u "$expected" "$tmp/r.md" >&2; then
  bad "the Markdown from the store differs from $expected"
fi

# selections
host=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "incident":
        print(o["primary"]); break' "$tmp/a.jsonl")
count_incidents() { grep -c '^## Incident ' "$1" || true; }
"$bin" report --store "$tmp/s.db" --host "$host" --markdown "$tmp/h.md" 2>/dev/null || bad "--host $host failed"
(($(count_incidents "$tmp/h.md") >= 1)) || bad "--host $host dropped its incident"
"$bin" report --store "$tmp/s.db" --host 192.0.2.200 --markdown "$tmp/n.md" 2>/dev/null || bad "--host 192.0.2.200 failed"
(($(count_incidents "$tmp/n.md") == 0)) || bad "--host 192.0.2.200 kept an incident"
"$bin" report --store "$tmp/s.db" --since 2030-01-01 --markdown "$tmp/s.md" 2>/dev/null || bad "--since failed"
(($(count_incidents "$tmp/s.md") == 0)) || bad "--since after the capture kept an incident"
"$bin" report --store "$tmp/s.db" --since 2026-11-25T01:00:00Z --until 2026-11-25T02:00:00Z --sensor lab \
  --markdown "$tmp/w.md" 2>/dev/null || bad "--since/--until around the capture failed"
(($(count_incidents "$tmp/w.md") >= 1)) || bad "--since/--until around the capture dropped the incident"
"$bin" report --store "$tmp/s.db" --sensor elsewhere --markdown "$tmp/o.md" 2>/dev/null || bad "--sensor failed"
(($(count_incidents "$tmp/o.md") == 0)) || bad "--sensor elsewhere kept an incident"

expect_rc() {
  local want=$1
  shift
  "$bin" "$@" >/dev/null 2>&1
  local got=$?
  ((got == want)) || bad "icmphound $* exited $got, expected $want"
}
expect_rc 1 report --store "$tmp/s.db" --since 2026-11-26 --until 2026-11-25 --markdown "$tmp/x.md"
expect_rc 1 report --store "$tmp/s.db" --markdown "$tmp/x.md" "$data/corpus/case_seed.pcap"
expect_rc 1 report --host 10.77.0.10 --markdown "$tmp/x.md" "$data/corpus/case_seed.pcap"
expect_rc 1 report --store "$tmp/s.db" --host not-an-address --markdown "$tmp/x.md"
expect_rc 2 report --store "$tmp/none.db" --markdown "$tmp/x.md"
[[ ! -e $tmp/none.db ]] || bad "a missing store was created"
[[ ! -e $tmp/x.md ]] || bad "a failed report left $tmp/x.md"

((fail)) && exit 1
echo "ok: report from the store: cards, techniques, activity and talkers charts, payload chart left out and said; selections"
exit 0
