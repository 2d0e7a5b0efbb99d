package procstatus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(path, []byte("Name:\townaudit\nVmHWM:\t  140248 kB\nVmRSS:\t   98304 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]uint64{"VmHWM": 140248, "VmRSS": 98304} {
		if got, ok := KB(path, field); !ok || got != want {
			t.Errorf("%s = %d, %v; want %d", field, got, ok, want)
		}
	}
	if _, ok := KB(path, "VmSwap"); ok {
		t.Error("a missing field read as present")
	}
	if _, ok := KB(filepath.Join(t.TempDir(), "none"), "VmRSS"); ok {
		t.Error("a missing file read as present")
	}
}
