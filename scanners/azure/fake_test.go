package azure

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	authfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	kvfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	mgfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
	rgfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
	subfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql"
	sqlfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/sql/armsql/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	keysfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys/fake"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// fakeAzure is a tenant served by the Azure SDK's own fake servers: the
// rows Resource Graph holds, per subscription, and what the Resource
// Manager and Key Vault fakes answer. Lists page pageSize items at a time.
type fakeAzure struct {
	pageSize int
	// rows are Resource Graph rows, each with its subscriptionId and type.
	rows []map[string]any
	// groups maps a management group to its subscriptions.
	groups map[string][]string
	// denied subscriptions answer 403 AuthorizationFailed.
	denied map[string]bool
	// tde maps "server/database" to Enabled or Disabled; protectors a
	// server to its key type.
	tde        map[string]string
	protectors map[string]string
	// keys maps a vault to its keys; policies a key name to its rotation
	// policy (nil: the vault refuses the read).
	keys     map[string][]*armkeyvault.Key
	policies map[string]*azkeys.KeyRotationPolicy
	// assignments and roles are per subscription.
	assignments map[string][]*armauthorization.RoleAssignment
	roles       map[string][]*armauthorization.RoleDefinition

	// failTable is a Resource Graph table whose queries fail; failPage,
	// when above 0, is the Resource Graph request (counted from 1) that
	// fails, as a page in the middle of a batch can.
	failTable string
	failPage  int

	mu      sync.Mutex
	queries []armresourcegraph.QueryRequest
}

var fakeQuery = regexp.MustCompile(`^(\w+) \| where type (?:=~ '([^']+)'|in~ \(([^)]*)\))`)

// pages splits items into pages of the fake's page size.
func pages[T any](size int, items []T) [][]T {
	if size < 1 {
		size = 1
	}
	var out [][]T
	for lo := 0; lo < len(items); lo += size {
		out = append(out, items[lo:min(lo+size, len(items))])
	}
	if out == nil {
		out = [][]T{nil}
	}
	return out
}

// transport routes each client's requests to its module's fake server.
func (f *fakeAzure) transport() policy.Transporter {
	graph := rgfake.NewServerFactoryTransport(&rgfake.ServerFactory{Server: rgfake.Server{Resources: f.graph}})
	subs := subfake.NewServerFactoryTransport(&subfake.ServerFactory{Server: subfake.Server{
		Get: func(_ context.Context, id string, _ *armsubscriptions.ClientGetOptions) (resp azfake.Responder[armsubscriptions.ClientGetResponse], errResp azfake.ErrorResponder) {
			if f.denied[id] {
				errResp.SetResponseError(http.StatusForbidden, "AuthorizationFailed")
				return
			}
			resp.SetResponse(http.StatusOK, armsubscriptions.ClientGetResponse{Subscription: armsubscriptions.Subscription{
				SubscriptionID: to.Ptr(id), DisplayName: to.Ptr("sub " + id[:4])}}, nil)
			return
		},
		NewListPager: func(*armsubscriptions.ClientListOptions) (resp azfake.PagerResponder[armsubscriptions.ClientListResponse]) {
			var all []*armsubscriptions.Subscription
			for _, id := range f.subscriptions() {
				if !f.denied[id] {
					all = append(all, &armsubscriptions.Subscription{SubscriptionID: to.Ptr(id), DisplayName: to.Ptr("sub " + id[:4])})
				}
			}
			for _, p := range pages(f.pageSize, all) {
				resp.AddPage(http.StatusOK, armsubscriptions.ClientListResponse{SubscriptionListResult: armsubscriptions.SubscriptionListResult{Value: p}}, nil)
			}
			return
		},
	}})
	groups := mgfake.NewServerFactoryTransport(&mgfake.ServerFactory{Server: mgfake.Server{
		NewGetDescendantsPager: func(group string, _ *armmanagementgroups.ClientGetDescendantsOptions) (resp azfake.PagerResponder[armmanagementgroups.ClientGetDescendantsResponse]) {
			var all []*armmanagementgroups.DescendantInfo
			for _, id := range f.groups[group] {
				all = append(all, &armmanagementgroups.DescendantInfo{ID: to.Ptr("/subscriptions/" + id), Name: to.Ptr(id), Type: to.Ptr("/subscriptions")})
			}
			all = append(all, &armmanagementgroups.DescendantInfo{Name: to.Ptr("child"), Type: to.Ptr("Microsoft.Management/managementGroups")})
			for _, p := range pages(f.pageSize, all) {
				resp.AddPage(http.StatusOK, armmanagementgroups.ClientGetDescendantsResponse{DescendantListResult: armmanagementgroups.DescendantListResult{Value: p}}, nil)
			}
			return
		},
	}})
	sql := sqlfake.NewServerFactoryTransport(&sqlfake.ServerFactory{
		TransparentDataEncryptionsServer: sqlfake.TransparentDataEncryptionsServer{
			Get: func(_ context.Context, _, server, db string, _ armsql.TransparentDataEncryptionName, _ *armsql.TransparentDataEncryptionsClientGetOptions) (resp azfake.Responder[armsql.TransparentDataEncryptionsClientGetResponse], errResp azfake.ErrorResponder) {
				state, ok := f.tde[server+"/"+db]
				if !ok {
					errResp.SetResponseError(http.StatusNotFound, "ResourceNotFound")
					return
				}
				resp.SetResponse(http.StatusOK, armsql.TransparentDataEncryptionsClientGetResponse{LogicalDatabaseTransparentDataEncryption: armsql.LogicalDatabaseTransparentDataEncryption{
					Properties: &armsql.TransparentDataEncryptionProperties{State: to.Ptr(armsql.TransparentDataEncryptionState(state))}}}, nil)
				return
			},
		},
		EncryptionProtectorsServer: sqlfake.EncryptionProtectorsServer{
			Get: func(_ context.Context, _, server string, _ armsql.EncryptionProtectorName, _ *armsql.EncryptionProtectorsClientGetOptions) (resp azfake.Responder[armsql.EncryptionProtectorsClientGetResponse], errResp azfake.ErrorResponder) {
				resp.SetResponse(http.StatusOK, armsql.EncryptionProtectorsClientGetResponse{EncryptionProtector: armsql.EncryptionProtector{
					Properties: &armsql.EncryptionProtectorProperties{ServerKeyType: to.Ptr(armsql.ServerKeyType(f.protectors[server]))}}}, nil)
				return
			},
		},
	})
	vaults := kvfake.NewServerFactoryTransport(&kvfake.ServerFactory{KeysServer: kvfake.KeysServer{
		NewListPager: func(_, vault string, _ *armkeyvault.KeysClientListOptions) (resp azfake.PagerResponder[armkeyvault.KeysClientListResponse]) {
			for _, p := range pages(f.pageSize, f.keys[vault]) {
				resp.AddPage(http.StatusOK, armkeyvault.KeysClientListResponse{KeyListResult: armkeyvault.KeyListResult{Value: p}}, nil)
			}
			return
		},
	}})
	keys := keysfake.NewServerTransport(&keysfake.Server{
		GetKeyRotationPolicy: func(_ context.Context, name string, _ *azkeys.GetKeyRotationPolicyOptions) (resp azfake.Responder[azkeys.GetKeyRotationPolicyResponse], errResp azfake.ErrorResponder) {
			p, ok := f.policies[name]
			switch {
			case !ok:
				errResp.SetResponseError(http.StatusNotFound, "KeyNotFound")
			case p == nil:
				errResp.SetResponseError(http.StatusForbidden, "ForbiddenByRbac")
			default:
				resp.SetResponse(http.StatusOK, azkeys.GetKeyRotationPolicyResponse{KeyRotationPolicy: *p}, nil)
			}
			return
		},
	})
	auth := authfake.NewServerFactoryTransport(&authfake.ServerFactory{
		RoleAssignmentsServer: authfake.RoleAssignmentsServer{
			NewListForSubscriptionPager: func(*armauthorization.RoleAssignmentsClientListForSubscriptionOptions) (resp azfake.PagerResponder[armauthorization.RoleAssignmentsClientListForSubscriptionResponse]) {
				// The fake does not say which subscription; the tests
				// give role assignments to one.
				for _, list := range f.assignments {
					for _, p := range pages(f.pageSize, list) {
						resp.AddPage(http.StatusOK, armauthorization.RoleAssignmentsClientListForSubscriptionResponse{RoleAssignmentListResult: armauthorization.RoleAssignmentListResult{Value: p}}, nil)
					}
				}
				return
			},
		},
		RoleDefinitionsServer: authfake.RoleDefinitionsServer{
			NewListPager: func(scope string, o *armauthorization.RoleDefinitionsClientListOptions) (resp azfake.PagerResponder[armauthorization.RoleDefinitionsClientListResponse]) {
				if o == nil || o.Filter == nil || *o.Filter != customRoles {
					resp.AddResponseError(http.StatusBadRequest, "InvalidFilter")
					return
				}
				for _, p := range pages(f.pageSize, f.roles[strings.TrimPrefix(strings.TrimPrefix(scope, "/"), "subscriptions/")]) {
					resp.AddPage(http.StatusOK, armauthorization.RoleDefinitionsClientListResponse{RoleDefinitionListResult: armauthorization.RoleDefinitionListResult{Value: p}}, nil)
				}
				return
			},
		},
	})
	return routeTransport(func(r *http.Request) policy.Transporter {
		path := strings.ToLower(r.URL.Path)
		switch {
		case strings.Contains(r.URL.Host, ".vault."):
			return keys
		case strings.Contains(path, "microsoft.resourcegraph"):
			return graph
		case strings.Contains(path, "microsoft.management"):
			return groups
		case strings.Contains(path, "microsoft.sql"):
			return sql
		case strings.Contains(path, "microsoft.keyvault"):
			return vaults
		case strings.Contains(path, "microsoft.authorization"):
			return auth
		}
		return subs
	})
}

type routeTransport func(*http.Request) policy.Transporter

func (rt routeTransport) Do(r *http.Request) (*http.Response, error) { return rt(r).Do(r) }

func (f *fakeAzure) subscriptions() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range f.rows {
		if id := r["subscriptionId"].(string); !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// graph is the fake Resource Graph: every row of the query's table and
// types in its subscriptions, paged by a skip token holding the offset.
func (f *fakeAzure) graph(_ context.Context, q armresourcegraph.QueryRequest, _ *armresourcegraph.ClientResourcesOptions) (resp azfake.Responder[armresourcegraph.ClientResourcesResponse], errResp azfake.ErrorResponder) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	nth := len(f.queries)
	f.mu.Unlock()
	m := fakeQuery.FindStringSubmatch(*q.Query)
	if m != nil && m[1] == f.failTable || nth == f.failPage {
		errResp.SetResponseError(http.StatusInternalServerError, "InternalServerError")
		return
	}
	if m == nil {
		errResp.SetResponseError(http.StatusBadRequest, "InvalidQuery")
		return
	}
	types := map[string]bool{m[2]: true}
	for _, t := range strings.Split(m[3], ",") {
		types[strings.Trim(strings.TrimSpace(t), "'")] = true
	}
	subs := map[string]bool{}
	for _, s := range q.Subscriptions {
		subs[*s] = true
	}
	var rows []any
	for _, r := range f.rows {
		table := "resources"
		if strings.HasSuffix(r["type"].(string), "/patchassessmentresults") {
			table = "patchassessmentresources"
		}
		if table == m[1] && types[r["type"].(string)] && subs[r["subscriptionId"].(string)] {
			rows = append(rows, r)
		}
	}
	lo := 0
	if q.Options != nil && q.Options.SkipToken != nil {
		lo, _ = strconv.Atoi(*q.Options.SkipToken)
	}
	hi := min(lo+f.pageSize, len(rows))
	out := armresourcegraph.QueryResponse{Data: rows[lo:hi], Count: to.Ptr(int64(hi - lo)), TotalRecords: to.Ptr(int64(len(rows))),
		ResultTruncated: to.Ptr(armresourcegraph.ResultTruncatedFalse)}
	if hi < len(rows) {
		out.SkipToken = to.Ptr(strconv.Itoa(hi))
	}
	resp.SetResponse(http.StatusOK, armresourcegraph.ClientResourcesResponse{QueryResponse: out}, nil)
	return
}

// scan runs one domain's scanner over target against the fakes, with
// batches of batch subscriptions, and returns what it recorded and the
// requests it counted.
func (f *fakeAzure) scan(t *testing.T, domain inventory.Domain, target scanners.Target, batch int) (*inventory.Inventory, []scanners.RequestCount) {
	t.Helper()
	sched := scanners.NewScheduler(8)
	o := settings{Options: scanners.Options{Scheduler: sched}, credential: &azfake.TokenCredential{}, transport: f.transport(),
		retry: policy.RetryOptions{MaxRetries: -1}, graphBatch: batch, graphPageSize: int32(f.pageSize)}
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	var reg []scanners.Registration
	for _, r := range g.Registered() {
		if r.Domain == domain {
			reg = append(reg, r)
		}
	}
	target.Cloud = inventory.Azure
	inv := &inventory.Inventory{}
	g.Run(context.Background(), []scanners.Target{target}, reg, 4).Fill(inv)
	return inv, sched.Requests()
}

// graphRow builds a Resource Graph row from an ARM resource's JSON.
func graphRow(t *testing.T, sub, typ, id, location, body string) map[string]any {
	t.Helper()
	out := map[string]any{}
	if body != "" {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("row %s: %v", id, err)
		}
	}
	name := id[strings.LastIndex(id, "/")+1:]
	rg := ""
	if parts := strings.Split(id, "/"); len(parts) > 4 {
		rg = parts[4]
	}
	for k, v := range map[string]any{"id": id, "name": name, "type": typ, "location": location,
		"subscriptionId": sub, "resourceGroup": rg} {
		out[k] = v
	}
	return out
}

// requests counts the requests of an operation with a code.
func requests(counts []scanners.RequestCount, service, op, code string) int {
	for _, c := range counts {
		if c.Service == service && c.Operation == op && c.Code == code {
			return c.Count
		}
	}
	return 0
}

// byID indexes resources by id.
func byID(inv *inventory.Inventory) map[string]inventory.Resource {
	out := map[string]inventory.Resource{}
	for _, r := range inv.Resources {
		out[r.ID] = r
	}
	return out
}

var _ azcore.TokenCredential = &azfake.TokenCredential{}

// hostRecorder notes the host of every request before handing it on.
type hostRecorder struct {
	mu    sync.Mutex
	hosts map[string]bool
	next  policy.Transporter
}

func (h *hostRecorder) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.hosts[r.URL.Host] = true
	h.mu.Unlock()
	return h.next.Do(r)
}
