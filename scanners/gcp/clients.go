package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	asset "cloud.google.com/go/asset/apiv1"
	compute "cloud.google.com/go/compute/apiv1"
	container "cloud.google.com/go/container/apiv1"
	kms "cloud.google.com/go/kms/apiv1"
	osconfig "cloud.google.com/go/osconfig/apiv1"
	resourcemanager "cloud.google.com/go/resourcemanager/apiv3"
	"cloud.google.com/go/resourcemanager/apiv3/resourcemanagerpb"
	sql "cloud.google.com/go/sql/apiv1"
	"cloud.google.com/go/storage"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/googleapi"
	iam "google.golang.org/api/iam/v1"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	policyanalyzer "google.golang.org/api/policyanalyzer/v1"
)

// clients are the API clients of one run. Every one of them is a REST
// client, so a simulator (or a proxy) only needs to speak JSON over HTTP.
// cloud.google.com/go has no REST transport for IAM service accounts
// (iam/admin/apiv1 is gRPC only) nor any client for Policy Analyzer, so
// those two use the google.golang.org/api REST clients.
type clients struct {
	firewalls   *compute.FirewallsClient
	networks    *compute.NetworksClient
	instances   *compute.InstancesClient
	disks       *compute.DisksClient
	sslPolicies *compute.SslPoliciesClient
	zonal       *osconfig.OsConfigZonalClient
	osconfig    *osconfig.Client
	kms         *kms.KeyManagementClient
	asset       *asset.Client
	projects    *resourcemanager.ProjectsClient
	folders     *resourcemanager.FoldersClient
	sql         *sql.SqlInstancesClient
	gke         *container.ClusterManagerClient
	storage     *storage.Client
	iam         *iam.Service
	analyzer    *policyanalyzer.Service

	// ambientProject is the project of the ambient credentials.
	ambientProject func(context.Context) (string, error)
}

// newClients builds every client on hc. endpoint gives the base URL of an
// API host, or "" for Google's own.
func newClients(ctx context.Context, hc *http.Client, endpoint func(host string) string, o settings) (*clients, error) {
	opts := func(host, path string) []option.ClientOption {
		out := []option.ClientOption{option.WithHTTPClient(hc)}
		if ep := endpoint(host); ep != "" {
			out = append(out, option.WithEndpoint(ep+path))
		}
		return out
	}
	var c clients
	var errs []error
	try := func(err error) { errs = append(errs, err) }
	var err error
	cp := opts("compute.googleapis.com", "")
	c.firewalls, err = compute.NewFirewallsRESTClient(ctx, cp...)
	try(err)
	c.networks, err = compute.NewNetworksRESTClient(ctx, cp...)
	try(err)
	c.instances, err = compute.NewInstancesRESTClient(ctx, cp...)
	try(err)
	c.disks, err = compute.NewDisksRESTClient(ctx, cp...)
	try(err)
	c.sslPolicies, err = compute.NewSslPoliciesRESTClient(ctx, cp...)
	try(err)
	c.zonal, err = osconfig.NewOsConfigZonalRESTClient(ctx, opts("osconfig.googleapis.com", "")...)
	try(err)
	c.osconfig, err = osconfig.NewRESTClient(ctx, opts("osconfig.googleapis.com", "")...)
	try(err)
	c.kms, err = kms.NewKeyManagementRESTClient(ctx, opts("cloudkms.googleapis.com", "")...)
	try(err)
	c.asset, err = asset.NewRESTClient(ctx, opts("cloudasset.googleapis.com", "")...)
	try(err)
	c.projects, err = resourcemanager.NewProjectsRESTClient(ctx, opts("cloudresourcemanager.googleapis.com", "")...)
	try(err)
	c.folders, err = resourcemanager.NewFoldersRESTClient(ctx, opts("cloudresourcemanager.googleapis.com", "")...)
	try(err)
	c.sql, err = sql.NewSqlInstancesRESTClient(ctx, opts("sqladmin.googleapis.com", "")...)
	try(err)
	c.gke, err = container.NewClusterManagerRESTClient(ctx, opts("container.googleapis.com", "")...)
	try(err)
	c.storage, err = storage.NewClient(ctx, opts("storage.googleapis.com", "/storage/v1/")...)
	try(err)
	if c.storage != nil {
		// Storage's own retryer is on for reads; name its codes and
		// budget explicitly, the same as every other client's.
		c.storage.SetRetry(storage.WithPolicy(storage.RetryAlways), storage.WithErrorFunc(retryable),
			storage.WithMaxAttempts(o.maxAttempts),
			storage.WithBackoff(gax.Backoff{Initial: o.backoff.Initial, Max: o.backoff.Max, Multiplier: o.backoff.Multiplier}))
	}
	c.iam, err = iam.NewService(ctx, opts("iam.googleapis.com", "/")...)
	try(err)
	c.analyzer, err = policyanalyzer.NewService(ctx, opts("policyanalyzer.googleapis.com", "/")...)
	try(err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("build the GCP clients: %w", err)
	}
	return &c, nil
}

// searchedProject is a project as Resource Manager's search answers it.
type searchedProject struct{ id, name, parent string }

// searchProjects lists every active project the credentials can see.
func (c *clients) searchProjects(ctx context.Context, retry gax.CallOption) ([]searchedProject, error) {
	var out []searchedProject
	err := each(c.projects.SearchProjects(ctx, &resourcemanagerpb.SearchProjectsRequest{Query: "state:ACTIVE"}, retry).Next,
		func(p *resourcemanagerpb.Project) {
			if p.GetState() != resourcemanagerpb.Project_ACTIVE {
				return
			}
			name := p.GetDisplayName()
			if name == "" {
				name = p.GetProjectId()
			}
			out = append(out, searchedProject{id: p.GetProjectId(), name: name, parent: p.GetParent()})
		})
	return out, err
}

// searchFolders maps every active folder the credentials can see to its
// parent.
func (c *clients) searchFolders(ctx context.Context, retry gax.CallOption) (map[string]string, error) {
	out := map[string]string{}
	err := each(c.folders.SearchFolders(ctx, &resourcemanagerpb.SearchFoldersRequest{Query: "state:ACTIVE"}, retry).Next,
		func(f *resourcemanagerpb.Folder) { out[f.GetName()] = f.GetParent() })
	return out, err
}

// retryable reports whether a failed request is worth another try: quota
// (429), unavailable (503) and gateway timeout (504).
func retryable(err error) bool {
	var g *googleapi.Error
	if !errors.As(err, &g) {
		return false
	}
	switch g.Code {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryer retries retryable errors with backoff, up to max tries.
type retryer struct {
	tries   int
	max     int
	backoff gax.Backoff
}

func (r *retryer) Retry(err error) (time.Duration, bool) {
	r.tries++
	if r.tries >= r.max || !retryable(err) {
		return 0, false
	}
	return r.backoff.Pause(), true
}

// each reads every item of a cloud.google.com/go iterator.
func each[T any](next func() (T, error), fn func(T)) error {
	for {
		v, err := next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(v)
	}
}
