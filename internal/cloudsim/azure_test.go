package cloudsim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

const azureWorld = `
azure:
  tenant: t-1
  tokens: {good-token: auditor}
  managedIdentity: {header: mi-secret, token: good-token}
  pageSize: 2
  hidden: [99999999-9999-4999-8999-999999999999]
  managementGroups:
    - {id: root, subscriptions: [11111111-1111-4111-8111-111111111111]}
    - {id: child, parent: root, subscriptions: [22222222-2222-4222-8222-222222222222, 99999999-9999-4999-8999-999999999999]}
  subscriptions:
    - id: 11111111-1111-4111-8111-111111111111
      name: one
      nsgs:
        - {name: a, resourceGroup: rg, location: westeurope, rules: [{name: ssh, priority: 100, protocol: Tcp, source: Internet, port: "22"}]}
        - {name: b, resourceGroup: rg, location: westeurope}
        - {name: c, resourceGroup: rg, location: westeurope}
      vaults:
        - {name: kv-one, resourceGroup: rg, location: westeurope, keys: [{name: k1, rotation: {timeAfterCreate: P90D}}, {name: k2}]}
        - {name: kv-walled, resourceGroup: rg, location: westeurope, firewall: true, keys: [{name: k3}]}
      roleAssignments:
        - {principal: p1, role: Owner}
        - {principal: p2, role: Reader, scope: resourceGroups/rg}
    - id: 22222222-2222-4222-8222-222222222222
      name: two
    - id: 99999999-9999-4999-8999-999999999999
      name: hidden
`

// azureClient trusts exactly the simulator's certificate, and dials the
// vaults' .localhost names at the loopback address.
func azureClient(t *testing.T, srv *Server) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CACert) {
		t.Fatal("the simulator's certificate is not PEM")
	}
	d := &net.Dialer{}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return d.DialContext(ctx, network, "127.0.0.1:"+port)
		},
	}}
}

type azureAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func azureDo(t *testing.T, c *http.Client, method, url, token string, body any) azureAnswer {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := azureAnswer{status: resp.StatusCode, header: resp.Header}
	_ = json.NewDecoder(resp.Body).Decode(&out.body)
	return out
}

func errorCodeOf(a azureAnswer) string {
	e, _ := a.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestAzureListsPageByNextLink(t *testing.T) {
	srv := startWorld(t, azureWorld)
	c := azureClient(t, srv)
	url := srv.AzureURL + "/providers/Microsoft.Management/managementGroups/root/descendants?api-version=2021-04-01"
	var names []string
	pages := 0
	for url != "" {
		a := azureDo(t, c, "GET", url, "good-token", nil)
		if a.status != 200 {
			t.Fatalf("GET %s = %d %v", url, a.status, a.body)
		}
		pages++
		for _, v := range a.body["value"].([]any) {
			names = append(names, v.(map[string]any)["name"].(string))
		}
		url, _ = a.body["nextLink"].(string)
	}
	if want := "11111111-1111-4111-8111-111111111111,child,22222222-2222-4222-8222-222222222222,99999999-9999-4999-8999-999999999999"; strings.Join(names, ",") != want || pages != 2 {
		t.Errorf("descendants = %v in %d pages, want %s in 2", names, pages, want)
	}
	// Listing leaves the hidden subscription out; reading it is refused.
	a := azureDo(t, c, "GET", srv.AzureURL+"/subscriptions?api-version=2022-12-01", "good-token", nil)
	if n := len(a.body["value"].([]any)); n != 2 {
		t.Errorf("listed %d subscriptions, want the 2 visible ones", n)
	}
	a = azureDo(t, c, "GET", srv.AzureURL+"/subscriptions/99999999-9999-4999-8999-999999999999?api-version=2022-12-01", "good-token", nil)
	if a.status != 403 || errorCodeOf(a) != "AuthorizationFailed" || !strings.Contains(fmt.Sprint(a.body), "perform action 'Microsoft.Resources/subscriptions/read'") {
		t.Errorf("reading a hidden subscription = %d %v, want 403 AuthorizationFailed naming the action", a.status, a.body)
	}
	if a.header.Get("x-ms-error-code") != "AuthorizationFailed" {
		t.Errorf("x-ms-error-code = %q", a.header.Get("x-ms-error-code"))
	}
}

func TestAzureRefusesWritesAndStrangers(t *testing.T) {
	srv := startWorld(t, azureWorld)
	c := azureClient(t, srv)
	nsg := srv.AzureURL + "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/a?api-version=2024-05-01"
	if a := azureDo(t, c, "PUT", nsg, "good-token", map[string]any{"location": "westeurope"}); a.status != 403 {
		t.Errorf("PUT = %d, want 403", a.status)
	}
	if w := srv.Writes(); len(w) != 1 || w[0].Action() != "Microsoft.Network/networkSecurityGroups/write" {
		t.Errorf("writes = %+v, want the PUT recorded as Microsoft.Network/networkSecurityGroups/write", w)
	}
	if a := azureDo(t, c, "GET", srv.AzureURL+"/subscriptions?api-version=2022-12-01", "", nil); a.status != 401 || errorCodeOf(a) != "AuthenticationFailed" {
		t.Errorf("no token = %d %s, want 401 AuthenticationFailed", a.status, errorCodeOf(a))
	}
	if a := azureDo(t, c, "GET", srv.AzureURL+"/subscriptions?api-version=2022-12-01", "forged", nil); a.status != 401 || errorCodeOf(a) != "InvalidAuthenticationToken" {
		t.Errorf("unknown token = %d %s, want 401 InvalidAuthenticationToken", a.status, errorCodeOf(a))
	}
	// Plain HTTP never reaches the Azure side.
	resp, err := http.Get(strings.Replace(srv.AzureURL, "https://", "http://", 1) + "/subscriptions")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("plain HTTP to the TLS address answered %d", resp.StatusCode)
		}
	}
}

func TestAzureResourceGraph(t *testing.T) {
	srv := startWorld(t, azureWorld)
	c := azureClient(t, srv)
	url := srv.AzureURL + "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"
	query := func(q string, subs []string, options map[string]any) azureAnswer {
		return azureDo(t, c, "POST", url, "good-token", map[string]any{"query": q, "subscriptions": subs, "options": options})
	}
	subs := []string{"11111111-1111-4111-8111-111111111111", "99999999-9999-4999-8999-999999999999"}
	q := "resources | where type =~ 'microsoft.network/networksecuritygroups' | order by id asc"
	var ids []string
	a := query(q, subs, map[string]any{"$top": 2, "resultFormat": "objectArray"})
	for {
		if a.status != 200 {
			t.Fatalf("query = %d %v", a.status, a.body)
		}
		for _, row := range a.body["data"].([]any) {
			r := row.(map[string]any)
			ids = append(ids, r["name"].(string))
			if r["subscriptionId"] != subs[0] || r["type"] != "microsoft.network/networksecuritygroups" {
				t.Errorf("row %v", r)
			}
		}
		tok, _ := a.body["$skipToken"].(string)
		if tok == "" {
			break
		}
		a = query(q, subs, map[string]any{"$skipToken": tok})
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("rows = %v, want a,b,c over two pages (the hidden subscription holds nothing the caller sees)", ids)
	}
	if a := query(q, subs[:1], map[string]any{"$skipToken": "bm90LWEtdG9rZW4"}); a.status != 400 {
		t.Errorf("a foreign skip token = %d, want 400", a.status)
	}
	if a := query("resources | project id", subs, nil); a.status != 400 || errorCodeOf(a) != "InvalidQuery" {
		t.Errorf("an unknown query shape = %d %s, want 400 InvalidQuery", a.status, errorCodeOf(a))
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	if a := query(q, many, nil); a.status != 400 {
		t.Errorf("1001 subscriptions = %d, want 400", a.status)
	}
	// The quota: 15 queries per 5 seconds, refused ones included; these
	// made 5.
	var last azureAnswer
	for range 11 {
		last = query(q, subs[:1], nil)
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" || last.header.Get("x-ms-user-quota-remaining") != "0" {
		t.Errorf("the 16th query in 5s = %d (Retry-After %q, remaining %q), want 429 with Retry-After and 0 remaining",
			last.status, last.header.Get("Retry-After"), last.header.Get("x-ms-user-quota-remaining"))
	}
}

func TestAzureKeyVaultChallengeAndFirewall(t *testing.T) {
	srv := startWorld(t, azureWorld)
	c := azureClient(t, srv)
	base := srv.vaultURI("kv-one")
	a := azureDo(t, c, "GET", base+"keys/k1/rotationpolicy?api-version=2025-07-01", "", nil)
	if a.status != 401 || !strings.Contains(a.header.Get("WWW-Authenticate"), `resource="https://vault.localhost:`) {
		t.Errorf("no token = %d %q, want 401 with a challenge naming the vault domain", a.status, a.header.Get("WWW-Authenticate"))
	}
	a = azureDo(t, c, "GET", base+"keys/k1/rotationpolicy?api-version=2025-07-01", "good-token", nil)
	actions, _ := a.body["lifetimeActions"].([]any)
	if a.status != 200 || len(actions) != 2 {
		t.Errorf("k1's policy = %d %v, want a Rotate and a Notify action", a.status, a.body)
	}
	a = azureDo(t, c, "GET", srv.vaultURI("kv-walled")+"keys/k3/rotationpolicy?api-version=2025-07-01", "good-token", nil)
	inner, _ := a.body["error"].(map[string]any)["innererror"].(map[string]any)
	if a.status != 403 || inner["code"] != "ForbiddenByFirewall" {
		t.Errorf("a firewalled vault = %d %v, want 403 ForbiddenByFirewall", a.status, a.body)
	}
	srv.SetFaults(Faults{AccessDenied: []Denial{{Action: "Microsoft.KeyVault/vaults/keyrotationpolicies/*"}}})
	a = azureDo(t, c, "GET", base+"keys/k2/rotationpolicy?api-version=2025-07-01", "good-token", nil)
	if a.status != 403 || !strings.Contains(fmt.Sprint(a.body), "Action: 'Microsoft.KeyVault/vaults/keyrotationpolicies/read'") {
		t.Errorf("a denied data action = %d %v, want 403 naming the action", a.status, a.body)
	}
	for _, r := range srv.Requests() {
		if r.Action() == "Microsoft.KeyVault/vaults/keyrotationpolicies/read" && !r.DataAction {
			t.Errorf("a data-plane request is not marked as a data action: %+v", r)
		}
	}
}

func TestAzureFaults(t *testing.T) {
	srv := startWorld(t, azureWorld)
	c := azureClient(t, srv)
	srv.SetFaults(Faults{AccessDenied: []Denial{{Account: "11111111-1111-4111-8111-111111111111", Action: "Microsoft.Authorization/*"}},
		FailFirstAttempts: 1, RetryAfter: 3 * time.Second})
	url := srv.AzureURL + "/subscriptions/11111111-1111-4111-8111-111111111111/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
	if a := azureDo(t, c, "GET", url, "good-token", nil); a.status != 403 || !strings.Contains(fmt.Sprint(a.body), "Microsoft.Authorization/roleAssignments/read") {
		t.Errorf("a denied action = %d %v, want 403 naming it", a.status, a.body)
	}
	req, _ := http.NewRequest("GET", srv.AzureURL+"/subscriptions/22222222-2222-4222-8222-222222222222?api-version=2022-12-01", nil)
	req.Header.Set("Authorization", "Bearer good-token")
	req.Header.Set("x-ms-client-request-id", "call-1")
	for attempt, want := range []int{429, 200} {
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("attempt %d = %d, want %d", attempt+1, resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After = %q, want 3", resp.Header.Get("Retry-After"))
		}
	}
}

func TestAzureManagedIdentityEndpoint(t *testing.T) {
	srv := startWorld(t, azureWorld)
	get := func(header string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", srv.ManagedIdentityURL+"?api-version=2019-08-01&resource=https://management.azure.com", nil)
		req.Header.Set("X-IDENTITY-HEADER", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, body := get("mi-secret"); code != 200 || body["access_token"] != "good-token" || body["token_type"] != "Bearer" {
		t.Errorf("token = %d %v", code, body)
	}
	if code, _ := get("wrong"); code != 400 {
		t.Errorf("a wrong identity header = %d, want 400", code)
	}
}
