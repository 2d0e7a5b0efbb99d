package azure

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Paces, below Azure's published limits, so that the SDK's retry policy
// (which honours 429 and Retry-After) rarely has to act:
//   - Resource Manager reads: a bucket of 250 refilled at 25 per second
//     per subscription; ownaudit holds each subscription to 200 and 20.
//   - Resource Graph: about 15 queries per 5 seconds per user and tenant;
//     a bucket of 1 refilled at 2.6 per second sends at most 14 in any 5
//     seconds (1 + 5 × 2.6), one spare, and a management group's hundred
//     pages go at the most the quota allows (a bucket of 4 at 2 a second
//     took 30 % longer).
//   - Key Vault: 4000 transactions per 10 seconds per vault; 100 per
//     second stays far below.
var (
	armLimit   = scanners.Limit{Burst: 200, PerSecond: 20}
	graphLimit = scanners.Limit{Burst: 1, PerSecond: 2.6}
	vaultLimit = scanners.Limit{Burst: 100, PerSecond: 100}
)

// subscriptionReads are the Resource Manager reads of a subscription the
// scanners may make, by RBAC action: the APIs a declared rate limit for a
// subscription can reach. Resource Graph queries (the tenant's quota)
// and Key Vault's data plane (the vault's) are not a subscription's.
var subscriptionReads = []string{
	"Microsoft.Authorization/roleAssignments/read",
	"Microsoft.Authorization/roleDefinitions/read",
	"Microsoft.Compute/disks/read",
	"Microsoft.Compute/virtualMachines/patchAssessmentResults/latest/read",
	"Microsoft.Compute/virtualMachines/read",
	"Microsoft.ContainerService/managedClusters/read",
	"Microsoft.KeyVault/vaults/keys/read",
	"Microsoft.KeyVault/vaults/read",
	"Microsoft.Network/networkSecurityGroups/read",
	"Microsoft.Resources/subscriptions/read",
	"Microsoft.Sql/servers/databases/read",
	"Microsoft.Sql/servers/databases/transparentDataEncryption/read",
	"Microsoft.Sql/servers/encryptionProtector/read",
	"Microsoft.Sql/servers/read",
	"Microsoft.Storage/storageAccounts/read",
}

// Paces are the paces the Azure scanners hold the reads of a
// subscription to, named by RBAC action: what a declared rate limit may
// lower. Every read of a subscription shares Resource Manager's bucket;
// a declared limit gives the APIs it matches a bucket of their own
// besides.
func Paces() []scanners.APIPace {
	out := make([]scanners.APIPace, len(subscriptionReads))
	for i, a := range subscriptionReads {
		out[i] = scanners.APIPace{API: a, Limit: armLimit}
	}
	return out
}

// meter is the pipeline policy every Azure client carries, after the
// retry policy: each attempt waits for its pace and a free slot of the
// scheduler, and is counted per operation and outcome, which also tells
// the scheduler of a throttled attempt (429), so that the pace slows
// down. The operation is named by the RBAC action it needs
// ("Microsoft.Network" and "networkSecurityGroups/read").
type meter struct{ sched *scanners.Scheduler }

func (m meter) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	call, lim := callOf(raw)
	release, err := m.sched.Acquire(raw.Context(), call, lim)
	if err != nil {
		return nil, err
	}
	defer release()
	resp, err := req.Next()
	m.sched.Done(call, outcome(resp, err))
	return resp, err
}

// callOf names a request for the scheduler by the RBAC action it needs,
// split into the provider namespace and the rest, with the subscription
// it reads when its path names one, and says which bucket paces it at
// which limit: Resource Manager's of the subscription, Resource Graph's,
// or the vault's.
func callOf(r *http.Request) (scanners.Call, scanners.Limit) {
	call := scanners.Call{Cloud: string(inventory.Azure)}
	path := strings.Trim(r.URL.Path, "/")
	segs := strings.Split(path, "/")
	if strings.Contains(strings.ToLower(r.URL.Host), ".vault.") || len(segs) > 0 && segs[0] == "keys" {
		call.Service, call.Operation = "Microsoft.KeyVault", "vaults/keys/read"
		if strings.HasSuffix(strings.ToLower(path), "/rotationpolicy") {
			call.Operation = "vaults/keyrotationpolicies/read"
		}
		call.Bucket = "vault " + r.URL.Host
		return named(call), vaultLimit
	}
	verb := "read"
	if r.Method != http.MethodGet && !strings.EqualFold(path, "providers/Microsoft.ResourceGraph/resources") {
		verb = "write"
	}
	call.Bucket = "arm"
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		call.Target = strings.ToLower(segs[1])
	}
	lim := armLimit
	provider := -1
	for i, s := range segs {
		if strings.EqualFold(s, "providers") && i+1 < len(segs) {
			provider = i
		}
	}
	if provider < 0 {
		// /subscriptions and /subscriptions/{id}
		call.Service, call.Operation = "Microsoft.Resources", "subscriptions/"+verb
		return named(call), lim
	}
	call.Service = segs[provider+1]
	var types []string
	for i := provider + 2; i < len(segs); i += 2 {
		types = append(types, segs[i])
	}
	if strings.EqualFold(call.Service, "Microsoft.ResourceGraph") {
		// One query reads many subscriptions: the quota is the tenant's.
		call.Target, call.Bucket, lim = "", "graph", graphLimit
	}
	call.Operation = strings.Join(append(types, verb), "/")
	return named(call), lim
}

// named sets the call's API to its RBAC action.
func named(c scanners.Call) scanners.Call {
	c.API = c.Service + "/" + c.Operation
	return c
}

// outcome is the code a request is counted under: OK, Azure's error code,
// or NetworkError when no answer came back.
func outcome(resp *http.Response, err error) string {
	switch {
	case err != nil || resp == nil:
		return scanners.CodeNetworkError
	case resp.StatusCode < 400:
		return scanners.CodeOK
	}
	if c := resp.Header.Get("x-ms-error-code"); c != "" {
		return c
	}
	if body, err := runtime.Payload(resp); err == nil {
		var env struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil && env.Error.Code != "" {
			return env.Error.Code
		}
	}
	return "HTTP" + strconv.Itoa(resp.StatusCode)
}
