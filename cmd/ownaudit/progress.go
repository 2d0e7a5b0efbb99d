package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// progressMode says how a scan shows its progress.
type progressMode int

const (
	// progressAuto draws a live bar per cloud when stderr is a terminal,
	// and logs progress lines otherwise (a job's log).
	progressAuto progressMode = iota
	// progressLog always logs progress lines: serve's log is read later,
	// and bars would fight with its other lines.
	progressLog
)

// progressLogEvery is how often a scan whose stderr is not a terminal logs
// its progress at info; tests shorten it.
var progressLogEvery = 30 * time.Second

// progressRefresh is how often the bars take a new snapshot of the scan.
const progressRefresh = 150 * time.Millisecond

// watchProgress shows the progress of the scan that records into sink,
// until the returned stop is called (after the scan): nothing with
// --quiet, bars on a terminal, log lines otherwise. Progress goes to
// stderr; stdout carries only the findings.
func watchProgress(g *globalOptions, mode progressMode, sink *scanners.Sink, sched *scanners.Scheduler) (stop func()) {
	started := time.Now()
	switch {
	case g.quiet:
		return func() {}
	case mode == progressAuto && isTerminal(g.stderr):
		return progressBars(g, sink, sched, started)
	default:
		return progressLines(g, sink, sched, started)
	}
}

// progressLines logs each cloud's progress every progressLogEvery.
func progressLines(g *globalOptions, sink *scanners.Sink, sched *scanners.Scheduler, started time.Time) func() {
	return every(progressLogEvery, func() {
		for _, p := range sink.Progress(sched) {
			g.logger.Info("scan progress", "cloud", p.Cloud, "targets", fmt.Sprintf("%d/%d", p.TargetsDone, p.Targets),
				"requests", p.Requests, "throttled", p.Throttled, "errors", p.Errors,
				"elapsed", time.Since(started).Round(time.Second).String())
		}
	})
}

// every calls fn every d on a goroutine of its own until the returned stop
// is called, which returns once fn is no longer running.
func every(d time.Duration, fn func()) (stop func()) {
	t := time.NewTicker(d)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	})
	return func() {
		t.Stop()
		close(done)
		wg.Wait()
	}
}

// progressBars draws one live line per cloud on stderr:
//
//	aws    targets 3/5 [=========>------]  requests 1234  throttled 12  errors 0  1m12s
//
// Log lines written meanwhile appear above the bars.
func progressBars(g *globalOptions, sink *scanners.Sink, sched *scanners.Scheduler, started time.Time) func() {
	p := mpb.New(mpb.WithOutput(g.stderr), mpb.WithWidth(24), mpb.WithRefreshRate(progressRefresh))
	g.logOut.via(p)

	var mu sync.Mutex
	latest := map[inventory.Cloud]scanners.Progress{}
	bars := map[inventory.Cloud]*mpb.Bar{}
	get := func(c inventory.Cloud) scanners.Progress {
		mu.Lock()
		defer mu.Unlock()
		return latest[c]
	}
	update := func() []scanners.Progress {
		snap := sink.Progress(sched)
		mu.Lock()
		for _, s := range snap {
			latest[s.Cloud] = s
		}
		mu.Unlock()
		for _, s := range snap {
			bar, ok := bars[s.Cloud]
			if !ok {
				c := s.Cloud
				bar = p.New(0, mpb.BarStyle(),
					mpb.PrependDecorators(
						decor.Name(string(c), decor.WC{W: 6, C: decor.DindentRight}),
						decor.Any(func(decor.Statistics) string {
							s := get(c)
							return fmt.Sprintf("targets %d/%d", s.TargetsDone, s.Targets)
						}, decor.WC{W: 14, C: decor.DindentRight}),
					),
					mpb.AppendDecorators(
						decor.Any(func(decor.Statistics) string {
							s := get(c)
							return fmt.Sprintf(" requests %d  throttled %d  errors %d  ", s.Requests, s.Throttled, s.Errors)
						}),
						decor.NewElapsed(decor.ET_STYLE_GO, started),
					))
				bars[s.Cloud] = bar
			}
			bar.SetTotal(int64(s.Targets), false)
			bar.SetCurrent(int64(s.TargetsDone))
		}
		return snap
	}

	stopUpdates := every(progressRefresh, func() { update() })
	return func() {
		stopUpdates()
		// The last state stays on the screen: full bars for the clouds
		// whose every target was read, the others stopped where they were.
		for _, s := range update() {
			if s.TargetsDone >= s.Targets {
				bars[s.Cloud].SetTotal(int64(s.Targets), true)
			} else {
				bars[s.Cloud].Abort(false)
			}
		}
		g.logOut.via(nil)
		p.Wait()
	}
}

// logWriter is where the logger writes: stderr, or while progress bars
// are drawn, their container, which prints each line above the bars.
type logWriter struct {
	mu     sync.Mutex
	stderr io.Writer
	bars   io.Writer
}

func (l *logWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bars != nil {
		return l.bars.Write(b)
	}
	return l.stderr.Write(b)
}

// via sends the log lines through w, or back to stderr when w is nil.
func (l *logWriter) via(w io.Writer) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bars = w
}
