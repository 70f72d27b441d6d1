#!/usr/bin/env bash
# Throughput of libsnmp's client on one socket against net-snmp agents on this machine: starts K
# snmpd (../shared/tools/snmpd-peer, 127.0.0.1, stopped by PID on exit) and runs
# snmp_client_load with authPriv SHA/AES Gets, then v2c, then with thousands in flight.
#   usage: benchmarks/snmp_client_load.sh [BUILD_DIR]   env: AGENTS (default 2), SECONDS (5)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
load=$build/benchmarks/snmp_client_load
peer=$(cd .. && pwd)/shared/tools/snmpd-peer
agents=${AGENTS:-2}
seconds=${SECONDS_PER_RUN:-5}
[[ -x $load ]] || { echo "no $load: build first" >&2; exit 1; }
[[ -x $peer ]] || { echo "skipped: ../shared/tools absent" >&2; exit 0; }
command -v snmpd >/dev/null || [[ -x /usr/sbin/snmpd ]] || { echo "skipped: no snmpd" >&2; exit 0; }
base=$(mktemp -d "${TMPDIR:-/tmp}/cistern-snmp-load.XXXXXX")
addresses=()
cleanup() { for d in "$base"/agent*; do RUN_DIR=$d "$peer" stop >/dev/null 2>&1 || true; done; rm -rf "$base"; }
trap cleanup EXIT
for ((i = 0; i < agents; i++)); do
  port=$((31161 + i))
  PORT=$port RUN_DIR=$base/agent$i "$peer" start >/dev/null
  addresses+=("127.0.0.1:$port")
done
"$load" --seconds "$seconds" --window $((64 * agents)) "${addresses[@]}"
"$load" --seconds "$seconds" --window $((64 * agents)) --v2c "${addresses[@]}"
"$load" --seconds "$seconds" --window $((1000 * agents)) --per-agent 1000 "${addresses[@]}"
