#!/usr/bin/env bash
# The whole test suite: installs tshark (and LibreOffice for the report conversion
# tests) if missing, then runs go vet and go test ./...
# Tests that need ../shared/captures or tshark skip with a message when either is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
. scripts/ensure-deps.sh
ensure_tshark || echo "continuing without tshark: the tests that need it will skip" >&2
ensure_libreoffice
echo "== go vet" >&2
go vet ./...
echo "== go test" >&2
go test -count=1 -timeout 20m ./...
