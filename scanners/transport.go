package scanners

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// How long connecting to a provider may take, before and during TLS.
const (
	dialTimeout         = 30 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
)

// ConfigureTransport sets up tr the way every cloud's clients need it,
// whatever the machine's environment holds: the proxies the environment
// names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, read now, so that each scan
// sees the current values), bounded connect and TLS handshake times, a
// response header timeout of callTimeout, and TLS 1.2 or later. What tr
// already holds otherwise is kept, such as the root CAs of a custom
// bundle.
//
// The SDKs build a client of their own only when something in the
// environment asks for one (AWS_CA_BUNDLE, for instance); without it
// nothing would bound a request to an endpoint that accepts a connection
// and never answers. Each cloud therefore hands its SDK a client on a
// transport set up here, with callTimeout as the client's own timeout
// (NewHTTPClient).
func ConfigureTransport(tr *http.Transport, callTimeout time.Duration) {
	proxy := httpproxy.FromEnvironment().ProxyFunc()
	tr.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	tr.DialContext = (&net.Dialer{Timeout: min(dialTimeout, positive(callTimeout, dialTimeout)), KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = min(tlsHandshakeTimeout, positive(callTimeout, tlsHandshakeTimeout))
	tr.ResponseHeaderTimeout = callTimeout
	tr.ForceAttemptHTTP2 = true
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	if tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
		tr.TLSClientConfig.MinVersion = tls.VersionTLS12
	}
	if tr.IdleConnTimeout == 0 {
		tr.IdleConnTimeout = 90 * time.Second
	}
}

// NewHTTPClient returns a client on a transport set up by
// ConfigureTransport whose every request, response body included, gives
// up after callTimeout (none when it is 0).
func NewHTTPClient(callTimeout time.Duration) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	ConfigureTransport(tr, callTimeout)
	return &http.Client{Transport: tr, Timeout: callTimeout}
}

// positive returns d, or otherwise when d is not positive.
func positive(d, otherwise time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return otherwise
}
