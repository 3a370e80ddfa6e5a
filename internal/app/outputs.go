package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"netflowtimedifference/internal/report"
)

// checkOutputs refuses, before any input is read, report and output files
// that cannot be written: a missing or non-directory parent (outDir itself
// may not exist yet: Match creates it, so its nearest existing ancestor
// must be a directory), an -o DIR that is a file, and an output that is one
// of the inputs (it would be replaced by the report).
func checkOutputs(inputs []string, outDir string, files ...string) error {
	if outDir != "" {
		if fi, err := os.Stat(outDir); err == nil && !fi.IsDir() {
			return Errorf(ExitOutput, "-o %s: exists and is not a directory (-o takes the directory the reports go into)", outDir)
		} else if err != nil {
			if a := existingAncestor(outDir); a != "" {
				if fi, err := os.Stat(a); err == nil && !fi.IsDir() {
					return Errorf(ExitOutput, "-o %s: cannot create it: %s is not a directory", outDir, a)
				}
			}
		}
	}
	for _, f := range files {
		if f == "" || isStdout(f) {
			continue
		}
		dir := filepath.Dir(f)
		if outDir == "" || !within(dir, outDir) {
			switch fi, err := os.Stat(dir); {
			case errors.Is(err, fs.ErrNotExist):
				return Errorf(ExitOutput, "cannot write %s: directory %s does not exist", f, dir)
			case err != nil:
				return Errorf(ExitOutput, "cannot write %s: %v", f, err)
			case !fi.IsDir():
				return Errorf(ExitOutput, "cannot write %s: %s is not a directory", f, dir)
			}
		}
		out, err := os.Stat(f)
		if err != nil {
			continue
		}
		if out.IsDir() {
			return Errorf(ExitOutput, "cannot write %s: it is a directory", f)
		}
		for _, in := range inputs {
			if fi, err := os.Stat(in); in != "-" && err == nil && os.SameFile(fi, out) {
				return Errorf(ExitUsage, "%s is an input: writing the output there would replace it", f)
			}
		}
	}
	return nil
}

// isStdout reports whether an output name means standard output.
func isStdout(f string) bool {
	switch f {
	case "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return true
	}
	return false
}

// existingAncestor returns the nearest ancestor of p that exists ("" if none).
func existingAncestor(p string) string {
	for d := filepath.Dir(filepath.Clean(p)); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}

// within reports whether dir is root or below it.
func within(dir, root string) bool {
	dir, root = filepath.Clean(dir), filepath.Clean(root)
	return dir == root || strings.HasPrefix(dir, root+string(filepath.Separator))
}

// distinctOutputs refuses two reports aimed at one file (by name, by a
// path to the same file, or both at standard output): the second would
// replace the first, or their bytes would mix. The message names the flags;
// a name that -o DIR derived is "-o DIR (json)".
func distinctOutputs(p report.Paths, outDir string, inputs []string) error {
	derived := report.Paths{}
	if outDir != "" {
		derived = report.PathsInDir(outDir, inputs)
	}
	type out struct{ flag, path string }
	var outs []out
	for _, o := range []struct{ flag, path, derived string }{
		{"text", p.Text, derived.Text}, {"json", p.JSON, derived.JSON}, {"csv", p.CSV, derived.CSV},
		{"xlsx", p.XLSX, derived.XLSX}, {"docx", p.DOCX, derived.DOCX},
	} {
		if o.path == "" {
			continue
		}
		flag := "--" + o.flag
		if o.path == o.derived {
			flag = fmt.Sprintf("-o %s (%s)", outDir, o.flag)
		}
		outs = append(outs, out{flag, o.path})
	}
	for i, a := range outs {
		for _, b := range outs[:i] {
			if same, what := sameOutput(a.path, b.path); same {
				return Errorf(ExitUsage, "%s and %s both write %s: give each report its own file", b.flag, a.flag, what)
			}
		}
	}
	return nil
}

// sameOutput reports whether two output names mean the same file, and
// names it.
func sameOutput(a, b string) (bool, string) {
	if isStdout(a) || isStdout(b) {
		return isStdout(a) && isStdout(b), "standard output"
	}
	if filepath.Clean(a) == filepath.Clean(b) {
		return true, b
	}
	if aa, err := filepath.Abs(a); err == nil {
		if bb, err := filepath.Abs(b); err == nil && aa == bb {
			return true, b
		}
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil && os.SameFile(fa, fb) {
		return true, fmt.Sprintf("%s (also named %s)", b, a)
	}
	return false, ""
}
