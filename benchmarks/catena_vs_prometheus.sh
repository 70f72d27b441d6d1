#!/usr/bin/env bash
# libcatena against Prometheus' TSDB on the same data: the reference network-metrics data set
# (../shared/tools/netmetrics-gen, OpenMetrics text) imported by `cistern-cli tsdb import` and by
# `promtool tsdb create-blocks-from openmetrics` (Prometheus 2.42, Debian's package). Prints the
# bytes per point on disk and the import time of both, and the ratios; checks that our export of
# the import is the input file, byte for byte.
#   usage: benchmarks/catena_vs_prometheus.sh [BUILD_DIR]
#   env:   JITTER_MS (default 5), SERIES (default 2000), HOURS (default 24)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
cli=$build/cistern-cli/cistern-cli
gen=$(cd .. && pwd)/shared/tools/netmetrics-gen
JITTER_MS=${JITTER_MS:-5}
SERIES=${SERIES:-2000}
HOURS=${HOURS:-24}
[[ -x $cli ]] || { echo "no $cli: build first" >&2; exit 1; }
[[ -x $gen ]] || { echo "skipped: ../shared/tools/netmetrics-gen absent" >&2; exit 0; }
command -v promtool >/dev/null || { echo "skipped: promtool (Debian package prometheus) not installed" >&2; exit 0; }

data=$build/netmetrics-om-j${JITTER_MS}-s${SERIES}-h${HOURS}
if [[ ! -f $data/prom.om ]]; then
  echo "== generating the data set into $data"
  "$gen" --out "$data" --formats bin,om --jitter-ms "$JITTER_MS" --series "$SERIES" --hours "$HOURS" >/dev/null
fi
points=$(python3 -c "import json,sys; print(json.load(open('$data/manifest.json'))['points'])")
work=$(mktemp -d "${TMPDIR:-/tmp}/catena-vs-prom.XXXXXX")
trap 'rm -rf "$work"' EXIT

seconds() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$@"; }

echo "== cistern-cli tsdb import ($points points)"
t0=$(date +%s.%N)
"$cli" tsdb import --dir "$work/catena" "$data/prom.om"
t1=$(date +%s.%N)
ours_s=$(seconds "$t0" "$t1")
ours_bytes=$(du -sb "$work/catena" | cut -f1)
"$cli" tsdb export --dir "$work/catena" | cmp - "$data/prom.om" && echo "export is the input, byte for byte"

echo "== promtool tsdb create-blocks-from openmetrics"
t0=$(date +%s.%N)
promtool tsdb create-blocks-from openmetrics "$data/prom.om" "$work/prometheus" >/dev/null
t1=$(date +%s.%N)
prom_s=$(seconds "$t0" "$t1")
prom_bytes=$(du -sb "$work/prometheus" | cut -f1)

python3 - "$points" "$ours_bytes" "$ours_s" "$prom_bytes" "$prom_s" <<'PY'
import sys
points, ob, os_, pb, ps = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print("%-22s %12s %10s %10s %14s" % ("", "bytes", "B/point", "import s", "points/s"))
print("%-22s %12d %10.3f %10.2f %14.0f" % ("libcatena", ob, ob / points, os_, points / os_))
print("%-22s %12d %10.3f %10.2f %14.0f" % ("Prometheus 2.42", pb, pb / points, ps, points / ps))
print("libcatena stores %.2fx fewer bytes and imports %.1fx faster" % (pb / ob, ps / os_))
PY
