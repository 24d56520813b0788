#!/usr/bin/env python3
"""pcap2conn.py -- a capture to a Zeek conn.log, the way Zeek's conn.log is documented.

Zeek is not packaged in Debian 12, so the conn.log fixtures of icmphound's tests are made from
the corpus captures by this script (standard library only, deterministic) rather than by Zeek
itself. It follows base/protocols/conn/main.zeek and the ASCII / JSON writers:

  * ICMP: one "connection" per (orig, resp, type) with flow semantics; a reply belongs to the
    request's connection; id.orig_p is the type, id.resp_p the code; conn_state OTH, history
    unset; 60 s inactivity timeout (icmp_inactivity_timeout).
  * TCP: one per 4-tuple, the originator is the SYN's sender; history letters S h A D F R
    (upper case originator, lower case responder); conn_state S0, REJ, S1, SF, RSTO, RSTR, OTH.
  * UDP: one per 4-tuple; history D / d; S0 or SF; 60 s inactivity timeout.
  * orig_bytes / resp_bytes: payload bytes; *_ip_bytes: IP lengths; duration unset for a
    connection of one packet; rows written in the order connections end (not in ts order).

usage: pcap2conn.py [--json] [--rename OLD=NEW]... [--shift SECONDS] CAPTURE > conn.log
"""
import argparse
import hashlib
import json
import socket
import struct
import sys

FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
          "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp",
          "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
          "tunnel_parents"]
TYPES = ["time", "string", "addr", "port", "addr", "port", "enum", "string", "interval", "count",
         "count", "string", "bool", "bool", "count", "string", "count", "count", "count", "count",
         "set[string]"]

REPLY4 = {8: 0, 13: 14, 15: 16, 17: 18, 42: 43}
REPLY6 = {128: 129, 139: 140, 160: 161}


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        end = ">"
    else:
        sys.exit("pcap2conn: %s: not a pcap file (pcapng is not read)" % path)
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + caplen]
        off += caplen
        ts = sec * 1_000_000 + (frac // 1000 if nano else frac)  # microseconds
        yield ts, linktype, frame


def ip_of(linktype, frame):
    if linktype == 1:
        eth = 14
        etype = struct.unpack("!H", frame[12:14])[0]
        while etype in (0x8100, 0x88a8):
            etype = struct.unpack("!H", frame[eth + 2:eth + 4])[0]
            eth += 4
        if etype not in (0x0800, 0x86dd):
            return None
        return frame[eth:]
    if linktype in (101, 228, 229, 12, 14):
        return frame
    if linktype == 113:
        return frame[16:]
    return None


def decode(ip):
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        proto = ip[9]
        src, dst = socket.inet_ntop(socket.AF_INET, ip[12:16]), socket.inet_ntop(socket.AF_INET, ip[16:20])
        return 4, src, dst, proto, total, ip[ihl:total]
    if v == 6:
        plen = struct.unpack("!H", ip[4:6])[0]
        proto = ip[6]
        src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
        return 6, src, dst, proto, plen + 40, ip[40:40 + plen]
    return None


class Conn:
    def __init__(self, ts, proto, orig, op, resp, rp):
        self.ts, self.last = ts, ts
        self.proto, self.orig, self.op, self.resp, self.rp = proto, orig, op, resp, rp
        self.pk = [0, 0]
        self.ipb = [0, 0]
        self.by = [0, 0]
        self.hist = ""
        self.syn = [False, False]
        self.synack = False
        self.fin = [False, False]
        self.rst = [False, False]
        self.est = False

    def note(self, c):
        if c not in self.hist:
            self.hist += c


def convert(path, rename, shift):
    conns = {}
    done = []

    def close(key):
        done.append(conns.pop(key))

    for ts, lt, frame in packets(path):
        ts += shift
        d = decode(ip_of(lt, frame))
        if not d:
            continue
        v, src, dst, proto, total, l4 = d
        src, dst = rename.get(src, src), rename.get(dst, dst)
        for k in [k for k, c in conns.items() if ts - c.last > (300 if c.proto == "tcp" else 60) * 1_000_000]:
            close(k)
        if proto in (1, 58) and len(l4) >= 4:
            t, code = l4[0], l4[1]
            replies = REPLY6 if proto == 58 else REPLY4
            back = {r: q for q, r in replies.items()}
            if t in back and (dst, src, back[t]) in conns:
                c, side = conns[(dst, src, back[t])], 1
            else:
                key = (src, dst, t)
                if key not in conns:
                    conns[key] = Conn(ts, "icmp", src, t, dst, code)
                c, side = conns[key], 0
            c.by[side] += max(len(l4) - 8, 0)
        elif proto in (6, 17) and len(l4) >= 8:
            sp, dp = struct.unpack("!HH", l4[:4])
            name = "tcp" if proto == 6 else "udp"
            if (dst, dp, src, sp, name) in conns:
                c, side = conns[(dst, dp, src, sp, name)], 1
            else:
                key = (src, sp, dst, dp, name)
                if key not in conns:
                    conns[key] = Conn(ts, name, src, sp, dst, dp)
                c, side = conns[key], 0
            if proto == 6:
                off = (l4[12] >> 4) * 4
                flags = l4[13]
                pay = max(len(l4) - off, 0)
                syn, ack, fin, rst = flags & 2, flags & 16, flags & 1, flags & 4
                if syn and not ack:
                    c.syn[side] = True
                    c.note("S" if side == 0 else "s")
                elif syn and ack:
                    c.synack = True
                    c.note("H" if side == 0 else "h")
                elif ack and not pay and not fin and not rst:
                    c.note("A" if side == 0 else "a")
                    if c.synack:
                        c.est = True
                if pay:
                    c.note("D" if side == 0 else "d")
                if fin:
                    c.fin[side] = True
                    c.note("F" if side == 0 else "f")
                if rst:
                    c.rst[side] = True
                    c.note("R" if side == 0 else "r")
                c.by[side] += pay
            else:
                c.by[side] += max(len(l4) - 8, 0)
                c.note("D" if side == 0 else "d")
        else:
            continue
        c.pk[side] += 1
        c.ipb[side] += total
        c.last = ts
    for k in list(conns):
        close(k)
    return done


def state(c):
    if c.proto == "icmp":
        return "OTH"
    if c.proto == "udp":
        return "SF" if c.pk[1] else "S0"
    if not c.syn[0]:
        return "OTH"
    if c.rst[1] and not c.synack:
        return "REJ"
    if not c.synack:
        return "S0"
    if c.rst[0]:
        return "RSTO"
    if c.rst[1]:
        return "RSTR"
    if c.fin[0] and c.fin[1]:
        return "SF"
    return "S1"


def uid(c):
    h = hashlib.sha1(("%s|%s|%s|%s|%s|%d" % (c.proto, c.orig, c.op, c.resp, c.rp, c.ts)).encode()).digest()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    n = int.from_bytes(h[:12], "big")
    s = ""
    while len(s) < 17:
        n, r = divmod(n, 62)
        s += alphabet[r]
    return "C" + s


def secs(us):
    return "%d.%06d" % (us // 1_000_000, us % 1_000_000)


def row(c):
    dur = c.last - c.ts
    return {
        "ts": secs(c.ts), "uid": uid(c), "id.orig_h": c.orig, "id.orig_p": str(c.op),
        "id.resp_h": c.resp, "id.resp_p": str(c.rp), "proto": c.proto, "service": None,
        "duration": secs(dur) if dur else None,
        "orig_bytes": str(c.by[0]) if dur else None, "resp_bytes": str(c.by[1]) if dur else None,
        "conn_state": state(c), "local_orig": None, "local_resp": None, "missed_bytes": "0",
        "history": c.hist if c.proto != "icmp" and c.hist else None,
        "orig_pkts": str(c.pk[0]), "orig_ip_bytes": str(c.ipb[0]),
        "resp_pkts": str(c.pk[1]), "resp_ip_bytes": str(c.ipb[1]), "tunnel_parents": None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rename", action="append", default=[])
    ap.add_argument("--shift", type=float, default=0.0, help="seconds added to every time")
    ap.add_argument("capture")
    a = ap.parse_args()
    rename = dict(r.split("=", 1) for r in a.rename)
    conns = convert(a.capture, rename, int(round(a.shift * 1_000_000)))
    conns.sort(key=lambda c: (c.last, c.ts, c.orig, c.resp, c.op, c.rp))
    out = sys.stdout
    if a.json:
        nums = {"id.orig_p", "id.resp_p", "orig_bytes", "resp_bytes", "missed_bytes", "orig_pkts",
                "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"}
        for c in conns:
            r = row(c)
            o = {}
            for k in FIELDS:
                if r[k] is None:
                    continue
                if k in ("ts", "duration"):
                    o[k] = float(r[k])
                elif k in nums:
                    o[k] = int(r[k])
                else:
                    o[k] = r[k]
            out.write(json.dumps(o, separators=(",", ":")) + "\n")
        return
    first = secs(conns[0].ts) if conns else "0"
    out.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n")
    out.write("#open\t%s\n" % first)
    out.write("#fields\t" + "\t".join(FIELDS) + "\n")
    out.write("#types\t" + "\t".join(TYPES) + "\n")
    for c in conns:
        r = row(c)
        out.write("\t".join("-" if r[k] is None else r[k] for k in FIELDS) + "\n")
    out.write("#close\t%s\n" % (secs(conns[-1].last) if conns else "0"))


if __name__ == "__main__":
    main()
