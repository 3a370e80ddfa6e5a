package flow

import (
	"io"
	"slices"
	"time"
)

// Reader is the one interface every source of flow records implements.
// Read returns the next record, or io.EOF after the last one. Any other error
// ends the stream; it names the file, frame and field where it can.
// The returned record is owned by the caller.
type Reader interface {
	Read() (Record, error)
}

// ReadAll drains r. It exists for tests and small inputs; commands stream.
func ReadAll(r Reader) ([]Record, error) {
	var out []Record
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// Tally is what a source saw, per exporter and domain, beyond the records it
// returns: packets, undecodable data, options records, templates, time
// encodings and the export-clock check. Sources fill it as they read; inspect
// and the reports show it.
type Tally struct {
	Inputs  []string // files read
	Tool    string   // e.g. "TShark (Wireshark) 4.0.17", empty for exports without tshark
	Frames  int      // frames (packets) read, with or without flow data
	Domains map[ExporterDomain]*DomainTally
	Notes   []string // one-line warnings for the analyst (unknown time zone, cut cells, ...)

	// UnverifiedTimes lists the inputs whose absolute times rest on an
	// assumed time zone (an export whose zone label is unknown or ambiguous,
	// read as UTC): differences between records of one such input are right,
	// their absolute times and differences to other inputs are not verified.
	UnverifiedTimes []string
}

// DomainTally is the Tally of one exporter and domain.
type DomainTally struct {
	Key            ExporterDomain
	Versions       map[uint8]int    // export packets per version (9, 10)
	Packets        int              // export packets (messages) seen
	Records        int              // flow data records returned as Records
	OptionsRecords int              // options data records (used, not returned)
	UndecodedSets  int              // data sets tshark could not decode (no template, malformed)
	UndecodedBytes int              // their size in bytes, where known
	RecoveredSets  int              // data sets decoded with a template that arrived later (tshark -2)
	NoStart        int              // records without a start time
	TemplateIDs    map[uint16]int   // data records per template id
	Encodings      map[Encoding]int // records per start-time encoding
	ExporterPorts  map[uint16]int   // export packets per source port
	CollectorPorts map[uint16]int   // export packets per destination port
	ExportLag      []time.Duration  // per packet: header export time - frame capture time
	StartAfterExp  int              // records whose start lies after their packet's export time (+1 s header resolution)
	FirstFrame     uint32           // first and last frame that carried this domain
	LastFrame      uint32
	Errors         map[string]int // other per-record problems by kind ("bad start time", ...)

	// Export packets lost on the way to the capture, from the header
	// sequence numbers. They are checked per transport stream (exporter
	// and collector address and port, and this domain), each message
	// against the one before it in the capture, modulo 2^32: a NetFlow v9
	// sequence counts export packets (the next packet carries +1), an
	// IPFIX one the data records sent before the message (the next one
	// carries + the number of data records of this one, options data
	// records included; template records do not count). Only the
	// capture path (tshark) and JSON exports fill these; EK, CSV and XLSX
	// exports leave them zero. Loss before the first or after the last
	// captured message of a stream cannot be seen.

	// SeqGaps is the number of places where the sequence jumped forward:
	// one or more export packets missing between two captured messages.
	SeqGaps int
	// SeqMissingPackets is the number of NetFlow v9 export packets those
	// gaps skipped (v9 streams only).
	SeqMissingPackets int64
	// SeqMissingRecords is the number of IPFIX data records (options data
	// records included) those gaps skipped (IPFIX streams only); the
	// number of packets is unknown.
	SeqMissingRecords int64
	// SeqResets counts jumps back, and forward jumps of more than 2^24,
	// taken as an exporter restart (its sequence starts again), another
	// exporter behind the same address or a message reordered in the
	// network, not as loss: the check starts again from that message.
	SeqResets int
	// SeqUnchecked counts IPFIX messages that could not be checked because
	// the message before them in their stream had data sets tshark could
	// not decode (no template, malformed), whose record count is unknown.
	SeqUnchecked int
}

// Domain returns the DomainTally for k, creating it.
func (t *Tally) Domain(k ExporterDomain) *DomainTally {
	if t.Domains == nil {
		t.Domains = make(map[ExporterDomain]*DomainTally)
	}
	d := t.Domains[k]
	if d == nil {
		d = &DomainTally{
			Key:            k,
			Versions:       map[uint8]int{},
			TemplateIDs:    map[uint16]int{},
			Encodings:      map[Encoding]int{},
			ExporterPorts:  map[uint16]int{},
			CollectorPorts: map[uint16]int{},
			Errors:         map[string]int{},
		}
		t.Domains[k] = d
	}
	return d
}

// Sorted returns the domain tallies ordered by exporter, then domain.
func (t *Tally) Sorted() []*DomainTally {
	out := make([]*DomainTally, 0, len(t.Domains))
	for _, d := range t.Domains {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *DomainTally) int {
		if c := a.Key.Exporter.Compare(b.Key.Exporter); c != 0 {
			return c
		}
		switch {
		case a.Key.Domain < b.Key.Domain:
			return -1
		case a.Key.Domain > b.Key.Domain:
			return 1
		}
		return 0
	})
	return out
}

// Merge adds o into t (used when several inputs or tshark shards are read).
func (t *Tally) Merge(o *Tally) {
	t.Inputs = append(t.Inputs, o.Inputs...)
	if t.Tool == "" {
		t.Tool = o.Tool
	}
	t.Frames += o.Frames
	t.Notes = append(t.Notes, o.Notes...)
	t.UnverifiedTimes = append(t.UnverifiedTimes, o.UnverifiedTimes...)
	for k, od := range o.Domains {
		d := t.Domain(k)
		for v, n := range od.Versions {
			d.Versions[v] += n
		}
		d.Packets += od.Packets
		d.Records += od.Records
		d.OptionsRecords += od.OptionsRecords
		d.UndecodedSets += od.UndecodedSets
		d.UndecodedBytes += od.UndecodedBytes
		d.RecoveredSets += od.RecoveredSets
		d.NoStart += od.NoStart
		for id, n := range od.TemplateIDs {
			d.TemplateIDs[id] += n
		}
		for e, n := range od.Encodings {
			d.Encodings[e] += n
		}
		for p, n := range od.ExporterPorts {
			d.ExporterPorts[p] += n
		}
		for p, n := range od.CollectorPorts {
			d.CollectorPorts[p] += n
		}
		d.ExportLag = append(d.ExportLag, od.ExportLag...)
		d.StartAfterExp += od.StartAfterExp
		if d.FirstFrame == 0 || (od.FirstFrame != 0 && od.FirstFrame < d.FirstFrame) {
			d.FirstFrame = od.FirstFrame
		}
		d.LastFrame = max(d.LastFrame, od.LastFrame)
		for e, n := range od.Errors {
			d.Errors[e] += n
		}
		d.SeqGaps += od.SeqGaps
		d.SeqMissingPackets += od.SeqMissingPackets
		d.SeqMissingRecords += od.SeqMissingRecords
		d.SeqResets += od.SeqResets
		d.SeqUnchecked += od.SeqUnchecked
	}
}

// Total sums the per-domain counts.
func (t *Tally) Total() (records, undecodedSets, options int) {
	for _, d := range t.Domains {
		records += d.Records
		undecodedSets += d.UndecodedSets
		options += d.OptionsRecords
	}
	return
}

// Packets returns the export packets of all exporters and domains.
func (t *Tally) Packets() int {
	n := 0
	for _, d := range t.Domains {
		n += d.Packets
	}
	return n
}
