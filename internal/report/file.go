package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"
)

// special reports whether p lies in /dev or /proc, where files are devices
// and descriptors, not reports to replace.
func special(p string) bool {
	p = filepath.Clean(p)
	return strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/")
}

// writeOpen writes a report into the existing file at path (a device, a
// pipe, a descriptor), without a temporary file.
func writeOpen(ctx context.Context, path string, render RenderFunc) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	defer f.Close()
	return writeDirect(ctx, path, f, render)
}

// RenderFunc writes one report to w. Renderers check ctx between rows and
// return ctx.Err() when it is cancelled.
type RenderFunc func(ctx context.Context, w io.Writer) error

// WriteFile writes a report to path atomically: render writes into a
// temporary file in path's directory, which is flushed, synced to disk and
// renamed over path only when render succeeded and ctx is not cancelled. On
// any error, and on cancellation, the temporary file is removed, so an
// interrupted run never leaves a half report (an older report at path stays
// untouched). The final file has mode 0644. After the rename the directory
// is synced too, so that a crash cannot lose the rename.
//
// A path that names something other than a regular file (a named pipe, a
// terminal, /dev/stdout) is written directly: renaming over it would replace
// the device with a file. "-" is standard output.
//
// A symbolic link is followed: the report replaces the file it points to,
// and the link stays. A link into /proc or /dev (/dev/stdout ->
// /proc/self/fd/1, even when standard output is redirected to a regular
// file) is written directly: a rename there would replace the link itself,
// or fail.
func WriteFile(ctx context.Context, path string, render RenderFunc) (err error) {
	if path == "-" {
		return writeDirect(ctx, path, os.Stdout, render)
	}
	if li, err := os.Lstat(path); err == nil && li.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil || special(path) || special(target) {
			return writeOpen(ctx, path, render)
		}
		path = target
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("write report %s: is a directory", path)
		}
		return writeOpen(ctx, path, render)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if err != nil && !renamed {
			_ = tmp.Close() // may already be closed; the error is the first one
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err = render(ctx, bw); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write report %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	renamed = true
	if err = syncDir(dir); err != nil {
		// The report is complete and in place; only the rename's
		// durability across a crash is in doubt.
		return fmt.Errorf("write report %s: sync directory: %w", path, err)
	}
	return nil
}

// MaxNameBytes is the longest file name (one path element, in bytes) that
// ext4, XFS, Btrfs and tmpfs accept (NAME_MAX).
const MaxNameBytes = 255

// tempRandom is the room os.CreateTemp needs for its random part: the
// decimal digits of a uint32.
const tempRandom = 10

// tempPattern is the os.CreateTemp pattern of the temporary file for the
// report base: ".<base>.tmp-*", with base cut (at a UTF-8 boundary) so that
// the temporary name fits in MaxNameBytes even when base itself is close to
// the limit.
func tempPattern(base string) string {
	const pre, post = ".", ".tmp-"
	return pre + cutUTF8(base, MaxNameBytes-len(pre)-len(post)-tempRandom) + post + "*"
}

// syncDir fsyncs a directory, making a rename in it durable. File systems
// that cannot sync a directory (EINVAL, unsupported) are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}

// writeDirect renders into w through a buffer: for streams, which cannot be
// replaced atomically.
func writeDirect(ctx context.Context, path string, w io.Writer, render RenderFunc) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := render(ctx, bw); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

// Paths are the report files of one run; an empty path means "not wanted".
type Paths struct {
	Text, JSON, CSV, XLSX, DOCX string
}

// Suffix is appended to the derived file name stem by PathsInDir.
const Suffix = "-nftimediff"

// PathsInDir returns the file names `-o DIR` writes, derived from the inputs:
// the stem is the first input's base name without its extension
// (capture.pcap -> capture); with two inputs both stems are joined with "-"
// (pre.pcap post.pcap -> pre-post); with more, "-and-N-more" is appended to
// the first stem. Standard input ("-" or no input) gives the stem "stdin".
// The result is DIR/<stem>-nftimediff.{txt,json,csv,xlsx,docx}.
//
// A stem longer than MaxStemBytes is cut (at a UTF-8 boundary) and ends in
// "~" and 8 hex digits of a hash of the whole stem, so that the file names
// and their temporary names (WriteFile) fit in MaxNameBytes and two long
// input names that differ only at the end still give different files.
func PathsInDir(dir string, inputs []string) Paths {
	var stem string
	switch len(inputs) {
	case 0:
		stem = "stdin"
	case 1:
		stem = fileStem(inputs[0])
	case 2:
		stem = fileStem(inputs[0]) + "-" + fileStem(inputs[1])
	default:
		stem = fmt.Sprintf("%s-and-%d-more", fileStem(inputs[0]), len(inputs)-1)
	}
	p := filepath.Join(dir, shortStem(stem)+Suffix)
	return Paths{Text: p + ".txt", JSON: p + ".json", CSV: p + ".csv", XLSX: p + ".xlsx", DOCX: p + ".docx"}
}

// MaxStemBytes is the longest stem PathsInDir uses: with Suffix, the longest
// extension (".docx", ".json", ".xlsx") and WriteFile's temporary name
// (".NAME.tmp-" and 10 digits) the name stays within MaxNameBytes.
const MaxStemBytes = MaxNameBytes - len(".") - len(Suffix) - len(".xlsx") - len(".tmp-") - tempRandom

// shortStem cuts a stem longer than MaxStemBytes and appends "~" and a hash
// of the whole stem (FNV-1a, 32 bits, 8 hex digits).
func shortStem(stem string) string {
	if len(stem) <= MaxStemBytes {
		return stem
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(stem))
	tag := fmt.Sprintf("~%08x", h.Sum32())
	return cutUTF8(stem, MaxStemBytes-len(tag)) + tag
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// end inside a UTF-8 sequence.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// fileStem is the base name without its extension; characters that are
// awkward in file names are replaced by "_".
func fileStem(in string) string {
	if in == "" || in == "-" {
		return "stdin"
	}
	base := filepath.Base(in)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, base)
	if base == "" || base == "." || base == ".." {
		return "input"
	}
	return base
}
