package reporttest

import (
	"runtime"
	"sync"
	"time"
)

// HeapPeak samples the live heap every millisecond until Stop and reports
// the highest value seen above the heap at Start, in bytes. A benchmark
// uses it to show that a renderer's memory does not grow with the pairs.
type HeapPeak struct {
	base, peak uint64
	stop       chan struct{}
	wg         sync.WaitGroup
}

// StartHeapPeak runs a GC, notes the heap in use and starts sampling.
func StartHeapPeak() *HeapPeak {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &HeapPeak{base: ms.HeapAlloc, stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				h.peak = max(h.peak, ms.HeapAlloc)
			}
		}
	}()
	return h
}

// Stop ends sampling and returns the base heap and the peak above it.
func (h *HeapPeak) Stop() (base, above uint64) {
	close(h.stop)
	h.wg.Wait()
	if h.peak < h.base {
		return h.base, 0
	}
	return h.base, h.peak - h.base
}
