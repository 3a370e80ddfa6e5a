// Package stats holds the pure statistics of nftimediff: quantiles, robust
// offset with a confidence interval, drift (Theil–Sen slope), clock steps,
// precision limits, the quarter-hour hint and the verdict.
//
// Differences are in milliseconds as float64 unless a name says ns; times
// are Unix nanoseconds (flow.Instant values). Nothing here knows about
// records or pairing; callers pass the pairs' start times and differences.
//
// This package uses only internal/flow and the standard library.
package stats
