package tshark_test

import (
	"fmt"
	"strings"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/tshark"
)

// Walk reads a tshark / Wireshark JSON array; a Wireshark export in a local
// zone would pass its own WalkOptions.ParseTime.
func ExampleWalk() {
	const export = `[{"_source":{"layers":{
	  "frame":{"frame.number":"1","frame.time_epoch":"1700000000.100000000"},
	  "ip":{"ip.src":"192.0.2.20","ip.dst":"192.0.2.1"},
	  "cflow":{"cflow.version":"10","cflow.timestamp_tree":{"cflow.exporttime":"1700000000"},"cflow.od_id":"320",
	    "Set 1 [id=256] (1 flows)":{"Flow 1 (HTTP)":{
	      "cflow.srcaddr":"10.1.0.1","cflow.dstaddr":"10.1.1.1","cflow.srcport":"51000","cflow.dstport":"443","cflow.protocol":"6",
	      "cflow.pie.ixia.l7-application-name":"HTTP",
	      "cflow.timedelta_tree":{"cflow.abstimestart":"Nov 14, 2023 22:13:10.123000000 UTC"}}}}}}}]`
	w := tshark.Walk(strings.NewReader(export), tshark.WalkOptions{File: "export.json"})
	recs, err := flow.ReadAll(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		fmt.Println(r.Pos, r.Exporter, r.Domain, r.Src, "->", r.Dst, r.App, r.Start.Format(r.StartEnc.Precision()), r.StartEnc)
	}
	fmt.Println(w.Tally().Frames, "frame,", w.Tally().Sorted()[0].ExportLag[0], "export lag")
	// Output:
	// export.json frame 1 set 1 flow 1 192.0.2.20 320 10.1.0.1 -> 10.1.1.1 HTTP 2023-11-14T22:13:10.123Z flowStartMilliseconds
	// 1 frame, -100ms export lag
}
