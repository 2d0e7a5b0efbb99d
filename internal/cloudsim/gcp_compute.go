package cloudsim

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
)

// Compute Engine REST (compute/v1): firewalls and networks lists, and
// the aggregated lists of instances, disks and SSL policies.

const gcpComputeBase = "https://www.googleapis.com/compute/v1/"

// gcpNumericID is a stable numeric id for a named resource, as Compute
// gives every resource one.
func gcpNumericID(parts ...string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(parts, "/")))
	return fmt.Sprint(h.Sum64() >> 1)
}

func (c *gcpCall) selfLink(path string) string {
	return gcpComputeBase + "projects/" + c.Project.ID + "/" + path
}

func gcpFirewallsList(c *gcpCall) {
	items := make([]map[string]any, 0, len(c.Project.Firewalls))
	for _, f := range c.Project.Firewalls {
		network := f.Network
		if network == "" {
			network = "default"
		}
		fw := map[string]any{
			"kind":     "compute#firewall",
			"id":       gcpNumericID(c.Project.ID, "firewall", f.Name),
			"name":     f.Name,
			"network":  c.selfLink("global/networks/" + network),
			"selfLink": c.selfLink("global/firewalls/" + f.Name),
			// The API always answers these, with their defaults.
			"direction": "INGRESS",
			"priority":  1000,
			"disabled":  f.Disabled,
			"logConfig": map[string]any{"enable": false},
		}
		if f.Direction != "" {
			fw["direction"] = f.Direction
		}
		if f.Priority != nil {
			fw["priority"] = *f.Priority
		}
		for key, list := range map[string][]string{
			"sourceRanges": f.SourceRanges, "destinationRanges": f.DestinationRanges,
			"sourceTags": f.SourceTags, "sourceServiceAccounts": f.SourceServiceAccounts,
			"targetTags": f.TargetTags, "targetServiceAccounts": f.TargetServiceAccounts,
		} {
			if len(list) > 0 {
				fw[key] = list
			}
		}
		if len(f.Allowed) > 0 {
			fw["allowed"] = gcpFirewallEntries(f.Allowed)
		}
		if len(f.Denied) > 0 {
			fw["denied"] = gcpFirewallEntries(f.Denied)
		}
		items = append(items, fw)
	}
	gcpList(c, items, "items", gcpComputePaging, map[string]any{"kind": "compute#firewallList", "id": "projects/" + c.Project.ID + "/global/firewalls"})
}

func gcpFirewallEntries(rules []GCPFirewallRule) []map[string]any {
	out := make([]map[string]any, len(rules))
	for i, r := range rules {
		e := map[string]any{"IPProtocol": r.Protocol}
		if len(r.Ports) > 0 {
			e["ports"] = r.Ports
		}
		out[i] = e
	}
	return out
}

func gcpNetworksList(c *gcpCall) {
	items := make([]map[string]any, 0, len(c.Project.Networks))
	for _, n := range c.Project.Networks {
		items = append(items, map[string]any{
			"kind": "compute#network", "id": gcpNumericID(c.Project.ID, "network", n.Name), "name": n.Name,
			"autoCreateSubnetworks": n.AutoCreateSubnetworks, "selfLink": c.selfLink("global/networks/" + n.Name),
		})
	}
	gcpList(c, items, "items", gcpComputePaging, map[string]any{"kind": "compute#networkList"})
}

// gcpScoped is one item of an aggregated list and the scope it is in
// ("zones/europe-west3-a", "regions/europe-west3", "global").
type gcpScoped struct {
	scope string
	item  map[string]any
}

// gcpAggregated answers an aggregated list: the items of the page grouped
// by scope under field, and, on the last page, a NO_RESULTS_ON_PAGE
// warning for each known scope without items, as Compute sends for every
// zone or region that has none.
func gcpAggregated(c *gcpCall, kind, field string, items []gcpScoped, emptyScopes []string) {
	sort.SliceStable(items, func(i, j int) bool { return items[i].scope < items[j].scope })
	lo, hi, next, ok := c.Page(len(items), gcpComputePaging)
	if !ok {
		return
	}
	scopes := map[string]any{}
	for _, it := range items[lo:hi] {
		s, _ := scopes[it.scope].(map[string]any)
		if s == nil {
			s = map[string]any{field: []map[string]any{}}
			scopes[it.scope] = s
		}
		s[field] = append(s[field].([]map[string]any), it.item)
	}
	if next == "" {
		have := map[string]bool{}
		for _, it := range items {
			have[it.scope] = true
		}
		for _, sc := range emptyScopes {
			if have[sc] {
				continue
			}
			scopes[sc] = map[string]any{"warning": map[string]any{
				"code":    "NO_RESULTS_ON_PAGE",
				"message": fmt.Sprintf("There are no results for scope '%s' on this page.", sc),
				"data":    []map[string]string{{"key": "scope", "value": sc}},
			}}
		}
	}
	out := map[string]any{"kind": kind, "id": "projects/" + c.Project.ID + "/aggregated/" + field, "items": scopes}
	if next != "" {
		out["nextPageToken"] = next
	}
	if len(c.Project.Unreachable) > 0 {
		out["unreachables"] = c.Project.Unreachable
	}
	c.JSON(out)
}

// gcpQuietZones are zones that hold nothing in any world, answered with a
// warning in aggregated lists the way Compute answers every empty zone.
var gcpQuietZones = []string{"zones/us-central1-a", "zones/asia-east1-b"}

func gcpInstancesAggregated(c *gcpCall) {
	var items []gcpScoped
	for _, i := range c.Project.Instances {
		status := i.Status
		if status == "" {
			status = "RUNNING"
		}
		inst := map[string]any{
			"kind": "compute#instance", "id": i.ID, "name": i.Name, "status": status,
			"zone":     c.selfLink("zones/" + i.Zone),
			"selfLink": c.selfLink("zones/" + i.Zone + "/instances/" + i.Name),
		}
		if len(i.Labels) > 0 {
			inst["labels"] = i.Labels
		}
		items = append(items, gcpScoped{"zones/" + i.Zone, inst})
	}
	gcpAggregated(c, "compute#instanceAggregatedList", "instances", items, gcpQuietZones)
}

func gcpDisksAggregated(c *gcpCall) {
	var items []gcpScoped
	for _, d := range c.Project.Disks {
		disk := map[string]any{"kind": "compute#disk", "id": gcpNumericID(c.Project.ID, "disk", d.Zone, d.Region, d.Name), "name": d.Name, "status": "READY", "sizeGb": "10"}
		scope := "zones/" + d.Zone
		if d.Region != "" {
			scope = "regions/" + d.Region
			disk["region"] = c.selfLink(scope)
		} else {
			disk["zone"] = c.selfLink(scope)
		}
		disk["selfLink"] = c.selfLink(scope + "/disks/" + d.Name)
		switch {
		case d.KMSKeyName != "":
			disk["diskEncryptionKey"] = map[string]any{"kmsKeyName": d.KMSKeyName + "/cryptoKeyVersions/1"}
		case d.CSEK:
			disk["diskEncryptionKey"] = map[string]any{"sha256": "ZMRQAHl8bzWZTcKOtzn1lw0fWAj3C6xiXjpL8WztbLQ="}
		}
		var users []string
		for _, u := range d.Users {
			users = append(users, c.selfLink("zones/"+d.Zone+"/instances/"+u))
		}
		if len(users) > 0 {
			disk["users"] = users
		}
		if len(d.Labels) > 0 {
			disk["labels"] = d.Labels
		}
		items = append(items, gcpScoped{scope, disk})
	}
	gcpAggregated(c, "compute#diskAggregatedList", "disks", items, gcpQuietZones)
}

func gcpSSLPoliciesAggregated(c *gcpCall) {
	var items []gcpScoped
	for _, p := range c.Project.SSLPolicies {
		profile := p.Profile
		if profile == "" {
			profile = "COMPATIBLE"
		}
		pol := map[string]any{"kind": "compute#sslPolicy", "id": gcpNumericID(c.Project.ID, "sslPolicy", p.Region, p.Name), "name": p.Name,
			"profile": profile, "minTlsVersion": p.MinTLSVersion}
		scope := "global"
		if p.Region != "" {
			scope = "regions/" + p.Region
			pol["region"] = c.selfLink(scope)
			pol["selfLink"] = c.selfLink(scope + "/sslPolicies/" + p.Name)
		} else {
			pol["selfLink"] = c.selfLink("global/sslPolicies/" + p.Name)
		}
		items = append(items, gcpScoped{scope, pol})
	}
	gcpAggregated(c, "compute#sslPoliciesAggregatedList", "sslPolicies", items, []string{"global", "regions/us-central1"})
}
