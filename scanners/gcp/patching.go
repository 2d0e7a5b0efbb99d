package gcp

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	container "cloud.google.com/go/container/apiv1/containerpb"
	"cloud.google.com/go/osconfig/apiv1/osconfigpb"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// scanPatching reads a project's instances with what VM Manager (OS
// Config) knows of them, its patch deployments, and its GKE node pools'
// auto-upgrade.
func scanPatching(ctx context.Context, e *env, p *project, out *scanners.Sink) {
	cl, _ := e.clients(ctx)
	g := out.Group(p.scope(inventory.Patching), 4)
	g.Go(func() { scanNodePools(ctx, e, cl, p, out) })

	instances, err := listInstances(ctx, e, cl, p, out)
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Patching, opInstances.String(), []string{inventory.GCPInstance}, err))
		g.Wait()
		return
	}
	var (
		deployments []*osconfigpb.PatchDeployment
		deployErr   error
		mu          sync.Mutex
		reports     = map[string]*zoneReports{}
		fails       scanners.Failures
	)
	g.Go(func() {
		deployErr = each(cl.osconfig.ListPatchDeployments(ctx, &osconfigpb.ListPatchDeploymentsRequest{Parent: "projects/" + p.ID}, e.retry()).Next,
			func(d *osconfigpb.PatchDeployment) { deployments = append(deployments, d) })
	})
	// OS Config answers per zone, for every instance of the zone at once
	// (the instances/- wildcard): one inventories and one vulnerability
	// reports list per zone that has instances.
	for _, zone := range zonesOf(instances) {
		g.Go(func() {
			z := readZone(ctx, e, p, zone, &fails)
			mu.Lock()
			reports[zone] = z
			mu.Unlock()
		})
	}
	g.Wait()
	fails.Flush(out)
	if deployErr != nil {
		out.Fail(scanError(p.ID, inventory.Patching, opPatchDeployments.String(), []string{inventory.GCPInstance}, deployErr))
	}
	for _, i := range instances {
		vm := instanceVM(i, reports[lastSegment(i.GetZone())])
		if deployErr == nil {
			vm.AutomaticUpdates = inventory.Known(slices.ContainsFunc(deployments, func(d *osconfigpb.PatchDeployment) bool { return covers(d, i) }))
		}
		zone := lastSegment(i.GetZone())
		out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Region: regionOf(zone), Type: inventory.GCPInstance,
			ID: "projects/" + p.ID + "/zones/" + zone + "/instances/" + i.GetName(), Name: i.GetName(), Tags: i.GetLabels(), VM: vm})
	}
}

// listInstances reads the project's instances in the target's regions
// from the aggregated list. Scopes that hold no instance answer only a
// warning (NO_RESULTS_ON_PAGE), which is not an error; scopes the list
// could not reach are an error entry, and the rest is still read.
func listInstances(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) ([]*computepb.Instance, error) {
	var list []*computepb.Instance
	it := cl.instances.AggregatedList(ctx, &computepb.AggregatedListInstancesRequest{Project: p.ID}, e.retry())
	var unreachable []string
	err := each(it.Next, func(pair compute.InstancesScopedListPair) {
		for _, i := range pair.Value.GetInstances() {
			if p.keeps(regionOf(i.GetZone())) {
				list = append(list, i)
			}
		}
		if r, ok := it.Response.(*computepb.InstanceAggregatedList); ok {
			unreachable = r.GetUnreachables()
		}
	})
	if err == nil && len(unreachable) > 0 {
		out.Fail(scanError(p.ID, inventory.Patching, opInstances.String(), []string{inventory.GCPInstance},
			fmt.Errorf("the list could not reach %s; instances there were not read", strings.Join(unreachable, ", "))))
	}
	return list, err
}

// zoneReports is what OS Config answered for one zone: inventories and
// vulnerability reports by instance id, each nil when it could not be
// read.
type zoneReports struct {
	inventories map[string]*osconfigpb.Inventory
	vulns       map[string]*osconfigpb.VulnerabilityReport
}

func readZone(ctx context.Context, e *env, p *project, zone string, fails *scanners.Failures) *zoneReports {
	cl, _ := e.clients(ctx)
	parent := "projects/" + p.ID + "/locations/" + zone + "/instances/-"
	z := &zoneReports{inventories: map[string]*osconfigpb.Inventory{}, vulns: map[string]*osconfigpb.VulnerabilityReport{}}
	err := each(cl.zonal.ListInventories(ctx, &osconfigpb.ListInventoriesRequest{Parent: parent, View: osconfigpb.InventoryView_FULL}, e.retry()).Next,
		func(inv *osconfigpb.Inventory) { z.inventories[instanceID(inv.GetName())] = inv })
	if err != nil {
		fails.Add(scanError(p.ID, inventory.Patching, opInventories.String(), []string{inventory.GCPInstance}, err))
		z.inventories = nil
	}
	err = each(cl.zonal.ListVulnerabilityReports(ctx, &osconfigpb.ListVulnerabilityReportsRequest{Parent: parent}, e.retry()).Next,
		func(r *osconfigpb.VulnerabilityReport) { z.vulns[instanceID(r.GetName())] = r })
	if err != nil {
		fails.Add(scanError(p.ID, inventory.Patching, opVulnReports.String(), []string{inventory.GCPInstance}, err))
		z.vulns = nil
	}
	return z
}

// instanceID is the numeric instance id in an OS Config name
// (projects/N/locations/Z/instances/ID/inventory).
func instanceID(name string) string {
	parts := strings.Split(name, "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "instances" {
			return parts[i+1]
		}
	}
	return ""
}

func zonesOf(instances []*computepb.Instance) []string {
	var zones []string
	for _, i := range instances {
		if z := lastSegment(i.GetZone()); !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	sort.Strings(zones)
	return zones
}

// instanceVM is an instance's patch facet. An instance is managed when
// OS Config holds an inventory for it; a zone whose inventories could not
// be read leaves that unknown. The missing updates come from the
// inventory's available packages and the vulnerability report; how old
// they are is the older of the two reports' update times.
func instanceVM(i *computepb.Instance, z *zoneReports) *inventory.VM {
	status := i.GetStatus()
	vm := &inventory.VM{State: status, Running: inventory.Known(status == "RUNNING")}
	if z == nil || z.inventories == nil {
		return vm
	}
	id := fmt.Sprint(i.GetId())
	inv, managed := z.inventories[id]
	vm.PatchManaged = inventory.Known(managed)
	if !managed {
		return vm
	}
	if os := inv.GetOsInfo(); os != nil {
		vm.OS = os.GetLongName()
		if vm.OS == "" {
			vm.OS = strings.TrimSpace(os.GetShortName() + " " + os.GetVersion())
		}
	}
	assessed := inv.GetUpdateTime().AsTime()
	if z.vulns == nil {
		// Without the vulnerability reports, which updates fix high and
		// critical vulnerabilities is not known.
		vm.LastAssessed = inventory.Known(assessed.UTC())
		return vm
	}
	security := map[string]bool{}
	available := 0
	for itemID, item := range inv.GetItems() {
		if item.GetType() != osconfigpb.Inventory_Item_AVAILABLE_PACKAGE {
			continue
		}
		available++
		if securityUpdate(item.GetAvailablePackage()) {
			security[itemID] = true
		}
	}
	if rep := z.vulns[id]; rep != nil {
		for _, v := range rep.GetVulnerabilities() {
			if !severe(v.GetDetails()) {
				continue
			}
			for _, fix := range fixes(v) {
				security[fix] = true
			}
		}
		if t := rep.GetUpdateTime().AsTime(); t.Before(assessed) {
			assessed = t
		}
	}
	vm.LastAssessed = inventory.Known(assessed.UTC().Truncate(time.Second))
	vm.MissingSecurity = inventory.Known(len(security))
	vm.MissingOther = inventory.Known(max(0, available-len(security)))
	return vm
}

// securityUpdate reports whether an available package says by itself that
// it is a security update: a zypper patch of the security category, a
// Windows update classified as a security or critical update. Other
// package managers do not classify; a vulnerability report naming the
// package as a fix says it instead.
func securityUpdate(p *osconfigpb.Inventory_SoftwarePackage) bool {
	if zp := p.GetZypperPatch(); zp != nil {
		return strings.EqualFold(zp.GetCategory(), "security")
	}
	if wu := p.GetWuaPackage(); wu != nil {
		for _, c := range wu.GetCategories() {
			if n := strings.ToLower(c.GetName()); strings.Contains(n, "security") || strings.Contains(n, "critical") {
				return true
			}
		}
	}
	return false
}

// severe reports whether a vulnerability is high or critical: by the
// distribution's severity, or a CVSS v3 base score of 7.0 or more.
func severe(d *osconfigpb.VulnerabilityReport_Vulnerability_Details) bool {
	switch strings.ToUpper(strings.TrimSpace(d.GetSeverity())) {
	case "HIGH", "CRITICAL", "IMPORTANT":
		return true
	}
	return d.GetCvssV3().GetBaseScore() >= 7
}

// fixes are the inventory items that would fix a vulnerability; none
// means it has no fix available yet.
func fixes(v *osconfigpb.VulnerabilityReport_Vulnerability) []string {
	//lint:ignore SA1019 items[] replaces it, but the API still answers it and reports may carry only it
	out := slices.Clone(v.GetAvailableInventoryItemIds())
	for _, it := range v.GetItems() {
		if id := it.GetAvailableInventoryItemId(); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// covers reports whether an active patch deployment's instance filter
// takes in instance i: all instances, or every criterion it sets (zones,
// instances, name prefixes, label groups) matching, any value of one
// criterion being enough.
func covers(d *osconfigpb.PatchDeployment, i *computepb.Instance) bool {
	if d.GetState() == osconfigpb.PatchDeployment_PAUSED {
		return false
	}
	f := d.GetInstanceFilter()
	if f.GetAll() {
		return true
	}
	zone, name := lastSegment(i.GetZone()), i.GetName()
	var tests []bool
	if z := f.GetZones(); len(z) > 0 {
		tests = append(tests, slices.Contains(z, zone))
	}
	if ns := f.GetInstances(); len(ns) > 0 {
		tests = append(tests, slices.ContainsFunc(ns, func(n string) bool {
			return strings.HasSuffix(n, "zones/"+zone+"/instances/"+name)
		}))
	}
	if ps := f.GetInstanceNamePrefixes(); len(ps) > 0 {
		tests = append(tests, slices.ContainsFunc(ps, func(p string) bool { return strings.HasPrefix(name, p) }))
	}
	if gs := f.GetGroupLabels(); len(gs) > 0 {
		tests = append(tests, slices.ContainsFunc(gs, func(g *osconfigpb.PatchInstanceFilter_GroupLabel) bool {
			for k, v := range g.GetLabels() {
				if i.GetLabels()[k] != v {
					return false
				}
			}
			return true
		}))
	}
	return len(tests) > 0 && !slices.Contains(tests, false)
}

// scanNodePools reads the project's GKE node pools, in every location.
func scanNodePools(ctx context.Context, e *env, cl *clients, p *project, out *scanners.Sink) {
	resp, err := cl.gke.ListClusters(ctx, &container.ListClustersRequest{Parent: "projects/" + p.ID + "/locations/-"}, e.retry())
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Patching, opClusters.String(), []string{inventory.GCPNodePool}, err))
		return
	}
	if missing := resp.GetMissingZones(); len(missing) > 0 {
		out.Fail(scanError(p.ID, inventory.Patching, opClusters.String(), []string{inventory.GCPNodePool},
			fmt.Errorf("GKE could not answer for %s; clusters there were not read", strings.Join(missing, ", "))))
	}
	for _, c := range resp.GetClusters() {
		region := regionOf(c.GetLocation())
		if !p.keeps(region) {
			continue
		}
		for _, np := range c.GetNodePools() {
			out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Region: region, Type: inventory.GCPNodePool,
				ID:   "projects/" + p.ID + "/locations/" + c.GetLocation() + "/clusters/" + c.GetName() + "/nodePools/" + np.GetName(),
				Name: c.GetName() + "/" + np.GetName(), Tags: c.GetResourceLabels(),
				Upgrade: &inventory.ManagedUpgrade{AutoUpgrade: inventory.Known(np.GetManagement().GetAutoUpgrade()), Version: np.GetVersion()}})
		}
	}
}
