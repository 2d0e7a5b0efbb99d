package scanners

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestConfigureTransportReadsProxiesWhenCalled(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	t.Setenv("NO_PROXY", "internal.example")
	tr := &http.Transport{TLSClientConfig: &tls.Config{ServerName: "kept"}}
	ConfigureTransport(tr, time.Second)
	for _, tc := range []struct{ url, want string }{
		{"https://ec2.eu-central-1.amazonaws.com/", "http://proxy.example:3128"},
		{"https://api.internal.example/", ""},
		{"https://127.0.0.1:8443/", ""}, // loopback never goes through a proxy
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
		u, err := tr.Proxy(req)
		got := ""
		if u != nil {
			got = u.String()
		}
		if err != nil || got != tc.want {
			t.Errorf("proxy for %s = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
	if tr.TLSClientConfig.ServerName != "kept" || tr.TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Errorf("TLS config = %+v, want what it held plus TLS 1.2 at least", tr.TLSClientConfig)
	}
	if tr.ResponseHeaderTimeout != time.Second || tr.TLSHandshakeTimeout != time.Second {
		t.Errorf("timeouts: response header %s, TLS handshake %s; want the call timeout, 1s", tr.ResponseHeaderTimeout, tr.TLSHandshakeTimeout)
	}
}

func TestNewHTTPClientGivesUpAfterTheCallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	start := time.Now()
	resp, err := NewHTTPClient(200 * time.Millisecond).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a server that never answers answered")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %s, want about 200ms", d)
	}
}
