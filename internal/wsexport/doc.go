// Package wsexport reads the exports analysts make of NetFlow v9 / IPFIX
// captures in Wireshark and tshark (JSON, EK, CSV and the CSV converted to
// Excel), detected by content, into the same flow.Records a capture gives
// through tshark. It also tells captures from exports (Detect, OpenRaw) and
// parses the absolute time strings Wireshark writes in the analyst's zone
// (TimeParser: Windows zone names, abbreviations, ISO 8601, epoch, --input-tz).
package wsexport
