package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSyncDirSyncsADirectoryAndReportsAMissingOne(t *testing.T) {
	if err := syncDir(t.TempDir()); err != nil {
		t.Errorf("syncDir(temp dir) = %v", err)
	}
	if err := syncDir("/nonexistent-dir"); err == nil {
		t.Errorf("syncDir of a missing directory is no error")
	}
}

func TestTempPatternFitsAFileNameWhateverTheBase(t *testing.T) {
	if got := tempPattern("r.xlsx"); got != ".r.xlsx.tmp-*" {
		t.Errorf("tempPattern(r.xlsx) = %q", got)
	}
	for _, base := range []string{strings.Repeat("a", 255), strings.Repeat("ü", 127) + "x", strings.Repeat("€", 85)} {
		p := tempPattern(base)
		name := strings.Replace(p, "*", "4294967295", 1) // the longest random part os.CreateTemp writes
		if len(name) > MaxNameBytes || !utf8.ValidString(name) || !strings.HasSuffix(p, ".tmp-*") {
			t.Errorf("temporary name %q: %d bytes, valid UTF-8 %v", name, len(name), utf8.ValidString(name))
		}
	}
}
