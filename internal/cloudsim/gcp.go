package cloudsim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// GCP requests reach the simulator with the API's host as the first path
// segment: a client whose endpoint is URL/compute.googleapis.com sends
// GET URL/compute.googleapis.com/compute/v1/projects/p/global/firewalls.
// Routes are matched on the rest of the path, as the REST references
// give it, and each names the IAM permission GCP checks for it, which
// 403 answers name and Request.Permission records.

// gcpRoute is one GCP REST method the simulator answers.
type gcpRoute struct {
	method string
	host   string
	path   *regexp.Regexp
	// service and op name the method as Request.Service and
	// Request.Operation ("compute", "firewalls.list").
	service, op string
	// permission is what IAM checks; write marks a method that changes
	// something, which is refused.
	permission string
	write      bool
	handle     func(c *gcpCall)
}

// gcpRoutes are the methods ownaudit's GCP scanners call, plus the
// writes a buggy scanner might attempt, which are refused.
var gcpRoutes = []gcpRoute{
	{method: "GET", host: "compute.googleapis.com", path: regexp.MustCompile(`^/compute/v1/projects/([^/]+)/global/firewalls$`), service: "compute", op: "firewalls.list", permission: "compute.firewalls.list", handle: gcpFirewallsList},
	{method: "GET", host: "compute.googleapis.com", path: regexp.MustCompile(`^/compute/v1/projects/([^/]+)/global/networks$`), service: "compute", op: "networks.list", permission: "compute.networks.list", handle: gcpNetworksList},
	{method: "GET", host: "compute.googleapis.com", path: regexp.MustCompile(`^/compute/v1/projects/([^/]+)/aggregated/instances$`), service: "compute", op: "instances.aggregatedList", permission: "compute.instances.list", handle: gcpInstancesAggregated},
	{method: "GET", host: "compute.googleapis.com", path: regexp.MustCompile(`^/compute/v1/projects/([^/]+)/aggregated/disks$`), service: "compute", op: "disks.aggregatedList", permission: "compute.disks.list", handle: gcpDisksAggregated},
	{method: "GET", host: "compute.googleapis.com", path: regexp.MustCompile(`^/compute/v1/projects/([^/]+)/aggregated/sslPolicies$`), service: "compute", op: "sslPolicies.aggregatedList", permission: "compute.sslPolicies.list", handle: gcpSSLPoliciesAggregated},
	{method: "POST", host: "compute.googleapis.com", path: regexp.MustCompile(`^/compute/v1/projects/([^/]+)/global/firewalls(/[^/]+)?$`), service: "compute", op: "firewalls.insert", permission: "compute.firewalls.create", write: true},
	{method: "GET", host: "osconfig.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/locations/([^/]+)/instances/-/inventories$`), service: "osconfig", op: "inventories.list", permission: "osconfig.inventories.list", handle: gcpInventoriesList},
	{method: "GET", host: "osconfig.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/locations/([^/]+)/instances/-/vulnerabilityReports$`), service: "osconfig", op: "vulnerabilityReports.list", permission: "osconfig.vulnerabilityReports.list", handle: gcpVulnerabilityReportsList},
	{method: "GET", host: "osconfig.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/patchDeployments$`), service: "osconfig", op: "patchDeployments.list", permission: "osconfig.patchDeployments.list", handle: gcpPatchDeploymentsList},
	{method: "GET", host: "cloudkms.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys$`), service: "cloudkms", op: "cryptoKeys.list", permission: "cloudkms.cryptoKeys.list", handle: gcpCryptoKeysList},
	{method: "GET", host: "cloudasset.googleapis.com", path: regexp.MustCompile(`^/v1/((?:projects|folders|organizations)/[^/:]+):searchAllResources$`), service: "cloudasset", op: "searchAllResources", permission: "cloudasset.assets.searchAllResources", handle: gcpSearchAllResources},
	{method: "GET", host: "cloudresourcemanager.googleapis.com", path: regexp.MustCompile(`^/v3/projects:search$`), service: "cloudresourcemanager", op: "projects.search", permission: "resourcemanager.projects.get", handle: gcpProjectsSearch},
	{method: "GET", host: "cloudresourcemanager.googleapis.com", path: regexp.MustCompile(`^/v3/folders:search$`), service: "cloudresourcemanager", op: "folders.search", permission: "resourcemanager.folders.get", handle: gcpFoldersSearch},
	{method: "POST", host: "cloudresourcemanager.googleapis.com", path: regexp.MustCompile(`^/v3/projects/([^/:]+):getIamPolicy$`), service: "cloudresourcemanager", op: "projects.getIamPolicy", permission: "resourcemanager.projects.getIamPolicy", handle: gcpProjectGetIamPolicy},
	{method: "POST", host: "cloudresourcemanager.googleapis.com", path: regexp.MustCompile(`^/v3/projects/([^/:]+):setIamPolicy$`), service: "cloudresourcemanager", op: "projects.setIamPolicy", permission: "resourcemanager.projects.setIamPolicy", write: true},
	{method: "GET", host: "sqladmin.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/instances$`), service: "sqladmin", op: "instances.list", permission: "cloudsql.instances.list", handle: gcpSQLInstancesList},
	{method: "GET", host: "container.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/locations/-/clusters$`), service: "container", op: "clusters.list", permission: "container.clusters.list", handle: gcpClustersList},
	{method: "GET", host: "storage.googleapis.com", path: regexp.MustCompile(`^/storage/v1/b$`), service: "storage", op: "buckets.list", permission: "storage.buckets.list", handle: gcpBucketsList},
	{method: "GET", host: "storage.googleapis.com", path: regexp.MustCompile(`^/storage/v1/b/([^/]+)/iam$`), service: "storage", op: "buckets.getIamPolicy", permission: "storage.buckets.getIamPolicy", handle: gcpBucketGetIamPolicy},
	{method: "GET", host: "iam.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/serviceAccounts$`), service: "iam", op: "serviceAccounts.list", permission: "iam.serviceAccounts.list", handle: gcpServiceAccountsList},
	{method: "GET", host: "iam.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/serviceAccounts/([^/]+)/keys$`), service: "iam", op: "serviceAccountKeys.list", permission: "iam.serviceAccountKeys.list", handle: gcpServiceAccountKeysList},
	{method: "GET", host: "policyanalyzer.googleapis.com", path: regexp.MustCompile(`^/v1/projects/([^/]+)/locations/global/activityTypes/serviceAccountKeyLastAuthentication/activities:query$`), service: "policyanalyzer", op: "activities.query", permission: "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query", handle: gcpKeyActivitiesQuery},
}

// gcpState is what the simulator tracks across GCP requests.
type gcpState struct {
	mu sync.Mutex
	// failed counts, per request (method, URL and body), the failures
	// answered since it last succeeded: the attempt number of a retry,
	// since GCP clients do not number their attempts on the wire.
	failed map[string]int
}

// gcpCall is one GCP request being answered.
type gcpCall struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	route *gcpRoute
	args  []string
	// Project is the project the request reads, when it names one.
	Project *GCPProject
	rec     Request
	body    []byte
}

// serveGCP answers a request for a Google Cloud REST API.
func (s *Server) serveGCP(w http.ResponseWriter, r *http.Request, host, rest string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	c := &gcpCall{s: s, w: w, r: r, body: body, rec: Request{Cloud: "gcp", Service: strings.TrimSuffix(host, ".googleapis.com")}}
	if host == "oauth2.googleapis.com" && rest == "/token" && r.Method == http.MethodPost {
		// The token endpoint a credentials file names: any grant gets a
		// token, which the simulator does not check further.
		c.rec.Operation = "token"
		c.JSON(map[string]any{"access_token": "simulated-token-not-a-credential", "token_type": "Bearer", "expires_in": 3600})
		return
	}
	for i := range gcpRoutes {
		rt := &gcpRoutes[i]
		if rt.host != host || rt.method != r.Method {
			continue
		}
		m := rt.path.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		c.route, c.args = rt, m[1:]
		c.rec.Service, c.rec.Operation, c.rec.Permission, c.rec.Write = rt.service, rt.op, rt.permission, rt.write
		s.answerGCP(c)
		return
	}
	c.rec.Operation = r.Method + " " + rest
	if r.Method != http.MethodGet {
		// Nothing but the reads above is served: anything else is taken
		// for a write and refused, so that a test sees it.
		c.rec.Write = true
		c.Fail(http.StatusForbidden, "PERMISSION_DENIED", "forbidden", "the simulator refuses "+r.Method+" "+rest+": ownaudit only reads", nil)
		return
	}
	c.Fail(http.StatusNotFound, "NOT_FOUND", "notFound", "The requested URL "+rest+" was not found on this server.", nil)
}

func (s *Server) answerGCP(c *gcpCall) {
	c.rec.Account = c.projectID()
	if c.rec.Account != "" && !strings.Contains(c.rec.Account, "/") {
		c.Project = s.world.GCP.Project(c.rec.Account)
	}
	c.rec.Attempt = s.gcpAttempt(c.key(), 0) + 1
	if c.route.write {
		c.Fail(http.StatusForbidden, "PERMISSION_DENIED", "forbidden",
			fmt.Sprintf("Permission '%s' denied on resource '%s' (or it may not exist).", c.route.permission, c.resourceName()), c.errorInfo())
		return
	}
	if s.faultState().injectGCP(c) {
		return
	}
	if c.Project == nil && c.needsProject() {
		c.Fail(http.StatusForbidden, "PERMISSION_DENIED", "forbidden",
			fmt.Sprintf("Permission '%s' denied on resource '%s' (or it may not exist).", c.route.permission, c.resourceName()), c.errorInfo())
		return
	}
	c.route.handle(c)
}

// needsProject reports whether the route reads one project's resources.
func (c *gcpCall) needsProject() bool {
	switch c.route.op {
	case "projects.search", "folders.search", "searchAllResources":
		return false
	}
	return true
}

// projectID is the project the request names: in its path, its project
// query parameter (buckets.list), or the bucket's (bucket IAM). Asset
// searches name their scope instead.
func (c *gcpCall) projectID() string {
	switch c.route.op {
	case "projects.search", "folders.search":
		return ""
	case "searchAllResources":
		if p, ok := strings.CutPrefix(c.args[0], "projects/"); ok {
			return p
		}
		return c.args[0]
	case "buckets.list":
		return c.r.URL.Query().Get("project")
	case "buckets.getIamPolicy":
		for _, p := range c.s.world.GCP.Projects {
			for _, b := range p.Buckets {
				if b.Name == c.args[0] {
					return p.ID
				}
			}
		}
		return ""
	}
	return c.args[0]
}

// resourceName is how errors name what the request read.
func (c *gcpCall) resourceName() string {
	switch {
	case c.route.op == "buckets.getIamPolicy":
		return "projects/_/buckets/" + c.args[0]
	case c.rec.Account == "":
		return "//cloudresourcemanager.googleapis.com"
	case strings.Contains(c.rec.Account, "/"):
		return c.rec.Account
	}
	return "projects/" + c.rec.Account
}

// errorInfo is the ErrorInfo detail GCP adds to a permission error.
func (c *gcpCall) errorInfo() map[string]any {
	return map[string]any{
		"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
		"reason": "IAM_PERMISSION_DENIED",
		"domain": "iam.googleapis.com",
		"metadata": map[string]string{
			"permission": c.route.permission,
			"resource":   c.resourceName(),
		},
	}
}

// key identifies a request for counting its attempts.
func (c *gcpCall) key() string {
	h := sha256.Sum256(c.body)
	return c.r.Method + " " + c.r.URL.String() + " " + hex.EncodeToString(h[:8])
}

// gcpAttempt returns how many failures the request has met since it last
// succeeded, adding delta (+1 on a failure; -n resets it on a success).
func (s *Server) gcpAttempt(key string, delta int) int {
	s.gcp.mu.Lock()
	defer s.gcp.mu.Unlock()
	if s.gcp.failed == nil {
		s.gcp.failed = map[string]int{}
	}
	n := s.gcp.failed[key] + delta
	if n <= 0 {
		delete(s.gcp.failed, key)
		return 0
	}
	s.gcp.failed[key] = n
	return n
}

// JSON answers 200 with v.
func (c *gcpCall) JSON(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		c.Fail(http.StatusInternalServerError, "INTERNAL", "backendError", err.Error(), nil)
		return
	}
	if c.route != nil {
		c.s.gcpAttempt(c.key(), -1<<30)
	}
	c.write(http.StatusOK, body)
}

// Fail answers GCP's error envelope: the HTTP status, the canonical
// status name, the legacy errors[] reason, a message and an optional
// detail.
func (c *gcpCall) Fail(status int, statusName, reason, message string, detail map[string]any) {
	e := map[string]any{
		"code":    status,
		"message": message,
		"status":  statusName,
		"errors":  []map[string]string{{"message": message, "domain": "global", "reason": reason}},
	}
	if detail != nil {
		e["details"] = []any{detail}
	}
	body, _ := json.Marshal(map[string]any{"error": e})
	c.rec.Code = statusName
	if c.route != nil {
		c.s.gcpAttempt(c.key(), 1)
	}
	c.write(status, body)
}

// BadRequest answers 400 INVALID_ARGUMENT.
func (c *gcpCall) BadRequest(message string) {
	c.Fail(http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", message, nil)
}

func (c *gcpCall) write(status int, body []byte) {
	c.rec.Status = status
	c.s.record(c.rec)
	c.w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// gcpPaging is how a GCP list pages: the page size parameter's name, the
// size when the caller names none, and the largest it may name. Compute
// refuses a larger maxResults; the other APIs answer at most max.
type gcpPaging struct {
	param       string
	def, max    int
	refuseAbove bool
}

// Page works out which of total items the request gets and the token of
// the next page; it answers an invalid size or token itself (ok false).
func (c *gcpCall) Page(total int, p gcpPaging) (lo, hi int, next string, ok bool) {
	size := p.def
	if v := c.r.URL.Query().Get(p.param); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || (p.refuseAbove && n > p.max) {
			c.BadRequest(fmt.Sprintf("Invalid value for field '%s': '%s'. Must be a number from 0 to %d.", p.param, v, p.max))
			return 0, 0, "", false
		}
		if n > 0 {
			size = min(n, p.max)
		}
	}
	if cap := c.s.world.GCP.PageSize; cap > 0 && (size == 0 || size > cap) {
		size = cap
	}
	if token := c.r.URL.Query().Get("pageToken"); token != "" {
		lo, ok = decodeToken(c.route.op, token)
		if !ok || lo > total {
			c.BadRequest("Invalid value for field 'pageToken': '" + token + "'.")
			return 0, 0, "", false
		}
	}
	hi = total
	if size > 0 && lo+size < total {
		hi = lo + size
		next = encodeToken(c.route.op, hi)
	}
	return lo, hi, next, true
}

// list answers one page of items under key, with the list's other
// fields, leaving items out when the page is empty as Google does.
func gcpList[T any](c *gcpCall, items []T, key string, p gcpPaging, extra map[string]any) {
	lo, hi, next, ok := c.Page(len(items), p)
	if !ok {
		return
	}
	out := map[string]any{}
	for k, v := range extra {
		out[k] = v
	}
	if hi > lo {
		out[key] = items[lo:hi]
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	c.JSON(out)
}

// Paging of the lists the simulator serves. Compute's maxResults is
// 0-500, default 500; Cloud SQL defaults to 500 and caps at 1000;
// Storage to 1000; IAM service accounts default to 20, at most 100. The
// other defaults are not documented (UNCONFIRMED): 100 here.
var (
	gcpComputePaging  = gcpPaging{param: "maxResults", def: 500, max: 500, refuseAbove: true}
	gcpPageSizePaging = gcpPaging{param: "pageSize", def: 100, max: 1000}
	gcpSQLPaging      = gcpPaging{param: "maxResults", def: 500, max: 1000}
	gcpStoragePaging  = gcpPaging{param: "maxResults", def: 1000, max: 1000}
	gcpSAPaging       = gcpPaging{param: "pageSize", def: 20, max: 100}
)

// injectGCP applies the faults to a GCP call; it reports whether it
// answered. AccessDenied entries name a project (Account) and a
// permission pattern (Action, such as "compute.*" or "*"); throttling is
// 429 RESOURCE_EXHAUSTED and server errors 503 UNAVAILABLE;
// FailFirstAttempts answers a 503 first, then a 429, alternately.
func (fs *faultState) injectGCP(c *gcpCall) bool {
	fs.delay(c.r)
	for _, d := range fs.f.AccessDenied {
		if (d.Account == "" || d.Account == c.rec.Account) && matchAction(d.Action, c.route.permission) {
			c.Fail(http.StatusForbidden, "PERMISSION_DENIED", "forbidden",
				fmt.Sprintf("Permission '%s' denied on resource '%s' (or it may not exist).", c.route.permission, c.resourceName()), c.errorInfo())
			return true
		}
	}
	if n := c.rec.Attempt; n <= fs.f.FailFirstAttempts {
		if n%2 == 1 {
			gcpUnavailable(c)
		} else {
			gcpThrottle(c)
		}
		return true
	}
	if fs.emptyBucketFor(c.rec.Account, "", c.rec.Action()) || fs.roll(fs.f.ThrottleRate) {
		gcpThrottle(c)
		return true
	}
	if fs.roll(fs.f.ServerErrorRate) {
		gcpUnavailable(c)
		return true
	}
	return false
}

func gcpThrottle(c *gcpCall) {
	c.Fail(http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "rateLimitExceeded",
		fmt.Sprintf("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '%s.googleapis.com' for consumer 'project:%s'.", c.route.service, c.rec.Account), nil)
}

func gcpUnavailable(c *gcpCall) {
	c.Fail(http.StatusServiceUnavailable, "UNAVAILABLE", "backendError", "The service is currently unavailable.", nil)
}

// gcpHost splits a GCP request's path into the API host it names and the
// rest, or reports that the path names none.
func gcpHost(path string) (host, rest string, ok bool) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !strings.HasSuffix(first, ".googleapis.com") {
		return "", "", false
	}
	return first, "/" + rest, true
}

// serveMetadata answers as the metadata server of a VM or a GKE pod with
// workload identity does, for a client whose GCE_METADATA_HOST is the
// simulator: the project, and a token for the attached service account.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	rec := Request{Cloud: "gcp", Service: "metadata", Operation: strings.TrimPrefix(r.URL.Path, "/computeMetadata/v1/"), Status: http.StatusOK}
	defer func() { s.record(rec) }()
	if r.Header.Get("Metadata-Flavor") != "Google" {
		rec.Status = http.StatusForbidden
		http.Error(w, "Missing Metadata-Flavor:Google header.", rec.Status)
		return
	}
	w.Header().Set("Metadata-Flavor", "Google")
	switch rec.Operation {
	case "project/project-id":
		_, _ = io.WriteString(w, s.world.GCP.MetadataProject)
	case "universe/universe-domain":
		_, _ = io.WriteString(w, "googleapis.com")
	case "instance/service-accounts/default/email":
		_, _ = io.WriteString(w, "workload@"+s.world.GCP.MetadataProject+".iam.gserviceaccount.com")
	case "instance/service-accounts/default/token":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "simulated-token-not-a-credential", "expires_in": 3599, "token_type": "Bearer"})
	default:
		rec.Status = http.StatusNotFound
		http.Error(w, "not found", rec.Status)
	}
}
