// Package match pairs the pre-NAT and post-NAT flow records of the same
// sessions one to one, after estimating the clock offset between the two sides.
//
// The rule for "same session" (the key) is: the same server socket
// (destination address and port of a forward record, source address and
// port of a return record; a record whose ports do not tell its direction
// is tried both ways, see DirectionOf) and protocol, the same application name where both
// records carry one, and start times within a window of each other. Records
// are indexed by key in a map, sorted by start time within a key and searched
// by binary search, so a run costs O(n log n), never a loop over all pairs.
//
// Pairing is one to one. Before pairing, the offset (post - pre) of each
// (pre exporter domain, post exporter domain) pair is estimated from all
// candidate differences (the mode of a fine histogram in which each pre
// record has a total weight of one, refined by the median of the differences
// near the mode), and tracked over time by a rolling median of the
// unambiguous keys' differences, which follows drift and switches at a
// clock step between the two keys on either side of it, so that drift and
// steps do not mislead the pairing; exporter pairs whose
// differences show no mode share no sessions and are not paired. Candidates
// are then taken greedily by closeness to that offset; packets and octets
// agreeing break ties within the start times' precision. Continuation
// records (long sessions split by the active timeout) are paired after the
// first segments, following each session's chain of records (a record whose
// predecessor is paired pairs only along its chain); two continuations
// without a chain pair beyond the plausibility gate only within the band
// where the chained continuation pairs lie. Their pairs are marked so that
// the clock statistics can leave them out.
//
// This package uses only internal/flow and the standard library.
package match
