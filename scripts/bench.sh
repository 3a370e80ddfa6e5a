#!/usr/bin/env bash
# Speed and memory at scale (issue 7). Generates a capture of about RECORDS flow
# records (default 1,000,000) with the generator, then times, RUNS times each
# (default 3, median reported; the runs interleaved):
#   - tshark alone writing the same JSON nftimediff asks for to /dev/null,
#   - nftimediff flows --jobs 1 and --jobs N (N = number of cores),
#   - nftimediff match end to end (with its peak RSS),
# and prints the ratios. Output goes to stdout; the README's performance
# section quotes it together with the machine it ran on.
#
#   scripts/bench.sh [RECORDS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
. scripts/ensure-deps.sh
ensure_tshark

records=${1:-1000000}
runs=${2:-3}
cores=$(nproc)
dir=bench-out
mkdir -p "$dir"
go build -o "$dir/nftimediff" ./cmd/nftimediff
bin=$dir/nftimediff
pcap=$dir/bench-$records.pcap
if [ ! -s "$pcap" ]; then
	echo "generating $pcap ..." >&2
	"$bin" gen --scenario popular-5s --records "$records" -o "$pcap" --truth "$dir/bench-$records.truth.json" >&2
fi

# once LABEL CMD...: runs CMD once, appends its wall time (s) and the peak
# resident memory (kB) of CMD's own process (VmHWM, polled), not of its
# children (tshark's memory is reported on the tshark line).
declare -A times hwms wall rss
once() {
	local label=$1
	shift
	local t0 t1 hwm=0 h
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$dir/stderr.txt" &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		h=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		[ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
		sleep 0.1
	done
	wait "$pid" || {
		echo "$label failed:" >&2
		cat "$dir/stderr.txt" >&2
		exit 1
	}
	t1=$(date +%s.%N)
	times[$label]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}') "
	hwms[$label]+="$hwm "
}

# The runs are interleaved (every command once, then again ...), so that a
# slow spell of a shared machine slows every command alike instead of the
# runs of one.
export TZ=UTC
labels=(tshark flows1 flowsN match matchreports)
for i in $(seq "$runs"); do
	echo "run $i of $runs ..." >&2
	once tshark tshark -n -r "$pcap" -o cflow.max_template_fields:0 -T json -J "frame ip ipv6 cflow"
	once flows1 "$bin" flows -q --jobs 1 -o /dev/null "$pcap"
	once flowsN "$bin" flows -q --jobs "$cores" -o /dev/null "$pcap"
	once match "$bin" match -q --jobs 1 "$pcap"
	once matchreports "$bin" match -q --jobs 1 -o "$dir/reports" "$pcap"
done
for label in "${labels[@]}"; do
	wall[$label]=$(printf '%s\n' ${times[$label]} | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	rss[$label]=$(printf '%s\n' ${hwms[$label]} | sort -g | tail -1 | awk '{printf "%.0f", $1/1024}')
	echo "$label: ${times[$label]}s (median ${wall[$label]} s), peak RSS ${rss[$label]} MB" >&2
done

nrec=$("$bin" flows -q --jobs 1 --format csv "$pcap" 2>/dev/null | tail -n +2 | wc -l)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
cat <<REPORT
nftimediff benchmark, $(date -u +%Y-%m-%d)
machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB, $(tshark --version 2>/dev/null | head -1), $(go version | cut -d' ' -f3)
input: $pcap, $(stat -c %s "$pcap" | awk '{printf "%.0f MB", $1/1e6}'), $nrec flow records; median of $runs runs

| run | wall s | peak RSS MB (the process itself) | vs tshark alone |
|---|---:|---:|---:|
| tshark -T json to /dev/null | ${wall[tshark]} | ${rss[tshark]} | 1.00 |
| flows --jobs 1 | ${wall[flows1]} | ${rss[flows1]} | $(ratio "${wall[flows1]}" "${wall[tshark]}") |
| flows --jobs $cores | ${wall[flowsN]} | ${rss[flowsN]} | $(ratio "${wall[flowsN]}" "${wall[tshark]}") |
| match (summary only) | ${wall[match]} | ${rss[match]} | $(ratio "${wall[match]}" "${wall[tshark]}") |
| match -o DIR (all five reports) | ${wall[matchreports]} | ${rss[matchreports]} | $(ratio "${wall[matchreports]}" "${wall[tshark]}") |

records/s through flows --jobs 1: $(awk -v n="$nrec" -v w="${wall[flows1]}" 'BEGIN {printf "%.0f", n/w}')
REPORT
