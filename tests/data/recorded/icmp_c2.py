#!/usr/bin/env python3
"""icmp_c2.py — a small command channel over ICMP echo, in the manner of icmpsh and icmpdoor,
for recording lab captures (record_extra.sh scenario c2_icmpsh_like). Not a tool: it runs no
command it receives, it only answers with canned text.

  icmp_c2.py master PEER SECONDS     answer the implant's echo requests with commands
  icmp_c2.py implant MASTER SECONDS  poll the master every second; send "output" back

The implant polls with echo requests (empty when it has nothing to say, else up to 512 bytes
of output), the master answers each with an echo reply carrying the next command, or nothing.
The master's namespace must ignore echo itself (net.ipv4.icmp_echo_ignore_all=1), as icmpsh
asks of its host. Every loop is bounded by SECONDS.
"""
import os
import select
import socket
import struct
import sys
import time

COMMANDS = [b"whoami", b"hostname", b"ipconfig /all", b"dir C:\\Users", b"net user",
            b"type C:\\Users\\alice\\Documents\\budget.csv", b"netstat -an", b"exit"]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(typ, ident, seq, payload):
    head = struct.pack("!BBHHH", typ, 0, 0, ident, seq)
    c = checksum(head + payload)
    return struct.pack("!BBHHH", typ, 0, c, ident, seq) + payload


def canned_output(cmd, n):
    """Console-like text standing in for a command's output (several KB for a file)."""
    lines = [b"%s> %s" % (b"C:\\Users\\alice", cmd)]
    rows = 12 if not cmd.startswith(b"type") else 120
    for i in range(rows):
        lines.append(b"%04d  %s  %08x  entry-%d-%d" % (i, cmd.split(b" ")[0], (i * 2654435761 + n) & 0xFFFFFFFF, n, i))
    return b"\r\n".join(lines) + b"\r\n"


def recv_echo(sock, want_type, deadline):
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return None
        data, addr = sock.recvfrom(65535)
        ihl = (data[0] & 0x0F) * 4
        icmp = data[ihl:]
        if len(icmp) < 8 or icmp[0] != want_type:
            continue
        _, _, _, ident, seq = struct.unpack("!BBHHH", icmp[:8])
        return addr[0], ident, seq, icmp[8:]


def master(peer, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    end = time.monotonic() + seconds
    queue = list(COMMANDS)
    polls = 0
    while time.monotonic() < end:
        got = recv_echo(sock, 8, end)
        if not got:
            break
        src, ident, seq, payload = got
        if src != peer:
            continue
        polls += 1
        cmd = b""
        if not payload and queue and polls % 4 == 0:  # a command every few idle polls
            cmd = queue.pop(0)
        sock.sendto(packet(0, ident, seq, cmd), (peer, 0))


def implant(master_addr, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = 1  # icmpsh's slave uses Windows' IcmpSendEcho: id 1
    end = time.monotonic() + seconds
    out = b""
    seq = 0
    n = 0
    while time.monotonic() < end:
        chunk, out = out[:512], out[512:]
        seq = (seq + 1) & 0xFFFF
        sock.sendto(packet(8, ident, seq, chunk), (master_addr, 0))
        got = recv_echo(sock, 0, min(end, time.monotonic() + 1.0))
        if got and got[3]:
            n += 1
            if got[3] == b"exit":
                break
            out += canned_output(got[3], n)
        time.sleep(0.2 if out else 1.0)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("master", "implant"):
        sys.stderr.write(__doc__)
        return 2
    seconds = min(float(sys.argv[3]), 300.0)
    (master if sys.argv[1] == "master" else implant)(sys.argv[2], seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
