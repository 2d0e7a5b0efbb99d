package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
)

// azureRoute is one Resource Manager operation the simulator answers:
// its method, its path (lower case; {x} matches one segment), and the
// RBAC action it needs.
type azureRoute struct {
	method, path, action string
	handle               func(c *azureCall, vars map[string]string)
}

var azureRoutes = []azureRoute{
	{"GET", "/subscriptions", "Microsoft.Resources/subscriptions/read", listSubscriptions},
	{"GET", "/subscriptions/{sub}", "Microsoft.Resources/subscriptions/read", getSubscription},
	{"GET", "/providers/microsoft.management/managementgroups/{group}/descendants", "Microsoft.Management/managementGroups/descendants/read", listDescendants},
	{"POST", "/providers/microsoft.resourcegraph/resources", "Microsoft.ResourceGraph/resources/read", queryGraph},
	{"GET", "/subscriptions/{sub}/providers/microsoft.authorization/roleassignments", "Microsoft.Authorization/roleAssignments/read", listRoleAssignments},
	{"GET", "/subscriptions/{sub}/providers/microsoft.authorization/roledefinitions", "Microsoft.Authorization/roleDefinitions/read", listRoleDefinitions},
	{"GET", "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.sql/servers/{server}/encryptionprotector/current", "Microsoft.Sql/servers/encryptionProtector/read", getEncryptionProtector},
	{"GET", "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.sql/servers/{server}/databases/{db}/transparentdataencryption/current", "Microsoft.Sql/servers/databases/transparentDataEncryption/read", getTDE},
	{"GET", "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.keyvault/vaults/{vault}/keys", "Microsoft.KeyVault/vaults/keys/read", listVaultKeys},
}

// route finds the request's operation and names its action in c. A
// request no route knows is still named by the action it would need
// (with /write for anything but a read), so a write is recorded as one.
func (s *Server) route(c *azureCall) func(*azureCall) {
	segs := strings.Split(strings.Trim(c.r.URL.Path, "/"), "/")
	for _, rt := range azureRoutes {
		want := strings.Split(strings.Trim(rt.path, "/"), "/")
		if rt.method != c.r.Method || len(want) != len(segs) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for i, w := range want {
			switch {
			case strings.HasPrefix(w, "{"):
				vars[strings.Trim(w, "{}")] = segs[i]
			case !strings.EqualFold(w, segs[i]):
				ok = false
			}
		}
		if !ok {
			continue
		}
		c.Service, c.Operation, _ = strings.Cut(rt.action, "/")
		c.Sub = vars["sub"]
		return func(c *azureCall) { rt.handle(c, vars) }
	}
	c.Service, c.Operation = genericAction(c.r.Method, segs)
	c.Sub = ""
	if len(segs) > 1 && strings.EqualFold(segs[0], "subscriptions") {
		c.Sub = segs[1]
	}
	return nil
}

// genericAction names the action a request would need: the provider
// namespace and the resource types along the path, then read for a GET
// and write otherwise.
func genericAction(method string, segs []string) (service, op string) {
	verb := "write"
	if method == http.MethodGet {
		verb = "read"
	}
	last := -1
	for i, s := range segs {
		if strings.EqualFold(s, "providers") && i+1 < len(segs) {
			last = i
		}
	}
	if last < 0 {
		return "Microsoft.Resources", "subscriptions/" + verb
	}
	var types []string
	for i := last + 2; i < len(segs); i += 2 {
		types = append(types, segs[i])
	}
	return segs[last+1], strings.Join(append(types, verb), "/")
}

func listSubscriptions(c *azureCall, _ map[string]string) {
	var items []any
	for _, s := range c.s.world.Azure.Subscriptions {
		if !c.s.world.Azure.hidden(s.ID) {
			items = append(items, subscriptionJSON(c, s))
		}
	}
	c.list(items)
}

func getSubscription(c *azureCall, vars map[string]string) {
	c.JSON(subscriptionJSON(c, c.s.world.Azure.Subscription(vars["sub"])))
}

func subscriptionJSON(c *azureCall, s *Subscription) map[string]any {
	state := s.State
	if state == "" {
		state = "Enabled"
	}
	return map[string]any{"id": "/subscriptions/" + s.ID, "subscriptionId": s.ID, "tenantId": c.s.world.Azure.Tenant,
		"displayName": s.Name, "state": state,
		"subscriptionPolicies": map[string]string{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}
}

// listDescendants lists a management group's groups and subscriptions at
// every depth, as Resource Manager does.
func listDescendants(c *azureCall, vars map[string]string) {
	w := &c.s.world.Azure
	var root *ManagementGroup
	for _, g := range w.ManagementGroups {
		if strings.EqualFold(g.ID, vars["group"]) {
			root = g
		}
	}
	if root == nil {
		c.AuthorizationFailed(c.Action(), "/providers/Microsoft.Management/managementGroups/"+vars["group"])
		return
	}
	var items []any
	var walk func(g *ManagementGroup)
	walk = func(g *ManagementGroup) {
		parent := map[string]string{"id": "/providers/Microsoft.Management/managementGroups/" + g.ID}
		for _, sub := range g.Subscriptions {
			name := sub
			if s := w.Subscription(sub); s != nil {
				name = s.Name
			}
			items = append(items, map[string]any{"id": "/subscriptions/" + sub, "type": "/subscriptions", "name": sub,
				"properties": map[string]any{"displayName": name, "parent": parent}})
		}
		for _, child := range w.ManagementGroups {
			if strings.EqualFold(child.Parent, g.ID) {
				items = append(items, map[string]any{"id": "/providers/Microsoft.Management/managementGroups/" + child.ID,
					"type": "Microsoft.Management/managementGroups", "name": child.ID,
					"properties": map[string]any{"displayName": child.Name, "parent": parent}})
				walk(child)
			}
		}
	}
	walk(root)
	c.list(items)
}

// roleDefinitionID is the id of a role in a subscription: a built-in
// role's GUID, or one of the subscription's custom roles.
func roleDefinitionID(sub, role string) string {
	if id, ok := builtinRoles[role]; ok {
		role = id
	}
	return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role
}

// assignmentScope is where an assignment applies.
func assignmentScope(sub, scope string) string {
	switch {
	case scope == "":
		return "/subscriptions/" + sub
	case strings.HasPrefix(scope, "/"):
		return scope
	}
	return "/subscriptions/" + sub + "/" + scope
}

func listRoleAssignments(c *azureCall, vars map[string]string) {
	s := c.s.world.Azure.Subscription(vars["sub"])
	atScope := strings.Contains(c.r.URL.Query().Get("$filter"), "atScope()")
	var items []any
	for i, a := range s.RoleAssignments {
		scope := assignmentScope(s.ID, a.Scope)
		if atScope && strings.Contains(strings.ToLower(scope), "/resourcegroups/") {
			continue
		}
		kind := a.PrincipalType
		if kind == "" {
			kind = "User"
		}
		name := fmt.Sprintf("%08x-0000-4000-8000-%012x", i+1, len(s.ID))
		props := map[string]any{"roleDefinitionId": roleDefinitionID(s.ID, a.Role), "principalId": a.Principal,
			"principalType": kind, "scope": scope}
		if a.Condition != "" {
			props["condition"], props["conditionVersion"] = a.Condition, "2.0"
		}
		items = append(items, map[string]any{"id": scope + "/providers/Microsoft.Authorization/roleAssignments/" + name,
			"name": name, "type": "Microsoft.Authorization/roleAssignments", "properties": props})
	}
	c.list(items)
}

// listRoleDefinitions lists the subscription's custom roles; the only
// filter it takes is the one for them, so a scan cannot ask for more
// than it reads.
func listRoleDefinitions(c *azureCall, vars map[string]string) {
	if f := c.r.URL.Query().Get("$filter"); f != "type eq 'CustomRole'" {
		c.Fail(http.StatusBadRequest, "InvalidFilter", fmt.Sprintf("cloudsim lists custom roles only ($filter=type eq 'CustomRole'), not %q", f))
		return
	}
	s := c.s.world.Azure.Subscription(vars["sub"])
	var items []any
	for _, d := range s.RoleDefinitions {
		perm := map[string]any{"actions": orEmpty(d.Actions), "notActions": orEmpty(d.NotActions),
			"dataActions": orEmpty(d.DataActions), "notDataActions": []string{}}
		items = append(items, map[string]any{"id": roleDefinitionID(s.ID, d.Name), "name": d.Name,
			"type": "Microsoft.Authorization/roleDefinitions",
			"properties": map[string]any{"roleName": d.RoleName, "type": "CustomRole", "description": "",
				"assignableScopes": []string{"/subscriptions/" + s.ID}, "permissions": []any{perm}}})
	}
	c.list(items)
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// findSQL returns the SQL server the request names, or answers
// ResourceNotFound.
func findSQL(c *azureCall, vars map[string]string) *SQLServer {
	for _, srv := range c.s.world.Azure.Subscription(vars["sub"]).SQLServers {
		if strings.EqualFold(srv.Name, vars["server"]) && strings.EqualFold(srv.ResourceGroup, vars["rg"]) {
			return srv
		}
	}
	c.Fail(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.Sql/servers/%s' under resource group '%s' was not found.", vars["server"], vars["rg"]))
	return nil
}

func getEncryptionProtector(c *azureCall, vars map[string]string) {
	srv := findSQL(c, vars)
	if srv == nil {
		return
	}
	kind := srv.KeyType
	if kind == "" {
		kind = "ServiceManaged"
	}
	id := azureID(vars["sub"], srv.ResourceGroup, "Microsoft.Sql/servers", srv.Name) + "/encryptionProtector/current"
	c.JSON(map[string]any{"id": id, "name": "current", "type": "Microsoft.Sql/servers/encryptionProtector", "kind": strings.ToLower(kind),
		"properties": map[string]any{"serverKeyName": "ServiceManaged", "serverKeyType": kind}})
}

func getTDE(c *azureCall, vars map[string]string) {
	srv := findSQL(c, vars)
	if srv == nil {
		return
	}
	for _, db := range sqlDatabases(srv) {
		if strings.EqualFold(db.Name, vars["db"]) {
			state := db.TDE
			if state == "" {
				state = "Enabled"
			}
			id := azureID(vars["sub"], srv.ResourceGroup, "Microsoft.Sql/servers", srv.Name) + "/databases/" + db.Name + "/transparentDataEncryption/Current"
			c.JSON(map[string]any{"id": id, "name": "Current", "type": "Microsoft.Sql/servers/databases/transparentDataEncryption",
				"properties": map[string]any{"state": state}})
			return
		}
	}
	c.Fail(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The requested resource of type 'Microsoft.Sql/servers/databases' with name '%s' was not found.", vars["db"]))
}

// sqlDatabases are a server's databases with the system database master,
// which every logical server has.
func sqlDatabases(srv *SQLServer) []*SQLDatabase {
	return append([]*SQLDatabase{{Name: "master"}}, srv.Databases...)
}

func listVaultKeys(c *azureCall, vars map[string]string) {
	for _, v := range c.s.world.Azure.Subscription(vars["sub"]).Vaults {
		if !strings.EqualFold(v.Name, vars["vault"]) || !strings.EqualFold(v.ResourceGroup, vars["rg"]) {
			continue
		}
		var items []any
		for _, k := range v.Keys {
			items = append(items, vaultKeyJSON(c, vars["sub"], v, k))
		}
		c.list(items)
		return
	}
	c.Fail(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.KeyVault/vaults/%s' under resource group '%s' was not found.", vars["vault"], vars["rg"]))
}

func vaultKeyJSON(c *azureCall, sub string, v *Vault, k *VaultKey) map[string]any {
	kty := k.Kty
	if kty == "" {
		kty = "RSA"
	}
	uri := c.s.vaultURI(v.Name) + "keys/" + k.Name
	return map[string]any{"id": azureID(sub, v.ResourceGroup, "Microsoft.KeyVault/vaults", v.Name) + "/keys/" + k.Name,
		"name": k.Name, "type": "Microsoft.KeyVault/vaults/keys", "location": v.Location,
		"properties": map[string]any{"kty": kty, "keyUri": uri, "keyUriWithVersion": uri + "/0123456789abcdef0123456789abcdef",
			"attributes": map[string]any{"enabled": !k.Disabled, "created": 1700000000, "updated": 1700000000}}}
}

// azureID is a resource's id.
func azureID(sub, rg, typ, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", sub, rg, typ, name)
}

// vaultURI is where the simulator serves a vault's data plane.
func (s *Server) vaultURI(name string) string {
	return fmt.Sprintf("https://%s.%s:%s/", strings.ToLower(name), vaultDomain, s.azurePort)
}
