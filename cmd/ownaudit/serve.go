package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/metrics"
	"github.com/ownaudit/ownaudit/scanners"
)

const (
	// defaultListen is 9108, the port this exporter would take among
	// Prometheus' default port allocations, on the loopback interface
	// only: the findings say where an estate is weak.
	defaultListen   = "127.0.0.1:9108"
	defaultInterval = 6 * time.Hour
	// shutdownTimeout bounds a graceful stop: in-flight requests finish and
	// the running scan returns after its context is cancelled. It stays
	// below Kubernetes' default 30s grace period.
	shutdownTimeout = 10 * time.Second
)

type serveOptions struct {
	scan     scanOptions
	listen   string
	interval time.Duration
}

func newServeCmd(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Scan on a schedule and serve the findings and their metrics over HTTP",
		Long: `Scan at start and then every --interval, one scan at a time, and serve
the results:

  /metrics   Prometheus metrics of the latest scan (ownaudit_*)
  /findings  the latest findings document as JSON, passed findings included
             (503 until the first scan produced one)
  /healthz   200 while the server runs
  /readyz    200 once a scan produced a findings document, 503 before

A scan that could not read everything still produces a document (with
errors[]) and makes the server ready; ownaudit_scan_success says it was
partial. A scan that produced no document at all (it failed or panicked) is
logged and counted in the metrics; the server keeps serving the previous
document. A scan that takes longer than --interval delays the next one,
which then starts as soon as it ends.

The declaration is read once, at start; restart to pick up a change.
SIGTERM or SIGINT stops the server gracefully: the running scan is cancelled
and in-flight requests finish.`,
		Example: `  ownaudit serve --demo
  ownaudit serve --declaration acme.yaml --listen 0.0.0.0:9108 --interval 1h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, g, o)
		},
	}
	addSourceFlags(cmd, &o.scan)
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", defaultListen, "address to serve HTTP on (host:port)")
	f.DurationVar(&o.interval, "interval", defaultInterval, "time from the start of one scan to the start of the next")
	return cmd
}

// serveScan runs one scan for serve, whose /findings serves the whole
// document, passed findings included.
func serveScan(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration) (*report.Document, error) {
	doc, stream, err := scanOnce(ctx, g, o, decl, true)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	doc.Findings, err = stream.Findings()
	return doc, err
}

func runServe(ctx context.Context, g *globalOptions, o *serveOptions) error {
	if o.interval <= 0 {
		return withCode(exitUsage, fmt.Errorf("--interval %s: want a positive duration", o.interval))
	}
	if err := checkSourceOptions(&o.scan); err != nil {
		return withCode(exitUsage, err)
	}
	decl, err := loadScanDeclaration(&o.scan)
	if err != nil {
		return withCode(exitUsage, err)
	}
	// A misspelt scanner name would fail every scan; refuse to start.
	if _, err := newRegistry(scanners.Options{}).Select(o.scan.disable); err != nil {
		return withCode(exitUsage, fmt.Errorf("--disable-scanner: %w", err))
	}

	m := metrics.New(buildInfo())
	m.SetInterval(o.interval)
	s := newServer(m, g.logger, func(ctx context.Context) (*report.Document, error) {
		return serveScan(ctx, g, &o.scan, decl)
	})

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--listen: %w", err))
	}
	hs := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(g.logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	g.logger.Info("serving", "url", "http://"+ln.Addr().String(), "interval", o.interval)

	scanCtx, cancelScans := context.WithCancel(ctx)
	defer cancelScans()
	scansDone := make(chan struct{})
	go func() {
		defer close(scansDone)
		s.loop(scanCtx, o.interval)
	}()

	select {
	case <-ctx.Done():
		g.logger.Info("shutting down")
	case err := <-served:
		// The listener broke; nothing would be served any more.
		cancelScans()
		<-scansDone
		return fmt.Errorf("serve: %w", err)
	}
	cancelScans()
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = hs.Shutdown(stopCtx)
	select {
	case <-scansDone:
	case <-stopCtx.Done():
		g.logger.Warn("the running scan did not stop in time", "timeout", shutdownTimeout)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	g.logger.Info("stopped")
	return nil
}

// server runs serve mode's scans and answers HTTP with their results.
type server struct {
	scan    func(context.Context) (*report.Document, error)
	metrics *metrics.Collector
	logger  *slog.Logger

	// running is held by the scan in progress, so that two never overlap
	// whoever starts them.
	running sync.Mutex

	mu     sync.RWMutex
	latest []byte // the latest document as JSON; nil until the first
}

func newServer(m *metrics.Collector, logger *slog.Logger, scan func(context.Context) (*report.Document, error)) *server {
	return &server{scan: scan, metrics: m, logger: logger}
}

// loop scans at once, then interval after the start of each scan, until
// ctx ends. Scans run one at a time: one that overruns the interval delays
// the next, which then starts as soon as it ends.
func (s *server) loop(ctx context.Context, interval time.Duration) {
	for {
		started := time.Now()
		s.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := interval - time.Since(started)
		if wait <= 0 {
			s.logger.Warn("the scan took longer than --interval; the next one starts now",
				"took", time.Since(started).Round(time.Millisecond), "interval", interval)
			wait = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// runOnce runs one scan and records its result, unless a scan is already
// running; it reports whether it ran one.
func (s *server) runOnce(ctx context.Context) bool {
	if !s.running.TryLock() {
		s.logger.Warn("a scan is still running; not starting another")
		return false
	}
	defer s.running.Unlock()
	started := time.Now()
	doc, err := s.safeScan(ctx)
	took := time.Since(started).Round(time.Millisecond)
	if ctx.Err() != nil {
		// Shutting down: a cancelled scan says nothing about the estate.
		s.logger.Info("scan cancelled", "took", took)
		return true
	}
	if err == nil && doc == nil {
		err = errors.New("the scan returned no document")
	}
	var body bytes.Buffer
	if err == nil {
		err = report.WriteJSON(&body, doc)
	}
	if err != nil {
		s.metrics.ObserveFailure(time.Now(), err)
		s.logger.Error("scan failed; serving the previous results", "took", took, "error", err)
		return true
	}
	s.metrics.Observe(doc)
	s.mu.Lock()
	s.latest = body.Bytes()
	s.mu.Unlock()
	s.logger.Info("scan done", "took", took, "findings", len(doc.Findings), "failing", doc.Summary.ByStatus[controls.Fail],
		"errors", len(doc.Errors))
	return true
}

// safeScan runs the scan, turning a panic in it into an error so that the
// server outlives it.
func (s *server) safeScan(ctx context.Context) (doc *report.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("scan panicked", "panic", r, "stack", string(debug.Stack()))
			doc, err = nil, fmt.Errorf("scan panicked: %v", r)
		}
	}()
	return s.scan(ctx)
}

// findings returns the latest document as JSON, nil before the first.
func (s *server) findings() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.latest
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry(), promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelError),
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.findings() == nil {
			text(w, http.StatusServiceUnavailable, "no scan has produced findings yet")
			return
		}
		text(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /findings", func(w http.ResponseWriter, _ *http.Request) {
		body := s.findings()
		if body == nil {
			text(w, http.StatusServiceUnavailable, "no scan has produced findings yet")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusOK, "ownaudit: /metrics /findings /healthz /readyz")
	})
	return mux
}

// text writes a one-line plain text answer.
func text(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}
