package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
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

	// What a client may take of the server: the answers are small (the
	// findings document is the largest), the requests smaller still, and
	// a client that is slower than this is not Prometheus or a probe.
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = time.Minute
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 16 << 10
	// defaultMaxConnections is far below the usual file limit of 1024,
	// which the scan's own connections share.
	defaultMaxConnections = 64
)

type serveOptions struct {
	scan     scanOptions
	listen   string
	interval time.Duration

	maxConnections int
	noFindings     bool
	tokenFile      string // --findings-token-file
	tlsCert        string
	tlsKey         string
	clientCA       string
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
and in-flight requests finish.

/findings says where the estate is weak. Off the loopback interface, guard
it: --findings-token-file (a bearer token), --client-ca-file (a client
certificate, with --tls-cert-file and --tls-key-file), or --no-findings.
/metrics, /healthz and /readyz stay open for Prometheus and the probes.`,
		Example: `  ownaudit serve --demo
  ownaudit serve --declaration acme.yaml --listen 0.0.0.0:9108 --interval 1h \
    --findings-token-file /etc/ownaudit/findings-token/token`,
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
	f.IntVar(&o.maxConnections, "max-connections", defaultMaxConnections, "most HTTP connections open at once; at the limit a new one replaces the oldest idle one")
	f.BoolVar(&o.noFindings, "no-findings", false, "do not serve /findings")
	f.StringVar(&o.tokenFile, "findings-token-file", "", "serve /findings only to requests with \"Authorization: Bearer <the token in this file>\"")
	f.StringVar(&o.tlsCert, "tls-cert-file", "", "serve HTTPS with this certificate (PEM; with --tls-key-file)")
	f.StringVar(&o.tlsKey, "tls-key-file", "", "the private key of --tls-cert-file (PEM)")
	f.StringVar(&o.clientCA, "client-ca-file", "", "serve /findings to clients with a certificate from these CAs (PEM; needs --tls-cert-file); with --findings-token-file, either will do")
	return cmd
}

// serveScan runs one scan for serve, whose /findings serves the whole
// document, passed findings included.
func serveScan(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration) (*report.Document, error) {
	doc, stream, err := scanOnce(ctx, g, o, decl, true)
	if doc == nil {
		return nil, err
	}
	// err may say that --scan-timeout stopped the reads: the document of
	// what was read is still served, with the error.
	defer stream.Close()
	var ferr error
	if doc.Findings, ferr = stream.Findings(); ferr != nil {
		return nil, ferr
	}
	return doc, err
}

func runServe(ctx context.Context, g *globalOptions, o *serveOptions) error {
	if o.interval <= 0 {
		return withCode(exitUsage, fmt.Errorf("--interval %s: want a positive duration", o.interval))
	}
	if err := checkSourceOptions(&o.scan); err != nil {
		return withCode(exitUsage, err)
	}
	o.scan.progress = progressLog
	decl, err := loadScanDeclaration(&o.scan)
	if err != nil {
		return withCode(exitUsage, err)
	}
	// A misspelt scanner name would fail every scan; refuse to start.
	registry := newRegistry(scanners.Options{})
	if err := registry.Err(); err != nil {
		return withCode(exitUsage, err)
	}
	if _, err := registry.Select(o.scan.disable); err != nil {
		return withCode(exitUsage, fmt.Errorf("--disable-scanner: %w", err))
	}
	access, tlsConfig, err := serveAccess(o)
	if err != nil {
		return withCode(exitUsage, err)
	}

	m := metrics.New(buildInfo())
	m.SetInterval(o.interval)
	s := newServer(m, g.logger, func(ctx context.Context) (*report.Document, error) {
		return serveScan(ctx, g, &o.scan, decl)
	})
	s.access = access

	plain, err := net.Listen("tcp", o.listen)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--listen: %w", err))
	}
	ln := newConnLimit(plain, o.maxConnections)
	hs := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         ln.State,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(g.logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
		go func() { served <- hs.ServeTLS(ln, "", "") }()
	} else {
		go func() { served <- hs.Serve(ln) }()
	}
	g.logger.Info("serving", "url", scheme+"://"+plain.Addr().String(), "interval", o.interval, "findings", access.String())
	if access.open() && !isLoopback(plain.Addr()) {
		g.logger.Warn("/findings is open to anyone who reaches --listen; guard it with --findings-token-file or --client-ca-file, or turn it off with --no-findings")
	}

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

// serveAccess reads who may read /findings, and the TLS configuration,
// from the flags.
func serveAccess(o *serveOptions) (findingsAccess, *tls.Config, error) {
	var a findingsAccess
	switch {
	case o.maxConnections < 1:
		return a, nil, fmt.Errorf("--max-connections %d: want 1 or more", o.maxConnections)
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return a, nil, errors.New("--tls-cert-file and --tls-key-file go together")
	case o.clientCA != "" && o.tlsCert == "":
		return a, nil, errors.New("--client-ca-file needs --tls-cert-file and --tls-key-file: client certificates come with TLS")
	case o.noFindings && (o.tokenFile != "" || o.clientCA != ""):
		return a, nil, errors.New("--no-findings turns /findings off; --findings-token-file and --client-ca-file would guard it")
	}
	a.off = o.noFindings
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return a, nil, fmt.Errorf("--findings-token-file: %w", err)
		}
		a.token = bytes.TrimSpace(b)
		if len(a.token) < 16 {
			return a, nil, fmt.Errorf("--findings-token-file %s: the token has %d characters; want 16 or more", o.tokenFile, len(a.token))
		}
	}
	if o.tlsCert == "" {
		return a, nil, nil
	}
	cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	if err != nil {
		return a, nil, fmt.Errorf("--tls-cert-file, --tls-key-file: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if o.clientCA != "" {
		pem, err := os.ReadFile(o.clientCA)
		if err != nil {
			return a, nil, fmt.Errorf("--client-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return a, nil, fmt.Errorf("--client-ca-file %s: no PEM certificate in it", o.clientCA)
		}
		// Asked for, not required: Prometheus and the probes connect
		// without one, and only /findings wants it.
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
		a.clientCert = true
	}
	return a, cfg, nil
}

// findingsAccess says who may read /findings.
type findingsAccess struct {
	off        bool   // not served at all
	token      []byte // a bearer token that opens it, or nil
	clientCert bool   // a client certificate the server verified opens it
}

// open reports whether anyone may read /findings.
func (a findingsAccess) open() bool { return !a.off && a.token == nil && !a.clientCert }

// allows reports whether r may read /findings.
func (a findingsAccess) allows(r *http.Request) bool {
	if a.open() {
		return true
	}
	if a.clientCert && r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && a.token != nil && subtle.ConstantTimeCompare([]byte(got), a.token) == 1
}

// String names the access for the log.
func (a findingsAccess) String() string {
	switch {
	case a.off:
		return "off"
	case a.open():
		return "open"
	case a.token != nil && a.clientCert:
		return "bearer token or client certificate"
	case a.token != nil:
		return "bearer token"
	}
	return "client certificate"
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// server runs serve mode's scans and answers HTTP with their results.
type server struct {
	scan    func(context.Context) (*report.Document, error)
	metrics *metrics.Collector
	logger  *slog.Logger
	// access says who may read /findings; open by default.
	access findingsAccess

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
	// A scan with failed reads is served, but it is not a scan "done":
	// whoever reads the log must see that parts of the estate are unknown.
	log, msg := s.logger.Info, "scan done"
	if incomplete(doc) != nil {
		log, msg = s.logger.Warn, "scan incomplete: some reads failed or some findings could not be evaluated"
	}
	log(msg, "took", took, "findings", len(doc.Findings), "failing", doc.Summary.ByStatus[controls.Fail],
		"errors", len(doc.Errors), "not_evaluated", doc.Summary.ByStatus[controls.Error])
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
	endpoints := "ownaudit: /metrics /healthz /readyz"
	if !s.access.off {
		endpoints = "ownaudit: /metrics /findings /healthz /readyz"
		mux.HandleFunc("GET /findings", func(w http.ResponseWriter, r *http.Request) {
			if !s.access.allows(r) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ownaudit findings"`)
				text(w, http.StatusUnauthorized, "/findings needs a bearer token or a client certificate")
				return
			}
			body := s.findings()
			if body == nil {
				text(w, http.StatusServiceUnavailable, "no scan has produced findings yet")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusOK, endpoints)
	})
	return mux
}

// text writes a one-line plain text answer.
func text(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}
