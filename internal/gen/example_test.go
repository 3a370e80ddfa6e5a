package gen_test

import (
	"fmt"
	"time"

	"netflowtimedifference/internal/gen"
)

func Example() {
	cfg, _ := gen.Scenario("offset-5s")
	c, err := gen.Generate(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := c.Truth.Summary
	fmt.Printf("%d frames, %d records, %d pairs (%d unambiguous)\n", s.Frames, s.Records, s.Pairs, s.UnambiguousPairs)
	for _, o := range c.Truth.Offsets {
		fmt.Printf("%s/%d -> %s/%d: clocks %v apart, median delta %v\n", o.PreExporter, o.PreDomain, o.PostExporter, o.PostDomain,
			time.Duration(o.ClockStart), time.Duration(o.MedianDelta))
	}
	p := c.Truth.Pairs[0]
	fmt.Printf("first pair: frame %d set %d flow %d <-> frame %d set %d flow %d, %s:%d %s, delta %v\n",
		p.Pre.Frame, p.Pre.Set, p.Pre.Flow, p.Post.Frame, p.Post.Set, p.Post.Flow, p.Dst, p.Port, p.App, time.Duration(p.DeltaNs))
	partners := c.Partners()
	fmt.Println("partner of record", p.Pre.Record, "is record", partners[p.Pre.Record])
	// Output:
	// 119 frames, 761 records, 380 pairs (298 unambiguous)
	// 10.103.0.168/310 -> 10.103.0.169/320: clocks 5s apart, median delta 5s
	// first pair: frame 2 set 2 flow 1 <-> frame 1 set 2 flow 2, 198.51.100.53:53 domain, delta 4.999s
	// partner of record 9 is record 1
}
