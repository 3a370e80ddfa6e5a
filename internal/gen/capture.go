package gen

import (
	"context"
	"errors"
	"fmt"
	"io"

	"netflowtimedifference/internal/flow"
)

// Capture is a generated capture: its frames, every data record exactly as a
// collector decodes it, and the ground truth.
type Capture struct {
	// Records are the data records in frame order (frame, set, flow), as a
	// collector decodes them: Pos.File is empty; Start is the instant as
	// encoded, which is what tshark shows. Options records are excluded.
	// Records whose template arrives later in the capture are included
	// (tshark -2 decodes them; see RecordRef.BeforeTemplate).
	Records []flow.Record
	Truth   Truth

	wire          []wire
	collector     [4]byte
	collectorPort uint16
}

// Frames returns the number of frames (export packets) in the capture.
func (c *Capture) Frames() int { return len(c.wire) }

// Generate simulates the configured sessions, exporters and collector and
// returns the capture with its truth. The same Config always gives the same
// capture, byte for byte.
func Generate(cfg Config) (*Capture, error) { return GenerateContext(context.Background(), cfg) }

// GenerateContext is Generate that stops when ctx is cancelled (a million
// records take seconds) and then returns an error wrapping ctx.Err().
func GenerateContext(ctx context.Context, cfg Config) (*Capture, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("gen: bad config: %w", err)
	}
	cfg = cfg.clone()
	g := newGenerator(ctx, cfg)
	if err := g.model(); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	pkts, err := g.packetize()
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	c := &Capture{collector: cfg.Collector.As4(), collectorPort: cfg.CollectorPort}
	if err := g.assemble(pkts, c); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	if len(c.Records) == 0 {
		return nil, errors.New("gen: the capture holds no data records; lengthen the duration or add sessions")
	}
	if c.Truth, err = g.truth(c); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return c, nil
}

// clone copies the probes and exports so that the caller's Config is never
// shared with (or changed through) the Truth.
func (c Config) clone() Config {
	ps := make([]Probe, len(c.Probes))
	for i, p := range c.Probes {
		if p.Pre != nil {
			e := *p.Pre
			p.Pre = &e
		}
		if p.Post != nil {
			e := *p.Post
			p.Post = &e
		}
		ps[i] = p
	}
	c.Probes = ps
	return c
}

// SessionsFor returns the Config.Sessions that makes a capture of cfg hold
// about records data records (within a few percent). It generates two small
// pilot captures and fits records = base + slope*sessions; the DNS stream
// and the capture's edges make up the base. It stops when ctx is cancelled.
func SessionsFor(ctx context.Context, cfg Config, records int) (int, error) {
	if records <= 0 {
		return 0, errors.New("gen: records must be positive")
	}
	count := func(s int) (int, error) {
		c := cfg
		c.Sessions = s
		cp, err := GenerateContext(ctx, c)
		if err != nil {
			return 0, err
		}
		return len(cp.Records), nil
	}
	a := max(200, min(cfg.Sessions, 2000))
	ra, err := count(a)
	if err != nil {
		return 0, err
	}
	rb, err := count(4 * a)
	if err != nil {
		return 0, err
	}
	slope := float64(rb-ra) / float64(3*a)
	if slope <= 0 {
		return 0, errors.New("gen: cannot estimate records per session for this config")
	}
	base := float64(ra) - slope*float64(a)
	return max(1, int((float64(records)-base)/slope+0.5)), nil
}

// Partners returns, for each record of the capture, the index of its true
// partner on the other side of the NAT, or -1 for an unmatched record.
func (c *Capture) Partners() []int {
	p := make([]int, len(c.Records))
	for i := range p {
		p[i] = -1
	}
	for _, tp := range c.Truth.Pairs {
		p[tp.Pre.Record], p[tp.Post.Record] = tp.Post.Record, tp.Pre.Record
	}
	return p
}

// Reader returns a flow.Reader over the capture's records, with Pos.File
// set to file: the records exactly as a collector reading that file decodes them.
func (c *Capture) Reader(file string) flow.Reader { return &reader{c: c, file: file} }

type reader struct {
	c    *Capture
	file string
	i    int
}

func (r *reader) Read() (flow.Record, error) {
	if r.i >= len(r.c.Records) {
		return flow.Record{}, io.EOF
	}
	rec := r.c.Records[r.i]
	rec.File = r.file
	r.i++
	return rec, nil
}

// TsharkArgs returns the extra tshark arguments a capture of this config
// needs: a Decode-As for a collector port that is not one of tshark's
// default cflow ports (2055, 9996, 4739).
func (c Config) TsharkArgs() []string {
	switch c.CollectorPort {
	case 2055, 9996, 4739:
		return nil
	}
	return []string{"-d", fmt.Sprintf("udp.port==%d,cflow", c.CollectorPort)}
}
