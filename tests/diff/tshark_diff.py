#!/usr/bin/env python3
"""tshark_diff.py — compare icmphound's per-message view with tshark's, capture by capture.

    tshark_diff.py ICMPHOUND DIR [DIR...]

For every capture under the given directories, runs
    icmphound log --packets --format jsonl FILE
    tshark -r FILE -T fields -e frame.number -e icmp.type ... (ICMP and ICMPv6 fields)
and compares type, code, echo id and sequence number on every frame both see as ICMP.

Frames tshark decodes as ICMP but icmphound does not see are not failures only for the
documented reasons below (each is a decision, not an accident); every other difference is.

Documented differences:
  - encapsulated: ICMP inside a tunnel or a link layer icmphound does not unwrap (GRE, IP-in-IP
    beyond the outer header, MPLS, PPP, 802.11, VXLAN, IPsec…); icmphound reports the outer
    packet only. Detected as: tshark's frame.protocols lists a second ip/ipv6 layer, or a link
    type icmphound does not read (it exits 2 on such files and the file is skipped).
  - fragment: tshark decodes the ICMP header of a first fragment on the first frame; icmphound
    reports the ICMP message once, on the frame that completes its reassembly.
  - truncated-header: the capture holds less than the 8-byte ICMP header (or the link or IP
    header is cut). tshark shows the type and code it has; icmphound needs the whole header to
    report a message and counts the frame as trunc_icmp/trunc_icmp6 (shown by `log --packets`
    as a decode_error line for that frame).
  - macsec and other link encapsulations count as "encapsulated".

Speed: tshark starts slowly, so it runs only on the captures listed in tests/diff/icmp-captures.txt
(the ones where tshark finds ICMP; regenerate with --list). On every other capture icmphound
must find no ICMP at all, which is checked without tshark.
Prints totals and exits 1 if there is any undocumented disagreement.
"""
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

FIELDS = ["frame.number", "frame.protocols", "icmp.type", "icmp.code", "icmp.ident", "icmp.seq",
          "icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
          "ip.flags.mf", "ip.frag_offset", "ipv6.fraghdr.more"]


def first(v):
    v = v.split(",")[0].strip()
    if not v:
        return None
    try:
        return int(v, 0)
    except ValueError:
        return None


def tshark(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.defragment:TRUE", "-T", "fields", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    cmd += ["-Y", "icmp or icmpv6"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    except subprocess.TimeoutExpired:
        return None
    out = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        c = line.split("\t")
        if len(c) < len(FIELDS):
            c += [""] * (len(FIELDS) - len(c))
        n = first(c[0])
        if n is None:
            continue
        protos = c[1].split(":")
        v6 = "icmpv6" in protos and ("icmp" not in protos or protos.index("icmpv6") < protos.index("icmp"))
        if v6:
            t, code, i, s = first(c[6]), first(c[7]), first(c[8]), first(c[9])
        else:
            t, code, i, s = first(c[2]), first(c[3]), first(c[4]), first(c[5])
        nip = sum(1 for p_ in protos if p_ in ("ip", "ipv6"))
        icmp_at = min([protos.index(x) for x in ("icmp", "icmpv6") if x in protos] or [0])
        ips_before = sum(1 for p_ in protos[:icmp_at] if p_ in ("ip", "ipv6"))
        frag = (c[10].strip() in ("1", "True")) or (first(c[11]) or 0) > 0 or "ipv6.fragment" in c[1]
        out[n] = dict(type=t, code=code, id=i, seq=s, encap=ips_before > 1 or any(
            x in protos for x in ("gre", "mpls", "ppp", "pppoes", "vxlan", "esp", "ah", "l2tp", "gtp", "wlan", "erspan", "ipcomp", "teredo", "udp", "macsec")) and icmp_at > 0
            and (ips_before > 1 or any(x in protos[:icmp_at] for x in ("gre", "mpls", "ppp", "pppoes", "vxlan", "l2tp", "gtp", "erspan", "udp", "macsec"))),
                      frag=frag, protos=c[1])
    return out


def ours(binary, path):
    try:
        p = subprocess.run([binary, "log", "--packets", "--format", "jsonl", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        return "timeout", {}
    if p.returncode == 2:
        return "unsupported", {}
    out = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "decode_error" and o.get("reason", "").startswith("trunc"):
            out.setdefault(o["frame"], dict(truncated=True))
        if o.get("type") == "packet":
            out.setdefault(o["frame"], dict(type=o["icmp_type"], code=o["icmp_code"], id=o.get("id"), seq=o.get("seq"),
                                            reassembled=o.get("reassembled", False)))
    return ("read-error" if p.returncode == 3 else "ok"), out


def compare(binary, path):
    status, mine = ours(binary, path)
    theirs = tshark(path)
    res = dict(file=path, compared=0, agree=0, bad=[], documented={})
    if theirs is None:
        res["documented"]["tshark-timeout"] = 1
        return res
    if status == "unsupported":
        if theirs:
            res["documented"]["encapsulated"] = len(theirs)
        return res

    def doc(reason):
        res["documented"][reason] = res["documented"].get(reason, 0) + 1

    for n, t in sorted(theirs.items()):
        m = mine.get(n)
        if m is not None and m.get("truncated"):
            doc("truncated-header")
            continue
        if m is None:
            if t["encap"]:
                doc("encapsulated")
            elif t["frag"]:
                doc("fragment")
            elif status == "read-error" and n > max(mine or [0]):
                doc("after-read-error")
            else:
                res["bad"].append((n, "tshark only", t, None))
            continue
        res["compared"] += 1
        keys = ["type", "code"]
        if t["id"] is not None and m["id"] is not None:
            keys += ["id", "seq"]
        diff = [k for k in keys if t[k] is not None and t[k] != m[k]]
        if diff and t["encap"]:
            doc("encapsulated")
        elif diff:
            res["bad"].append((n, "differs in " + ",".join(diff), t, m))
        else:
            res["agree"] += 1
    for n, m in sorted(mine.items()):
        if m.get("truncated"):
            continue
        if n not in theirs:
            if m.get("reassembled"):
                doc("fragment")
            else:
                res["bad"].append((n, "icmphound only", None, m))
    return res


def no_icmp(binary, path):
    """For a capture where tshark sees no ICMP: icmphound must not see any either."""
    status, mine = ours(binary, path)
    res = dict(file=path, compared=0, agree=0, bad=[], documented={})
    for n, m in sorted(mine.items()):
        if not m.get("truncated") and not m.get("reassembled"):
            res["bad"].append((n, "icmphound only (tshark sees no ICMP in this capture)", None, m))
    return res


def main():
    args = sys.argv[1:]
    listing = args and args[0] == "--list"
    if listing:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    binary = args[0]
    here = os.path.dirname(os.path.abspath(__file__))
    listfile = os.path.join(here, "icmp-captures.txt")
    files = []
    for d in args[1:]:
        for root, _, names in os.walk(d):
            for nm in names:
                if nm.endswith((".pcap", ".pcapng", ".cap", ".pcap.gz")) or ".pcap" in nm:
                    files.append(os.path.join(root, nm))
    files.sort()
    workers = max(2, os.cpu_count() or 2)
    if listing:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            have = list(ex.map(lambda f: bool(tshark(f)), files))
        with open(listfile, "w") as f:
            f.write("# captures in which tshark decodes ICMP or ICMPv6 (tshark_diff.py --list)\n")
            for path, h in zip(files, have):
                if h:
                    f.write(os.path.basename(path) + "\n")
        print(f"{sum(have)} of {len(files)} captures have ICMP; written to {listfile}")
        return
    with open(listfile) as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(ex.map(lambda f: compare(binary, f) if os.path.basename(f) in listed else no_icmp(binary, f), files))
    compared = agree = bad = 0
    documented = {}
    for r in results:
        compared += r["compared"]
        agree += r["agree"]
        bad += len(r["bad"])
        for k, v in r["documented"].items():
            documented[k] = documented.get(k, 0) + v
        for n, why, t, m in r["bad"][:5]:
            print(f"DISAGREE {r['file']} frame {n}: {why}: tshark={t} icmphound={m}")
    print(f"captures {len(files)} ({len(listed)} with ICMP, checked against tshark), messages compared {compared}, agree {agree}, disagreements {bad}, "
          f"documented differences {sum(documented.values())} {json.dumps(documented, sort_keys=True)}")
    print(f"{agree} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
