#!/usr/bin/env bash
# The main job on the bundled sample: installs tshark if missing, builds nftimediff,
# matches the sample capture's domain 310 and 320 records and writes the reports into ./out.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
. scripts/ensure-deps.sh
ensure_tshark
go build -o ./nftimediff ./cmd/nftimediff
mkdir -p out
./nftimediff match testdata/sample/sample.pcap -o out
echo >&2
echo "reports written:" >&2
ls -l out >&2
