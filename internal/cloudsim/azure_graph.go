package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Resource Graph's limits, which the simulator enforces: at most 1000
// subscriptions a query, at most 1000 rows a page, and about 15 queries
// per 5 seconds per caller (x-ms-user-quota-remaining counts down).
const (
	graphMaxSubscriptions = 1000
	graphMaxTop           = 1000
	graphQuota            = 15
	graphQuotaWindow      = 5 * time.Second
)

// graphQuery is the one query shape the simulator understands: every row
// of a table whose type is one of a list. Anything else is refused, so a
// scanner cannot believe a query of another shape was answered.
var graphQuery = regexp.MustCompile(`(?i)^\s*(resources|patchassessmentresources)\s*\|\s*where\s+type\s*(?:=~\s*'([^']*)'|in~\s*\(([^)]*)\))\s*(?:\|\s*order\s+by\s+id\s+asc\s*)?$`)

// graphTypeReads are the read actions the rows of each type need: the
// graph returns only the rows the caller may read.
var graphTypeReads = map[string]string{
	"microsoft.network/networksecuritygroups":                  "Microsoft.Network/networkSecurityGroups/read",
	"microsoft.compute/virtualmachines":                        "Microsoft.Compute/virtualMachines/read",
	"microsoft.compute/disks":                                  "Microsoft.Compute/disks/read",
	"microsoft.storage/storageaccounts":                        "Microsoft.Storage/storageAccounts/read",
	"microsoft.sql/servers":                                    "Microsoft.Sql/servers/read",
	"microsoft.sql/servers/databases":                          "Microsoft.Sql/servers/databases/read",
	"microsoft.keyvault/vaults":                                "Microsoft.KeyVault/vaults/read",
	"microsoft.containerservice/managedclusters":               "Microsoft.ContainerService/managedClusters/read",
	"microsoft.compute/virtualmachines/patchassessmentresults": "Microsoft.Compute/virtualMachines/patchAssessmentResults/latest/read",
}

type graphRequest struct {
	Subscriptions []string `json:"subscriptions"`
	Query         string   `json:"query"`
	Options       struct {
		Top          *int   `json:"$top"`
		Skip         int    `json:"$skip"`
		SkipToken    string `json:"$skipToken"`
		ResultFormat string `json:"resultFormat"`
	} `json:"options"`
}

// queryGraph answers POST /providers/Microsoft.ResourceGraph/resources.
func queryGraph(c *azureCall, _ map[string]string) {
	var req graphRequest
	if err := json.Unmarshal(c.Body, &req); err != nil {
		c.Fail(http.StatusBadRequest, "BadRequest", "the request body is not a query request: "+err.Error())
		return
	}
	if !c.s.graphQuota(c) {
		return
	}
	m := graphQuery.FindStringSubmatch(req.Query)
	switch {
	case m == nil:
		c.Fail(http.StatusBadRequest, "InvalidQuery", "cloudsim answers only `<table> | where type =~ '<type>'` or `type in~ (...)`, optionally `| order by id asc`; got: "+req.Query)
		return
	case len(req.Subscriptions) == 0:
		c.Fail(http.StatusBadRequest, "BadRequest", "the query names no subscriptions")
		return
	case len(req.Subscriptions) > graphMaxSubscriptions:
		c.Fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("a query may name at most %d subscriptions, not %d", graphMaxSubscriptions, len(req.Subscriptions)))
		return
	case req.Options.ResultFormat != "" && !strings.EqualFold(req.Options.ResultFormat, "objectArray"):
		c.Fail(http.StatusBadRequest, "BadRequest", "cloudsim answers resultFormat objectArray only")
		return
	}
	table := strings.ToLower(m[1])
	types := map[string]bool{}
	if m[2] != "" {
		types[strings.ToLower(m[2])] = true
	}
	for _, t := range strings.Split(m[3], ",") {
		if t = strings.Trim(strings.TrimSpace(t), "'"); t != "" {
			types[strings.ToLower(t)] = true
		}
	}
	for t := range types {
		if read, ok := graphTypeReads[t]; ok {
			c.Reads = append(c.Reads, read)
		}
	}
	key := fmt.Sprintf("%s|%s", req.Query, strings.Join(req.Subscriptions, ","))
	// A query's later pages read the rows its first page selected, sorted
	// and encoded: building them again for every page would cost a large
	// estate's simulator more than the scanner it serves.
	c.s.mu.Lock()
	rows, cached := c.s.graphResults[key]
	c.s.mu.Unlock()
	if !cached || req.Options.SkipToken == "" {
		rows = nil
		for _, id := range req.Subscriptions {
			s := c.s.world.Azure.Subscription(id)
			if s == nil || c.s.world.Azure.hidden(id) {
				continue // the graph leaves out what the caller cannot read
			}
			want := func(t string) bool { return types[t] && !c.s.graphDenied(s.ID, t) }
			for _, row := range c.s.graphRows(s, table, want) {
				raw, err := json.Marshal(row)
				if err != nil {
					c.Fail(http.StatusInternalServerError, "InternalServerError", err.Error())
					return
				}
				rows = append(rows, graphResult{id: strings.ToLower(fmt.Sprint(row["id"])), raw: raw})
			}
		}
		slices.SortStableFunc(rows, func(a, b graphResult) int { return strings.Compare(a.id, b.id) })
		c.s.mu.Lock()
		c.s.graphResults[key] = rows
		c.s.mu.Unlock()
	}
	top := graphMaxTop
	if req.Options.Top != nil {
		top = *req.Options.Top
		if top < 1 || top > graphMaxTop {
			c.Fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("$top must be between 1 and %d", graphMaxTop))
			return
		}
	}
	lo := req.Options.Skip
	if req.Options.SkipToken != "" {
		off, size, ok := decodeGraphPage(key, req.Options.SkipToken)
		if !ok || off > len(rows) {
			c.Fail(http.StatusBadRequest, "InvalidSkipToken", "the $skipToken does not belong to this query and these scopes")
			return
		}
		lo, top = off, size
	}
	lo = min(lo, len(rows))
	hi := min(lo+top, len(rows))
	page := map[string]any{"totalRecords": len(rows), "count": hi - lo, "resultTruncated": "false",
		"data": graphData(rows[lo:hi]), "facets": []any{}}
	if hi < len(rows) {
		page["$skipToken"] = graphToken(key, hi) + "." + strconv.Itoa(top)
	}
	c.JSON(page)
}

// graphResult is one row of a query's answer, encoded, with the id it is
// sorted by (lower case).
type graphResult struct {
	id  string
	raw json.RawMessage
}

// graphData is the data array of a page.
func graphData(rows []graphResult) []json.RawMessage {
	out := make([]json.RawMessage, len(rows))
	for i, r := range rows {
		out[i] = r.raw
	}
	return out
}

// decodeGraphPage reads a skip token: the next offset and the page size
// the first request asked for.
func decodeGraphPage(key, token string) (offset, size int, ok bool) {
	tok, n, found := strings.Cut(token, ".")
	size, err := strconv.Atoi(n)
	if !found || err != nil || size < 1 {
		return 0, 0, false
	}
	offset, ok = decodeGraphToken(key, tok)
	return offset, size, ok
}

// graphQuota holds the caller to graphQuota queries per window, and says
// how many are left, as Resource Graph's headers do.
func (s *Server) graphQuota(c *azureCall) bool {
	now := time.Now()
	s.mu.Lock()
	var kept []time.Time
	for _, t := range s.graphCalls[c.Principal] {
		if now.Sub(t) < graphQuotaWindow {
			kept = append(kept, t)
		}
	}
	allowed := len(kept) < graphQuota
	if allowed {
		kept = append(kept, now)
	}
	s.graphCalls[c.Principal] = kept
	left := graphQuota - len(kept)
	resets := graphQuotaWindow - now.Sub(kept[0])
	s.mu.Unlock()
	c.w.Header().Set("x-ms-user-quota-remaining", strconv.Itoa(left))
	c.w.Header().Set("x-ms-user-quota-resets-after", fmt.Sprintf("00:00:%02d", int(resets.Seconds()+0.999)))
	if !allowed {
		c.w.Header().Set("Retry-After", strconv.Itoa(int(resets.Seconds()+0.999)))
		c.Fail(http.StatusTooManyRequests, "RateLimiting", "Please provide below info when asking for support: the request was throttled: more than 15 queries in 5 seconds")
	}
	return allowed
}

// graphDenied reports whether a denial fault takes the rows of a type
// out of the caller's view in a subscription.
func (s *Server) graphDenied(sub, typ string) bool {
	for _, d := range s.faultState().f.AccessDenied {
		if (d.Account == "" || strings.EqualFold(d.Account, sub)) && rbacMatch(d.Action, graphTypeReads[typ]) {
			return true
		}
	}
	return false
}

// graphRows are a subscription's rows in a table, each as Resource
// Manager renders the resource plus the graph's own columns.
func (s *Server) graphRows(sub *Subscription, table string, want func(typ string) bool) []map[string]any {
	var out []map[string]any
	// A row is built only when the query wants its type: building every
	// row of a large subscription for each query would cost more than the
	// scan it serves.
	add := func(r AzureResource, typ string, build func() map[string]any) {
		if !want(strings.ToLower(typ)) {
			return
		}
		body := build()
		row := map[string]any{"type": strings.ToLower(typ), "name": r.Name, "location": r.Location,
			"resourceGroup": strings.ToLower(r.ResourceGroup), "subscriptionId": sub.ID, "tenantId": s.world.Azure.Tenant,
			"tags": tagsOrEmpty(r.Tags)}
		for k, v := range body {
			row[k] = v
		}
		out = append(out, row)
	}
	if table == "patchassessmentresources" {
		for _, vm := range sub.VMs {
			if a := vm.Assessment; a != nil {
				add(vm.AzureResource, "microsoft.compute/virtualmachines/patchassessmentresults", func() map[string]any { return assessmentJSON(sub.ID, vm) })
			}
		}
		return out
	}
	for _, n := range sub.NSGs {
		add(n.AzureResource, "Microsoft.Network/networkSecurityGroups", func() map[string]any { return nsgJSON(sub.ID, n) })
	}
	for _, vm := range sub.VMs {
		add(vm.AzureResource, "Microsoft.Compute/virtualMachines", func() map[string]any { return vmJSON(sub.ID, vm) })
	}
	for _, d := range sub.Disks {
		add(d.AzureResource, "Microsoft.Compute/disks", func() map[string]any { return diskJSON(sub.ID, d) })
	}
	for _, a := range sub.StorageAccounts {
		add(a.AzureResource, "Microsoft.Storage/storageAccounts", func() map[string]any { return storageJSON(sub.ID, a) })
	}
	for _, srv := range sub.SQLServers {
		add(srv.AzureResource, "Microsoft.Sql/servers", func() map[string]any { return sqlServerJSON(sub.ID, srv) })
		for _, db := range sqlDatabases(srv) {
			r := srv.AzureResource
			r.Name = srv.Name + "/" + db.Name
			add(r, "Microsoft.Sql/servers/databases", func() map[string]any {
				return map[string]any{
					"id":         azureID(sub.ID, srv.ResourceGroup, "Microsoft.Sql/servers", srv.Name) + "/databases/" + db.Name,
					"name":       db.Name,
					"properties": map[string]any{"status": "Online", "collation": "SQL_Latin1_General_CP1_CI_AS"}}
			})
		}
	}
	for _, v := range sub.Vaults {
		add(v.AzureResource, "Microsoft.KeyVault/vaults", func() map[string]any {
			return map[string]any{
				"id": azureID(sub.ID, v.ResourceGroup, "Microsoft.KeyVault/vaults", v.Name),
				"properties": map[string]any{"vaultUri": s.vaultURI(v.Name), "tenantId": s.world.Azure.Tenant,
					"enableRbacAuthorization": true, "sku": map[string]string{"family": "A", "name": "standard"}}}
		})
	}
	for _, k := range sub.AKSClusters {
		add(k.AzureResource, "Microsoft.ContainerService/managedClusters", func() map[string]any { return aksJSON(sub.ID, k) })
	}
	return out
}

func tagsOrEmpty(t Tags) map[string]string {
	if t == nil {
		return map[string]string{}
	}
	return t
}

// defaultNSGRules are the rules Azure puts in every NSG.
var defaultNSGRules = []struct {
	name, direction, access, source, destination string
	priority                                     int
}{
	{"AllowVnetInBound", "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", 65000},
	{"AllowAzureLoadBalancerInBound", "Inbound", "Allow", "AzureLoadBalancer", "*", 65001},
	{"DenyAllInBound", "Inbound", "Deny", "*", "*", 65500},
	{"AllowVnetOutBound", "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", 65000},
	{"AllowInternetOutBound", "Outbound", "Allow", "*", "Internet", 65001},
	{"DenyAllOutBound", "Outbound", "Deny", "*", "*", 65500},
}

func nsgJSON(sub string, n *NSG) map[string]any {
	id := azureID(sub, n.ResourceGroup, "Microsoft.Network/networkSecurityGroups", n.Name)
	rule := func(kind, name string, props map[string]any) map[string]any {
		props["provisioningState"] = "Succeeded"
		return map[string]any{"id": id + "/" + kind + "/" + name, "name": name,
			"type": "Microsoft.Network/networkSecurityGroups/" + kind, "properties": props}
	}
	custom := []any{}
	for _, r := range n.Rules {
		p := map[string]any{"priority": r.Priority, "direction": or(r.Direction, "Inbound"), "access": or(r.Access, "Allow"),
			"protocol": or(r.Protocol, "*"), "sourcePortRange": "*", "destinationAddressPrefix": "*",
			"sourceAddressPrefixes": orEmpty(r.Sources), "destinationPortRanges": orEmpty(r.Ports),
			"destinationAddressPrefixes": []string{}, "sourcePortRanges": []string{}}
		if r.Source != "" || len(r.Sources) == 0 && len(r.SourceGroups) == 0 {
			p["sourceAddressPrefix"] = or(r.Source, "*")
		}
		if r.Port != "" || len(r.Ports) == 0 {
			p["destinationPortRange"] = or(r.Port, "*")
		}
		if len(r.SourceGroups) > 0 {
			var groups []any
			for _, g := range r.SourceGroups {
				groups = append(groups, map[string]string{"id": azureID(sub, n.ResourceGroup, "Microsoft.Network/applicationSecurityGroups", g)})
			}
			p["sourceApplicationSecurityGroups"] = groups
		}
		custom = append(custom, rule("securityRules", r.Name, p))
	}
	defaults := []any{}
	for _, d := range defaultNSGRules {
		defaults = append(defaults, rule("defaultSecurityRules", d.name, map[string]any{
			"priority": d.priority, "direction": d.direction, "access": d.access, "protocol": "*",
			"sourceAddressPrefix": d.source, "destinationAddressPrefix": d.destination,
			"sourcePortRange": "*", "destinationPortRange": "*", "description": "default rule",
			"sourceAddressPrefixes": []string{}, "destinationAddressPrefixes": []string{},
			"sourcePortRanges": []string{}, "destinationPortRanges": []string{}}))
	}
	props := map[string]any{"securityRules": custom, "defaultSecurityRules": defaults, "provisioningState": "Succeeded",
		"resourceGuid": "00000000-0000-4000-8000-000000000000"}
	var nics, subnets []any
	for _, ni := range n.Interfaces {
		nics = append(nics, map[string]string{"id": azureID(sub, n.ResourceGroup, "Microsoft.Network/networkInterfaces", ni)})
	}
	for _, sn := range n.Subnets {
		vnet, subnet, _ := strings.Cut(sn, "/")
		subnets = append(subnets, map[string]string{"id": azureID(sub, n.ResourceGroup, "Microsoft.Network/virtualNetworks", vnet) + "/subnets/" + subnet})
	}
	if nics != nil {
		props["networkInterfaces"] = nics
	}
	if subnets != nil {
		props["subnets"] = subnets
	}
	return map[string]any{"id": id, "etag": `W/"00000000-0000-4000-8000-000000000001"`, "properties": props}
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func vmJSON(sub string, vm *AzureVM) map[string]any {
	os := or(vm.OS, "Linux")
	profile := map[string]any{"computerName": vm.Name, "adminUsername": "azureuser"}
	patch := map[string]any{}
	if vm.PatchMode != "" {
		patch["patchMode"] = vm.PatchMode
	}
	if vm.AssessmentMode != "" {
		patch["assessmentMode"] = vm.AssessmentMode
	}
	if os == "Windows" {
		win := map[string]any{"provisionVMAgent": true, "patchSettings": patch}
		if vm.EnableAutomaticUpdates != nil {
			win["enableAutomaticUpdates"] = *vm.EnableAutomaticUpdates
		}
		profile["windowsConfiguration"] = win
	} else {
		profile["linuxConfiguration"] = map[string]any{"disablePasswordAuthentication": true, "provisionVMAgent": true, "patchSettings": patch}
	}
	state := or(vm.PowerState, "running")
	return map[string]any{
		"id": azureID(sub, vm.ResourceGroup, "Microsoft.Compute/virtualMachines", vm.Name),
		"properties": map[string]any{
			"vmId":            "00000000-0000-4000-8000-" + fmt.Sprintf("%012x", len(vm.Name)),
			"hardwareProfile": map[string]string{"vmSize": "Standard_D2s_v5"},
			"osProfile":       profile,
			"storageProfile":  map[string]any{"osDisk": map[string]any{"osType": os, "name": vm.Name + "-os", "createOption": "FromImage"}},
			"extended": map[string]any{"instanceView": map[string]any{
				"powerState": map[string]string{"code": "PowerState/" + state, "level": "Info", "displayStatus": "VM " + state},
				"osName":     vm.OSName, "computerName": vm.Name}},
			"provisioningState": "Succeeded",
		},
	}
}

func assessmentJSON(sub string, vm *AzureVM) map[string]any {
	a := vm.Assessment
	counts := map[string]int{"critical": a.Critical, "security": a.Security, "other": a.Other}
	if or(vm.OS, "Linux") == "Windows" {
		for _, k := range []string{"definition", "updateRollup", "featurePack", "servicePack", "tools", "updates"} {
			counts[k] = 0
		}
	}
	return map[string]any{
		"id":   azureID(sub, vm.ResourceGroup, "Microsoft.Compute/virtualMachines", vm.Name) + "/patchAssessmentResults/latest",
		"name": "7a3c1e5b-0000-4000-8000-" + fmt.Sprintf("%012x", len(vm.Name)),
		"properties": map[string]any{
			"status":                              or(a.Status, "Succeeded"),
			"lastModifiedDateTime":                a.LastModified.UTC().Format(time.RFC3339),
			"startDateTime":                       a.LastModified.Add(-10 * time.Minute).UTC().Format(time.RFC3339),
			"osType":                              or(vm.OS, "Linux"),
			"rebootPending":                       a.RebootNeeded,
			"patchServiceUsed":                    map[bool]string{true: "WU", false: "APT"}[vm.OS == "Windows"],
			"startedBy":                           "Platform",
			"availablePatchCountByClassification": counts,
		},
	}
}

func diskJSON(sub string, d *Disk) map[string]any {
	props := map[string]any{"diskSizeGB": max(d.SizeGB, 32), "diskState": "Unattached", "provisioningState": "Succeeded"}
	switch d.Encryption {
	case "absent":
	default:
		enc := map[string]any{"type": or(d.Encryption, "EncryptionAtRestWithPlatformKey")}
		if d.EncryptionSet != "" {
			enc["diskEncryptionSetId"] = azureID(sub, d.ResourceGroup, "Microsoft.Compute/diskEncryptionSets", d.EncryptionSet)
		}
		props["encryption"] = enc
	}
	out := map[string]any{"id": azureID(sub, d.ResourceGroup, "Microsoft.Compute/disks", d.Name), "properties": props,
		"sku": map[string]string{"name": "Premium_LRS", "tier": "Premium"}}
	if d.ManagedBy != "" {
		out["managedBy"] = azureID(sub, d.ResourceGroup, "Microsoft.Compute/virtualMachines", d.ManagedBy)
		props["diskState"] = "Attached"
	}
	return out
}

func storageJSON(sub string, a *StorageAccount) map[string]any {
	props := map[string]any{"provisioningState": "Succeeded",
		"encryption": map[string]any{"keySource": or(a.KeySource, "Microsoft.Storage"),
			"services": map[string]any{"blob": map[string]any{"enabled": true, "keyType": "Account"}}}}
	if a.HTTPSOnly != nil {
		props["supportsHttpsTrafficOnly"] = *a.HTTPSOnly
	}
	if a.MinimumTLSVersion != "" {
		props["minimumTlsVersion"] = a.MinimumTLSVersion
	}
	if a.AllowBlobPublicAccess != nil {
		props["allowBlobPublicAccess"] = *a.AllowBlobPublicAccess
	}
	if a.AllowSharedKeyAccess != nil {
		props["allowSharedKeyAccess"] = *a.AllowSharedKeyAccess
	}
	keys := map[string]any{}
	if a.Key1Created != nil {
		keys["key1"] = a.Key1Created.UTC().Format(time.RFC3339)
	}
	if a.Key2Created != nil {
		keys["key2"] = a.Key2Created.UTC().Format(time.RFC3339)
	}
	if len(keys) > 0 {
		props["keyCreationTime"] = keys
	}
	return map[string]any{"id": azureID(sub, a.ResourceGroup, "Microsoft.Storage/storageAccounts", a.Name), "kind": "StorageV2",
		"sku": map[string]string{"name": "Standard_LRS", "tier": "Standard"}, "properties": props}
}

func sqlServerJSON(sub string, srv *SQLServer) map[string]any {
	props := map[string]any{"version": "12.0", "state": "Ready", "fullyQualifiedDomainName": srv.Name + ".database.windows.net",
		"publicNetworkAccess": "Enabled"}
	if srv.MinimalTLS != "" {
		props["minimalTlsVersion"] = srv.MinimalTLS
	}
	return map[string]any{"id": azureID(sub, srv.ResourceGroup, "Microsoft.Sql/servers", srv.Name), "kind": "v12.0", "properties": props}
}

func aksJSON(sub string, k *AKSCluster) map[string]any {
	props := map[string]any{"kubernetesVersion": or(k.Version, "1.30.4"), "provisioningState": "Succeeded",
		"powerState": map[string]string{"code": "Running"}}
	profile := map[string]any{}
	if k.UpgradeChannel != "" {
		profile["upgradeChannel"] = k.UpgradeChannel
	}
	if k.NodeOSUpgradeChannel != "" {
		profile["nodeOSUpgradeChannel"] = k.NodeOSUpgradeChannel
	}
	if len(profile) > 0 {
		props["autoUpgradeProfile"] = profile
	}
	return map[string]any{"id": azureID(sub, k.ResourceGroup, "Microsoft.ContainerService/managedClusters", k.Name), "properties": props}
}
