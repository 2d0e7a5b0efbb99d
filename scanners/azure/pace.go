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
//     a bucket of 4 refilled at 2 per second never sends 15 in 5 seconds.
//   - Key Vault: 4000 transactions per 10 seconds per vault; 100 per
//     second stays far below.
var (
	armLimit   = scanners.Limit{Burst: 200, PerSecond: 20}
	graphLimit = scanners.Limit{Burst: 4, PerSecond: 2}
	vaultLimit = scanners.Limit{Burst: 100, PerSecond: 100}
)

// meter is the pipeline policy every Azure client carries, after the
// retry policy: each attempt waits for its pace and a free slot of the
// scheduler, and is counted per operation and outcome. The operation is
// named by the RBAC action it needs ("Microsoft.Network" and
// "networkSecurityGroups/read").
type meter struct{ sched *scanners.Scheduler }

func (m meter) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	service, op, paceKey, lim := operationOf(raw)
	pace := scanners.Call{Cloud: string(inventory.Azure), Target: paceKey, Service: "pace", Operation: paceKey}
	release, err := m.sched.Acquire(raw.Context(), pace, lim)
	if err != nil {
		return nil, err
	}
	defer release()
	resp, err := req.Next()
	m.sched.Done(scanners.Call{Cloud: string(inventory.Azure), Service: service, Operation: op}, outcome(resp, err))
	return resp, err
}

// operationOf names a request by the RBAC action it needs, split into the
// provider namespace and the rest, and says which bucket paces it.
func operationOf(r *http.Request) (service, op, paceKey string, lim scanners.Limit) {
	path := strings.Trim(r.URL.Path, "/")
	segs := strings.Split(path, "/")
	if strings.Contains(strings.ToLower(r.URL.Host), ".vault.") || len(segs) > 0 && segs[0] == "keys" {
		op = "vaults/keys/read"
		if strings.HasSuffix(strings.ToLower(path), "/rotationpolicy") {
			op = "vaults/keyrotationpolicies/read"
		}
		return "Microsoft.KeyVault", op, "vault " + r.URL.Host, vaultLimit
	}
	verb := "read"
	if r.Method != http.MethodGet && !strings.EqualFold(path, "providers/Microsoft.ResourceGraph/resources") {
		verb = "write"
	}
	paceKey = "arm"
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		paceKey = "arm " + strings.ToLower(segs[1])
	}
	lim = armLimit
	provider := -1
	for i, s := range segs {
		if strings.EqualFold(s, "providers") && i+1 < len(segs) {
			provider = i
		}
	}
	if provider < 0 {
		// /subscriptions and /subscriptions/{id}
		return "Microsoft.Resources", "subscriptions/" + verb, paceKey, lim
	}
	service = segs[provider+1]
	var types []string
	for i := provider + 2; i < len(segs); i += 2 {
		types = append(types, segs[i])
	}
	if strings.EqualFold(service, "Microsoft.ResourceGraph") {
		paceKey, lim = "graph", graphLimit
	}
	return service, strings.Join(append(types, verb), "/"), paceKey, lim
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
