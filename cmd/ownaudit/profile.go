package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"sync"
	"time"

	"github.com/ownaudit/ownaudit/internal/procstatus"
)

// profileEnv names a folder to write profiles of this run into, for
// performance work (docs/performance.md): cpu.pprof for the whole run,
// and, taken when the process's resident memory was at its highest (looked
// at four times a second), heap.pprof, goroutine.pprof and memstats.txt
// (where the resident memory went: heap, stacks, the runtime's own).
// Not a flag: users never need it.
const profileEnv = "OWNAUDIT_PROFILE_DIR"

// startProfiles starts profiling when profileEnv is set and returns the
// function that finishes it; without the variable both do nothing.
func startProfiles() (stop func()) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err == nil && pprof.StartCPUProfile(cpu) != nil {
		cpu.Close()
		cpu = nil
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var peak uint64
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rss := residentKB()
			if rss <= peak {
				continue
			}
			peak = rss
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			writeProfile(filepath.Join(dir, "heap.pprof"), "heap")
			writeProfile(filepath.Join(dir, "goroutine.pprof"), "goroutine")
			_ = os.WriteFile(filepath.Join(dir, "memstats.txt"), fmt.Appendf(nil,
				"resident %d KiB\nheap in use %d KiB\nheap idle, not returned %d KiB\nstacks %d KiB\nruntime (spans, GC, other) %d KiB\ngoroutines %d\nheap objects %d\nGC cycles %d\n",
				rss, ms.HeapInuse>>10, (ms.HeapIdle-ms.HeapReleased)>>10, ms.StackInuse>>10,
				(ms.MSpanInuse+ms.MCacheInuse+ms.GCSys+ms.OtherSys+ms.BuckHashSys)>>10,
				runtime.NumGoroutine(), ms.HeapObjects, ms.NumGC), 0o644)
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
	}
}

// residentKB is the process's resident memory (VmRSS), 0 where /proc
// does not tell.
func residentKB() uint64 {
	kb, _ := procstatus.KB("/proc/self/status", "VmRSS")
	return kb
}

func writeProfile(path, name string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(name).WriteTo(f, 0)
}
