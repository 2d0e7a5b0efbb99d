package cloudsim

import (
	"reflect"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"
)

// azureCounts counts a generated tenant's resources by type, as the
// scanners report them.
func azureCounts(w *World) map[string]int {
	c := map[string]int{}
	for _, s := range w.Azure.Subscriptions {
		c["subscription"]++
		c["roleDefinition"] += len(s.RoleDefinitions)
		c["nsg"] += len(s.NSGs)
		c["vm"] += len(s.VMs)
		c["disk"] += len(s.Disks)
		c["storageAccount"] += len(s.StorageAccounts)
		c["sqlServer"] += len(s.SQLServers)
		for _, v := range s.Vaults {
			c["key"] += len(v.Keys)
		}
		c["vault"] += len(s.Vaults)
		for _, vm := range s.VMs {
			if vm.Assessment != nil {
				c["assessment"]++
			}
		}
	}
	return c
}

func gcpCounts(w *World) map[string]int {
	c := map[string]int{}
	for _, p := range w.GCP.Projects {
		c["project"]++
		c["network"] += len(p.Networks)
		c["firewall"] += len(p.Firewalls)
		c["instance"] += len(p.Instances)
		c["disk"] += len(p.Disks)
		c["bucket"] += len(p.Buckets)
		c["sqlInstance"] += len(p.SQLInstances)
		c["serviceAccount"] += len(p.ServiceAccounts)
		c["keyRing"] += len(p.KeyRings)
		for _, r := range p.KeyRings {
			c["key"] += len(r.CryptoKeys)
		}
		for _, in := range p.Instances {
			if in.Inventory != nil {
				c["inventory"]++
			}
		}
	}
	return c
}

func total(c map[string]int, skip ...string) int {
	n := 0
	for k, v := range c {
		if !slices.Contains(skip, k) {
			n += v
		}
	}
	return n
}

func TestGenerateAzureCounts(t *testing.T) {
	w := GenerateAzure(EstateSpec{Resources: 10000, Seed: 1})
	got := azureCounts(w)
	// Four subscriptions of 2,500: the subscription, two custom roles,
	// and of the other 2,497 25 % groups, 30 % VMs and disks, 6 % storage
	// accounts, 3 % SQL servers, the rest keys, 25 a vault.
	want := map[string]int{"subscription": 4, "roleDefinition": 8, "nsg": 4 * 624, "vm": 4 * 749, "disk": 4 * 749,
		"storageAccount": 4 * 149, "sqlServer": 4 * 74, "key": 4 * 152, "vault": 4 * 7, "assessment": 4 * 675}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GenerateAzure(10000) counts = %v, want %v", got, want)
	}
	if n := total(got, "vault", "assessment"); n != 10000 {
		t.Errorf("GenerateAzure(10000) holds %d resources, want 10000", n)
	}
	if len(w.Azure.ManagementGroups) != 1 || len(w.Azure.ManagementGroups[0].Subscriptions) != 4 {
		t.Errorf("management groups = %+v, want one holding the 4 subscriptions", w.Azure.ManagementGroups)
	}
	if err := w.Azure.validate(); err != nil {
		t.Error(err)
	}
	// An estate that does not divide evenly still holds every resource.
	if n := total(azureCounts(GenerateAzure(EstateSpec{Resources: 7777, PerTarget: 1000})), "vault", "assessment"); n != 7777 {
		t.Errorf("GenerateAzure(7777, 1000 a subscription) holds %d resources, want 7777", n)
	}
}

func TestGenerateGCPCounts(t *testing.T) {
	w := GenerateGCP(EstateSpec{Resources: 10000, Seed: 1})
	got := gcpCounts(w)
	// Four projects of 2,500: the project, its network, and of the other
	// 2,498 20 % firewall rules, 30 % instances and disks, 5 % buckets,
	// 3 % Cloud SQL instances, 6 % keys (25 a ring), the rest service
	// accounts.
	want := map[string]int{"project": 4, "network": 4, "firewall": 4 * 499, "instance": 4 * 749, "disk": 4 * 749,
		"bucket": 4 * 124, "sqlInstance": 4 * 74, "key": 4 * 149, "keyRing": 4 * 6, "serviceAccount": 4 * 154, "inventory": 4 * 675}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GenerateGCP(10000) counts = %v, want %v", got, want)
	}
	if n := total(got, "keyRing", "inventory"); n != 10000 {
		t.Errorf("GenerateGCP(10000) holds %d resources, want 10000", n)
	}
	if err := w.GCP.validate(); err != nil {
		t.Error(err)
	}
	if n := total(gcpCounts(GenerateGCP(EstateSpec{Resources: 7777, PerTarget: 1000})), "keyRing", "inventory"); n != 7777 {
		t.Errorf("GenerateGCP(7777, 1000 a project) holds %d resources, want 7777", n)
	}
}

// TestGenerateIsDeterministic checks that a seed makes the same estate,
// and another seed another one with the same counts.
func TestGenerateIsDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name     string
		generate func(EstateSpec) *World
		counts   func(*World) map[string]int
	}{
		{"azure", GenerateAzure, azureCounts},
		{"gcp", GenerateGCP, gcpCounts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := EstateSpec{Resources: 3000, Seed: 7}
			a, b := marshal(t, tc.generate(spec)), marshal(t, tc.generate(spec))
			if a != b {
				t.Errorf("two estates of seed 7 differ")
			}
			other := tc.generate(EstateSpec{Resources: 3000, Seed: 8})
			if marshal(t, other) == a {
				t.Errorf("the estates of seeds 7 and 8 are the same, want the settings to vary")
			}
			if got, want := tc.counts(other), tc.counts(tc.generate(spec)); !reflect.DeepEqual(got, want) {
				t.Errorf("counts of seed 8 = %v, want those of seed 7, %v", got, want)
			}
		})
	}
}

func marshal(t *testing.T, w *World) string {
	t.Helper()
	b, err := yaml.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
