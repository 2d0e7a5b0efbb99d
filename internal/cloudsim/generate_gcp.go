package cloudsim

import (
	"fmt"
	"math/rand"
)

// BenchGCPOrganization is the organization a generated Google Cloud
// estate's projects belong to.
const BenchGCPOrganization = "100000000001"

var benchGCPZones = []string{"europe-west3-a", "europe-west3-b", "us-central1-a"}

// gcpShares are a project's resources besides the project and its
// network.
type gcpShares struct{ firewalls, instances, disks, buckets, sql, keys, accounts int }

func gcpSplit(n int) gcpShares {
	var s gcpShares
	s.firewalls, s.instances, s.disks, s.buckets, s.sql, s.keys = n*20/100, n*30/100, n*30/100, n*5/100, n*3/100, n*6/100
	s.accounts = n - s.firewalls - s.instances - s.disks - s.buckets - s.sql - s.keys
	return s
}

const gcpKeysPerRing = 25 // keys in a generated key ring

// GenerateGCP builds an organization of about spec.Resources resources in
// projects of about spec.PerTarget each, all directly under the
// organization. A project is one resource, plus its default network; the
// rest is 20 % firewall rules, 30 % instances over three zones (nine in
// ten reporting an OS Config inventory and vulnerability report), 30 %
// disks, 5 % buckets, 3 % Cloud SQL instances, 6 % KMS keys (25 a key
// ring) and 6 % service accounts (one user-managed key each). Every
// project has one patch deployment.
func GenerateGCP(spec EstateSpec) *World {
	projects, share := spec.targets()
	rng := rand.New(rand.NewSource(spec.Seed))
	w := &World{}
	w.GCP.Organizations = []GCPNode{{ID: BenchGCPOrganization, DisplayName: "bench.example"}}
	for p := range projects {
		w.GCP.Projects = append(w.GCP.Projects, generateProject(p, share(p), rng))
	}
	return w
}

func generateProject(p, n int, rng *rand.Rand) *GCPProject {
	id := fmt.Sprintf("bench-%04d", p)
	proj := &GCPProject{ID: id, Number: fmt.Sprintf("%012d", 700000000000+p), Parent: "organizations/" + BenchGCPOrganization, Name: id,
		Labels:   map[string]string{"env": []string{"prod", "dev", "test"}[p%3]},
		Networks: []*GCPNetwork{{Name: "default", AutoCreateSubnetworks: true}},
		IAMPolicy: GCPPolicy{Bindings: []GCPBinding{
			{Role: "roles/owner", Members: []string{"user:lead@bench.example", "group:platform@bench.example"}},
			{Role: "roles/viewer", Members: []string{"group:auditors@bench.example"}},
		}},
		PatchDeployments: []*GCPPatchDeployment{{Name: "weekly", GroupLabels: []map[string]string{{"patch": "weekly"}}}},
	}
	sh := gcpSplit(max(0, n-2))
	labels := func(i int) map[string]string { return map[string]string{"env": []string{"prod", "dev", "test"}[i%3]} }
	for i := range sh.firewalls {
		fw := &GCPFirewall{Name: fmt.Sprintf("allow-https-%d", i), Network: "default", SourceRanges: []string{"0.0.0.0/0"},
			TargetTags: []string{fmt.Sprintf("web-%d", i)}, Allowed: []GCPFirewallRule{{Protocol: "tcp", Ports: []string{"443"}}}}
		if rng.Intn(50) == 0 {
			fw.Allowed = append(fw.Allowed, GCPFirewallRule{Protocol: "tcp", Ports: []string{"22"}})
		}
		proj.Firewalls = append(proj.Firewalls, fw)
	}
	for i := range sh.instances {
		in := &GCPInstance{Name: fmt.Sprintf("vm-%d", i), ID: fmt.Sprintf("%d%06d", 4400000000000+p, i), Zone: benchGCPZones[i%len(benchGCPZones)], Labels: labels(i)}
		if i%10 != 9 {
			in.Labels["patch"] = "weekly"
			updated := benchEpoch.AddDate(0, 0, -rng.Intn(10)).Format("2006-01-02T15:04:05Z")
			in.Inventory = &GCPInventory{UpdateTime: updated, LongName: "Debian GNU/Linux 12", ShortName: "debian", Version: "12"}
			in.VulnerabilityReport = &GCPVulnerabilityReport{UpdateTime: updated}
			if rng.Intn(4) == 0 {
				in.Inventory.Available = []GCPPackage{{ID: "1", Kind: "apt", Name: "openssl"}}
				in.VulnerabilityReport.Vulnerabilities = []GCPVulnerability{{CVE: "CVE-2026-0001", Severity: "HIGH", CVSSv3: 8.1, Available: []string{"1"}}}
			}
		}
		proj.Instances = append(proj.Instances, in)
	}
	for i := range sh.disks {
		d := &GCPDisk{Name: fmt.Sprintf("disk-%d", i), Zone: benchGCPZones[i%len(benchGCPZones)], Labels: labels(i)}
		if sh.instances > 0 {
			in := proj.Instances[i%sh.instances]
			d.Zone, d.Users = in.Zone, []string{in.Name}
		}
		if rng.Intn(4) == 0 {
			d.KMSKeyName = fmt.Sprintf("projects/%s/locations/europe-west3/keyRings/ring-0/cryptoKeys/key-0", id)
		}
		proj.Disks = append(proj.Disks, d)
	}
	for i := range sh.buckets {
		b := &GCPBucket{Name: fmt.Sprintf("%s-bucket-%d", id, i), Location: "EU", Labels: labels(i),
			IAMPolicy: GCPPolicy{Bindings: []GCPBinding{{Role: "roles/storage.admin", Members: []string{"projectOwner:" + id}}}}}
		if rng.Intn(40) == 0 {
			b.IAMPolicy.Bindings = append(b.IAMPolicy.Bindings, GCPBinding{Role: "roles/storage.objectViewer", Members: []string{"allUsers"}})
		}
		proj.Buckets = append(proj.Buckets, b)
	}
	for i := range sh.sql {
		mode := "ENCRYPTED_ONLY"
		if rng.Intn(10) == 0 {
			mode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
		}
		proj.SQLInstances = append(proj.SQLInstances, &GCPSQLInstance{Name: fmt.Sprintf("sql-%d", i), Region: "europe-west3",
			DatabaseVersion: "POSTGRES_16", SSLMode: mode, Labels: labels(i)})
	}
	for k := range sh.keys {
		if k%gcpKeysPerRing == 0 {
			proj.KeyRings = append(proj.KeyRings, &GCPKeyRing{Name: fmt.Sprintf("ring-%d", k/gcpKeysPerRing), Location: "europe-west3"})
		}
		key := &GCPCryptoKey{Name: fmt.Sprintf("key-%d", k), Labels: labels(k)}
		if rng.Intn(3) != 0 {
			key.RotationPeriod = "7776000s"
		}
		ring := proj.KeyRings[len(proj.KeyRings)-1]
		ring.CryptoKeys = append(ring.CryptoKeys, key)
	}
	for i := range sh.accounts {
		created := benchEpoch.AddDate(0, 0, -rng.Intn(400)).Format("2006-01-02T15:04:05Z")
		key := &GCPSAKey{ID: fmt.Sprintf("%012x", i), ValidAfterTime: created, ValidBeforeTime: "9999-12-31T23:59:59Z"}
		if rng.Intn(3) != 0 {
			key.LastAuthenticated = benchEpoch.AddDate(0, 0, -rng.Intn(30)).Format("2006-01-02T15:04:05Z")
		}
		proj.ServiceAccounts = append(proj.ServiceAccounts, &GCPServiceAccount{Email: fmt.Sprintf("sa-%d@%s.iam.gserviceaccount.com", i, id),
			Keys: []*GCPSAKey{key}})
	}
	return proj
}
