package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// waitingScanner makes one request and then waits until released.
type waitingScanner struct {
	sched   *scanners.Scheduler
	release chan struct{}
}

func (s waitingScanner) Scan(ctx context.Context, t scanners.Target, _ *scanners.Sink) error {
	call := scanners.Call{Cloud: string(t.Cloud), Target: t.ID, Service: "compute", Operation: "firewalls.list"}
	if done, err := s.sched.Acquire(ctx, call, scanners.Limit{}); err == nil {
		done()
		s.sched.Done(call, "rateLimitExceeded")
	}
	<-s.release
	return nil
}

func TestProgressIsLoggedWhenStderrIsNotATerminal(t *testing.T) {
	defer func(d time.Duration) { progressLogEvery = d }(progressLogEvery)
	progressLogEvery = 5 * time.Millisecond

	for _, quiet := range []bool{false, true} {
		var stderr syncBuffer
		level := slog.LevelInfo
		if quiet {
			level = slog.LevelError
		}
		g := &globalOptions{stderr: &stderr, quiet: quiet, logger: slog.New(slog.NewTextHandler(&stderr, &slog.HandlerOptions{Level: level}))}
		sched := scanners.NewScheduler(2)
		sched.Throttling("gcp", "rateLimitExceeded")
		release := make(chan struct{})
		reg := scanners.NewRegistry(scanners.Options{})
		for _, d := range inventory.Domains {
			reg.Register(scanners.Registration{Cloud: inventory.GCP, Domain: d, New: func() scanners.Scanner {
				return waitingScanner{sched: sched, release: release}
			}})
		}
		sink := scanners.NewSink()
		stop := watchProgress(g, progressAuto, sink, sched)
		done := make(chan struct{})
		go func() {
			defer close(done)
			reg.RunInto(context.Background(), sink, []scanners.Target{{Cloud: inventory.GCP, ID: "acme-prod"}}, reg.Registered(), 4)
		}()
		want := `msg="scan progress" cloud=gcp targets=0/1 requests=4 throttled=4 errors=0 elapsed=`
		if !quiet {
			for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), want) && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		} else {
			time.Sleep(50 * time.Millisecond) // ten intervals: none may log
		}
		close(release)
		<-done
		stop()
		got := stderr.String()
		switch {
		case !quiet && !strings.Contains(got, want):
			t.Errorf("stderr = %q, want a line with %q", got, want)
		case quiet && got != "":
			t.Errorf("--quiet: stderr = %q, want nothing", got)
		}
	}
}
