package cloudsim

import "strings"

// OS Config v1: inventories and vulnerability reports per zone (the
// instances/- wildcard), and patch deployments per project. OS Config
// names projects by number and instances by numeric id.

func (c *gcpCall) projectNumber() string {
	if c.Project.Number != "" {
		return c.Project.Number
	}
	return gcpNumericID("project", c.Project.ID)[:12]
}

// zoneInstances are the instances of the request's zone that report to
// OS Config.
func (c *gcpCall) zoneInstances(report func(*GCPInstance) bool) []*GCPInstance {
	var out []*GCPInstance
	for _, i := range c.Project.Instances {
		if i.Zone == c.args[1] && report(i) {
			out = append(out, i)
		}
	}
	return out
}

func (c *gcpCall) instanceName(i *GCPInstance) string {
	return "projects/" + c.projectNumber() + "/locations/" + i.Zone + "/instances/" + i.ID
}

func gcpInventoriesList(c *gcpCall) {
	full := c.r.URL.Query().Get("view") == "FULL" || c.r.URL.Query().Get("view") == "2"
	var items []map[string]any
	for _, i := range c.zoneInstances(func(i *GCPInstance) bool { return i.Inventory != nil }) {
		inv := i.Inventory
		out := map[string]any{
			"name":       c.instanceName(i) + "/inventory",
			"updateTime": inv.UpdateTime,
			"osInfo": map[string]any{"hostname": i.Name, "longName": inv.LongName, "shortName": inv.ShortName,
				"version": inv.Version, "architecture": "x86_64", "osconfigAgentVersion": "20240501.00"},
		}
		if full && len(inv.Available) > 0 {
			pkgs := map[string]any{}
			for _, p := range inv.Available {
				pkgs[p.ID] = map[string]any{
					"id": p.ID, "originType": "INVENTORY_REPORT", "type": "AVAILABLE_PACKAGE",
					"createTime": inv.UpdateTime, "updateTime": inv.UpdateTime,
					"availablePackage": gcpPackageDetails(p),
				}
			}
			out["items"] = pkgs
		}
		items = append(items, out)
	}
	gcpList(c, items, "inventories", gcpPageSizePaging, nil)
}

// gcpPackageDetails is the SoftwarePackage one-of for a package kind.
func gcpPackageDetails(p GCPPackage) map[string]any {
	switch p.Kind {
	case "zypperPatch":
		return map[string]any{"zypperPatch": map[string]any{"patchName": p.Name, "category": p.Category, "severity": p.Severity, "summary": p.Name}}
	case "wua":
		var cats []map[string]string
		for _, name := range strings.Split(p.Category, ",") {
			if name = strings.TrimSpace(name); name != "" {
				cats = append(cats, map[string]string{"id": gcpNumericID("wua", name), "name": name})
			}
		}
		return map[string]any{"wuaPackage": map[string]any{"title": p.Name, "categories": cats, "updateId": gcpNumericID("wua", p.ID)}}
	case "yum", "apt", "googet", "":
		kind := p.Kind
		if kind == "" {
			kind = "apt"
		}
		return map[string]any{kind + "Package": map[string]any{"packageName": p.Name, "architecture": "x86_64", "version": "1.0"}}
	}
	return map[string]any{p.Kind + "Package": map[string]any{"packageName": p.Name}}
}

func gcpVulnerabilityReportsList(c *gcpCall) {
	var items []map[string]any
	for _, i := range c.zoneInstances(func(i *GCPInstance) bool { return i.VulnerabilityReport != nil }) {
		rep := i.VulnerabilityReport
		vulns := []map[string]any{}
		highest := "NONE"
		for _, v := range rep.Vulnerabilities {
			details := map[string]any{"cve": v.CVE, "severity": v.Severity}
			if v.CVSSv3 > 0 {
				details["cvssV3"] = map[string]any{"baseScore": v.CVSSv3}
			}
			vu := map[string]any{"details": details, "createTime": rep.UpdateTime, "updateTime": rep.UpdateTime}
			if len(v.Available) > 0 {
				vu["availableInventoryItemIds"] = v.Available
				if sev := strings.ToUpper(v.Severity); sev == "CRITICAL" || (sev == "HIGH" && highest != "CRITICAL") {
					highest = sev
				}
			}
			vulns = append(vulns, vu)
		}
		items = append(items, map[string]any{
			"name":                         c.instanceName(i) + "/vulnerabilityReport",
			"vulnerabilities":              vulns,
			"updateTime":                   rep.UpdateTime,
			"highestUpgradableCveSeverity": highest,
		})
	}
	gcpList(c, items, "vulnerabilityReports", gcpPageSizePaging, nil)
}

func gcpPatchDeploymentsList(c *gcpCall) {
	var items []map[string]any
	for _, d := range c.Project.PatchDeployments {
		filter := map[string]any{"all": d.All}
		if len(d.Zones) > 0 {
			filter["zones"] = d.Zones
		}
		if len(d.Instances) > 0 {
			filter["instances"] = d.Instances
		}
		if len(d.NamePrefixes) > 0 {
			filter["instanceNamePrefixes"] = d.NamePrefixes
		}
		var groups []map[string]any
		for _, g := range d.GroupLabels {
			groups = append(groups, map[string]any{"labels": g})
		}
		if len(groups) > 0 {
			filter["groupLabels"] = groups
		}
		state := d.State
		if state == "" {
			state = "ACTIVE"
		}
		items = append(items, map[string]any{
			"name":           "projects/" + c.Project.ID + "/patchDeployments/" + d.Name,
			"instanceFilter": filter,
			"state":          state,
			"recurringSchedule": map[string]any{"timeZone": map[string]any{"id": "UTC"}, "frequency": "WEEKLY",
				"timeOfDay": map[string]any{"hours": 3}, "weekly": map[string]any{"dayOfWeek": "SUNDAY"}},
			"patchConfig": map[string]any{"rebootConfig": "DEFAULT"},
		})
	}
	gcpList(c, items, "patchDeployments", gcpPageSizePaging, nil)
}
