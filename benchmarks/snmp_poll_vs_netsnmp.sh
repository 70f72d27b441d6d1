#!/usr/bin/env bash
# Inventory of N simulated agents: `cistern-cli snmp poll` (all agents concurrently, one socket)
# against net-snmp's snmpbulkwalk of ifTable run one agent after another
# (../shared/tools/snmp-walk-baseline). Both against the same snmpsim fleet (recorded walks of
# real devices), started here on 127.0.0.1 and stopped by PID. Prints both wall times and the ratio.
# Our poll reads more than the baseline: the system group, six ifTable and three ifXTable columns.
#   usage: benchmarks/snmp_poll_vs_netsnmp.sh [BUILD_DIR]   env: N (default 100), MODE (v2c|v3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
cli=$build/cistern-cli/cistern-cli
tools=$(cd .. && pwd)/shared/tools
N=${N:-100}
MODE=${MODE:-v2c}
[[ -x $cli ]] || { echo "no $cli: build first" >&2; exit 1; }
[[ -x $tools/snmpsim-fleet ]] || { echo "skipped: ../shared/tools absent" >&2; exit 0; }
command -v snmpsimd >/dev/null || { echo "skipped: snmpsimd not installed" >&2; exit 0; }

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/cistern-poll-bench.XXXXXX")
export RUN_DIR=$run_dir N MODE BASE_PORT=${BASE_PORT:-21000}
trap '"$tools/snmpsim-fleet" stop >/dev/null 2>&1 || true; rm -rf "$run_dir"' EXIT
"$tools/snmpsim-fleet" start

echo "== net-snmp snmpbulkwalk of ifTable, agent after agent"
"$tools/snmp-walk-baseline" | tee "$run_dir/baseline.out"
baseline=$(sed -n 's/.* wall=\([0-9.]*\)s.*/\1/p' "$run_dir/baseline.out")

agents=$run_dir/agents.txt
while IFS=$'\t' read -r port idx dev; do
  if [[ $MODE == v2c ]]; then
    echo "127.0.0.1:$port -v2c -c public"
  else
    echo "127.0.0.1:$port -v3 -l authPriv -u simulator -a MD5 -A auctoritas -x DES -X privatus"
  fi
done < "$run_dir/agents.tsv" > "$agents"

echo "== cistern-cli snmp poll (inventory: system group, ifTable, ifXTable), all agents at once"
start=$(date +%s.%N)
"$cli" snmp poll --agents "$agents" -Cr25 -t 2 -r 1 > "$run_dir/poll.jsonl"
end=$(date +%s.%N)
ours=$(echo "$end - $start" | bc -l)
ok=$(grep -c '"ok":true' "$run_dir/poll.jsonl" || true)
ifaces=$(grep -o '"ifIndex"' "$run_dir/poll.jsonl" | wc -l)
printf "cistern: agents=%d ok=%d interfaces=%d wall=%.2fs\n" "$N" "$ok" "$ifaces" "$ours"
printf "ratio: %.1fx (net-snmp sequential %.2fs / cistern %.2fs)\n" \
  "$(echo "$baseline / $ours" | bc -l)" "$baseline" "$ours"
