#!/bin/sh
# Regenerates the bundled sample capture and its truth file, byte for byte:
#   testdata/sample/sample.pcap        NetFlow/IPFIX export traffic (pcap)
#   testdata/sample/sample.truth.json  every pre/post pair, unmatched records, clocks
# The test TestBundledSampleIsWhatTheSampleScenarioGenerates (internal/gen)
# fails when the files and the generator disagree.
set -eu
cd "$(dirname "$0")/.."
go run ./cmd/nftimediff gen --scenario sample \
	-o testdata/sample/sample.pcap --truth testdata/sample/sample.truth.json
