package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/metrics"
)

// limitedServer serves handler on 127.0.0.1 behind a connLimit of max
// connections, with serve's timeouts, until the test ends.
func limitedServer(t *testing.T, max int, handler http.Handler) (*connLimit, string) {
	t.Helper()
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := newConnLimit(plain, max)
	hs := &http.Server{Handler: handler, ConnState: ln.State, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln, "http://" + plain.Addr().String()
}

// idleConns opens n connections to addr that never send anything.
func idleConns(t *testing.T, addr string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
}

func TestConnLimitMakesRoomForNewClients(t *testing.T) {
	ln, base := limitedServer(t, 8, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { text(w, 200, "ok") }))
	// A keep-alive client that is idle between requests, then a crowd
	// that connects and says nothing.
	keep := &http.Client{Timeout: 3 * time.Second}
	if resp, err := keep.Get(base + "/"); err == nil {
		resp.Body.Close()
	}
	idleConns(t, strings.TrimPrefix(base, "http://"), 50)
	start := time.Now()
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz behind 50 idle connections: %v", err)
	}
	resp.Body.Close()
	t.Logf("answered after %s", time.Since(start))
	if n := ln.Open(); n > 8 {
		t.Errorf("%d connections open, want at most 8", n)
	}
}

func TestConnLimitWaitsWhileEveryConnectionIsBusy(t *testing.T) {
	release := make(chan struct{})
	ln, base := limitedServer(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		text(w, 200, "ok")
	}))
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < 2; i++ {
		go func() {
			if resp, err := c.Get(base + "/slow"); err == nil {
				resp.Body.Close()
			}
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for ln.Open() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := c.Get(base + "/fast")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a third request was served (%v) while both connections were busy; a busy connection is never dropped", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the third request once a connection was free: %v", err)
	}
}

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate of that CA, and a client certificate of another CA, and
// returns the files' folder.
func testPKI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, block *pem.Block) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	serial := int64(1)
	issue := func(name string, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.Subject = pkix.Name{CommonName: name}
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		keyDER, _ := x509.MarshalECPrivateKey(key)
		write(name+".pem", &pem.Block{Type: "CERTIFICATE", Bytes: der})
		write(name+"-key.pem", &pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
		return cert, key
	}
	caTmpl := func() *x509.Certificate {
		return &x509.Certificate{IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	ca, caKey := issue("ca", caTmpl(), nil, nil)
	other, otherKey := issue("other-ca", caTmpl(), nil, nil)
	issue("server", &x509.Certificate{IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey)
	issue("client", &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, caKey)
	issue("stranger", &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, other, otherKey)
	return dir
}

func TestFindingsAccess(t *testing.T) {
	pki := testPKI(t)
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := func(name string) string { return filepath.Join(pki, name) }
	withTLS := serveOptions{tlsCert: f("server.pem"), tlsKey: f("server-key.pem")}
	type request struct {
		token, cert string // cert: "client", "stranger" or none
		want        int    // /findings status
	}
	for _, tc := range []struct {
		name     string
		opts     serveOptions
		requests []request
	}{
		{"open", serveOptions{}, []request{{want: 200}}},
		{"off", serveOptions{noFindings: true}, []request{{want: 404}, {token: "0123456789abcdef0123", want: 404}}},
		{"token", serveOptions{tokenFile: token}, []request{{want: 401}, {token: "0123456789abcdef0124", want: 401},
			{token: "0123456789abcdef0123", want: 200}}},
		{"client certificate", serveOptions{tlsCert: withTLS.tlsCert, tlsKey: withTLS.tlsKey, clientCA: f("ca.pem")},
			// Go's client sends no certificate the server's CAs did not
			// issue: the stranger is refused like anyone without one.
			[]request{{want: 401}, {cert: "client", want: 200}, {cert: "stranger", want: 401}}},
		{"token or client certificate", serveOptions{tlsCert: withTLS.tlsCert, tlsKey: withTLS.tlsKey, clientCA: f("ca.pem"), tokenFile: token},
			[]request{{want: 401}, {cert: "client", want: 200}, {token: "0123456789abcdef0123", want: 200}}},
		{"TLS without client certificates", withTLS, []request{{want: 200}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.maxConnections = 8
			access, tlsConfig, err := serveAccess(&opts)
			if err != nil {
				t.Fatal(err)
			}
			m := metrics.New(metrics.BuildInfo{Version: "test"})
			s := newServer(m, slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context) (*report.Document, error) {
				return demoDocument(t), nil
			})
			s.access = access
			s.runOnce(context.Background())
			plain, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			hs := &http.Server{Handler: s.handler(), TLSConfig: tlsConfig, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
			base := "http://" + plain.Addr().String()
			if tlsConfig != nil {
				base = "https://" + plain.Addr().String()
				go func() { _ = hs.ServeTLS(plain, "", "") }()
			} else {
				go func() { _ = hs.Serve(plain) }()
			}
			t.Cleanup(func() { _ = hs.Close() })
			roots := x509.NewCertPool()
			if pem, err := os.ReadFile(f("ca.pem")); err == nil {
				roots.AppendCertsFromPEM(pem)
			}
			for _, r := range tc.requests {
				cfg := &tls.Config{RootCAs: roots}
				if r.cert != "" {
					cert, err := tls.LoadX509KeyPair(f(r.cert+".pem"), f(r.cert+"-key.pem"))
					if err != nil {
						t.Fatal(err)
					}
					cfg.Certificates = []tls.Certificate{cert}
				}
				c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
				for _, path := range []string{"/findings", "/metrics", "/healthz"} {
					req, _ := http.NewRequest(http.MethodGet, base+path, nil)
					if r.token != "" {
						req.Header.Set("Authorization", "Bearer "+r.token)
					}
					want := r.want
					if path != "/findings" {
						want = 200 // only /findings is guarded
					}
					resp, err := c.Do(req)
					got := 0
					if err == nil {
						got = resp.StatusCode
						resp.Body.Close()
					}
					if got != want {
						t.Errorf("GET %s with token %q and certificate %q = %d (%v), want %d", path, r.token, r.cert, got, err, want)
					}
				}
			}
		})
	}
}
