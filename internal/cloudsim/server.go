// Package cloudsim is a simulated cloud: one HTTP server on 127.0.0.1 that
// speaks the providers' wire protocols for the read operations ownaudit
// calls, so tests, the demo and the benchmark drive the real SDK clients
// against a known world. It pages the way the providers do, records every
// request, refuses every write, and injects faults on request (latency,
// token buckets, throttling and 5xx rates, a region down, AccessDenied per
// operation, answers that are not the service's, requests never answered).
//
// AWS requests are routed by their SigV4 credential scope, which names the
// service and region; the access key names the account. Azure requests
// come to a second, TLS address (azure.go): Resource Manager and Resource
// Graph by path, the Key Vault data plane by host; the bearer token names
// the caller. GCP routes will slot in beside them.
package cloudsim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Request is one request the simulator answered.
type Request struct {
	Cloud     string `json:"cloud"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Account   string `json:"account,omitempty"`
	Region    string `json:"region,omitempty"`
	Status    int    `json:"status"`
	// Code is the error code answered, empty on success.
	Code string `json:"code,omitempty"`
	// Write marks a request for an operation that changes something; the
	// simulator refuses it and tests fail on it.
	Write bool `json:"write,omitempty"`
	// Attempt is the client's attempt number for the call (the AWS SDKs
	// send it in the amz-sdk-request header; Azure's repeat the
	// x-ms-client-request-id; for GCP, whose clients do not, it is one
	// more than the failures answered to the same request since it last
	// succeeded); 0 when the client did not say.
	Attempt int `json:"attempt,omitempty"`
	// Reads are the further RBAC actions an Azure request exercised: the
	// read actions of the resource types a Resource Graph query returned.
	Reads []string `json:"reads,omitempty"`
	// DataAction marks an Azure data-plane request (Key Vault), whose
	// action belongs in a role's dataActions.
	DataAction bool `json:"dataAction,omitempty"`
	// Permission is the IAM permission the provider checks for the
	// request, where it is not the action itself (GCP).
	Permission string `json:"permission,omitempty"`
	// Time is when the answer was sent.
	Time time.Time `json:"time"`
	// Fault names the bad answer injected instead of the service's
	// (Faults.BadAnswers: "html", "truncated", ...), or "unanswered".
	Fault string `json:"fault,omitempty"`
	// Resource is the resource a request names where a policy can scope
	// the permission to it: the role ARN of an AssumeRole.
	Resource string `json:"resource,omitempty"`
}

// Action is the operation as an IAM action, e.g. "ec2:DescribeVolumes";
// for Azure an RBAC action, e.g.
// "Microsoft.Network/networkSecurityGroups/read"; for GCP a method, e.g.
// "compute.firewalls.list".
func (r Request) Action() string {
	switch r.Cloud {
	case "azure":
		return r.Service + "/" + r.Operation
	case "gcp":
		return r.Service + "." + r.Operation
	}
	return r.Service + ":" + r.Operation
}

// Server is a running simulator.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port.
	URL string
	// AzureURL is the Azure side's base URL, https://127.0.0.1:port, and
	// CACert the PEM certificate it serves, made at Start: the one
	// certificate its clients should trust.
	AzureURL string
	CACert   []byte
	// ManagedIdentityURL is where the simulated managed identity
	// endpoint answers (IDENTITY_ENDPOINT).
	ManagedIdentityURL string

	world  *World
	faults *faultState
	ln     net.Listener
	http   *http.Server
	// azure serves the TLS address; azurePort is its port.
	azure     *http.Server
	azurePort string

	mu       sync.Mutex
	log      []Request
	sessions map[string]session // access key id AssumeRole issued -> who
	reports  map[string]int     // account -> GenerateCredentialReport calls
	// attempts counts the requests per x-ms-client-request-id;
	// graphCalls are each principal's recent Resource Graph queries.
	attempts   map[string]int
	graphCalls map[string][]time.Time
	// graphResults are the rows of each Resource Graph query (and its
	// scopes) as its first page selected them, for its later pages.
	graphResults map[string][]graphResult
	gcp          gcpState
}

type session struct {
	Account string
	Role    string
}

// Start serves w on a free port of 127.0.0.1.
func Start(w *World) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cloudsim: listen: %w", err)
	}
	s := New(w)
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.ManagedIdentityURL = s.URL + "/msi/token"
	cert, pemCert, err := newCertificate()
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("cloudsim: make the TLS certificate: %w", err)
	}
	tln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("cloudsim: listen: %w", err)
	}
	_, s.azurePort, _ = net.SplitHostPort(tln.Addr().String())
	s.AzureURL, s.CACert = "https://"+tln.Addr().String(), pemCert
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	// A client that speaks plain HTTP to the TLS address is its own
	// error; the server's log line about it would only be noise.
	s.azure = &http.Server{Handler: http.HandlerFunc(s.serveAzure), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = s.http.Serve(ln) }()
	go func() { _ = s.azure.ServeTLS(tln, "", "") }()
	return s, nil
}

// New returns a simulator for w that is not listening; use it as an
// http.Handler, or call Start instead.
func New(w *World) *Server {
	return &Server{
		world:        w,
		faults:       newFaultState(w.Faults),
		sessions:     map[string]session{},
		reports:      map[string]int{},
		attempts:     map[string]int{},
		graphCalls:   map[string][]time.Time{},
		graphResults: map[string][]graphResult{},
	}
}

// Close stops the server and drops its connections at once. A graceful
// Shutdown would wait 5s for any connection a client dialed but never used,
// which the SDK's transport leaves behind when calls run side by side.
func (s *Server) Close() error {
	if s.http == nil {
		return nil
	}
	if s.azure != nil {
		_ = s.azure.Close()
	}
	return s.http.Close()
}

// World returns the world the server serves. Tests may change it between
// scans, not during one.
func (s *Server) World() *World { return s.world }

// SetFaults replaces the faults injected from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = newFaultState(f)
}

// Requests returns every request answered so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetLog forgets the requests answered so far.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Operations returns the distinct actions ("ec2:DescribeVolumes") called,
// sorted.
func (s *Server) Operations() []string {
	seen := map[string]bool{}
	for _, r := range s.Requests() {
		seen[r.Action()] = true
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Counts returns how many calls the client made per action. A retry of a
// call is not counted again (the SDK numbers its attempts), so the figure
// is the pages and items the scan asked for, however often the network or
// the injected faults made it try; Requests has every request.
func (s *Server) Counts() map[string]int {
	out := map[string]int{}
	for _, r := range s.Requests() {
		if r.Attempt <= 1 {
			out[r.Action()]++
		}
	}
	return out
}

// Writes returns the refused write requests; a scan that makes any is a bug.
func (s *Server) Writes() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Write {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) record(r Request) {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, r)
}

func (s *Server) faultState() *faultState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// ServeHTTP routes a request to its cloud.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		s.serveAWS(w, r)
		return
	}
	if r.URL.Path == "/msi/token" {
		s.serveManagedIdentity(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/computeMetadata/") {
		s.serveMetadata(w, r)
		return
	}
	if host, rest, ok := gcpHost(r.URL.Path); ok {
		s.serveGCP(w, r, host, rest)
		return
	}
	s.record(Request{Cloud: "unknown", Operation: r.Method + " " + r.URL.Path, Status: http.StatusNotFound})
	http.Error(w, "cloudsim: no route for "+r.Method+" "+r.URL.Path, http.StatusNotFound)
}

// readOnly reports whether an AWS operation only reads. AssumeRole and
// GenerateCredentialReport change nothing in the account that a scan
// could leave behind, and ownaudit needs both.
func readOnly(op string) bool {
	for _, p := range []string{"Describe", "List", "Get", "Head"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return op == "AssumeRole" || op == "GenerateCredentialReport"
}

var errNoCredentials = errors.New("no credentials")
