#!/usr/bin/env bash
# deps.sh — the one list of Debian packages icmphound needs; installs the missing ones.
#
#   scripts/deps.sh               everything: build, tests, fuzzing, benchmarks (make check/fuzz/bench)
#   scripts/deps.sh --build-only  only what building and `make demo` need
#   scripts/deps.sh --list        print the full list and exit
#
# Idempotent: when every package is present it prints nothing and exits 0. Otherwise it runs
# `apt-get update` once and `apt-get install -y --no-install-recommends` on the missing ones
# (as root, or through sudo when that exists). Debian 12 (bookworm) is the reference system.
set -euo pipefail

# Build: compiler, build system and the libraries src/ links (README.md says why each is there).
# libcmocka-dev is here because tests/meson.build needs it to configure at all.
BUILD_PKGS=(
  meson ninja-build pkg-config gcc clang
  libpcap-dev libjansson-dev libxxhash-dev libinih-dev
  libssl-dev libsqlite3-dev libpq-dev libnftables-dev libseccomp-dev
  libcmocka-dev
)
# Tests, fuzzing and benchmarks: unit-test framework, peer tools that read or make captures,
# the real tools the end-to-end tests run in network namespaces, measuring helpers, and the
# browser that renders the HTML report (tests/report/report_chromium.sh); the PostgreSQL server
# that tests/store/pg_suite.sh runs as a private cluster for the store tests.
TEST_PKGS=(
  libclang-rt-14-dev
  tcpdump tshark python3 iproute2 nftables
  nmap fping hping3 ptunnel-ng socat netcat-openbsd traceroute mtr-tiny iputils-ping
  valgrind time libndpi-bin
  chromium
  postgresql
)

mode=full
case "${1:-}" in
  "") ;;
  --build-only) mode=build ;;
  --list) printf '%s\n' "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; exit 0 ;;
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "deps.sh: unknown option '$1' (try --help)" >&2; exit 1 ;;
esac

want=("${BUILD_PKGS[@]}")
[[ $mode == full ]] && want+=("${TEST_PKGS[@]}")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: no dpkg-query: this script knows Debian only; install by hand: ${want[*]}" >&2
  exit 1
fi

# One dpkg-query for the whole list; a package dpkg has never heard of is simply not printed.
declare -A have=()
while read -r name status; do
  [[ $status == installed ]] && have[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${want[@]}" 2>/dev/null || true)
missing=()
for p in "${want[@]}"; do
  [[ -n ${have[$p]:-} ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "deps.sh: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no rather than stop on a prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
  "${SUDO[@]}" debconf-set-selections
# Wait for a lock held by another apt run instead of failing at once.
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
"${APT[@]}" update >/dev/null
"${APT[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
