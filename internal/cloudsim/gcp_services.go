package cloudsim

import (
	"net/http"
	"slices"
	"strings"
)

// The GCP APIs besides Compute and OS Config: Resource Manager (project
// and folder search, project IAM policy), Cloud Asset Inventory (key
// ring search), Cloud KMS, Cloud SQL Admin, GKE, Cloud Storage, IAM and
// Policy Analyzer.

// gcpAncestors lists the folders and organization above a project or
// folder parent, nearest first.
func (w *GCPWorld) gcpAncestors(parent string) []string {
	var out []string
	for parent != "" && !slices.Contains(out, parent) {
		out = append(out, parent)
		next := ""
		for _, f := range w.Folders {
			if "folders/"+f.ID == parent {
				next = f.Parent
			}
		}
		parent = next
	}
	return out
}

// gcpQuery parses a Resource Manager search query: space-separated
// key:value terms, all of which must hold.
func gcpQuery(q string) (map[string]string, bool) {
	out := map[string]string{}
	for _, term := range strings.Fields(q) {
		k, v, ok := strings.Cut(term, ":")
		if !ok {
			k, v, ok = strings.Cut(term, "=")
		}
		if !ok {
			return nil, false
		}
		out[strings.ToLower(k)] = strings.Trim(v, `"`)
	}
	return out, true
}

func gcpLifecycle(s string) string {
	if s == "" {
		return "ACTIVE"
	}
	return s
}

func gcpProjectsSearch(c *gcpCall) {
	terms, ok := gcpQuery(c.r.URL.Query().Get("query"))
	if !ok {
		c.BadRequest("Request contains an invalid argument: query")
		return
	}
	var items []map[string]any
	for _, p := range c.s.world.GCP.Projects {
		if v := terms["state"]; v != "" && v != gcpLifecycle(p.State) {
			continue
		}
		if v := terms["parent"]; v != "" && v != p.Parent {
			continue
		}
		if v := terms["id"]; v != "" && v != p.ID {
			continue
		}
		proj := map[string]any{"name": "projects/" + gcpProjectNumber(p), "projectId": p.ID, "parent": p.Parent,
			"state": gcpLifecycle(p.State), "displayName": p.Name, "etag": "W/\"" + p.ID + "\""}
		if len(p.Labels) > 0 {
			proj["labels"] = p.Labels
		}
		items = append(items, proj)
	}
	gcpList(c, items, "projects", gcpPageSizePaging, nil)
}

func gcpProjectNumber(p *GCPProject) string {
	if p.Number != "" {
		return p.Number
	}
	return gcpNumericID("project", p.ID)[:12]
}

func gcpFoldersSearch(c *gcpCall) {
	terms, ok := gcpQuery(c.r.URL.Query().Get("query"))
	if !ok {
		c.BadRequest("Request contains an invalid argument: query")
		return
	}
	var items []map[string]any
	for _, f := range c.s.world.GCP.Folders {
		if v := terms["state"]; v != "" && v != gcpLifecycle(f.State) {
			continue
		}
		if v := terms["parent"]; v != "" && v != f.Parent {
			continue
		}
		items = append(items, map[string]any{"name": "folders/" + f.ID, "parent": f.Parent, "displayName": f.DisplayName, "state": gcpLifecycle(f.State)})
	}
	gcpList(c, items, "folders", gcpPageSizePaging, nil)
}

// gcpPolicyJSON is an IAM policy as getIamPolicy answers it: version 3
// when a binding has a condition, which callers must have asked for.
func gcpPolicyJSON(p GCPPolicy) map[string]any {
	version := 1
	bindings := []map[string]any{}
	for _, b := range p.Bindings {
		out := map[string]any{"role": b.Role, "members": b.Members}
		if b.Condition != "" {
			version = 3
			out["condition"] = map[string]any{"title": "condition", "expression": b.Condition}
		}
		bindings = append(bindings, out)
	}
	return map[string]any{"version": version, "etag": "BwXhqDXxC4A=", "bindings": bindings}
}

func gcpProjectGetIamPolicy(c *gcpCall) {
	pol := gcpPolicyJSON(c.Project.IAMPolicy)
	if pol["version"] == 3 && !strings.Contains(string(c.body), `"requestedPolicyVersion":3`) {
		c.BadRequest("The policy has conditional role bindings: request policy version 3 to read it.")
		return
	}
	c.JSON(pol)
}

func gcpSearchAllResources(c *gcpCall) {
	scope := c.args[0]
	types := c.r.URL.Query()["assetTypes"]
	if len(types) != 1 || types[0] != "cloudkms.googleapis.com/KeyRing" {
		c.BadRequest("the simulator answers searchAllResources for assetTypes=cloudkms.googleapis.com/KeyRing only")
		return
	}
	var items []map[string]any
	for _, p := range c.s.world.GCP.Projects {
		in := scope == "projects/"+p.ID || scope == "projects/"+gcpProjectNumber(p) || slices.Contains(c.s.world.GCP.gcpAncestors(p.Parent), scope)
		if !in || gcpLifecycle(p.State) != "ACTIVE" {
			continue
		}
		for _, kr := range p.KeyRings {
			items = append(items, map[string]any{
				"name":        "//cloudkms.googleapis.com/projects/" + p.ID + "/locations/" + kr.Location + "/keyRings/" + kr.Name,
				"assetType":   "cloudkms.googleapis.com/KeyRing",
				"project":     "projects/" + gcpProjectNumber(p),
				"displayName": kr.Name,
				"location":    kr.Location,
			})
		}
	}
	if c.Project == nil && strings.HasPrefix(scope, "projects/") {
		c.Fail(http.StatusForbidden, "PERMISSION_DENIED", "forbidden", "Permission 'cloudasset.assets.searchAllResources' denied on resource '"+scope+"' (or it may not exist).", c.errorInfo())
		return
	}
	gcpList(c, items, "results", gcpPaging{param: "pageSize", def: 100, max: 500}, nil)
}

func gcpCryptoKeysList(c *gcpCall) {
	var ring *GCPKeyRing
	for _, kr := range c.Project.KeyRings {
		if kr.Location == c.args[1] && kr.Name == c.args[2] {
			ring = kr
		}
	}
	if ring == nil {
		c.Fail(http.StatusNotFound, "NOT_FOUND", "notFound", "KeyRing projects/"+c.Project.ID+"/locations/"+c.args[1]+"/keyRings/"+c.args[2]+" not found.", nil)
		return
	}
	parent := "projects/" + c.Project.ID + "/locations/" + ring.Location + "/keyRings/" + ring.Name
	var items []map[string]any
	for _, k := range ring.CryptoKeys {
		purpose := k.Purpose
		if purpose == "" {
			purpose = "ENCRYPT_DECRYPT"
		}
		key := map[string]any{"name": parent + "/cryptoKeys/" + k.Name, "purpose": purpose, "createTime": "2024-01-10T08:00:00Z",
			"versionTemplate": map[string]any{"protectionLevel": "SOFTWARE", "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"}}
		if len(k.Labels) > 0 {
			key["labels"] = k.Labels
		}
		// Only symmetric keys have a primary version and can rotate.
		if purpose == "ENCRYPT_DECRYPT" {
			state := k.State
			if state == "" {
				state = "ENABLED"
			}
			key["primary"] = map[string]any{"name": key["name"].(string) + "/cryptoKeyVersions/1", "state": state,
				"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protectionLevel": "SOFTWARE"}
			if k.RotationPeriod != "" {
				key["rotationPeriod"] = k.RotationPeriod
				key["nextRotationTime"] = "2027-01-01T00:00:00Z"
			}
		}
		items = append(items, key)
	}
	gcpList(c, items, "cryptoKeys", gcpPageSizePaging, map[string]any{"totalSize": len(items)})
}

func gcpSQLInstancesList(c *gcpCall) {
	var items []map[string]any
	for _, i := range c.Project.SQLInstances {
		ip := map[string]any{"ipv4Enabled": true, "requireSsl": i.RequireSSL}
		if i.SSLMode != "" {
			ip["sslMode"] = i.SSLMode
		}
		settings := map[string]any{"tier": "db-custom-2-7680", "ipConfiguration": ip}
		if len(i.Labels) > 0 {
			settings["userLabels"] = i.Labels
		}
		inst := map[string]any{"kind": "sql#instance", "name": i.Name, "project": c.Project.ID, "region": i.Region,
			"databaseVersion": i.DatabaseVersion, "state": "RUNNABLE", "settings": settings,
			"connectionName": c.Project.ID + ":" + i.Region + ":" + i.Name}
		if i.KMSKeyName != "" {
			inst["diskEncryptionConfiguration"] = map[string]any{"kmsKeyName": i.KMSKeyName, "kind": "sql#diskEncryptionConfiguration"}
		}
		items = append(items, inst)
	}
	gcpList(c, items, "items", gcpSQLPaging, map[string]any{"kind": "sql#instancesList"})
}

func gcpClustersList(c *gcpCall) {
	clusters := []map[string]any{}
	for _, cl := range c.Project.Clusters {
		var pools []map[string]any
		for _, np := range cl.NodePools {
			pools = append(pools, map[string]any{"name": np.Name, "version": np.Version, "status": "RUNNING",
				"management": map[string]any{"autoUpgrade": np.AutoUpgrade, "autoRepair": true}})
		}
		cluster := map[string]any{"name": cl.Name, "location": cl.Location, "status": "RUNNING", "nodePools": pools}
		if len(cl.Labels) > 0 {
			cluster["resourceLabels"] = cl.Labels
		}
		clusters = append(clusters, cluster)
	}
	out := map[string]any{"clusters": clusters}
	if len(c.Project.MissingZones) > 0 {
		out["missingZones"] = c.Project.MissingZones
	}
	c.JSON(out) // not paged
}

func gcpBucketsList(c *gcpCall) {
	var items []map[string]any
	for _, b := range c.Project.Buckets {
		location := b.Location
		if location == "" {
			location = "US"
		}
		bucket := map[string]any{"kind": "storage#bucket", "id": b.Name, "name": b.Name, "location": location,
			"projectNumber": gcpProjectNumber(c.Project), "storageClass": "STANDARD", "timeCreated": "2024-02-01T10:00:00.000Z",
			"iamConfiguration": map[string]any{"uniformBucketLevelAccess": map[string]any{"enabled": true}, "publicAccessPrevention": "inherited"}}
		if b.DefaultKMSKeyName != "" {
			bucket["encryption"] = map[string]any{"defaultKmsKeyName": b.DefaultKMSKeyName}
		}
		if len(b.Labels) > 0 {
			bucket["labels"] = b.Labels
		}
		items = append(items, bucket)
	}
	gcpList(c, items, "items", gcpStoragePaging, map[string]any{"kind": "storage#buckets"})
}

func gcpBucketGetIamPolicy(c *gcpCall) {
	for _, b := range c.Project.Buckets {
		if b.Name == c.args[0] {
			pol := gcpPolicyJSON(b.IAMPolicy)
			pol["kind"] = "storage#policy"
			pol["resourceId"] = "projects/_/buckets/" + b.Name
			pol["etag"] = "CAE="
			c.JSON(pol)
			return
		}
	}
	c.Fail(http.StatusNotFound, "NOT_FOUND", "notFound", "The specified bucket does not exist.", nil)
}

func gcpServiceAccountsList(c *gcpCall) {
	var items []map[string]any
	for _, sa := range c.Project.ServiceAccounts {
		items = append(items, map[string]any{"name": "projects/" + c.Project.ID + "/serviceAccounts/" + sa.Email,
			"projectId": c.Project.ID, "uniqueId": gcpNumericID("sa", sa.Email), "email": sa.Email, "disabled": sa.Disabled,
			"oauth2ClientId": gcpNumericID("sa", sa.Email)})
	}
	gcpList(c, items, "accounts", gcpSAPaging, nil)
}

func (c *gcpCall) serviceAccount() *GCPServiceAccount {
	for _, sa := range c.Project.ServiceAccounts {
		if sa.Email == c.args[1] || gcpNumericID("sa", sa.Email) == c.args[1] {
			return sa
		}
	}
	return nil
}

func gcpServiceAccountKeysList(c *gcpCall) {
	sa := c.serviceAccount()
	if sa == nil {
		c.Fail(http.StatusNotFound, "NOT_FOUND", "notFound", "Service account projects/"+c.Project.ID+"/serviceAccounts/"+c.args[1]+" does not exist.", nil)
		return
	}
	want := c.r.URL.Query()["keyTypes"]
	keys := []map[string]any{}
	for _, k := range sa.Keys {
		typ := k.Type
		if typ == "" {
			typ = "USER_MANAGED"
		}
		if len(want) > 0 && !slices.Contains(want, typ) {
			continue
		}
		origin := "GOOGLE_PROVIDED"
		key := map[string]any{"name": "projects/" + c.Project.ID + "/serviceAccounts/" + sa.Email + "/keys/" + k.ID,
			"keyType": typ, "keyOrigin": origin, "keyAlgorithm": "KEY_ALG_RSA_2048",
			"validAfterTime": k.ValidAfterTime, "validBeforeTime": k.ValidBeforeTime}
		if k.Disabled {
			key["disabled"] = true
		}
		keys = append(keys, key)
	}
	c.JSON(map[string]any{"keys": keys}) // not paged
}

func gcpKeyActivitiesQuery(c *gcpCall) {
	var items []map[string]any
	for _, sa := range c.Project.ServiceAccounts {
		for _, k := range sa.Keys {
			if k.LastAuthenticated == "" {
				continue
			}
			name := "//iam.googleapis.com/projects/" + c.Project.ID + "/serviceAccounts/" + sa.Email + "/keys/" + k.ID
			items = append(items, map[string]any{
				"fullResourceName":  name,
				"activityType":      "serviceAccountKeyLastAuthentication",
				"observationPeriod": map[string]any{"startTime": k.LastAuthenticated, "endTime": k.LastAuthenticated},
				"activity": map[string]any{"lastAuthenticatedTime": k.LastAuthenticated,
					"serviceAccountKey": map[string]any{"fullResourceName": name, "projectNumber": gcpProjectNumber(c.Project),
						"serviceAccountId": gcpNumericID("sa", sa.Email)}},
			})
		}
	}
	gcpList(c, items, "activities", gcpPaging{param: "pageSize", def: 10, max: 1000}, nil)
}
