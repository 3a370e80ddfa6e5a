package tshark

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// maxQuoted is how many bytes of an input value Quote shows.
const maxQuoted = 80

// Quote quotes a value taken from an input for a note or an error. A value
// longer than 80 bytes is cut (at a character boundary) and followed by an
// ellipsis and its length: a damaged export can hold a field of many
// megabytes, and a message must stay one readable line.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// InputName is how notes and errors name an input: its path, or
// "- (standard input)" for "-". Records keep the name as given ("-").
func InputName(file string) string {
	if file == "-" {
		return "- (standard input)"
	}
	return file
}

// ErrFrameOrder is wrapped by the error for a packet whose frame number does
// not follow the previous packet's: within one export (and one tshark run)
// frame numbers strictly increase, so a repeat means the same packets twice.
var ErrFrameOrder = errors.New("frame numbers do not increase")

// FrameOrderError is the error for a packet with number frame coming after
// the packet numbered prev in one input (frame <= prev); the caller's
// position names frame. A repeat would count the same records twice; a step
// back also breaks what is learnt from earlier packets (templates, sequence
// numbers, system init times).
func FrameOrderError(prev, frame uint32) error {
	what := fmt.Sprintf("comes after frame %d", prev)
	if frame == prev {
		what = "appears twice in a row"
	}
	return fmt.Errorf("%s: %w within one input, so it holds the same packets twice (two exports joined into one file, or packets exported twice?) or out of order; export the packets once, in capture order", what, ErrFrameOrder)
}
