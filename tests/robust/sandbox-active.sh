#!/usr/bin/env bash
# sandbox-active.sh — the real command is sandboxed while it analyses (docs/PRIVILEGES.md).
#
#   sandbox-active.sh BIN CAPTURE
#
# `analyze -` reads the capture from a FIFO: the test writes the pcap file header, so that the
# input is open and the command has entered its sandbox, then holds the rest back and reads
# /proc/PID/status of the waiting process:
#   - default: Seccomp 2 (filter), NoNewPrivs 1, CapEff 0; as root also Uid 65534 when the user
#     "nobody" exists;
#   - --no-sandbox and `--set sandbox=0`: Seccomp 0;
# then writes the rest; each run must end with status 0 and the same JSON lines as the others
# (the sandbox changes nothing in the output).
set -uo pipefail
bin=$1 cap=$2
work=$(mktemp -d)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail=0

# one NAME EXPECT_SECCOMP [OPTION...]
one() {
  local name=$1 want=$2; shift 2
  local fifo=$work/$name.fifo status=0 st="" i
  mkfifo "$fifo"
  # not under timeout(1): $! must be the analysing process itself (meson's timeout bounds the test)
  "$bin" analyze --format jsonl --seed 1 "$@" - <"$fifo" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  exec 3>"$fifo"
  head -c 24 "$cap" >&3          # the pcap file header: the input is open
  for ((i = 0; i < 100; i++)); do  # up to 10 s for the process to enter and block on the read
    st=$(cat "/proc/$pid/status" 2>/dev/null) || break
    [[ $(awk '/^State:/ {print $2}' <<<"$st") == S ]] && grep -q "^Seccomp:[[:space:]]*$want$" <<<"$st" && break
    sleep 0.1
  done
  tail -c +25 "$cap" >&3
  exec 3>&-
  wait "$pid" || status=$?
  pid=""
  local seccomp uid capeff nnp
  seccomp=$(awk '/^Seccomp:/ {print $2}' <<<"$st")
  nnp=$(awk '/^NoNewPrivs:/ {print $2}' <<<"$st")
  uid=$(awk '/^Uid:/ {print $3}' <<<"$st")
  capeff=$(awk '/^CapEff:/ {print $2}' <<<"$st")
  echo "$name: Seccomp $seccomp, NoNewPrivs $nnp, effective uid $uid, CapEff $capeff, exit $status"
  [[ $seccomp == "$want" ]] || { echo "FAIL $name: Seccomp is '$seccomp', expected $want"; fail=1; }
  ((status == 0)) || { echo "FAIL $name: exit $status: $(head -c 300 "$work/$name.err")"; fail=1; }
  if [[ $want == 2 ]]; then
    [[ $nnp == 1 ]] || { echo "FAIL $name: NoNewPrivs is '$nnp'"; fail=1; }
    [[ $capeff == 0000000000000000 ]] || { echo "FAIL $name: capabilities left: $capeff"; fail=1; }
    if ((EUID == 0)) && getent passwd nobody >/dev/null; then
      [[ $uid == "$(id -u nobody)" ]] || { echo "FAIL $name: started as root, still uid $uid"; fail=1; }
    fi
  fi
  tail -n 1 "$work/$name.out" | grep -q '"type":"stats"' || { echo "FAIL $name: no stats line"; fail=1; }
}

one sandboxed 2
one no-sandbox 0 --no-sandbox
one config-off 0 --set sandbox=0
for n in no-sandbox config-off; do
  cmp -s "$work/sandboxed.out" "$work/$n.out" || { echo "FAIL: the output with $n differs"; fail=1; }
done
((fail)) && exit 1
echo "sandbox-active: ok"
