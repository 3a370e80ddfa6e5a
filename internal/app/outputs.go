package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
