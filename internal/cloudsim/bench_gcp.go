package cloudsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
)

// GCPLimits are token buckets like Google Cloud's default per-project
// read quotas, times pace, for a world GenerateGCP built. GCP counts
// quotas per minute; a bucket holding a minute's worth, refilled at the
// per-second rate, lets as much through in any minute.
//   - Compute Engine: list requests 1,500 a minute per project, one quota
//     for every list and aggregated list ("Compute Engine rate quotas",
//     cloud.google.com/compute/api-quota).
//   - OS Config: read requests 60 a minute per user
//     (cloud.google.com/compute/docs/osconfig/os-config-quotas); the
//     simulator has no users, so it is held per project here.
//   - Cloud KMS: read requests 300 a minute per calling project
//     (cloud.google.com/kms/quotas).
//   - Cloud Asset Inventory: SearchAllResources 400 a minute per consumer
//     project (cloud.google.com/asset-inventory/docs/quota).
//   - Resource Manager: v3 list and search 10 a second, 600 a minute, per
//     consumer project (cloud.google.com/resource-manager/docs/limits);
//     getIamPolicy is one of the project's reads, 600 a minute too.
//   - IAM: read requests 6,000 a minute per project
//     (cloud.google.com/iam/quotas).
//
// Cloud SQL Admin, Cloud Storage, GKE and Policy Analyzer publish no
// default read rate that could be checked (UNCONFIRMED): they get no
// bucket. The patterns do not overlap, so every method has one bucket.
func GCPLimits(pace float64) map[string]TokenBucket {
	b := func(perMinute, capacity float64, shared string) TokenBucket {
		return TokenBucket{Capacity: max(1, capacity*pace), RefillPerSecond: perMinute / 60 * pace, Shared: shared}
	}
	return map[string]TokenBucket{
		"compute.*":              b(1500, 1500, "compute"),
		"osconfig.*":             b(60, 60, "osconfig"),
		"cloudkms.*":             b(300, 300, "cloudkms"),
		"cloudasset.*":           b(400, 400, "cloudasset"),
		"cloudresourcemanager.*": b(600, 10, "cloudresourcemanager"),
		"iam.*":                  b(6000, 6000, "iam"),
	}
}

// GCPBenchDeclaration is the declaration a generated organization is
// scanned with: the organization, and the parties of BenchDeclaration.
var GCPBenchDeclaration = benchDeclaration("gcp", `{organization: "`+BenchGCPOrganization+`"}`)

// GCPBenchEnv is the environment that points the binary's Google Cloud
// clients at the simulator srv, with Application Default Credentials
// from a service account key file (written to dir, a fresh key) whose
// token endpoint is the simulator's.
func GCPBenchEnv(srv *Server, dir string) ([]string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "bench-0000", "private_key_id": "0123456789abcdef",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "ownaudit@bench-0000.iam.gserviceaccount.com", "client_id": "1",
		"token_uri": srv.URL + "/oauth2.googleapis.com/token",
	})
	file := filepath.Join(dir, "service-account.json")
	if err := os.WriteFile(file, creds, 0o600); err != nil {
		return nil, err
	}
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + dir,
		"OWNAUDIT_GCP_ENDPOINT=" + srv.URL,
		"GOOGLE_APPLICATION_CREDENTIALS=" + file,
	}, nil
}

// MinimumGCPRequests is how many requests a scan of an organization
// GenerateGCP built needs, at the page sizes the scanners use: the token;
// the folder and project searches (the API's default page, 100) and one
// Cloud Asset search for the key rings (500 a page); per project the
// Compute lists (500 a page: firewalls, networks, instances, disks, SSL
// policies), per zone with instances an OS Config inventories and a
// vulnerability reports list (the default page, 100), the patch
// deployments, GKE clusters, Cloud SQL instances (500) and buckets
// (1,000), each bucket's IAM policy, the project's IAM policy, its
// service accounts (100 a page), each one's keys, the key activities
// (1,000 a page) and each key ring's keys (100 a page).
func MinimumGCPRequests(w *World) int {
	pages := func(n, size int) int { return max(1, (n+size-1)/size) }
	rings := 0
	for _, p := range w.GCP.Projects {
		rings += len(p.KeyRings)
	}
	n := 1 + pages(len(w.GCP.Folders), 100) + pages(len(w.GCP.Projects), 100) + pages(rings, 500)
	for _, p := range w.GCP.Projects {
		n += pages(len(p.Firewalls), 500) + pages(len(p.Networks), 500) + pages(len(p.Instances), 500) +
			pages(len(p.Disks), 500) + pages(len(p.SSLPolicies), 500)
		inventories, reports := map[string]int{}, map[string]int{}
		for _, in := range p.Instances {
			inventories[in.Zone] += boolInt(in.Inventory != nil)
			reports[in.Zone] += boolInt(in.VulnerabilityReport != nil)
		}
		for zone := range inventories {
			n += pages(inventories[zone], 100) + pages(reports[zone], 100)
		}
		n += pages(len(p.PatchDeployments), 100) + 1 + pages(len(p.SQLInstances), 500) + pages(len(p.Buckets), 1000) + len(p.Buckets)
		activities := 0
		for _, sa := range p.ServiceAccounts {
			for _, k := range sa.Keys {
				activities += boolInt(k.LastAuthenticated != "")
			}
		}
		n += 1 + pages(len(p.ServiceAccounts), 100) + len(p.ServiceAccounts) + pages(activities, 1000)
		for _, r := range p.KeyRings {
			n += pages(len(r.CryptoKeys), 100)
		}
	}
	return n
}
