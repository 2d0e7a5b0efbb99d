package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProfilesAreWrittenOnRequest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profiles")
	t.Setenv(profileEnv, dir)
	stop := startProfiles()
	time.Sleep(400 * time.Millisecond) // past the first look at the resident size
	stop()
	for _, name := range []string{"cpu.pprof", "heap.pprof", "goroutine.pprof", "memstats.txt"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v, want a profile", name, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "memstats.txt"))
	if !strings.Contains(string(b), "resident ") || !strings.Contains(string(b), "stacks ") {
		t.Errorf("memstats.txt = %q, want the resident size and its parts", b)
	}
}

func TestNoProfilesUnlessAsked(t *testing.T) {
	t.Setenv(profileEnv, "")
	dir := t.TempDir()
	t.Chdir(dir)
	startProfiles()()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files written without %s", len(entries), profileEnv)
	}
}
