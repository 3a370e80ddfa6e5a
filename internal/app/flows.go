package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"netflowtimedifference/internal/flow"
	"netflowtimedifference/internal/report"
)

// FlowsConfig configures `nftimediff flows`.
type FlowsConfig struct {
	Inputs []string
	Format string // "csv" (default) or "jsonl"
	Output string // file to write atomically; "" or "-" = Stdout
	Source SourceOptions
	Stdout io.Writer // where output goes without Output
	Stderr io.Writer // notes and the summary line; nil = discard
}

// FlowColumns are the CSV header / JSON keys of `flows`, in order.
var FlowColumns = []string{
	"file", "frame", "set", "flow", "capture_time",
	"exporter", "exporter_port", "collector_port", "version", "domain",
	"export_time", "sys_uptime_ms", "sequence", "template_id",
	"src", "dst", "src_port", "dst_port", "proto",
	"app", "app_id",
	"start", "start_encoding", "start_precision", "end",
	"packets", "octets", "vlan",
	"post_nat_src", "post_nat_dst", "post_nat_src_port", "post_nat_dst_port",
}

// Flows writes one line per flow record of the inputs.
func Flows(ctx context.Context, cfg FlowsConfig) (err error) {
	jsonl := false
	switch cfg.Format {
	case "", "csv":
	case "jsonl", "json":
		jsonl = true
	default:
		return Errorf(ExitUsage, "--format %q: use csv or jsonl", cfg.Format)
	}
	if err := checkOutputs(cfg.Inputs, "", cfg.Output); err != nil {
		return err
	}
	in, err := OpenInputs(ctx, cfg.Inputs, cfg.Source)
	if err != nil {
		return err
	}
	defer in.Close()

	// readErr keeps an input error apart from output errors: the former
	// keeps its own exit code and message.
	var readErr error
	render := func(ctx context.Context, w io.Writer) error {
		var line []byte
		if !jsonl {
			for i, c := range FlowColumns {
				if i > 0 {
					line = append(line, ',')
				}
				line = append(line, c...)
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		for n := 1; ; n++ {
			rec, err := in.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				readErr = err
				return err
			}
			if jsonl {
				line = appendJSONRecord(line[:0], &rec)
			} else {
				line = appendCSVRecord(line[:0], &rec)
			}
			if _, err := w.Write(line); err != nil {
				return err
			}
			if n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if cfg.Output == "" || cfg.Output == "-" {
		out := cfg.Stdout
		if out == nil {
			out = os.Stdout
		}
		bw := bufio.NewWriterSize(out, 256<<10)
		err = render(ctx, bw)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil && readErr == nil && ctx.Err() == nil {
			return Errorf(ExitOutput, "writing flows: %v", err)
		}
	} else {
		err = report.WriteFile(ctx, cfg.Output, render)
		if err != nil && readErr == nil && ctx.Err() == nil {
			return WithCode(ExitOutput, err)
		}
	}
	switch {
	case readErr != nil:
		return readErr
	case ctx.Err() != nil:
		return ctx.Err()
	}
	if cfg.Stderr != nil {
		t := in.Tally()
		for _, note := range t.Notes {
			fmt.Fprintln(cfg.Stderr, "note:", note)
		}
		recs, undecoded, options := t.Total()
		tool := t.Tool
		if tool == "" {
			tool = "Wireshark export"
		}
		fmt.Fprintf(cfg.Stderr, "%s from %s in %s (%s); %s used; %s\n",
			count(recs, "flow record", "flow records"), count(t.Frames, "frame", "frames"), count(len(t.Inputs), "input", "inputs"), tool,
			count(options, "options record", "options records"), count(undecoded, "undecodable data set", "undecodable data sets"))
	}
	return nil
}

// capturePrecision: pcap frame times are shown with all nine digits.
const capturePrecision = flow.PrecisionNano

func appendCSVRecord(b []byte, r *flow.Record) []byte {
	b = report.AppendCSVText(b, r.File)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.Frame), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.Set), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.Flow), 10)
	b = append(b, ',')
	if r.CaptureTime != 0 {
		b = append(b, r.CaptureTime.Format(capturePrecision)...)
	}
	b = append(b, ',')
	if r.Exporter.IsValid() {
		b = r.Exporter.AppendTo(b)
	}
	b = append(b, ',')
	b = csvUint(b, uint64(r.ExporterPort), r.Has(flow.LacksExporterPort))
	b = append(b, ',')
	b = csvUint(b, uint64(r.CollectorPort), r.Has(flow.LacksCollectorPort))
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.Version), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.Domain), 10)
	b = append(b, ',')
	if r.ExportTime != 0 {
		b = append(b, r.ExportTime.Format(flow.PrecisionSecond)...)
	}
	b = append(b, ',')
	b = csvUint(b, uint64(r.SysUptime), r.Version == 9 && r.Has(flow.LacksSysUptime))
	b = append(b, ',')
	b = csvUint(b, uint64(r.Sequence), r.Has(flow.LacksSequence))
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.TemplateID), 10)
	b = append(b, ',')
	if r.Src.IsValid() {
		b = r.Src.AppendTo(b)
	}
	b = append(b, ',')
	if r.Dst.IsValid() {
		b = r.Dst.AppendTo(b)
	}
	b = append(b, ',')
	b = csvUint(b, uint64(r.SrcPort), r.Lacks&flow.LacksSrcPort == 0)
	b = append(b, ',')
	b = csvUint(b, uint64(r.DstPort), r.Lacks&flow.LacksDstPort == 0)
	b = append(b, ',')
	b = csvUint(b, uint64(r.Proto), r.Lacks&flow.LacksProto == 0)
	b = append(b, ',')
	b = report.AppendCSVText(b, r.App)
	b = append(b, ',')
	if r.HasAppID {
		b = strconv.AppendUint(b, uint64(r.AppID), 10)
	}
	b = append(b, ',')
	if r.HasStart() {
		p := r.StartEnc.Precision()
		b = append(b, r.Start.Format(p)...)
		b = append(b, ',')
		b = append(b, r.StartEnc.String()...)
		b = append(b, ',')
		b = report.AppendCSVText(b, p.String())
	} else {
		b = append(b, ",,"...)
	}
	b = append(b, ',')
	if r.HasEnd {
		b = append(b, r.End.Format(r.StartEnc.Precision())...)
	}
	b = append(b, ',')
	b = csvUint(b, r.Packets, r.Lacks&flow.LacksPackets == 0)
	b = append(b, ',')
	b = csvUint(b, r.Octets, r.Lacks&flow.LacksOctets == 0)
	b = append(b, ',')
	if r.HasVLAN {
		b = strconv.AppendUint(b, uint64(r.VLAN), 10)
	}
	if n := r.NAT; n != nil {
		b = append(b, ',')
		if n.Src.IsValid() {
			b = n.Src.AppendTo(b)
		}
		b = append(b, ',')
		if n.Dst.IsValid() {
			b = n.Dst.AppendTo(b)
		}
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(n.SrcPort), 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(n.DstPort), 10)
	} else {
		b = append(b, ",,,,"...)
	}
	return append(b, '\n')
}

func appendJSONRecord(b []byte, r *flow.Record) []byte {
	b = append(b, `{"file":`...)
	b = report.AppendJSONString(b, r.File)
	b = appendJSONUint(b, "frame", uint64(r.Frame))
	b = appendJSONUint(b, "set", uint64(r.Set))
	b = appendJSONUint(b, "flow", uint64(r.Flow))
	if r.CaptureTime != 0 {
		b = appendJSONField(b, "capture_time", r.CaptureTime.Format(capturePrecision))
	}
	if r.Exporter.IsValid() {
		b = appendJSONField(b, "exporter", r.Exporter.String())
	}
	if r.Has(flow.LacksExporterPort) {
		b = appendJSONUint(b, "exporter_port", uint64(r.ExporterPort))
	}
	if r.Has(flow.LacksCollectorPort) {
		b = appendJSONUint(b, "collector_port", uint64(r.CollectorPort))
	}
	b = appendJSONUint(b, "version", uint64(r.Version))
	b = appendJSONUint(b, "domain", uint64(r.Domain))
	if r.ExportTime != 0 {
		b = appendJSONField(b, "export_time", r.ExportTime.Format(flow.PrecisionSecond))
	}
	if r.Version == 9 && r.Has(flow.LacksSysUptime) {
		b = appendJSONUint(b, "sys_uptime_ms", uint64(r.SysUptime))
	}
	if r.Has(flow.LacksSequence) {
		b = appendJSONUint(b, "sequence", uint64(r.Sequence))
	}
	b = appendJSONUint(b, "template_id", uint64(r.TemplateID))
	if r.Src.IsValid() {
		b = appendJSONField(b, "src", r.Src.String())
	}
	if r.Dst.IsValid() {
		b = appendJSONField(b, "dst", r.Dst.String())
	}
	if r.Lacks&flow.LacksSrcPort == 0 {
		b = appendJSONUint(b, "src_port", uint64(r.SrcPort))
	}
	if r.Lacks&flow.LacksDstPort == 0 {
		b = appendJSONUint(b, "dst_port", uint64(r.DstPort))
	}
	if r.Lacks&flow.LacksProto == 0 {
		b = appendJSONUint(b, "proto", uint64(r.Proto))
	}
	if r.App != "" {
		b = appendJSONField(b, "app", r.App)
	}
	if r.HasAppID {
		b = appendJSONUint(b, "app_id", uint64(r.AppID))
	}
	if r.HasStart() {
		p := r.StartEnc.Precision()
		b = appendJSONField(b, "start", r.Start.Format(p))
		b = appendJSONField(b, "start_encoding", r.StartEnc.String())
		b = appendJSONField(b, "start_precision", p.String())
	}
	if r.HasEnd {
		b = appendJSONField(b, "end", r.End.Format(r.StartEnc.Precision()))
	}
	if r.Lacks&flow.LacksPackets == 0 {
		b = appendJSONUint(b, "packets", r.Packets)
	}
	if r.Lacks&flow.LacksOctets == 0 {
		b = appendJSONUint(b, "octets", r.Octets)
	}
	if r.HasVLAN {
		b = appendJSONUint(b, "vlan", uint64(r.VLAN))
	}
	if n := r.NAT; n != nil {
		if n.Src.IsValid() {
			b = appendJSONField(b, "post_nat_src", n.Src.String())
		}
		if n.Dst.IsValid() {
			b = appendJSONField(b, "post_nat_dst", n.Dst.String())
		}
		b = appendJSONUint(b, "post_nat_src_port", uint64(n.SrcPort))
		b = appendJSONUint(b, "post_nat_dst_port", uint64(n.DstPort))
	}
	return append(b, "}\n"...)
}

// csvUint appends v, or nothing when the record does not carry it.
func csvUint(b []byte, v uint64, known bool) []byte {
	if !known {
		return b
	}
	return strconv.AppendUint(b, v, 10)
}

func appendJSONUint(b []byte, key string, v uint64) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return strconv.AppendUint(b, v, 10)
}

func appendJSONField(b []byte, key, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return report.AppendJSONString(b, v)
}
