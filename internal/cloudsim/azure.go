package cloudsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The Azure side of the simulator speaks TLS: azcore refuses to send a
// bearer token over plain HTTP. Start makes a certificate for 127.0.0.1,
// localhost and *.vault.localhost (where the simulated vaults live) and
// serves Resource Manager, Resource Graph and the Key Vault data plane
// with it; clients trust exactly that certificate (Server.CACert).

// vaultDomain is the DNS suffix of the simulated vaults' hosts. Names
// under .localhost are loopback names (RFC 6761).
const vaultDomain = "vault.localhost"

// newCertificate makes a self-signed certificate for the simulator's
// names and returns it with its PEM encoding.
func newCertificate() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "cloudsim", Organization: []string{"ownaudit cloud simulator"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost", "*." + vaultDomain},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemCert, nil
}

// azureCall is one Azure request being answered.
type azureCall struct {
	s *Server
	w http.ResponseWriter
	r *http.Request
	// Service and Operation name the RBAC action the request needs
	// ("Microsoft.Network", "networkSecurityGroups/read").
	Service   string
	Operation string
	// Sub is the subscription the request is about, "" for tenant-level
	// requests; Principal who is calling.
	Sub       string
	Principal string
	// Reads are the further actions a request needed: the resource types
	// a Resource Graph query read.
	Reads []string
	// data marks a Key Vault data-plane request; attempt numbers the
	// call's attempts.
	data    bool
	attempt int
	Body    []byte

	status int
	code   string
}

// Action is the RBAC action of the request.
func (c *azureCall) Action() string { return c.Service + "/" + c.Operation }

// Fail answers with Azure's error envelope (and x-ms-error-code, which
// azcore reads first).
func (c *azureCall) Fail(status int, code, message string) {
	c.code = code
	c.w.Header().Set("x-ms-error-code", code)
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	c.write(status, body)
}

// failInner answers Key Vault's envelope, whose innererror says why.
func (c *azureCall) failInner(status int, code, inner, message string) {
	c.code = code
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message,
		"innererror": map[string]string{"code": inner}}})
	c.write(status, body)
}

// JSON answers v.
func (c *azureCall) JSON(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		c.Fail(http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	c.write(http.StatusOK, body)
}

func (c *azureCall) write(status int, body []byte) {
	c.status = status
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.Header().Set("x-ms-request-id", requestID)
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// AuthorizationFailed answers Resource Manager's refusal, naming the
// action, so the scanner can report the missing permission.
func (c *azureCall) AuthorizationFailed(action, scope string) {
	c.Fail(http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf(
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		c.Principal, c.Principal, action, scope))
}

// list answers one page of a Resource Manager list: PageSize items and a
// nextLink carrying $skiptoken, as Resource Manager pages.
func (c *azureCall) list(items []any) {
	size := c.s.world.Azure.PageSize
	if size <= 0 {
		size = 100
	}
	lo := 0
	if tok := c.r.URL.Query().Get("$skiptoken"); tok != "" {
		off, ok := decodeToken(c.Action(), tok)
		if !ok || off > len(items) {
			c.Fail(http.StatusBadRequest, "InvalidSkipToken", "the $skiptoken is not valid for this request")
			return
		}
		lo = off
	}
	hi := min(lo+size, len(items))
	page := map[string]any{"value": append([]any{}, items[lo:hi]...)}
	if hi < len(items) {
		next := *c.r.URL
		next.Scheme, next.Host = "https", c.r.Host
		q := next.Query()
		q.Set("$skiptoken", encodeToken(c.Action(), hi))
		next.RawQuery = q.Encode()
		page["nextLink"] = next.String()
	}
	c.JSON(page)
}

// serveAzure answers a request on the TLS address.
func (s *Server) serveAzure(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	c := &azureCall{s: s, w: w, r: r, Body: body}
	host, _, _ := net.SplitHostPort(r.Host)
	if host == "" {
		host = r.Host
	}
	vault, isVault := strings.CutSuffix(strings.ToLower(host), "."+vaultDomain)
	attempt := s.azureAttempt(r)
	c.attempt = attempt
	defer func() {
		s.record(Request{Cloud: "azure", Service: c.Service, Operation: c.Operation, Account: c.Sub,
			Status: c.status, Code: c.code, Write: c.Operation != "" && strings.HasSuffix(c.Operation, "/write"),
			Attempt: attempt, Reads: c.Reads, DataAction: c.data, Time: time.Now()})
	}()
	if isVault {
		s.serveVault(c, vault)
		return
	}
	h := s.route(c)
	if strings.HasSuffix(c.Operation, "/write") {
		c.Fail(http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("cloudsim is read-only: %s changes the subscription and is refused", c.Action()))
		return
	}
	if h == nil {
		c.Fail(http.StatusNotFound, "InvalidResourceType", "cloudsim does not simulate "+r.Method+" "+r.URL.Path)
		return
	}
	if !s.authenticateAzure(c) {
		return
	}
	if s.injectAzure(c) {
		return
	}
	if c.Sub != "" {
		if s.world.Azure.hidden(c.Sub) || s.world.Azure.Subscription(c.Sub) == nil {
			c.AuthorizationFailed(c.Action(), "/subscriptions/"+c.Sub)
			return
		}
	}
	h(c)
}

// authenticateAzure maps the bearer token to a principal; it answers the
// error itself. Without a token Resource Manager says how to get one.
func (s *Server) authenticateAzure(c *azureCall) bool {
	token, ok := strings.CutPrefix(c.r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !ok:
		c.w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.localhost/`+s.world.Azure.Tenant+`", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`)
		c.Fail(http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return false
	case s.world.Azure.Tokens[token] == "":
		c.Fail(http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return false
	}
	c.Principal = s.world.Azure.Tokens[token]
	return true
}

// azureAttempt numbers the attempts of one call: azcore sends the same
// x-ms-client-request-id with every retry of it.
func (s *Server) azureAttempt(r *http.Request) int {
	id := r.Header.Get("x-ms-client-request-id")
	if id == "" {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts[id]++
	return s.attempts[id]
}

// injectAzure applies the faults to c; it reports whether it answered.
// Denials name a subscription (or none for all) and an action pattern in
// which * matches any run of characters, as in role definitions.
func (s *Server) injectAzure(c *azureCall) bool {
	attempt := c.attempt
	fs := s.faultState()
	if fs.f.Latency > 0 {
		select {
		case <-time.After(fs.f.Latency):
		case <-c.r.Context().Done():
		}
	}
	for _, d := range fs.f.AccessDenied {
		if (d.Account == "" || strings.EqualFold(d.Account, c.Sub)) && rbacMatch(d.Action, c.Action()) {
			if c.data {
				c.denyVault(c.Action())
			} else {
				c.AuthorizationFailed(c.Action(), "/subscriptions/"+c.Sub)
			}
			return true
		}
	}
	if attempt >= 1 && attempt <= fs.f.FailFirstAttempts {
		if attempt%2 == 1 {
			c.throttle(fs.f.RetryAfter)
		} else {
			c.Fail(http.StatusInternalServerError, "InternalServerError", "Encountered internal server error. Please try again.")
		}
		return true
	}
	if fs.emptyBucketFor(c.Sub, "", c.Action()) || fs.roll(fs.f.ThrottleRate) {
		c.throttle(fs.f.RetryAfter)
		return true
	}
	if fs.roll(fs.f.ServerErrorRate) {
		c.Fail(http.StatusInternalServerError, "InternalServerError", "Encountered internal server error. Please try again.")
		return true
	}
	return false
}

// throttle answers 429 with Retry-After in whole seconds (1 when unset).
func (c *azureCall) throttle(after time.Duration) {
	secs := int((after + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	c.w.Header().Set("Retry-After", strconv.Itoa(secs))
	c.Fail(http.StatusTooManyRequests, "TooManyRequests", fmt.Sprintf("The request is being throttled; retry after %d seconds.", secs))
}

// rbacMatch matches an action against a pattern where * is any run of
// characters, without case, as role definitions match actions.
func rbacMatch(pattern, action string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.ToLower(pattern)), `\*`, ".*") + "$"
	ok, err := regexp.MatchString(re, strings.ToLower(action))
	return err == nil && ok
}

// serveManagedIdentity answers App Service's managed identity protocol:
// GET IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R with the
// X-IDENTITY-HEADER secret.
func (s *Server) serveManagedIdentity(w http.ResponseWriter, r *http.Request) {
	mi := s.world.Azure.ManagedIdentity
	status := http.StatusOK
	defer func() {
		s.record(Request{Cloud: "azure", Service: "ManagedIdentity", Operation: "token", Status: status, Time: time.Now()})
	}()
	w.Header().Set("Content-Type", "application/json")
	if mi == nil || r.Header.Get("X-IDENTITY-HEADER") != mi.Header || r.URL.Query().Get("resource") == "" {
		status = http.StatusBadRequest
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"statusCode":400,"message":"Unable to load the proper Managed Identity."}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{
		"access_token": mi.Token,
		"expires_on":   strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
		"resource":     r.URL.Query().Get("resource"),
		"token_type":   "Bearer",
		"client_id":    s.world.Azure.Tokens[mi.Token],
	})
}

// azureToken encodes a continuation for Resource Graph: the offset and
// the query and scopes it belongs to.
func graphToken(key string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "|" + key))
}

func decodeGraphToken(key, token string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	n, k, ok := strings.Cut(string(raw), "|")
	off, err := strconv.Atoi(n)
	return off, ok && err == nil && k == key && off >= 0
}
