package tshark

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"netflowtimedifference/internal/flow"
)

// benchJSON returns the JSON to walk: the file named by NFTD_BENCH_JSON (for
// example tshark's output for a large generated capture), or else the
// c_ipfix_ixia fixture's packet repeated 2000 times.
func benchJSON(b *testing.B) []byte {
	if p := os.Getenv("NFTD_BENCH_JSON"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tshark", "c_ipfix_ixia.json"))
	if err != nil {
		b.Fatal(err)
	}
	el := bytes.TrimSpace(data)
	el = bytes.TrimSuffix(bytes.TrimPrefix(el, []byte("[")), []byte("]"))
	el = bytes.TrimSpace(el)
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i := range 2000 {
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(el)
	}
	buf.WriteString("\n]\n")
	return buf.Bytes()
}

// BenchmarkWalk measures the JSON walk alone: MB/s of tshark output, and
// allocations per packet and per record.
func BenchmarkWalk(b *testing.B) {
	data := benchJSON(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var packets, records int
	cpu0 := cpuTime()
	for b.Loop() {
		w := Walk(bytes.NewReader(data), WalkOptions{File: "bench"})
		records = 0
		for {
			_, err := w.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
		}
		packets = w.Tally().Frames
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(data))/1e6/((cpuTime()-cpu0).Seconds()/float64(b.N)), "MB/cpu-s")
	b.ReportMetric(float64(packets), "packets/op")
	b.ReportMetric(float64(records), "records/op")
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSplit measures the element splitter alone.
func BenchmarkSplit(b *testing.B) {
	data := benchJSON(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := newSplitter(bytes.NewReader(data))
		for {
			_, err := s.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

var _ = flow.Record{}

// cpuTime is the process's user+system CPU time: on a loaded machine it
// measures the walk better than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
