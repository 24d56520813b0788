#!/usr/bin/env python3
"""labels.py — check icmphound's findings against a labelled corpus (LABELS.tsv).

    labels.py BIN DIR

The golden cases pin the bytes of the output; this pins what it means, so that a golden file
rewritten by mistake (scripts/regen-golden.sh) cannot make a wrong answer the expected one.
DIR/LABELS.tsv has a line per expectation, tab-separated: FILE KIND SRC DST EXPECT NOTE.
  KIND    a finding kind, several as a|b, or * for any
  SRC     the address or CIDR of the host that did it, or *
  DST     an address or CIDR the finding's dst must overlap (for "must"), or *
  EXPECT  must: a finding of that kind from SRC to DST at severity low or above;
          never: no finding of that kind from SRC at severity low or above
Runs `BIN analyze --format jsonl DIR/FILE` once a file. Prints a line a failed expectation,
then 'N passed, N failed'; exits 1 on any failure or on a label it cannot read.
"""
import ipaddress
import json
import os
import subprocess
import sys

LOW = ("low", "medium", "high", "critical")


def network(text):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def overlaps(label, value):
    """Does a finding's src or dst (an address, a CIDR, a range a-b, or a list) meet label?"""
    if label == "*":
        return True
    want = network(label)
    values = value if isinstance(value, list) else [value]
    for v in values:
        for word in str(v).replace(",", " ").split():
            got = network(word.split("-")[0])
            if got is not None and got.version == want.version and got.overlaps(want):
                return True
    return False


def read_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 5 or cols[4] not in ("must", "never"):
                sys.exit(f"{path}:{n}: expected FILE KIND SRC DST must|never NOTE")
            for addr in cols[2:4]:
                if addr != "*" and network(addr) is None:
                    sys.exit(f"{path}:{n}: {addr!r} is no address or CIDR")
            rows.append(cols[:5] + [cols[5] if len(cols) > 5 else ""])
    return rows


def findings(binary, path):
    out = subprocess.run([binary, "analyze", "--no-config", "--format", "jsonl", path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, check=False)
    if out.returncode != 0:
        sys.exit(f"{path}: icmphound exited {out.returncode}: {out.stderr.decode()[:300]}")
    found = []
    for line in out.stdout.decode("utf-8").splitlines():
        obj = json.loads(line)
        if obj.get("type") == "finding" and obj.get("severity") in LOW:
            found.append(obj)
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, corpus = sys.argv[1], sys.argv[2]
    rows = read_labels(os.path.join(corpus, "LABELS.tsv"))
    by_file = {}
    for r in rows:
        by_file.setdefault(r[0], []).append(r)
    passed = failed = 0
    for name in sorted(by_file):
        got = findings(binary, os.path.join(corpus, name))
        for _, kind, src, dst, expect, note in by_file[name]:
            kinds = None if kind == "*" else set(kind.split("|"))
            hits = [f for f in got
                    if (kinds is None or f.get("kind") in kinds) and overlaps(src, f.get("src", ""))
                    and (expect == "never" or overlaps(dst, f.get("dst", "")))]
            if bool(hits) == (expect == "must"):
                passed += 1
                continue
            failed += 1
            print(f"FAIL {name}: {expect} {kind} src={src} dst={dst} ({note})")
            for f in hits[:3]:
                print(f"     got {f['severity']} {f['kind']} {f.get('src')} -> {f.get('dst')}: {f.get('summary')}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
