package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
)

// The Key Vault data plane: each vault is served at
// https://<name>.vault.localhost:<port>/. Like Key Vault, a request
// without a token gets 401 with a challenge naming the resource to get a
// token for, which the SDK checks against the vault's host.

func (s *Server) serveVault(c *azureCall, name string) {
	c.data = true
	c.Service, c.Operation = "Microsoft.KeyVault", "vaults/keys/write"
	segs := strings.Split(strings.Trim(c.r.URL.Path, "/"), "/")
	route := len(segs) == 3 && segs[0] == "keys" && strings.EqualFold(segs[2], "rotationpolicy")
	if c.r.Method == http.MethodGet {
		c.Operation = "vaults/keys/read"
		if route {
			c.Operation = "vaults/keyrotationpolicies/read"
		}
	}
	sub, vault := s.findVault(name)
	if sub != nil {
		c.Sub = sub.ID
	}
	switch {
	case c.r.Method != http.MethodGet:
		c.Fail(http.StatusForbidden, "Forbidden", "cloudsim is read-only: "+c.Action()+" is refused")
		return
	case vault == nil:
		c.Fail(http.StatusNotFound, "VaultNotFound", "no vault "+name)
		return
	}
	if c.r.Header.Get("Authorization") == "" {
		c.w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://login.localhost/%s", resource="https://%s:%s"`,
			s.world.Azure.Tenant, vaultDomain, s.azurePort))
		c.Fail(http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
		return
	}
	if !s.authenticateAzure(c) {
		return
	}
	if vault.Firewall {
		c.failInner(http.StatusForbidden, "Forbidden", "ForbiddenByFirewall", fmt.Sprintf(
			"Client address is not authorized and caller is not a trusted service.\r\nClient address: 127.0.0.1\r\nCaller: oid=%s\r\nVault: %s;location=%s",
			c.Principal, vault.Name, vault.Location))
		return
	}
	if s.injectAzure(c) {
		return
	}
	if !route {
		c.Fail(http.StatusBadRequest, "BadParameter", "cloudsim does not simulate "+c.r.URL.Path)
		return
	}
	for _, k := range vault.Keys {
		if strings.EqualFold(k.Name, segs[1]) {
			c.JSON(rotationPolicyJSON(s.vaultURI(vault.Name)+"keys/"+k.Name, k))
			return
		}
	}
	c.Fail(http.StatusNotFound, "KeyNotFound", fmt.Sprintf("A key with (name/id) %s was not found in this key vault.", segs[1]))
}

// denyVault answers Key Vault's refusal of an RBAC data action.
func (c *azureCall) denyVault(action string) {
	c.failInner(http.StatusForbidden, "Forbidden", "ForbiddenByRbac", fmt.Sprintf(
		"Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: oid=%s\r\nAction: '%s'\r\nResource: '%s'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'",
		c.Principal, action, c.r.Host))
}

// findVault returns the vault served under name, and its subscription.
func (s *Server) findVault(name string) (*Subscription, *Vault) {
	for _, sub := range s.world.Azure.Subscriptions {
		for _, v := range sub.Vaults {
			if strings.EqualFold(v.Name, name) {
				return sub, v
			}
		}
	}
	return nil, nil
}

// rotationPolicyJSON is a key's rotation policy: its Rotate action when
// it has one, and the Notify action Key Vault gives every policy.
func rotationPolicyJSON(keyURI string, k *VaultKey) map[string]any {
	actions := []any{}
	attrs := map[string]any{"created": 1700000000, "updated": 1700000000}
	if r := k.Rotation; r != nil {
		trigger := map[string]string{}
		if r.TimeAfterCreate != "" {
			trigger["timeAfterCreate"] = r.TimeAfterCreate
		}
		if r.TimeBeforeExpiry != "" {
			trigger["timeBeforeExpiry"] = r.TimeBeforeExpiry
		}
		actions = append(actions, map[string]any{"trigger": trigger, "action": map[string]string{"type": "Rotate"}})
		if r.ExpiryTime != "" {
			attrs["expiryTime"] = r.ExpiryTime
		}
	}
	actions = append(actions, map[string]any{"trigger": map[string]string{"timeBeforeExpiry": "P30D"}, "action": map[string]string{"type": "Notify"}})
	return map[string]any{"id": keyURI + "/rotationpolicy", "lifetimeActions": actions, "attributes": attrs}
}
