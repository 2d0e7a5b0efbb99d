package gcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/api/googleapi"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// apiOp is one REST method the scanners call: its service and name as
// the request metric counts them, the IAM permission it needs (which
// configs/gcp/ownaudit-viewer-role.yaml grants), and the path that
// identifies it, with the project as the first group where the path
// names one.
type apiOp struct {
	service, name, permission string
	method                    string
	path                      *regexp.Regexp
}

// String is the method as error entries and logs name it, e.g.
// "compute.firewalls.list".
func (o apiOp) String() string { return o.service + "." + o.name }

func op(service, name, permission, method, path string) apiOp {
	return apiOp{service: service, name: name, permission: permission, method: method, path: regexp.MustCompile(path + `$`)}
}

// The methods the scanners call. Paths are matched at their end, so an
// endpoint with a path of its own (a simulator's /<api host>) still
// matches.
var (
	opFirewalls        = op("compute", "firewalls.list", "compute.firewalls.list", "GET", `/compute/v1/projects/([^/]+)/global/firewalls`)
	opNetworks         = op("compute", "networks.list", "compute.networks.list", "GET", `/compute/v1/projects/([^/]+)/global/networks`)
	opInstances        = op("compute", "instances.aggregatedList", "compute.instances.list", "GET", `/compute/v1/projects/([^/]+)/aggregated/instances`)
	opDisks            = op("compute", "disks.aggregatedList", "compute.disks.list", "GET", `/compute/v1/projects/([^/]+)/aggregated/disks`)
	opSSLPolicies      = op("compute", "sslPolicies.aggregatedList", "compute.sslPolicies.list", "GET", `/compute/v1/projects/([^/]+)/aggregated/sslPolicies`)
	opInventories      = op("osconfig", "inventories.list", "osconfig.inventories.list", "GET", `/v1/projects/([^/]+)/locations/[^/]+/instances/-/inventories`)
	opVulnReports      = op("osconfig", "vulnerabilityReports.list", "osconfig.vulnerabilityReports.list", "GET", `/v1/projects/([^/]+)/locations/[^/]+/instances/-/vulnerabilityReports`)
	opPatchDeployments = op("osconfig", "patchDeployments.list", "osconfig.patchDeployments.list", "GET", `/v1/projects/([^/]+)/patchDeployments`)
	opCryptoKeys       = op("cloudkms", "cryptoKeys.list", "cloudkms.cryptoKeys.list", "GET", `/v1/projects/([^/]+)/locations/[^/]+/keyRings/[^/]+/cryptoKeys`)
	opSearchResources  = op("cloudasset", "searchAllResources", "cloudasset.assets.searchAllResources", "GET", `/v1/(?:projects/)?([^:]+):searchAllResources`)
	opProjectsSearch   = op("cloudresourcemanager", "projects.search", "resourcemanager.projects.get", "GET", `/v3/projects:search`)
	opFoldersSearch    = op("cloudresourcemanager", "folders.search", "resourcemanager.folders.get", "GET", `/v3/folders:search`)
	opProjectPolicy    = op("cloudresourcemanager", "projects.getIamPolicy", "resourcemanager.projects.getIamPolicy", "POST", `/v3/projects/([^/:]+):getIamPolicy`)
	opSQLInstances     = op("sqladmin", "instances.list", "cloudsql.instances.list", "GET", `/v1/projects/([^/]+)/instances`)
	opClusters         = op("container", "clusters.list", "container.clusters.list", "GET", `/v1/projects/([^/]+)/locations/-/clusters`)
	opBuckets          = op("storage", "buckets.list", "storage.buckets.list", "GET", `/storage/v1/b`)
	opBucketPolicy     = op("storage", "buckets.getIamPolicy", "storage.buckets.getIamPolicy", "GET", `/storage/v1/b/[^/]+/iam`)
	opServiceAccounts  = op("iam", "serviceAccounts.list", "iam.serviceAccounts.list", "GET", `/v1/projects/([^/]+)/serviceAccounts`)
	opSAKeys           = op("iam", "serviceAccountKeys.list", "iam.serviceAccountKeys.list", "GET", `/v1/projects/([^/]+)/serviceAccounts/[^/]+/keys`)
	opKeyActivity      = op("policyanalyzer", "activities.query", "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query", "GET",
		`/v1/projects/([^/]+)/locations/global/activityTypes/serviceAccountKeyLastAuthentication/activities:query`)
)

// operations are every method the scanners call.
var operations = []apiOp{
	opFirewalls, opNetworks, opInstances, opDisks, opSSLPolicies,
	opInventories, opVulnReports, opPatchDeployments,
	opCryptoKeys, opSearchResources,
	opProjectsSearch, opFoldersSearch, opProjectPolicy,
	opSQLInstances, opClusters, opBuckets, opBucketPolicy,
	opServiceAccounts, opSAKeys, opKeyActivity,
}

// classify names the method of a request and the project it reads ("" for
// none, or when the path does not say).
func classify(r *http.Request) (apiOp, string) {
	path := r.URL.Path
	for _, o := range operations {
		if o.method != r.Method {
			continue
		}
		m := o.path.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		project := ""
		if len(m) > 1 {
			project = m[1]
		}
		if o == opBuckets {
			project = r.URL.Query().Get("project")
		}
		if project == "" {
			project = projectOf(r.Context())
		}
		return o, project
	}
	return apiOp{service: "other", name: strings.ToLower(r.Method)}, ""
}

// projectKey is the context key of the project a request reads for,
// when its path does not name it (a bucket's IAM policy).
type projectKey struct{}

// forProject marks the requests made with ctx as reads of project, so
// that they are paced, counted and throttled with the project's other
// requests: without it, every project's bucket IAM reads shared one pace
// and, in a large organization, waited past their call timeout.
func forProject(ctx context.Context, project string) context.Context {
	return context.WithValue(ctx, projectKey{}, project)
}

func projectOf(ctx context.Context) string {
	p, _ := ctx.Value(projectKey{}).(string)
	return p
}

// transport paces every request through the scan's scheduler, under the
// pace of its API in its project, and counts it with its outcome, which
// also tells the scheduler of a throttled attempt (429
// RESOURCE_EXHAUSTED, or a 403 whose reason is a rate limit), so that the
// pace slows down. It sits below the authenticating transport, so it
// sees each attempt once.
type transport struct {
	base  http.RoundTripper
	sched *scanners.Scheduler
	// token, when set, is sent as a static bearer token (a simulator).
	token string
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	o, project := classify(r)
	call := scanners.Call{Cloud: string(inventory.GCP), Target: project, Service: o.service, Operation: o.name, API: o.String()}
	release, err := t.sched.Acquire(r.Context(), call, limitFor(o.service))
	if err != nil {
		return nil, err
	}
	defer release()
	if t.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		t.sched.Done(call, scanners.CodeNetworkError)
		return nil, err
	}
	t.sched.Done(call, outcome(resp))
	return resp, nil
}

// outcome is the code a response is counted under: OK, or the status
// name of GCP's error envelope (PERMISSION_DENIED, RESOURCE_EXHAUSTED,
// ...), or the HTTP status when the body has none. A 403 for a rate limit
// (the older JSON APIs' rateLimitExceeded and userRateLimitExceeded
// reasons, or ErrorInfo's RATE_LIMIT_EXCEEDED) is counted as
// codeRateLimited: it is a throttle, not a denied permission. It puts the
// body back.
func outcome(resp *http.Response) string {
	if resp.StatusCode < 300 {
		return scanners.CodeOK
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var env struct {
		Error struct {
			Status string `json:"status"`
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if err != nil || json.Unmarshal(body, &env) != nil {
		return strconv.Itoa(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusForbidden {
		for _, e := range env.Error.Errors {
			if rateLimitReasons[e.Reason] {
				return codeRateLimited
			}
		}
		for _, d := range env.Error.Details {
			if rateLimitReasons[d.Reason] {
				return codeRateLimited
			}
		}
	}
	if env.Error.Status != "" {
		return env.Error.Status
	}
	return strconv.Itoa(resp.StatusCode)
}

// codeRateLimited counts a 403 refused for a rate limit.
const codeRateLimited = "rateLimitExceeded"

// throttleCodes are the outcomes with which GCP throttles a request.
var throttleCodes = []string{"RESOURCE_EXHAUSTED", "429", codeRateLimited}

// rateLimitReasons are the reasons of a 403 that refuses a request for
// its rate rather than for a permission.
var rateLimitReasons = map[string]bool{"rateLimitExceeded": true, "userRateLimitExceeded": true, "RATE_LIMIT_EXCEEDED": true}

// Paces are the paces the GCP scanners hold each API of a project to,
// named service.resource.method: what a declared rate limit may lower.
// The APIs whose requests name no project (the searches) are paced for
// all projects together and are left out.
func Paces() []scanners.APIPace {
	var out []scanners.APIPace
	for _, o := range operations {
		if o.path.NumSubexp() > 0 || o == opBuckets || o == opBucketPolicy {
			out = append(out, scanners.APIPace{API: o.String(), Limit: limitFor(o.service)})
		}
	}
	return out
}

// limitFor is the pace a (project, API) is held to. GCP's read quotas
// are per project and per minute, differ by API and can be changed per
// project (the console's Quotas page shows them); these paces are
// conservative choices under the defaults, so that the retryer rarely
// meets a 429: a burst of a few seconds' worth, then the steady rate.
// Requests that name no project (the searches) share one pace per API;
// a bucket's IAM policy is paced with its project's (forProject).
func limitFor(service string) scanners.Limit {
	switch service {
	case "iam", "storage":
		// IAM's default read quota is 6,000 a minute per project, and a
		// project's service-account keys and buckets' policies are read
		// one call each: half of it. Storage publishes no read quota for
		// bucket metadata; it is held to the same.
		return scanners.Limit{Burst: 50, PerSecond: 50}
	case "compute", "osconfig":
		return scanners.Limit{Burst: 20, PerSecond: 10}
	case "cloudkms", "cloudasset", "cloudresourcemanager", "container":
		return scanners.Limit{Burst: 5, PerSecond: 4}
	case "sqladmin":
		return scanners.Limit{Burst: 3, PerSecond: 2}
	case "policyanalyzer":
		return scanners.Limit{Burst: 2, PerSecond: 1}
	}
	return scanners.Limit{Burst: 10, PerSecond: 5}
}

var permissionInMessage = regexp.MustCompile(`(?:Permission '([a-zA-Z0-9.]+)' denied|Required '([a-zA-Z0-9.]+)' permission|does not have ([a-z]+\.[a-zA-Z0-9.]+) access)`)

// scanError describes a failed read of a project: which operation, the
// resource types left unread, and the missing permission, from the
// error's ErrorInfo or message, or the operation's own when GCP refused
// without naming one.
func scanError(projectID string, domain inventory.Domain, operation string, types []string, err error) inventory.ScanError {
	e := inventory.ScanError{Cloud: inventory.GCP, Target: projectID, Domain: domain, Operation: operation,
		ResourceTypes: types, Message: errorMessage(operation, err)}
	var g *googleapi.Error
	if !errors.As(err, &g) {
		return e
	}
	if perm := errorPermission(g); perm != "" {
		e.Permission = perm
	} else if g.Code == http.StatusForbidden {
		for _, o := range operations {
			if o.String() == operation {
				e.Permission = o.permission
			}
		}
	}
	return e
}

// errorPermission is the permission a GCP error names.
func errorPermission(g *googleapi.Error) string {
	for _, d := range g.Details {
		m, ok := d.(map[string]any)
		if !ok {
			continue
		}
		if md, ok := m["metadata"].(map[string]any); ok {
			if p, ok := md["permission"].(string); ok && p != "" {
				return p
			}
		}
	}
	if m := permissionInMessage.FindStringSubmatch(g.Message); m != nil {
		for _, s := range m[1:] {
			if s != "" {
				return s
			}
		}
	}
	return ""
}

// errorMessage is the API's error, prefixed by the operation: the HTTP
// status and GCP's message, without the response body's noise.
func errorMessage(operation string, err error) string {
	msg := err.Error()
	var g *googleapi.Error
	if errors.As(err, &g) {
		msg = strconv.Itoa(g.Code) + " " + http.StatusText(g.Code) + ": " + g.Message
	}
	if operation != "" && !strings.Contains(msg, operation) {
		msg = operation + ": " + msg
	}
	return msg
}
