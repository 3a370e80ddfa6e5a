package match

import (
	"cmp"
	"fmt"
	"slices"

	"netflowtimedifference/internal/flow"
)

// ExporterPair identifies the two exporter domains of a set of pairs.
type ExporterPair struct {
	Pre, Post flow.ExporterDomain
}

// String formats as "192.0.2.1/310 -> 192.0.2.2/320".
func (e ExporterPair) String() string {
	return fmt.Sprintf("%s/%d -> %s/%d", e.Pre.Exporter, e.Pre.Domain, e.Post.Exporter, e.Post.Domain)
}

// PairGroup is the pairs of one exporter pair.
type PairGroup struct {
	Key   ExporterPair
	Pairs []int32 // indices into Result.Pairs, in order
	// UnmatchedPre counts the unmatched pre records of Key.Pre (shared by
	// every group with the same pre exporter domain), UnmatchedPost those of
	// Key.Post likewise.
	UnmatchedPre, UnmatchedPost int
}

// ByExporterPair groups the pairs by (pre exporter, pre domain, post
// exporter, post domain), ordered by number of pairs descending, then by key.
// recs must be the slice given to Run.
func (r *Result) ByExporterPair(recs []flow.Record) []PairGroup {
	idx := map[ExporterPair]int{}
	var out []PairGroup
	for i, p := range r.Pairs {
		k := ExporterPair{Pre: recs[p.Pre].ExporterDomain(), Post: recs[p.Post].ExporterDomain()}
		g, ok := idx[k]
		if !ok {
			g = len(out)
			idx[k] = g
			out = append(out, PairGroup{Key: k})
		}
		out[g].Pairs = append(out[g].Pairs, int32(i))
	}
	upre, upost := map[flow.ExporterDomain]int{}, map[flow.ExporterDomain]int{}
	for _, u := range r.UnmatchedPre {
		upre[recs[u.Index].ExporterDomain()]++
	}
	for _, u := range r.UnmatchedPost {
		upost[recs[u.Index].ExporterDomain()]++
	}
	for i := range out {
		out[i].UnmatchedPre = upre[out[i].Key.Pre]
		out[i].UnmatchedPost = upost[out[i].Key.Post]
	}
	slices.SortFunc(out, func(a, b PairGroup) int {
		if c := cmp.Compare(len(b.Pairs), len(a.Pairs)); c != 0 {
			return c
		}
		return compareED(a.Key, b.Key)
	})
	return out
}

func compareED(a, b ExporterPair) int {
	if c := a.Pre.Exporter.Compare(b.Pre.Exporter); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Pre.Domain, b.Pre.Domain); c != 0 {
		return c
	}
	if c := a.Post.Exporter.Compare(b.Post.Exporter); c != 0 {
		return c
	}
	return cmp.Compare(a.Post.Domain, b.Post.Domain)
}
