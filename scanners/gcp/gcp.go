// Package gcp reads Google Cloud projects into the normalized inventory
// through the cloud.google.com/go clients, over their REST transports:
// one scanner per domain (firewall.go, patching.go, encryption.go,
// iam.go), sharing what they learn about a target (the projects an
// organization or folder holds, each project's buckets, the key rings
// Cloud Asset Inventory finds) and pacing every request through the
// scan's scheduler (transport.go).
//
// Credentials are Application Default Credentials: a credentials file
// named by GOOGLE_APPLICATION_CREDENTIALS (a service account key, or a
// workload identity federation configuration), gcloud's application
// default login, or the metadata server (on GCE, and on GKE with
// workload identity). Scanners only read.
package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/auth/credentials"
	"cloud.google.com/go/auth/httptransport"
	"github.com/googleapis/gax-go/v2"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Register adds the four GCP scanners to g. They share one env, so a
// target's projects are resolved once per run.
//
// A target is a project (Target.ID), or every active project under an
// organization or folder (Target.Group "organizations/123" or
// "folders/456"), or, with neither, the project of the ambient
// credentials. Target.Regions keeps only zonal and regional resources in
// those regions. An endpoint for inventory.GCP in o sends every API's
// requests to URL/<api host>/... (compute.googleapis.com,
// osconfig.googleapis.com, ...); with an Identity, that is sent as a
// static bearer token instead of Application Default Credentials, and the
// endpoint's Region, if any, names the project a target without one
// scans.
//
// Without an endpoint in o, OWNAUDIT_GCP_ENDPOINT may name one: every
// Google Cloud API request then goes to URL/<api host>/... (an emulator,
// the simulator, or a recording proxy; the Google clients have no such
// variable of their own). The credentials stay the ambient ones.
func Register(g *scanners.Registry, o scanners.Options) {
	if _, set := o.Endpoints[inventory.GCP]; !set {
		if u := strings.TrimSpace(os.Getenv(EndpointVariable)); u != "" {
			o.Endpoints = scanners.WithEndpoint(o.Endpoints, inventory.GCP, scanners.Endpoint{URL: u})
		}
	}
	register(g, settings{Options: o})
}

// errNoCredentials says, in one line, that Application Default
// Credentials found none, what was tried and what to do.
var errNoCredentials = errors.New("no Google Cloud credentials found: tried GOOGLE_APPLICATION_CREDENTIALS, " +
	"gcloud's application default credentials file and the metadata server; to fix: run " +
	"`gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key or " +
	"workload identity federation file, or on GKE bind the pod's Kubernetes service account to a Google service " +
	"account with workload identity (see configs/kubernetes/serviceaccount.yaml)")

// EndpointVariable names the variable that points the GCP scanners at
// another base URL.
const EndpointVariable = "OWNAUDIT_GCP_ENDPOINT"

// settings are the shared options plus what only the GCP scanners tune;
// tests shorten the waits.
type settings struct {
	scanners.Options
	// maxAttempts bounds the tries of one request (default 5).
	maxAttempts int
	// backoff is the retryer's wait (default 1s doubling to 30s).
	backoff gax.Backoff
}

func register(g *scanners.Registry, o settings) {
	e := newEnv(o)
	// GCP's quota answer, for the scan's progress.
	e.o.Scheduler.Throttling(string(inventory.GCP), throttleCodes...)
	for _, d := range []struct {
		domain inventory.Domain
		scan   func(context.Context, *env, *project, *scanners.Sink)
	}{
		{inventory.Firewall, scanFirewall},
		{inventory.Patching, scanPatching},
		{inventory.Encryption, scanEncryption},
		{inventory.IAM, scanIAM},
	} {
		g.Register(scanners.Registration{Cloud: inventory.GCP, Domain: d.domain, New: func() scanners.Scanner {
			return scanner{env: e, domain: d.domain, scan: d.scan}
		}})
	}
}

type scanner struct {
	env    *env
	domain inventory.Domain
	scan   func(context.Context, *env, *project, *scanners.Sink)
}

// Scan resolves the target into projects and reads the domain in each,
// in parallel, each project one scanner run.
func (s scanner) Scan(ctx context.Context, t scanners.Target, out *scanners.Sink) error {
	projects, err := s.env.projects(ctx, t, out)
	if err != nil {
		return err
	}
	scanners.EachTarget(out, inventory.GCP, s.domain, projects, func(p *project) { s.scan(ctx, s.env, p, out) })
	return nil
}

// env is what the scanners of one run share.
type env struct {
	o settings

	clientsOnce sync.Once
	cl          *clients
	clErr       error

	targets scanners.Resolutions[*project]

	mu       sync.Mutex
	keyRings map[string]*keyRingSearch
}

func newEnv(o settings) *env {
	if o.Scheduler == nil {
		o.Scheduler = scanners.NewScheduler(16)
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = time.Minute
	}
	if o.maxAttempts == 0 {
		o.maxAttempts = 5
	}
	if o.backoff.Initial == 0 {
		o.backoff = gax.Backoff{Initial: time.Second, Max: 30 * time.Second, Multiplier: 2}
	}
	return &env{o: o, keyRings: map[string]*keyRingSearch{}}
}

// scope is the OAuth scope of every request; the role granted to the
// principal, not the scope, keeps ownaudit to reads.
const scope = "https://www.googleapis.com/auth/cloud-platform"

// clients builds the API clients once per run: one HTTP client, whose
// transport paces and counts every request, shared by all of them.
func (e *env) clients(ctx context.Context) (*clients, error) {
	e.clientsOnce.Do(func() {
		base := &transport{base: http.DefaultTransport.(*http.Transport).Clone(), sched: e.o.Scheduler}
		ep, override := e.o.Endpoints[inventory.GCP]
		var hc *http.Client
		var project func(context.Context) (string, error)
		switch {
		case override && ep.Identity != "":
			base.token = ep.Identity
			hc = &http.Client{Transport: base, Timeout: e.o.CallTimeout}
			project = func(context.Context) (string, error) { return ep.Region, nil }
		default:
			creds, err := credentials.DetectDefault(&credentials.DetectOptions{
				Scopes: []string{scope},
				Client: &http.Client{Timeout: e.o.CallTimeout},
				Logger: e.o.Logger,
			})
			if err != nil {
				if e.o.Logger != nil {
					e.o.Logger.Debug("no Application Default Credentials", "answer", err.Error())
				}
				e.clErr = errNoCredentials
				return
			}
			hc, err = httptransport.NewClient(&httptransport.Options{Credentials: creds, BaseRoundTripper: base, Logger: e.o.Logger})
			if err != nil {
				e.clErr = fmt.Errorf("build the GCP HTTP client: %w", err)
				return
			}
			hc.Timeout = e.o.CallTimeout
			project = creds.ProjectID
		}
		endpoint := func(string) string { return "" }
		if override {
			endpoint = func(host string) string { return strings.TrimSuffix(ep.URL, "/") + "/" + host }
		}
		e.cl, e.clErr = newClients(ctx, hc, endpoint, e.o)
		if e.cl != nil {
			e.cl.ambientProject = project
		}
	})
	return e.cl, e.clErr
}

// project is one project to scan.
type project struct {
	ID   string
	Name string
	// regions keeps zonal and regional resources in these regions only;
	// none keeps all.
	regions []string
	// scope is where Cloud Asset Inventory searches for the project's key
	// rings: the organization or folder it was found under, so one search
	// serves every project of the group, or the project itself.
	assetScope string
	// err is why the project cannot be scanned at all.
	err       error
	operation string

	bucketsOnce sync.Once
	buckets     []bucket
	bucketsErr  error
}

// TargetID, TargetRegions and Unreadable make a project a
// scanners.Resolved.
func (p *project) TargetID() string        { return p.ID }
func (p *project) TargetRegions() []string { return p.regions }
func (p *project) Unreadable(domain inventory.Domain) (inventory.ScanError, bool) {
	if p.err == nil {
		return inventory.ScanError{}, false
	}
	return scanError(p.ID, domain, p.operation, nil, p.err), true
}

// keeps reports whether a resource in region (a region, a zone, or ""
// for a global one) is in the regions the target asked for.
func (p *project) keeps(region string) bool {
	if region == "" || len(p.regions) == 0 {
		return true
	}
	for _, r := range p.regions {
		if r == region {
			return true
		}
	}
	return false
}

// projects resolves t into the projects to scan, once per run, and
// records each as a target in out.
func (e *env) projects(ctx context.Context, t scanners.Target, out *scanners.Sink) ([]*project, error) {
	key := t.ID + "|" + t.Group + "|" + strings.Join(t.Regions, ",")
	return e.targets.Get(ctx, out, inventory.GCP, key, func() ([]*project, error) { return e.resolve(ctx, t) },
		func(p *project) string { return p.Name })
}

func (e *env) resolve(ctx context.Context, t scanners.Target) ([]*project, error) {
	cl, err := e.clients(ctx)
	if err != nil {
		return nil, err
	}
	regions := append([]string(nil), t.Regions...)
	switch {
	case t.Group != "":
		if !strings.HasPrefix(t.Group, "organizations/") && !strings.HasPrefix(t.Group, "folders/") {
			return nil, fmt.Errorf("unknown GCP target group %q: want organizations/ID or folders/ID", t.Group)
		}
		found, err := e.searchProjects(ctx, cl, t.Group)
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			p.regions, p.assetScope = regions, t.Group
		}
		return found, nil
	case t.ID != "":
		return []*project{{ID: t.ID, Name: t.ID, regions: regions, assetScope: "projects/" + t.ID}}, nil
	}
	id, err := cl.ambientProject(ctx)
	switch {
	case err != nil:
		return nil, fmt.Errorf("find the project of the ambient credentials: %w", err)
	case id == "":
		return nil, fmt.Errorf("the ambient credentials name no project: name one in the declaration, or set GOOGLE_CLOUD_PROJECT")
	}
	return []*project{{ID: id, Name: id, regions: regions, assetScope: "projects/" + id}}, nil
}

// searchProjects lists the active projects under group, at any depth:
// Resource Manager's search answers each project's and folder's parent,
// so two paged searches, of folders and of projects, give the whole tree
// whatever its size, where walking it would take a call per folder.
func (e *env) searchProjects(ctx context.Context, cl *clients, group string) ([]*project, error) {
	parents, err := cl.searchFolders(ctx, e.retry())
	if err != nil {
		return nil, fmt.Errorf("list the folders of %s: %s: %w", group, opFoldersSearch, err)
	}
	all, err := cl.searchProjects(ctx, e.retry())
	if err != nil {
		return nil, fmt.Errorf("list the projects of %s: %s: %w", group, opProjectsSearch, err)
	}
	var out []*project
	for _, p := range all {
		for node, seen := p.parent, 0; node != "" && seen < 100; node, seen = parents[node], seen+1 {
			if node == group {
				out = append(out, &project{ID: p.id, Name: p.name})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// retry is the call option every list call is given. The REST
// transports of these clients retry nothing on their own; this retries
// 429 (quota), 503 and 504 with exponential backoff and jitter, up to
// maxAttempts tries.
func (e *env) retry() gax.CallOption {
	return gax.WithRetry(func() gax.Retryer { return &retryer{max: e.o.maxAttempts, backoff: e.o.backoff} })
}

// invoke runs a call of a client without call options (the
// google.golang.org/api ones) under the same retryer.
func (e *env) invoke(ctx context.Context, call func() error) error {
	return gax.Invoke(ctx, func(context.Context, gax.CallSettings) error { return call() }, e.retry())
}

// scope names a part of a project's domain scan, for its goroutines.
func (p *project) scope(domain inventory.Domain) scanners.Scope {
	return scanners.Scope{Cloud: inventory.GCP, Target: p.ID, Domain: domain}
}
