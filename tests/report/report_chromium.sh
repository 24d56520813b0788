#!/usr/bin/env bash
# report_chromium.sh — the HTML report of the seed case, as a browser sees it.
#
#   report_chromium.sh BIN OUTDIR
#
# Writes `icmphound report --html` for tests/data/corpus/case_seed.pcap, then:
#   1. reads the file: no script, no external resource of any kind (http:, https:, //, src=,
#      url(, @import, <link>, <img>, <iframe>, <object>, <embed>, <base>), a
#      Content-Security-Policy of default-src 'none';
#   2. renders it with Debian's headless Chromium to OUTDIR/report_case_seed.png (1280x4000) and
#      checks the PNG: right size, not blank;
#   3. dumps the DOM Chromium built and checks it against the JSON lines of the same analysis:
#      one card per incident (id, verdict, score, every ATT&CK technique, every playbook step),
#      every chart (svg with its id, class, <title> and <desc>, and a table of its data), no
#      element that loads or runs anything;
#   4. watches the network: a net log (--log-net-log) must show no request the page made (only
#      the browser's own background requests, whose initiator is "not an origin"), and the console
#      (--enable-logging) no Content-Security-Policy violation. A control page with an external
#      image is run first to show that the net log does see page requests in this Chromium.
# Skipped (77) when chromium or python3 is missing.
set -uo pipefail
if (($# < 2)); then
  echo "usage: $0 BIN OUTDIR" >&2
  exit 1
fi
bin=$1 outdir=$2
[[ $bin == /* ]] || bin=$PWD/$bin
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [[ -z $CHROMIUM ]]; then
  echo "SKIP: no chromium (Debian package chromium; scripts/deps.sh installs it)"
  exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# chromium ARGS... : headless, no sandbox (root in CI), no GPU, nothing remembered, nothing
# fetched in the background that can be turned off; a fresh profile every time.
chromium_run() {
  local profile
  profile=$(mktemp -d "$tmp/profile.XXXXXX")
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --no-default-browser-check --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --disable-default-apps --no-pings \
    --disable-domain-reliability --disable-client-side-phishing-detection --hide-scrollbars \
    --user-data-dir="$profile" "$@"
}

# ------------------------------------------------------------------ the report
html=$tmp/case_seed.html
(cd "$data" && TZ=GMT0 LC_ALL=C "$bin" report --no-config --html "$html" corpus/case_seed.pcap) 2>"$tmp/report.err" \
  || { cat "$tmp/report.err"; bad "icmphound report failed"; exit 1; }
(cd "$data" && TZ=GMT0 LC_ALL=C "$bin" analyze --no-config --format jsonl corpus/case_seed.pcap) >"$tmp/case_seed.jsonl" \
  || bad "icmphound analyze failed"
cp "$html" "$outdir/report_case_seed.html"

# 1. the file itself
for pat in 'http:' 'https:' '//' 'src=' 'url(' '@import' '<script' '<link' '<img' '<iframe' '<object' \
           '<embed' '<base' 'javascript:'; do
  if grep -qiF -- "$pat" "$html"; then
    bad "the HTML contains '$pat':"
    grep -oiF -- "$pat" "$html" | head -3
    grep -iF -m3 -- "$pat" "$html" | cut -c1-200
  fi
done
grep -qF "content=\"default-src 'none';" "$html" || bad "no Content-Security-Policy default-src 'none'"

# 2. the picture
png=$outdir/report_case_seed.png
rm -f "$png"
chromium_run --screenshot="$png" --window-size=1280,4000 "file://$html" >"$tmp/shot.out" 2>&1 \
  || { tail -5 "$tmp/shot.out"; bad "chromium --screenshot failed"; }
python3 - "$png" <<'EOF' || fail=1
import struct, sys, zlib
path = sys.argv[1]
try:
    raw = open(path, "rb").read()
except OSError as e:
    print("FAIL: no screenshot:", e); sys.exit(1)
if raw[:8] != b"\x89PNG\r\n\x1a\n":
    print("FAIL: not a PNG"); sys.exit(1)
w, h, depth, ctype = struct.unpack(">IIBB", raw[16:26])
if (w, h) != (1280, 4000):
    print("FAIL: screenshot is %dx%d, expected 1280x4000" % (w, h)); sys.exit(1)
# decode (8-bit RGB or RGBA, not interlaced: what Chromium writes) and count colours
pos, idat = 8, b""
while pos < len(raw):
    n, t = struct.unpack(">I4s", raw[pos:pos + 8])
    if t == b"IDAT":
        idat += raw[pos + 8:pos + 8 + n]
    pos += 12 + n
bpp = {2: 3, 6: 4}.get(ctype)
if depth != 8 or not bpp:
    print("screenshot: colour type %d depth %d, not checked further" % (ctype, depth)); sys.exit(0)
data, stride = zlib.decompress(idat), w * bpp
prev, colours, nonwhite = bytearray(stride), set(), 0
for y in range(min(h, 1600)):  # the top of the page is enough to tell a rendering from a blank
    f, line = data[y * (stride + 1)], bytearray(data[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 8 == 0:
        for x in range(0, w, 4):
            px = bytes(line[x * bpp:x * bpp + 3])
            colours.add(px)
            nonwhite += px != b"\xff\xff\xff"
    prev = line
if len(colours) < 50 or nonwhite < 2000:
    print("FAIL: the screenshot looks blank (%d colours, %d non-white samples)" % (len(colours), nonwhite)); sys.exit(1)
print("screenshot %s: %dx%d, %d colours sampled" % (path, w, h, len(colours)))
EOF

# 4a. control: the net log sees a page's own requests in this Chromium
cat >"$tmp/control.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>control</title></head>
<body><img src="http://example.invalid/control.png" alt=""></body></html>
EOF
netcheck='
import json, sys
d = json.load(open(sys.argv[1]))
names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
page = []
for e in d.get("events", []):
    p = e.get("params") or {}
    if names.get(e.get("type")) == "URL_REQUEST_START_JOB" and p.get("url"):
        if p.get("initiator", "not an origin") != "not an origin":
            page.append("%s (initiator %s)" % (p["url"], p.get("initiator")))
for u in page:
    print(u)
sys.exit(1 if page else 0)
'
chromium_run --log-net-log="$tmp/control-net.json" --dump-dom "file://$tmp/control.html" >/dev/null 2>&1
if python3 -c "$netcheck" "$tmp/control-net.json" >/dev/null 2>&1; then
  bad "the net log did not show the control page's request: the network check would see nothing"
fi

# 3 + 4b. the DOM, the net log and the console of the report
chromium_run --log-net-log="$tmp/net.json" --enable-logging=stderr --v=0 --dump-dom "file://$html" \
  >"$tmp/dom.html" 2>"$tmp/console.txt" || bad "chromium --dump-dom failed"
if ! python3 -c "$netcheck" "$tmp/net.json" >"$tmp/net.txt" 2>&1; then
  bad "the report made network requests:"; cat "$tmp/net.txt"
fi
if grep -E "Content Security Policy|Refused to (load|apply|execute)" "$tmp/console.txt"; then
  bad "the console shows blocked loads (Content-Security-Policy violations)"
fi

python3 - "$tmp/dom.html" "$tmp/case_seed.jsonl" <<'EOF' || fail=1
import json, sys
from html.parser import HTMLParser

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids, self.text = tag, dict(attrs), parent, [], []
    def all(self):
        yield self
        for k in self.kids:
            yield from k.all()
    def find(self, pred):
        return [n for n in self.all() if pred(n)]
    def content(self):
        return "".join(self.text) + "".join(k.content() for k in self.kids)
    def cls(self):
        return (self.attrs.get("class") or "").split()

VOID = {"meta", "br", "link", "img", "input", "hr", "area", "base", "col", "embed", "source", "track", "wbr"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#doc", [], None)
        self.cur = self.root
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_startendtag(self, tag, attrs):
        self.cur.kids.append(Node(tag, attrs, self.cur))
    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent
    def handle_data(self, d):
        self.cur.text.append(d)

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
dom = p.root
lines = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
findings = [o for o in lines if o.get("type") == "finding"]
incidents = [o for o in lines if o.get("type") == "incident"]
errors = []
def err(m):
    errors.append(m)

for tag in ("script", "img", "iframe", "object", "embed", "link", "base", "form"):
    if dom.find(lambda n: n.tag == tag):
        err("the DOM has a <%s> element" % tag)
for n in dom.all():
    for a, v in n.attrs.items():
        if a.startswith("on"):
            err("event handler attribute %s on <%s>" % (a, n.tag))
        if a == "href" and not (v or "").startswith("#"):
            err("link to %r" % v)

if not incidents:
    err("the analysis has no incident: the seed case should have one")
for inc in incidents:
    cards = dom.find(lambda n: n.tag == "article" and n.attrs.get("id") == inc["id"])
    if len(cards) != 1:
        err("incident %s: %d cards" % (inc["id"], len(cards))); continue
    card = cards[0]
    if "incident" not in card.cls() or "v-" + inc["verdict"] not in card.cls():
        err("incident %s: card classes %s" % (inc["id"], card.cls()))
    text = card.content()
    for want in (inc["verdict"], inc["primary"], "score %d/100" % inc["score"], inc["narrative"][:60]):
        if want not in text:
            err("incident %s: %r not on its card" % (inc["id"], want))
    techs = {t.content().strip() for row in card.find(lambda n: n.tag == "tr" and "technique" in n.cls())
             for t in row.find(lambda n: n.tag == "td")[:1]}
    for m in inc["mitre"]:
        if m["id"] not in techs:
            err("incident %s: technique %s missing" % (inc["id"], m["id"]))
        if m["tactic"] not in text or m["name"] not in text:
            err("incident %s: technique %s's name or tactic missing" % (inc["id"], m["id"]))
    steps = card.find(lambda n: n.tag == "ol" and "playbook" in n.cls())
    items = steps[0].find(lambda n: n.tag == "li") if steps else []
    if len(items) != len(inc["playbook"]):
        err("incident %s: %d playbook steps shown, %d in the incident" % (inc["id"], len(items), len(inc["playbook"])))
    for s in inc["playbook"]:
        if s["title"] not in text:
            err("incident %s: playbook step %r missing" % (inc["id"], s["title"]))
    if "icmphound contain " + inc["id"] not in text and inc["verdict"] != "benign":
        err("incident %s: no containment plan" % inc["id"])
    for fid in inc["findings"]:
        if not card.find(lambda n: n.tag == "tr" and n.attrs.get("id") == fid):
            err("incident %s: finding %s not listed" % (inc["id"], fid))

charts = [("chart-activity", "chart-activity"), ("chart-talkers", "chart-talkers"), ("chart-payload", "chart-payload")]
for f in findings:
    if f["kind"] == "sweep":
        charts.append(("sweep-" + f["id"], "chart-sweep"))
    if f["kind"] == "beacon" and f["evidence"].get("gaps_ms"):
        charts.append(("beacon-" + f["id"], "chart-beacon"))
for inc in incidents:
    if len(inc["findings"]) > 1:
        charts.append(("timeline-" + inc["id"], "chart-timeline"))
for cid, cls in charts:
    svgs = dom.find(lambda n: n.tag == "svg" and n.attrs.get("id") == cid)
    if len(svgs) != 1:
        err("chart %s: %d svg elements" % (cid, len(svgs))); continue
    svg = svgs[0]
    if "chart" not in svg.cls() or cls not in svg.cls():
        err("chart %s: classes %s, expected chart %s" % (cid, svg.cls(), cls))
    if svg.attrs.get("role") != "img" or svg.attrs.get("aria-labelledby") != "%s-t %s-d" % (cid, cid):
        err("chart %s: not labelled for assistive technology" % cid)
    kids = {k.tag: k for k in svg.kids}
    if "title" not in kids or not kids["title"].content().strip() or "desc" not in kids or not kids["desc"].content().strip():
        err("chart %s: no <title> or <desc>" % cid)
    fig = svg.parent
    if fig is None or fig.tag != "figure":
        err("chart %s: not in a <figure>" % cid); continue
    if not fig.find(lambda n: n.tag == "figcaption"):
        err("chart %s: no caption" % cid)
    if not fig.find(lambda n: n.tag == "table"):
        err("chart %s: no table of its data (text alternative)" % cid)
if sweep := [f for f in findings if f["kind"] == "sweep"]:
    cells = dom.find(lambda n: n.tag == "rect" and "cell" in n.cls() and n.parent.parent.attrs.get("id") == "sweep-" + sweep[0]["id"])
    if not cells:
        err("sweep chart has no cells")

for e in errors:
    print("FAIL:", e)
print("DOM: %d incident card(s), %d chart(s), %d technique(s) checked" %
      (len(incidents), len(charts), sum(len(i["mitre"]) for i in incidents)))
sys.exit(1 if errors else 0)
EOF

((fail)) && exit 1
echo "report_chromium: ok (screenshot: $png)"
