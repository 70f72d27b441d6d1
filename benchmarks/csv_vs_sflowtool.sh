#!/usr/bin/env bash
# Whole-process speed of `cistern-cli decode --format=csv` against InMon sflowtool's `-l`, the
# output it reproduces, on one large capture of realistic sFlow built by `cistern-cli generate`.
# It checks both print the same number of FLOW and CNTR lines (exit 1 if not), says whether the
# outputs are byte-identical, then prints each tool's wall time per run and sflowtool/cistern.
#
#   SFLOWTOOL=/path/to/sflowtool benchmarks/csv_vs_sflowtool.sh [path/to/cistern-cli]
#
# cistern-cli defaults to build/release/cistern-cli/cistern-cli. Without SFLOWTOOL (not a Debian
# package) it skips and exits 0. DATAGRAMS (default 1000000, ~1.3 GB in a temp dir) sets the
# capture size, RUNS (default 5) the timed runs per tool: hyperfine when installed, else bash's
# `time`. Stdout goes to /dev/null while timing; the run before it warms the page cache.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cli=${1:-$root/build/release/cistern-cli/cistern-cli}
datagrams=${DATAGRAMS:-1000000}
runs=${RUNS:-5}

if [[ -z ${SFLOWTOOL:-} || ! -x ${SFLOWTOOL:-} ]]; then
  echo "csv_vs_sflowtool: skipped: set SFLOWTOOL=/path/to/sflowtool (InMon's, built from source)"
  exit 0
fi
[[ -x $cli ]] || { echo "csv_vs_sflowtool: no cistern-cli at $cli" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pcap=$tmp/sflow.pcap
"$cli" generate -w "$pcap" --datagrams "$datagrams" 2>/dev/null
cistern=("$cli" decode --format=csv -r "$pcap")
sflowtool=("$SFLOWTOOL" -r "$pcap" -l)

# Same lines?
"${cistern[@]}" >"$tmp/cistern.csv" 2>"$tmp/cistern.err"
"${sflowtool[@]}" >"$tmp/sflowtool.csv" 2>/dev/null
lines() { grep -c "^$1," "$2" || true; }
samples=$(sed -n 's/.* \([0-9]*\) samples,.*/\1/p' "$tmp/cistern.err")
echo "capture:    $datagrams datagrams, $samples samples, $(stat -c %s "$pcap") bytes"
mismatch=0
for kind in FLOW CNTR; do
  c=$(lines $kind "$tmp/cistern.csv") s=$(lines $kind "$tmp/sflowtool.csv")
  echo "$kind lines: cistern $c, sflowtool $s"
  [[ $c == "$s" ]] || mismatch=1
done
if cmp -s "$tmp/cistern.csv" "$tmp/sflowtool.csv"; then
  echo "outputs:    byte-identical"
elif grep -E '^(FLOW|CNTR),' "$tmp/sflowtool.csv" | cmp -s - "$tmp/cistern.csv"; then
  echo "outputs:    identical but for sflowtool's $(lines DROP "$tmp/sflowtool.csv") DROP lines" \
       "(discard samples, which sflowtool 6.11 does not print)"
else
  echo "outputs:    differ"
fi
((mismatch == 0)) || { echo "csv_vs_sflowtool: FLOW/CNTR line counts differ" >&2; exit 1; }

# Wall time per run, in seconds.
if command -v hyperfine >/dev/null; then
  hyperfine -N --runs "$runs" --export-csv "$tmp/times.csv" --style basic \
    -n cistern "${cistern[*]}" -n sflowtool "${sflowtool[*]}" >&2
  mean() { awk -F, -v n="$1" '$1 == n { printf "%.3f", $2 }' "$tmp/times.csv"; }
  t_cistern=$(mean cistern) t_sflowtool=$(mean sflowtool) how="hyperfine, mean of $runs"
else
  per_run() {
    local TIMEFORMAT=%R t
    t=$( { time for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1; done; } 2>&1 )
    awk -v t="$t" -v n="$runs" 'BEGIN { printf "%.3f", t / n }'
  }
  t_cistern=$(per_run "${cistern[@]}") t_sflowtool=$(per_run "${sflowtool[@]}")
  how="bash time, mean of $runs"
fi
echo "wall time:  cistern-cli $t_cistern s, sflowtool $t_sflowtool s per run ($how)"
awk -v c="$t_cistern" -v s="$t_sflowtool" 'BEGIN { printf "ratio:      sflowtool/cistern %.2f\n", s / c }'
