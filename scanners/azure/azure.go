// Package azure reads Azure subscriptions into the normalized inventory
// through the Azure SDK for Go: one scanner per domain (firewall.go,
// patching.go, encryption.go, iam.go), sharing what they learn about a
// target (the subscriptions a management group or the credential's view
// expands into) and pacing every request through the scan's scheduler.
//
// Azure Resource Graph answers wherever it holds the data, one query for
// up to graphBatch subscriptions at a time (graph.go); Resource Manager
// calls fill in what the graph lacks (transparent data encryption, key
// lists, role assignments) and the Key Vault data plane gives the keys'
// rotation policies.
//
// Credentials come from azidentity.NewDefaultAzureCredential: the
// environment, workload identity on AKS, managed identity, the Azure CLI.
// Scanners only read: resource provider registration, which the SDK would
// otherwise attempt on a MissingSubscriptionRegistration answer, is off.
package azure

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Register adds the four Azure scanners to g. They share one env, so a
// target's subscriptions are resolved once per run.
//
// A target's Params may name cloud: AzurePublic (the default),
// AzureChina or AzureUSGovernment. Its Group is "" for one subscription
// (ID) or, with no ID either, every subscription the credential can see;
// "managementGroup/<id>" expands into every subscription below that
// management group.
//
// An endpoint for inventory.Azure in o replaces the cloud's Resource
// Manager (and Resource Graph) endpoint for every target: a private cloud,
// or the simulator. Its CACert is trusted besides the system's
// certificates, its Audience is the token audience (the URL when empty),
// and a non-empty Identity is a fixed bearer token used instead of the
// credential chain; with such a token, CACert is the only certificate
// trusted, as nothing else (no sign-in authority) is reached.
//
// Without an endpoint in o, the environment may name one (OWNAUDIT_AZURE_*,
// see endpoint.go); an unusable one is refused in g.
func Register(g *scanners.Registry, o scanners.Options) {
	if _, set := o.Endpoints[inventory.Azure]; !set {
		ep, err := endpointFromEnv(os.Getenv, os.ReadFile)
		if err != nil {
			g.Refuse(err)
			return
		}
		if ep != nil {
			o.Endpoints = scanners.WithEndpoint(o.Endpoints, inventory.Azure, *ep)
		}
	}
	register(g, settings{Options: o})
}

// settings are the shared options plus what only the Azure scanners tune;
// tests shorten the waits and make the pages and batches small.
type settings struct {
	scanners.Options
	// credential replaces the credential chain (tests).
	credential azcore.TokenCredential
	// transport replaces the HTTP client (the SDK's fake servers).
	transport policy.Transporter
	// retry is the SDK's retry policy; MaxRetries 0 means the default.
	retry policy.RetryOptions
	// graphBatch is how many subscriptions one Resource Graph query
	// names; graphPageSize how many rows one page asks for.
	graphBatch    int
	graphPageSize int32
}

// Target parameters (scanners.Target.Params) and groups the Azure
// scanners read, under the declaration's names.
const (
	paramCloud           = "cloud"
	groupManagementGroup = "managementGroup/"
)

// clouds are the sovereign clouds a target may name.
var clouds = map[string]cloud.Configuration{
	"AzurePublic":       cloud.AzurePublic,
	"AzureChina":        cloud.AzureChina,
	"AzureUSGovernment": cloud.AzureGovernment,
}

// CloudNames lists the values the cloud parameter takes, sorted.
func CloudNames() []string {
	out := make([]string, 0, len(clouds))
	for n := range clouds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func register(g *scanners.Registry, o settings) {
	e := newEnv(o)
	// Resource Manager's and Resource Graph's throttling answers, for the
	// scan's progress.
	e.o.Scheduler.Throttling(string(inventory.Azure), "TooManyRequests", "RateLimiting", "HTTP429")
	scanners.RegisterDomains(g, inventory.Azure, e, map[inventory.Domain]scanners.DomainScan[*env]{
		inventory.Firewall:   scanFirewall,
		inventory.Patching:   scanPatching,
		inventory.Encryption: scanEncryption,
		inventory.IAM:        scanIAM,
	})
}

// env is what the scanners of one run share.
type env struct {
	o settings

	targets scanners.Resolutions[*subscription]

	mu    sync.Mutex
	creds map[string]*credential
}

type credential struct {
	once sync.Once
	cred azcore.TokenCredential
	err  error
}

// subscription is one subscription to scan, with the cloud it is in.
type subscription struct {
	ID      string
	Name    string
	Regions []string
	cloud   *cloudClient
	// err is why the subscription cannot be scanned (access denied).
	err       error
	operation string
}

// cloudClient is what the clients of one cloud are made from.
type cloudClient struct {
	cred azcore.TokenCredential
	arm  *arm.ClientOptions
	// data is the options of data-plane clients (Key Vault).
	data azcore.ClientOptions
	// tenant keys Resource Graph's pacing: its quota is per tenant and
	// user, and one credential is one of those.
	tenant string
}

func newEnv(o settings) *env {
	if o.Scheduler == nil {
		o.Scheduler = scanners.NewScheduler(16)
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = time.Minute
	}
	if o.graphBatch == 0 {
		o.graphBatch = graphBatch
	}
	if o.graphPageSize == 0 {
		o.graphPageSize = graphPageSize
	}
	return &env{o: o, creds: map[string]*credential{}}
}

// cloudFor returns the clients' options for the target's cloud, and its
// credential.
func (e *env) cloudFor(t scanners.Target) (*cloudClient, error) {
	name := t.Params[paramCloud]
	if name == "" {
		name = "AzurePublic"
	}
	cfg, ok := clouds[name]
	if !ok {
		return nil, fmt.Errorf("unknown Azure cloud %q: want one of %s", name, strings.Join(CloudNames(), ", "))
	}
	transport, err := e.transport()
	if err != nil {
		return nil, err
	}
	ep, override := e.o.Endpoints[inventory.Azure]
	if override {
		name = "endpoint"
		audience := ep.Audience
		if audience == "" {
			audience = ep.URL
		}
		cfg = cloud.Configuration{
			ActiveDirectoryAuthorityHost: cfg.ActiveDirectoryAuthorityHost,
			Services:                     map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {Endpoint: ep.URL, Audience: audience}},
		}
	}
	base := azcore.ClientOptions{
		Cloud:     cfg,
		Transport: transport,
		Retry:     e.retry(),
		// One client request id per call, sent again with each retry of
		// it: Azure's logs (and the simulator) tell attempts apart by it.
		PerCallPolicies:  []policy.Policy{runtime.NewRequestIDPolicy()},
		PerRetryPolicies: []policy.Policy{meter{sched: e.o.Scheduler}},
		Telemetry:        policy.TelemetryOptions{ApplicationID: "ownaudit"},
	}
	cred, err := e.credential(name, cfg, transport, ep, override)
	if err != nil {
		return nil, err
	}
	return &cloudClient{
		cred:   cred,
		arm:    &arm.ClientOptions{ClientOptions: base, DisableRPRegistration: true},
		data:   base,
		tenant: name,
	}, nil
}

// retry is the SDK's retry policy with the call timeout per try: 429 and
// 5xx answers are retried, honouring Retry-After.
func (e *env) retry() policy.RetryOptions {
	r := e.o.retry
	if r.MaxRetries == 0 {
		r.MaxRetries = 4
	}
	if r.TryTimeout == 0 {
		r.TryTimeout = e.o.CallTimeout
	}
	return r
}

// credential returns the credential of a cloud, made once per run.
func (e *env) credential(name string, cfg cloud.Configuration, transport policy.Transporter, ep scanners.Endpoint, override bool) (azcore.TokenCredential, error) {
	if e.o.credential != nil {
		return e.o.credential, nil
	}
	e.mu.Lock()
	c, ok := e.creds[name]
	if !ok {
		c = &credential{}
		e.creds[name] = c
	}
	e.mu.Unlock()
	c.once.Do(func() {
		if override && ep.Identity != "" {
			c.cred = staticToken(ep.Identity)
			return
		}
		chain, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: azcore.ClientOptions{Cloud: cfg, Transport: transport},
		})
		c.cred, c.err = adviseChain(chain, err, e.o.Logger)
	})
	return c.cred, c.err
}

// staticToken is a fixed bearer token: the simulator's identities.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// transport is the HTTP client every client of the run shares: one
// connection pool, the endpoint's certificate trusted, the call timeout.
func (e *env) transport() (policy.Transporter, error) {
	if e.o.transport != nil {
		return e.o.transport, nil
	}
	ep := e.o.Endpoints[inventory.Azure]
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil || ep.Identity != "" && len(ep.CACert) > 0 {
		// An endpoint with a fixed token (the simulator) needs no sign-in
		// authority: its certificate is the only one trusted.
		roots = x509.NewCertPool()
	}
	if len(ep.CACert) > 0 && !roots.AppendCertsFromPEM(ep.CACert) {
		return nil, errors.New("the Azure endpoint's CA certificate is not PEM")
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: e.o.CallTimeout,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         loopbackNames(dialer.DialContext),
			TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		},
	}, nil
}

// loopbackNames dials names under .localhost at the loopback address, as
// RFC 6761 asks of name resolution, which Go's resolver leaves to the
// system: a simulated or local vault can then have a host name of its
// own (kv.vault.localhost), which Key Vault's challenge check wants.
func loopbackNames(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && strings.HasSuffix(strings.ToLower(host), ".localhost") {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return dial(ctx, network, addr)
	}
}

// subscriptions resolves t into the subscriptions to scan, once per run:
// the one it names, every one below its management group, or every one
// the credential can see. Each is recorded as a target in out.
func (e *env) subscriptions(ctx context.Context, t scanners.Target, out *scanners.Sink) ([]*subscription, error) {
	key := fmt.Sprintf("%s|%s|%s|%s", t.ID, t.Group, t.Params[paramCloud], strings.Join(t.Regions, ","))
	return e.targets.Get(ctx, out, inventory.Azure, key, func() ([]*subscription, error) { return e.resolve(ctx, t, out) },
		func(s *subscription) string { return s.Name })
}

const readSubscription = "Microsoft.Resources/subscriptions/read"

func (e *env) resolve(ctx context.Context, t scanners.Target, out *scanners.Sink) ([]*subscription, error) {
	cc, err := e.cloudFor(t)
	if err != nil {
		return nil, err
	}
	client, err := armsubscriptions.NewClient(cc.cred, cc.arm)
	if err != nil {
		return nil, fmt.Errorf("create the subscriptions client: %w", err)
	}
	var subs []*subscription
	switch {
	case strings.HasPrefix(t.Group, groupManagementGroup):
		group := strings.TrimPrefix(t.Group, groupManagementGroup)
		ids, err := e.managementGroupSubscriptions(ctx, cc, group)
		if err != nil {
			return nil, err
		}
		// The group lists what it holds, whether or not the credential
		// may read it; Resource Graph would silently leave out a
		// subscription it may not, so each one is read once here.
		var groups []*scanners.Group
		for _, id := range ids {
			s := &subscription{ID: id, cloud: cc}
			subs = append(subs, s)
			// A bug in reading one makes that one unreadable, for every
			// domain, rather than ending the scan.
			g := out.Group(scanners.Scope{Cloud: inventory.Azure, Target: id}, 0).OnPanic(func(err error) {
				s.err, s.operation = err, "resolve the subscription"
			})
			groups = append(groups, g)
			g.Go(func() { e.check(ctx, client, s) })
		}
		for _, g := range groups {
			g.Wait()
		}
	case t.Group != "":
		return nil, fmt.Errorf("unknown Azure target group %q: want %q followed by a management group id", t.Group, groupManagementGroup)
	case t.ID == "":
		p := client.NewListPager(nil)
		for p.More() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list the subscriptions the credential can see: %s: %w", readSubscription, err)
			}
			for _, v := range page.Value {
				if v.SubscriptionID == nil || v.State != nil && *v.State == armsubscriptions.SubscriptionStateDeleted {
					continue
				}
				subs = append(subs, &subscription{ID: *v.SubscriptionID, Name: deref(v.DisplayName), cloud: cc})
			}
		}
	default:
		s := &subscription{ID: t.ID, cloud: cc}
		e.check(ctx, client, s)
		subs = append(subs, s)
	}
	for _, s := range subs {
		s.Regions = append([]string(nil), t.Regions...)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].ID < subs[j].ID })
	return subs, nil
}

// check reads the subscription, which tells whether the credential may
// read it at all, and its name.
func (e *env) check(ctx context.Context, client *armsubscriptions.Client, s *subscription) {
	got, err := client.Get(ctx, s.ID, nil)
	if err != nil {
		s.err, s.operation = err, readSubscription
		return
	}
	s.Name = deref(got.DisplayName)
}

// managementGroupSubscriptions lists every subscription below a
// management group, at any depth.
func (e *env) managementGroupSubscriptions(ctx context.Context, cc *cloudClient, group string) ([]string, error) {
	client, err := armmanagementgroups.NewClient(cc.cred, cc.arm)
	if err != nil {
		return nil, fmt.Errorf("create the management groups client: %w", err)
	}
	var ids []string
	p := client.NewGetDescendantsPager(group, nil)
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the subscriptions of management group %s: Microsoft.Management/managementGroups/descendants/read: %w", group, err)
		}
		for _, d := range page.Value {
			if d.Type != nil && strings.HasSuffix(strings.ToLower(*d.Type), "/subscriptions") && d.Name != nil {
				ids = append(ids, *d.Name)
			}
		}
	}
	return ids, nil
}

// eachSubscription runs fn for every readable subscription of t in
// parallel, each recorded as one scanner run; an unreadable one gets its
// error entry instead.
func (e *env) eachSubscription(ctx context.Context, t scanners.Target, out *scanners.Sink, domain inventory.Domain,
	fn func(s *subscription)) ([]*subscription, error) {
	subs, err := e.subscriptions(ctx, t, out)
	if err != nil {
		return nil, err
	}
	scanners.EachTarget(out, inventory.Azure, domain, subs, fn)
	return subs, nil
}

// readable returns the subscriptions that can be read.
func readable(subs []*subscription) []*subscription {
	var out []*subscription
	for _, s := range subs {
		if s.err == nil {
			out = append(out, s)
		}
	}
	return out
}

// TargetID, TargetRegions and Unreadable make a subscription a
// scanners.Resolved.
func (s *subscription) TargetID() string        { return s.ID }
func (s *subscription) TargetRegions() []string { return s.Regions }
func (s *subscription) Unreadable(domain inventory.Domain) (inventory.ScanError, bool) {
	if s.err == nil {
		return inventory.ScanError{}, false
	}
	return scanError(s.ID, "", domain, s.operation, nil, s.err), true
}

// inRegions reports whether a resource in location is to be read: every
// location when the target names none.
func (s *subscription) inRegions(location string) bool {
	if len(s.Regions) == 0 {
		return true
	}
	for _, r := range s.Regions {
		if strings.EqualFold(r, location) {
			return true
		}
	}
	return false
}

// scope names a part of the subscription's domain scan, for goroutines.
func (s *subscription) scope(domain inventory.Domain) scanners.Scope {
	return scanners.Scope{Cloud: inventory.Azure, Target: s.ID, Domain: domain}
}

// Azure's error messages name the action a caller lacks: Resource
// Manager's AuthorizationFailed ("... perform action 'X' over scope ...")
// and Key Vault's ForbiddenByRbac ("Action: 'X'").
var (
	missingAction   = regexp.MustCompile(`perform action '([^']+)'`)
	missingVaultAct = regexp.MustCompile(`Action: '([^']+)'`)
)

// scanError describes a failed read: where, which operation (the RBAC
// action it needs), the resource types left unread, and the missing
// permission when Azure refused it.
func scanError(sub, region string, domain inventory.Domain, operation string, types []string, err error) inventory.ScanError {
	e := inventory.ScanError{Cloud: inventory.Azure, Target: sub, Region: region, Domain: domain,
		Operation: operation, ResourceTypes: types, Message: errorMessage(operation, err)}
	msg := err.Error()
	switch m, v := missingAction.FindStringSubmatch(msg), missingVaultAct.FindStringSubmatch(msg); {
	case m != nil:
		e.Permission = m[1]
	case v != nil:
		e.Permission = v[1]
	case isAccessDenied(err):
		e.Permission = operation
	}
	return e
}

// errorMessage is the SDK's error without the request dump, prefixed by
// the operation.
func errorMessage(operation string, err error) string {
	msg := err.Error()
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		msg = fmt.Sprintf("%s (HTTP %d)", re.ErrorCode, re.StatusCode)
		if detail := responseMessage(re); detail != "" {
			msg += ": " + detail
		}
	}
	if operation != "" && !strings.Contains(msg, operation) {
		msg = operation + ": " + msg
	}
	return msg
}

// responseMessage is the message of Azure's error envelope, on one line.
func responseMessage(re *azcore.ResponseError) string {
	if re.RawResponse == nil {
		return ""
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := runtime.UnmarshalAsJSON(re.RawResponse, &body); err != nil {
		return ""
	}
	return strings.Join(strings.Fields(body.Error.Message), " ")
}

// isAccessDenied reports whether Azure refused the caller. A Key Vault
// whose firewall refuses the caller's address is not a missing
// permission: no role would let the request in.
func isAccessDenied(err error) bool {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden && re.StatusCode != http.StatusUnauthorized {
		return false
	}
	return !strings.Contains(err.Error(), "ForbiddenByFirewall")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
