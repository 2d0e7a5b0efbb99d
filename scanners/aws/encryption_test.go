package aws

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
)

// encRegions are the regions the encryption tests scan; the world's bucket
// in us-east-1 lies outside them.
var encRegions = []string{"eu-central-1", "eu-west-1"}

// encKey is the ARN of key id in the test account.
func encKey(region, id string) string {
	return "arn:aws:kms:" + region + ":111111111111:key/" + id
}

// encryptionWorld has one account. eu-central-1 encrypts new volumes by
// default and holds: customer keys with yearly rotation (orders-db), none
// (legacy), a 730-day period, an RSA key and one pending deletion, besides
// the AWS-managed aws/ebs and aws/rds keys; twelve volumes (vol-00 under
// aws/ebs and attached, vol-01 under orders-db, vol-02 unencrypted,
// vol-03 under another account's key, the rest under aws/ebs); RDS
// instances encrypted with orders-db and with aws/rds, one unencrypted,
// and twenty unencrypted fillers; two load balancers. eu-west-1 does not
// encrypt by default and holds one rotating customer key. Five buckets:
// SSE-S3 with a TLS-only policy, SSE-KMS under the eu-west-1 key, none at
// all, SSE-KMS with the aws/s3 key, and one in a region not scanned.
// Tagged: the key orders-db (three tags, so two pages at the test's page
// size), the load balancer web and the bucket logs.
func encryptionWorld() string {
	var vols, dbs strings.Builder
	for i := 4; i < 12; i++ {
		fmt.Fprintf(&vols, "            - {id: vol-%02d, encrypted: true, kmsKeyId: alias/aws/ebs}\n", i)
	}
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&dbs, "            - {id: filler-%02d, engine: mysql}\n", i)
	}
	return `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      buckets:
        - name: logs
          region: eu-central-1
          encryption: AES256
          tags: {team: payments, env: prod}
          policy: |
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
               "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
               "Condition": {"Bool": {"aws:SecureTransport": false}}},
              {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:role/reader"]},
               "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::logs/*"}]}
        - {name: data, region: eu-west-1, encryption: "aws:kms", kmsKeyId: "arn:aws:kms:eu-west-1:111111111111:key/cmk-west"}
        - {name: open, region: eu-central-1}
        - {name: kmsdefault, region: eu-central-1, encryption: "aws:kms"}
        - {name: outside, region: us-east-1, encryption: AES256}
      regions:
        eu-central-1:
          ebsEncryptionByDefault: true
          keys:
            - {id: cmk-rot, rotation: true, aliases: [orders-db], tags: {team: payments, env: prod, app: orders}}
            - {id: cmk-norot, aliases: [alias/legacy]}
            - {id: cmk-730, rotation: true, rotationPeriodDays: 730}
            - {id: cmk-rsa, keySpec: RSA_2048}
            - {id: cmk-going, rotation: true, keyState: PendingDeletion}
            - {id: aws-ebs, keyManager: AWS, aliases: [aws/ebs]}
            - {id: aws-rds, keyManager: AWS, aliases: [aws/rds]}
          volumes:
            - {id: vol-00, encrypted: true, attachedTo: i-1, tags: {Name: web-root, team: web}}
            - {id: vol-01, encrypted: true, kmsKeyId: cmk-rot}
            - {id: vol-02}
            - {id: vol-03, encrypted: true, kmsKeyId: "arn:aws:kms:eu-central-1:222222222222:key/shared"}
` + vols.String() + `
          dbInstances:
            - {id: orders, engine: postgres, storageEncrypted: true, kmsKeyId: cmk-rot}
            - {id: legacy, engine: mysql}
            - {id: reports, engine: postgres, storageEncrypted: true, kmsKeyId: alias/aws/rds}
` + dbs.String() + `
          loadBalancers:
            - name: web
              tags: {team: web, env: prod}
              listeners:
                - {port: 443, protocol: HTTPS, sslPolicy: ELBSecurityPolicy-2016-08}
                - {port: 80, protocol: HTTP, redirectToHttps: true}
            - name: api
              listeners:
                - {port: 443, protocol: HTTPS, sslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06}
        eu-west-1:
          keys:
            - {id: cmk-west, rotation: true}
`
}

// encSmallPages lowers the page sizes so the world takes several pages of
// every list, and restores them after the test.
func encSmallPages(t *testing.T) {
	t.Helper()
	saved := []int32{volumePageSize, kmsKeyPageSize, kmsAliasPageSize, kmsTagPageSize, rdsPageSize, elbPageSize, bucketPageSize}
	savedSSL, savedTags := sslPolicyBatch, elbTagBatch
	volumePageSize, kmsKeyPageSize, kmsAliasPageSize, kmsTagPageSize, rdsPageSize, elbPageSize, bucketPageSize = 5, 3, 2, 2, 20, 1, 2
	sslPolicyBatch, elbTagBatch = 1, 1
	t.Cleanup(func() {
		volumePageSize, kmsKeyPageSize, kmsAliasPageSize, kmsTagPageSize, rdsPageSize, elbPageSize, bucketPageSize = saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6]
		sslPolicyBatch, elbTagBatch = savedSSL, savedTags
	})
}

func scanEncryptionWorld(t *testing.T, faults *cloudsim.Faults) (*cloudsim.Server, *inventory.Inventory) {
	t.Helper()
	encSmallPages(t)
	srv, o := startSim(t, encryptionWorld())
	if faults != nil {
		srv.SetFaults(*faults)
	}
	inv := scanDomain(t, o, inventory.Encryption, scanners.Target{ID: "111111111111", Regions: encRegions})
	return srv, inv
}

func TestEncryptionScan(t *testing.T) {
	srv, inv := scanEncryptionWorld(t, nil)
	if len(inv.Errors) != 0 {
		t.Errorf("errors = %+v, want none", inv.Errors)
	}

	// Operations and requests: every page, one DescribeKey per key, one
	// rotation read per enabled customer symmetric key, no writes.
	wantCounts := map[string]int{
		"sts:GetCallerIdentity":                      1,     // the account behind the credentials
		"ec2:DescribeVolumes":                        3 + 1, // 12 volumes by 5; an empty region
		"ec2:GetEbsEncryptionByDefault":              2,
		"kms:ListKeys":                               3 + 1, // 7 keys by 3; 1 key
		"kms:ListAliases":                            2 + 1, // 4 aliases by 2; none
		"kms:DescribeKey":                            7 + 1,
		"kms:GetKeyRotationStatus":                   3 + 1, // cmk-rot, cmk-norot, cmk-730; cmk-west
		"kms:ListResourceTags":                       6 + 1, // 5 customer keys, cmk-rot's 3 tags by 2; cmk-west
		"rds:DescribeDBInstances":                    2 + 1, // 23 instances by 20; none
		"elasticloadbalancing:DescribeLoadBalancers": 2 + 1, // 2 by 1; none
		"elasticloadbalancing:DescribeListeners":     2 + 1, // web's 2 by 1, api's 1
		"elasticloadbalancing:DescribeSSLPolicies":   2,     // 2 policies by 1
		"elasticloadbalancing:DescribeTags":          2,     // 2 load balancers by 1
		"s3:ListBuckets":                             3,     // 5 buckets by 2
		"s3:GetBucketEncryption":                     4,     // not the bucket outside the scanned regions
		"s3:GetBucketPolicy":                         4,
		"s3:GetBucketTagging":                        4,
	}
	if got := srv.Counts(); !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("requests per operation = %v, want %v", got, wantCounts)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}

	const central, west = "eu-central-1", "eu-west-1"
	t.Run("volumes", func(t *testing.T) {
		vols := byType(inv, inventory.AWSVolume)
		if len(vols) != 12 {
			t.Errorf("read %d volumes, want 12", len(vols))
		}
		ebsKey := encKey(central, "aws-ebs")
		for _, tc := range []struct {
			id   string
			want inventory.Volume
			name string
		}{
			{"vol-00", inventory.Volume{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), KeyID: ebsKey, AttachedTo: []string{"i-1"}}, "web-root"},
			{"vol-01", inventory.Volume{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyCustomer), KeyID: encKey(central, "cmk-rot")}, ""},
			{"vol-02", inventory.Volume{Encrypted: inventory.False}, ""},
			{"vol-03", inventory.Volume{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyCustomer), KeyID: "arn:aws:kms:eu-central-1:222222222222:key/shared"}, ""},
			{"vol-11", inventory.Volume{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), KeyID: ebsKey}, ""},
		} {
			r, ok := vols[tc.id]
			if !ok {
				t.Errorf("volume %s missing", tc.id)
				continue
			}
			if r.Volume == nil || !reflect.DeepEqual(*r.Volume, tc.want) {
				t.Errorf("volume %s = %+v, want %+v", tc.id, r.Volume, tc.want)
			}
			if r.Name != tc.name || r.Region != central || r.Target != "111111111111" {
				t.Errorf("volume %s name, region, target = %q, %q, %q; want %q, %s, 111111111111", tc.id, r.Name, r.Region, r.Target, tc.name, central)
			}
		}
		if got := vols["vol-00"].Tags; !reflect.DeepEqual(got, map[string]string{"Name": "web-root", "team": "web"}) {
			t.Errorf("vol-00 tags = %v, want Name=web-root team=web", got)
		}
	})

	t.Run("ebs default", func(t *testing.T) {
		defs := byType(inv, inventory.AWSEBSDefault)
		for region, want := range map[string]bool{central: true, west: false} {
			id := "arn:aws:ec2:" + region + ":111111111111:ebs-encryption-by-default"
			r, ok := defs[id]
			if !ok || r.Region != region || r.EncryptionDefault == nil {
				t.Errorf("EBS default %s = %+v, want one in %s", id, r, region)
				continue
			}
			if got := r.EncryptionDefault.Enabled; got != inventory.Known(want) {
				t.Errorf("EBS default in %s = %v, want %v", region, got, want)
			}
		}
		if len(defs) != 2 {
			t.Errorf("read %d EBS defaults, want 2", len(defs))
		}
	})

	t.Run("kms keys", func(t *testing.T) {
		keys := byType(inv, inventory.AWSKMSKey)
		customer := inventory.Known(inventory.KeyCustomer)
		want := map[string]struct {
			name string
			key  inventory.Key
		}{
			encKey(central, "cmk-rot"): {"orders-db", inventory.Key{KeyManager: customer, State: "Enabled", RotationEnabled: inventory.True,
				RotationPeriodDays: inventory.Known(365), Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS"}},
			encKey(central, "cmk-norot"): {"legacy", inventory.Key{KeyManager: customer, State: "Enabled", RotationEnabled: inventory.False,
				Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS"}},
			encKey(central, "cmk-730"): {"", inventory.Key{KeyManager: customer, State: "Enabled", RotationEnabled: inventory.True,
				RotationPeriodDays: inventory.Known(730), Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS"}},
			// Asymmetric: no rotation read, so no setting, and the control
			// leaves it out by its symmetry.
			encKey(central, "cmk-rsa"):   {"", inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.False, Origin: "AWS_KMS"}},
			encKey(central, "cmk-going"): {"", inventory.Key{KeyManager: customer, State: "PendingDeletion", Symmetric: inventory.True, Origin: "AWS_KMS"}},
			encKey(west, "cmk-west"): {"", inventory.Key{KeyManager: customer, State: "Enabled", RotationEnabled: inventory.True,
				RotationPeriodDays: inventory.Known(365), Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS"}},
		}
		got := map[string]bool{}
		for id, r := range keys {
			got[id] = true
			w, ok := want[id]
			if !ok {
				t.Errorf("recorded key %s, which is not customer-managed", id)
				continue
			}
			if r.Key == nil || !reflect.DeepEqual(*r.Key, w.key) || r.Name != w.name {
				t.Errorf("key %s = %q %+v, want %q %+v", id, r.Name, r.Key, w.name, w.key)
			}
			var wantTags map[string]string
			if id == encKey(central, "cmk-rot") {
				wantTags = map[string]string{"team": "payments", "env": "prod", "app": "orders"}
			}
			if !reflect.DeepEqual(r.Tags, wantTags) {
				t.Errorf("key %s tags = %v, want %v", id, r.Tags, wantTags)
			}
		}
		for id := range want {
			if !got[id] {
				t.Errorf("key %s missing", id)
			}
		}
	})

	t.Run("databases", func(t *testing.T) {
		dbs := byType(inv, inventory.AWSDBInstance)
		if len(dbs) != 23 {
			t.Errorf("read %d DB instances, want 23", len(dbs))
		}
		for _, tc := range []struct {
			name string
			want inventory.Database
		}{
			{"orders", inventory.Database{Engine: "postgres", StorageEncrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyCustomer)}},
			{"legacy", inventory.Database{Engine: "mysql", StorageEncrypted: inventory.False}},
			{"reports", inventory.Database{Engine: "postgres", StorageEncrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider)}},
		} {
			id := "arn:aws:rds:eu-central-1:111111111111:db:" + tc.name
			r, ok := dbs[id]
			if !ok {
				t.Errorf("DB instance %s missing", id)
				continue
			}
			if r.Name != tc.name || r.Database == nil || !reflect.DeepEqual(*r.Database, tc.want) {
				t.Errorf("DB instance %s = %q %+v, want %q %+v", id, r.Name, r.Database, tc.name, tc.want)
			}
			if r.Upgrade != nil {
				t.Errorf("DB instance %s has an upgrade facet %+v; the patching scanner records that", id, r.Upgrade)
			}
		}
	})

	t.Run("listeners", func(t *testing.T) {
		byName := map[string]inventory.Resource{}
		for _, r := range byType(inv, inventory.AWSListener) {
			byName[r.Name] = r
			if !strings.HasPrefix(r.ID, "arn:aws:elasticloadbalancing:eu-central-1:111111111111:listener/") {
				t.Errorf("listener %s has id %q, want its listener ARN", r.Name, r.ID)
			}
		}
		want := map[string]inventory.TLSEndpoint{
			"web:443": {Protocol: "HTTPS", Policy: "ELBSecurityPolicy-2016-08", MinTLSVersion: inventory.Known("1.0")},
			"web:80":  {Protocol: "HTTP"},
			"api:443": {Protocol: "HTTPS", Policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", MinTLSVersion: inventory.Known("1.2")},
		}
		if len(byName) != len(want) {
			t.Errorf("read listeners %v, want %d", slices.Sorted(maps.Keys(byName)), len(want))
		}
		for name, w := range want {
			r, ok := byName[name]
			if !ok || r.TLS == nil || !reflect.DeepEqual(*r.TLS, w) {
				t.Errorf("listener %s = %+v, want %+v", name, r.TLS, w)
			}
		}
		// Listeners carry their load balancer's tags.
		webTags := map[string]string{"team": "web", "env": "prod"}
		for name, want := range map[string]map[string]string{"web:443": webTags, "web:80": webTags, "api:443": nil} {
			if got := byName[name].Tags; !reflect.DeepEqual(got, want) {
				t.Errorf("listener %s tags = %v, want %v", name, got, want)
			}
		}
	})

	t.Run("buckets", func(t *testing.T) {
		buckets := byType(inv, inventory.AWSBucket)
		logsPolicy := []inventory.Statement{
			{Effect: "Deny", Principals: []string{"*"}, Actions: []string{"s3:*"}, Resources: []string{"arn:aws:s3:::logs", "arn:aws:s3:::logs/*"},
				Conditions: []inventory.Condition{{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}}}},
			{Effect: "Allow", Principals: []string{"arn:aws:iam::111111111111:role/reader"}, Actions: []string{"s3:GetObject", "s3:ListBucket"},
				Resources: []string{"arn:aws:s3:::logs/*"}},
		}
		none := inventory.Known([]inventory.Statement{})
		want := map[string]struct {
			region string
			st     inventory.Storage
		}{
			"logs":       {central, inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), Policy: inventory.Known(logsPolicy)}},
			"data":       {west, inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyCustomer), Policy: none}},
			"open":       {central, inventory.Storage{Encrypted: inventory.False, Policy: none}},
			"kmsdefault": {central, inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), Policy: none}},
		}
		if len(buckets) != len(want) {
			t.Errorf("read %d buckets, want %d (not the one outside the scanned regions)", len(buckets), len(want))
		}
		for name, w := range want {
			r, ok := buckets["arn:aws:s3:::"+name]
			if !ok || r.Storage == nil {
				t.Errorf("bucket %s missing", name)
				continue
			}
			if r.Name != name || r.Region != w.region || !reflect.DeepEqual(*r.Storage, w.st) {
				t.Errorf("bucket %s = %q in %s %+v, want %q in %s %+v", name, r.Name, r.Region, *r.Storage, name, w.region, w.st)
			}
			var wantTags map[string]string // NoSuchTagSet: no tags, no error
			if name == "logs" {
				wantTags = map[string]string{"team": "payments", "env": "prod"}
			}
			if !reflect.DeepEqual(r.Tags, wantTags) {
				t.Errorf("bucket %s tags = %v, want %v", name, r.Tags, wantTags)
			}
		}
	})

	// A declaration entry matching by tag now reaches keys, listeners and
	// buckets: their findings go to the party it names.
	t.Run("ownership by tag", func(t *testing.T) {
		decl, err := declaration.Parse("t.yaml", []byte(`version: 1
parties:
  - {id: acme, role: customer}
  - {id: payments, role: customer}
  - {id: web, role: customer}
responsibilities:
  - assign: {encryption: acme}
  - match: {cloud: aws, tags: {team: payments}}
    assign: {encryption: payments}
  - match: {cloud: aws, tags: {team: web}}
    assign: {encryption: web}
`))
		if err != nil {
			t.Fatal(err)
		}
		owner := map[string]string{}
		for _, f := range rules.Evaluate(inv, decl) {
			if f.Responsible != nil {
				owner[f.Control+" "+f.Resource.ID] = f.Responsible.Party
			}
		}
		listeners := map[string]string{}
		for _, r := range byType(inv, inventory.AWSListener) {
			listeners[r.Name] = r.ID
		}
		for _, tc := range []struct{ control, resource, want string }{
			{"encryption.insecure_transport_allowed", "arn:aws:s3:::logs", "payments"},
			{"encryption.insecure_transport_allowed", "arn:aws:s3:::open", "acme"},
			{"encryption.key_rotation_disabled", encKey(central, "cmk-rot"), "payments"},
			{"encryption.key_rotation_disabled", encKey(central, "cmk-norot"), "acme"},
			{"encryption.outdated_tls", listeners["web:443"], "web"},
			{"encryption.outdated_tls", listeners["api:443"], "acme"},
		} {
			if got := owner[tc.control+" "+tc.resource]; got != tc.want {
				t.Errorf("%s on %s is assigned to %q, want %q", tc.control, tc.resource, got, tc.want)
			}
		}
	})

	t.Run("controls", func(t *testing.T) {
		decl, err := declaration.Parse("t.yaml", []byte(`version: 1
parties:
  - id: acme
    role: customer
responsibilities:
  - assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}
`))
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]controls.Status{}
		for _, f := range rules.Evaluate(inv, decl) {
			status[f.Control+" "+f.Resource.ID] = f.Status
		}
		const (
			unencrypted = "encryption.volume_unencrypted"
			rotation    = "encryption.key_rotation_disabled"
			ebsDefault  = "encryption.volume_default_encryption_disabled"
			database    = "encryption.database_unencrypted"
			tls         = "encryption.outdated_tls"
			transport   = "encryption.insecure_transport_allowed"
		)
		for _, tc := range []struct {
			control, resource string
			want              controls.Status // "" when the control must not report the resource
		}{
			{unencrypted, "vol-02", controls.Fail},
			{unencrypted, "vol-00", controls.Pass},
			{unencrypted, "vol-01", controls.Pass},
			{rotation, encKey(central, "cmk-norot"), controls.Fail},
			{rotation, encKey(central, "cmk-730"), controls.Fail},
			{rotation, encKey(central, "cmk-rot"), controls.Pass},
			{rotation, encKey(central, "cmk-rsa"), ""},
			{rotation, encKey(central, "cmk-going"), ""},
			{ebsDefault, "arn:aws:ec2:eu-west-1:111111111111:ebs-encryption-by-default", controls.Fail},
			{ebsDefault, "arn:aws:ec2:eu-central-1:111111111111:ebs-encryption-by-default", controls.Pass},
			{database, "arn:aws:rds:eu-central-1:111111111111:db:legacy", controls.Fail},
			{database, "arn:aws:rds:eu-central-1:111111111111:db:orders", controls.Pass},
			{transport, "arn:aws:s3:::logs", controls.Pass},
			{transport, "arn:aws:s3:::open", controls.Fail},
		} {
			if got := status[tc.control+" "+tc.resource]; got != tc.want {
				t.Errorf("%s on %s = %q, want %q", tc.control, tc.resource, got, tc.want)
			}
		}
		var tlsFail, tlsPass int
		for key, s := range status {
			if strings.HasPrefix(key, tls+" ") {
				switch s {
				case controls.Fail:
					tlsFail++
				case controls.Pass:
					tlsPass++
				}
			}
		}
		// web:443 accepts TLS 1.0, api:443 starts at 1.2, web:80 is left out.
		if tlsFail != 1 || tlsPass != 1 {
			t.Errorf("%s: %d fail, %d pass; want 1 and 1", tls, tlsFail, tlsPass)
		}
	})
}

// TestEncryptionScanRotationDenied: a refused rotation read leaves one
// error entry per region naming the permission, and the keys' rotation
// unknown; everything else is still read.
func TestEncryptionScanRotationDenied(t *testing.T) {
	srv, inv := scanEncryptionWorld(t, &cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: "kms:GetKeyRotationStatus"}}})
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.Region+" "+e.Operation+" "+e.Permission+" "+strings.Join(e.ResourceTypes, ","))
		if e.Domain != inventory.Encryption || e.Target != "111111111111" || !strings.Contains(e.Message, "AccessDenied") {
			t.Errorf("error entry %+v, want an encryption AccessDenied entry for account 111111111111", e)
		}
	}
	want := []string{
		"eu-central-1 kms:GetKeyRotationStatus kms:GetKeyRotationStatus aws.kms.key",
		"eu-west-1 kms:GetKeyRotationStatus kms:GetKeyRotationStatus aws.kms.key",
	}
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	keys := byType(inv, inventory.AWSKMSKey)
	for _, id := range []string{encKey("eu-central-1", "cmk-rot"), encKey("eu-central-1", "cmk-norot"), encKey("eu-west-1", "cmk-west")} {
		k := keys[id].Key
		if k == nil || k.RotationEnabled.IsKnown() || k.RotationPeriodDays.IsKnown() || !k.Symmetric.IsKnown() {
			t.Errorf("key %s = %+v, want it recorded with rotation unknown", id, k)
		}
	}
	if n := len(byType(inv, inventory.AWSVolume)); n != 12 {
		t.Errorf("read %d volumes, want all 12 despite the refusal", n)
	}
	if n := srv.Counts()["kms:GetKeyRotationStatus"]; n != 4 {
		t.Errorf("GetKeyRotationStatus requests = %d, want 4 (one per eligible key, no retry of a refusal)", n)
	}
	// The control reports the unread setting as an error, never a pass.
	decl, err := declaration.Parse("t.yaml", []byte("version: 1\nparties: [{id: acme, role: customer}]\nresponsibilities: [{assign: {encryption: acme}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rules.Evaluate(inv, decl) {
		if f.Control == "encryption.key_rotation_disabled" && f.Resource.ID == encKey("eu-central-1", "cmk-rot") && f.Status != controls.Error {
			t.Errorf("key_rotation_disabled on cmk-rot = %q, want %q", f.Status, controls.Error)
		}
	}
}

// TestEncryptionScanKeysAndPolicyDenied: without kms:ListKeys no key is
// recorded and a volume's key manager is unknown unless something besides
// the catalogue tells (a key of another account is a customer's); without
// s3:GetBucketPolicy the policies are unknown and the rest of each bucket
// is read.
func TestEncryptionScanKeysAndPolicyDenied(t *testing.T) {
	_, inv := scanEncryptionWorld(t, &cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: "kms:ListKeys"}, {Action: "s3:GetBucketPolicy"}}})
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.Region+" "+e.Operation+" "+strings.Join(e.ResourceTypes, ","))
	}
	slices.Sort(got)
	want := []string{
		"eu-central-1 kms:ListKeys aws.kms.key,aws.ec2.volume,aws.rds.instance,aws.s3.bucket",
		"eu-central-1 s3:GetBucketPolicy aws.s3.bucket",
		"eu-west-1 kms:ListKeys aws.kms.key,aws.ec2.volume,aws.rds.instance,aws.s3.bucket",
		"eu-west-1 s3:GetBucketPolicy aws.s3.bucket",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	if keys := byType(inv, inventory.AWSKMSKey); len(keys) != 0 {
		t.Errorf("recorded %d keys without ListKeys, want none", len(keys))
	}
	vols := byType(inv, inventory.AWSVolume)
	for id, want := range map[string]inventory.String{
		"vol-00": {}, // the aws/ebs key, which only DescribeKey names
		"vol-01": {},
		"vol-03": inventory.Known(inventory.KeyCustomer),
	} {
		if v := vols[id].Volume; v == nil || v.KeyManager != want || v.Encrypted != inventory.True {
			t.Errorf("volume %s = %+v, want encrypted with key manager %v", id, v, want)
		}
	}
	buckets := byType(inv, inventory.AWSBucket)
	for _, name := range []string{"logs", "data", "open", "kmsdefault"} {
		st := buckets["arn:aws:s3:::"+name].Storage
		if st == nil || st.Policy.IsKnown() || !st.Encrypted.IsKnown() {
			t.Errorf("bucket %s storage = %+v, want its encryption read and its policy unknown", name, st)
		}
	}
	// The classification that did not need the catalogue still holds.
	if st := buckets["arn:aws:s3:::kmsdefault"].Storage; st == nil || st.KeyManager != inventory.Known(inventory.KeyProvider) {
		t.Errorf("bucket kmsdefault storage = %+v, want the provider's key", st)
	}
}

// TestEncryptionScanTagsDenied: refused tag reads leave one error entry per
// operation and region, naming the resource types whose tags are unread,
// and those resources recorded untagged with everything else read.
func TestEncryptionScanTagsDenied(t *testing.T) {
	srv, inv := scanEncryptionWorld(t, &cloudsim.Faults{AccessDenied: []cloudsim.Denial{
		{Action: "kms:ListResourceTags"}, {Action: "elasticloadbalancing:DescribeTags"}, {Action: "s3:GetBucketTagging"}}})
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.Region+" "+e.Operation+" "+e.Permission+" "+strings.Join(e.ResourceTypes, ","))
	}
	slices.Sort(got)
	want := []string{
		"eu-central-1 elasticloadbalancing:DescribeTags elasticloadbalancing:DescribeTags aws.elbv2.listener",
		"eu-central-1 kms:ListResourceTags kms:ListResourceTags aws.kms.key",
		"eu-central-1 s3:GetBucketTagging s3:GetBucketTagging aws.s3.bucket",
		"eu-west-1 kms:ListResourceTags kms:ListResourceTags aws.kms.key",
		"eu-west-1 s3:GetBucketTagging s3:GetBucketTagging aws.s3.bucket",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	// Each refusal is made once: no retry, and no second page asked for.
	for op, n := range map[string]int{"kms:ListResourceTags": 6, "elasticloadbalancing:DescribeTags": 2, "s3:GetBucketTagging": 4} {
		if got := srv.Counts()[op]; got != n {
			t.Errorf("%s requests = %d, want %d", op, got, n)
		}
	}
	for _, tc := range []struct {
		typ  string
		n    int
		read func(inventory.Resource) bool
	}{
		{inventory.AWSKMSKey, 6, func(r inventory.Resource) bool { return r.Key != nil && r.Key.KeyManager.IsKnown() }},
		{inventory.AWSListener, 3, func(r inventory.Resource) bool { return r.TLS != nil && r.TLS.Protocol != "" }},
		{inventory.AWSBucket, 4, func(r inventory.Resource) bool { return r.Storage != nil && r.Storage.Encrypted.IsKnown() }},
	} {
		rs := byType(inv, tc.typ)
		if len(rs) != tc.n {
			t.Errorf("read %d %s, want all %d despite the refusal", len(rs), tc.typ, tc.n)
		}
		for id, r := range rs {
			if r.Tags != nil || !tc.read(r) {
				t.Errorf("%s %s = tags %v, %+v; want it recorded untagged with the rest read", tc.typ, id, r.Tags, r)
			}
		}
	}
}

// TestEncryptionScanLoadBalancerTagBatches: DescribeTags names at most 20
// load balancers a call (the simulator refuses more, as ELBv2 does), so 45
// take three calls, and each listener gets its own load balancer's tags.
func TestEncryptionScanLoadBalancerTagBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString(`
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          loadBalancers:
`)
	for i := range 45 {
		fmt.Fprintf(&b, "            - {name: lb-%02d, tags: {n: \"%d\"}, listeners: [{port: 80, protocol: HTTP}]}\n", i, i)
	}
	srv, o := startSim(t, b.String())
	inv := scanDomain(t, o, inventory.Encryption, scanners.Target{ID: "111111111111", Regions: []string{"eu-central-1"}})
	if len(inv.Errors) != 0 {
		t.Errorf("errors = %+v, want none", inv.Errors)
	}
	counts := srv.Counts()
	for op, n := range map[string]int{"elasticloadbalancing:DescribeTags": 3, "elasticloadbalancing:DescribeListeners": 45} {
		if counts[op] != n {
			t.Errorf("%s requests = %d, want %d", op, counts[op], n)
		}
	}
	listeners := byType(inv, inventory.AWSListener)
	if len(listeners) != 45 {
		t.Errorf("read %d listeners, want 45", len(listeners))
	}
	for _, r := range listeners {
		var i int
		if _, err := fmt.Sscanf(r.Name, "lb-%d:80", &i); err != nil {
			t.Errorf("listener name %q, want lb-NN:80", r.Name)
			continue
		}
		if want := map[string]string{"n": fmt.Sprint(i)}; !reflect.DeepEqual(r.Tags, want) {
			t.Errorf("listener %s tags = %v, want %v", r.Name, r.Tags, want)
		}
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}

// unplacedBucketsWorld has six buckets, five of which ListBuckets names no
// region for (omitRegion, as S3-compatible endpoints answer): one each in
// eu-central-1 and eu-west-1, one in us-east-1 named so and one in it by
// default (both an empty LocationConstraint), and one in ap-southeast-2,
// which the scan does not cover. The sixth, "placed", has its region in
// ListBuckets and must cost no GetBucketLocation.
const unplacedBucketsWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      buckets:
        - {name: placed, region: eu-central-1, encryption: AES256}
        - {name: unplaced-central, region: eu-central-1, omitRegion: true, encryption: "aws:kms"}
        - {name: unplaced-west, region: eu-west-1, omitRegion: true}
        - {name: unplaced-east, region: us-east-1, omitRegion: true, encryption: AES256}
        - {name: unplaced-default, omitRegion: true, encryption: AES256}
        - {name: unplaced-sydney, region: ap-southeast-2, omitRegion: true, encryption: AES256}
`

// TestEncryptionScanBucketsWithoutRegion: buckets whose ListBuckets entry
// names no region are placed by GetBucketLocation, one call each and none
// for a bucket whose region is named; when GetBucketLocation is refused,
// those buckets are reported unread in one error entry and the placed
// bucket is still read.
func TestEncryptionScanBucketsWithoutRegion(t *testing.T) {
	regions := []string{"eu-central-1", "eu-west-1", "us-east-1"}
	// The regions hold nothing but the buckets: one page of every regional
	// list per region.
	regional := func(counts map[string]int) map[string]int {
		for _, op := range []string{"ec2:DescribeVolumes", "ec2:GetEbsEncryptionByDefault", "kms:ListKeys", "kms:ListAliases",
			"rds:DescribeDBInstances", "elasticloadbalancing:DescribeLoadBalancers"} {
			counts[op] = len(regions)
		}
		counts["sts:GetCallerIdentity"] = 1
		counts["s3:ListBuckets"] = 3 // 6 buckets by 2
		return counts
	}
	none := inventory.Known([]inventory.Statement{})
	type bucket struct {
		region string
		st     inventory.Storage
	}
	placed := bucket{"eu-central-1", inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), Policy: none}}

	for _, tc := range []struct {
		name       string
		faults     *cloudsim.Faults
		wantCounts map[string]int
		wantErrors []string // "region operation permission types"
		want       map[string]bucket
	}{
		{
			name: "located",
			wantCounts: regional(map[string]int{
				"s3:GetBucketLocation":   5, // the unplaced buckets only
				"s3:GetBucketEncryption": 5, // not the one in ap-southeast-2
				"s3:GetBucketPolicy":     5,
				"s3:GetBucketTagging":    5,
			}),
			want: map[string]bucket{
				"placed":           placed,
				"unplaced-central": {"eu-central-1", inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), Policy: none}},
				"unplaced-west":    {"eu-west-1", inventory.Storage{Encrypted: inventory.False, Policy: none}},
				"unplaced-east":    {"us-east-1", inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), Policy: none}},
				"unplaced-default": {"us-east-1", inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), Policy: none}},
			},
		},
		{
			name:   "location denied",
			faults: &cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: "s3:GetBucketLocation"}}},
			wantCounts: regional(map[string]int{
				"s3:GetBucketLocation":   5, // each refused once, no retry
				"s3:GetBucketEncryption": 1,
				"s3:GetBucketPolicy":     1,
				"s3:GetBucketTagging":    1,
			}),
			wantErrors: []string{" s3:GetBucketLocation s3:GetBucketLocation aws.s3.bucket"},
			want:       map[string]bucket{"placed": placed},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			encSmallPages(t)
			srv, o := startSim(t, unplacedBucketsWorld)
			if tc.faults != nil {
				srv.SetFaults(*tc.faults)
			}
			inv := scanDomain(t, o, inventory.Encryption, scanners.Target{ID: "111111111111", Regions: regions})

			if got := srv.Counts(); !reflect.DeepEqual(got, tc.wantCounts) {
				t.Errorf("requests per operation = %v, want %v", got, tc.wantCounts)
			}
			if w := srv.Writes(); len(w) != 0 {
				t.Errorf("writes = %v, want none", w)
			}

			var gotErrors []string
			for _, e := range inv.Errors {
				gotErrors = append(gotErrors, e.Region+" "+e.Operation+" "+e.Permission+" "+strings.Join(e.ResourceTypes, ","))
				if e.Domain != inventory.Encryption || e.Target != "111111111111" {
					t.Errorf("error entry %+v, want an encryption entry for account 111111111111", e)
				}
				// The entry names every bucket it leaves unread.
				for _, name := range []string{"unplaced-central", "unplaced-west", "unplaced-east", "unplaced-default", "unplaced-sydney"} {
					if !strings.Contains(e.Message, name) {
						t.Errorf("error message %q does not name unread bucket %s", e.Message, name)
					}
				}
			}
			if !reflect.DeepEqual(gotErrors, tc.wantErrors) {
				t.Errorf("errors = %q, want %q", gotErrors, tc.wantErrors)
			}

			buckets := byType(inv, inventory.AWSBucket)
			if len(buckets) != len(tc.want) {
				t.Errorf("read buckets %v, want %v", slices.Sorted(maps.Keys(buckets)), slices.Sorted(maps.Keys(tc.want)))
			}
			for name, w := range tc.want {
				r, ok := buckets["arn:aws:s3:::"+name]
				if !ok || r.Storage == nil {
					t.Errorf("bucket %s missing", name)
					continue
				}
				if r.Name != name || r.Region != w.region || !reflect.DeepEqual(*r.Storage, w.st) {
					t.Errorf("bucket %s = %q in %s %+v, want %q in %s %+v", name, r.Name, r.Region, *r.Storage, name, w.region, w.st)
				}
			}
		})
	}
}

// TestBucketRegion: the LocationConstraint values that are not region
// names. The simulator answers only region names and the empty us-east-1
// value, so the legacy "EU" is checked here.
func TestBucketRegion(t *testing.T) {
	for _, tc := range []struct {
		constraint s3types.BucketLocationConstraint
		want       string
	}{
		{"", "us-east-1"},
		{"EU", "eu-west-1"},
		{"eu-west-1", "eu-west-1"},
		{"ap-southeast-2", "ap-southeast-2"},
	} {
		if got := bucketRegion(tc.constraint); got != tc.want {
			t.Errorf("bucketRegion(%q) = %q, want %q", tc.constraint, got, tc.want)
		}
	}
}

// TestEncryptionScanKeyOrigins reads keys KMS cannot rotate by itself and
// a rotation status without a period, through the SDK, and checks the
// verdicts the rotation control gives them.
func TestEncryptionScanKeyOrigins(t *testing.T) {
	_, o := startSim(t, `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          keys:
            - {id: cmk-imported, origin: EXTERNAL}
            - {id: cmk-hsm, origin: AWS_CLOUDHSM, customKeyStore: cks-0123456789abcdef0}
            - {id: cmk-xks, origin: EXTERNAL_KEY_STORE, customKeyStore: cks-fedcba9876543210f}
            - {id: cmk-early, rotation: true, omitRotationPeriod: true}
            - {id: cmk-off}
`)
	inv := scanDomain(t, o, inventory.Encryption, scanners.Target{ID: "111111111111", Regions: []string{"eu-central-1"}})
	for _, e := range inv.Errors {
		t.Errorf("scan error: %s %s: %s", e.Region, e.Operation, e.Message)
	}
	customer := inventory.Known(inventory.KeyCustomer)
	manual := func(origin string) inventory.Key {
		return inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.False, Origin: origin}
	}
	env := controls.Env{Settings: controls.DefaultSettings}
	for id, want := range map[string]struct {
		key     inventory.Key
		status  controls.Status
		message string
	}{
		"cmk-imported": {manual("EXTERNAL"), controls.NotApplicable,
			"automatic rotation does not apply to the key: its key material is imported (origin EXTERNAL), which the provider cannot rotate automatically; rotate it by hand"},
		"cmk-hsm": {manual("AWS_CLOUDHSM"), controls.NotApplicable,
			"automatic rotation does not apply to the key: it lives in a custom key store (origin AWS_CLOUDHSM), where the provider cannot rotate it automatically; rotate it by hand"},
		"cmk-xks": {manual("EXTERNAL_KEY_STORE"), controls.NotApplicable,
			"automatic rotation does not apply to the key: it lives in a custom key store (origin EXTERNAL_KEY_STORE), where the provider cannot rotate it automatically; rotate it by hand"},
		"cmk-early": {inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS",
			RotationEnabled: inventory.True}, controls.Pass,
			"the key rotates automatically every 365 days (KMS gave no RotationPeriodInDays, so AWS's default period of 365 days applies), within 365"},
		"cmk-off": {inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS",
			RotationEnabled: inventory.False}, controls.Fail, "automatic rotation is off for the customer-managed key"},
	} {
		r, ok := byType(inv, inventory.AWSKMSKey)[encKey("eu-central-1", id)]
		if !ok || r.Key == nil {
			t.Errorf("key %s not read", id)
			continue
		}
		if !reflect.DeepEqual(*r.Key, want.key) {
			t.Errorf("key %s = %+v, want %+v", id, *r.Key, want.key)
		}
		got := controls.KeyRotationDisabled.Check(env, r)
		if got.Status != want.status || got.Message != want.message {
			t.Errorf("key_rotation_disabled on %s = %q %q, want %q %q", id, got.Status, got.Message, want.status, want.message)
		}
	}
}

// TestEncryptionScanBucketPolicyNotElements reads bucket policies with
// NotPrincipal and NotResource through the SDK: each statement is kept,
// and only the verdicts such a statement could change are errors.
func TestEncryptionScanBucketPolicyNotElements(t *testing.T) {
	_, o := startSim(t, `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      buckets:
        - name: guarded
          region: eu-central-1
          encryption: AES256
          policy: |
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
               "Resource": ["arn:aws:s3:::guarded", "arn:aws:s3:::guarded/*"],
               "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
              {"Sid": "OnlyAdminDeletes", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:role/admin"},
               "Action": ["s3:DeleteObject", "s3:DeleteBucket"], "Resource": ["arn:aws:s3:::guarded", "arn:aws:s3:::guarded/*"]}]}
        - name: almost-public
          region: eu-central-1
          encryption: AES256
          policy: |
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:role/blocked"},
               "Action": "s3:GetObject", "Resource": "arn:aws:s3:::almost-public/*"}]}
        - name: oddly-denied
          region: eu-central-1
          encryption: AES256
          policy: |
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "NotResource": "arn:aws:s3:::elsewhere/*",
               "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
      regions:
        eu-central-1: {}
`)
	inv := scanDomain(t, o, inventory.Encryption, scanners.Target{ID: "111111111111", Regions: []string{"eu-central-1"}})
	for _, e := range inv.Errors {
		t.Errorf("scan error: %s %s: %s", e.Region, e.Operation, e.Message)
	}
	buckets := byType(inv, inventory.AWSBucket)
	env := controls.Env{Settings: controls.DefaultSettings}
	for _, tc := range []struct {
		bucket  string
		control *controls.Control
		want    controls.Status
		message string
	}{
		{"guarded", controls.InsecureTransportAllowed, controls.Pass, "bucket policy statement 0 denies reads and writes to everyone when aws:SecureTransport is false"},
		{"guarded", controls.PublicPrincipal, controls.Pass, "no bucket policy statement allows everyone without a condition"},
		{"almost-public", controls.PublicPrincipal, controls.Fail, "bucket policy statement 0 allows s3:GetObject to everyone without a condition " +
			"(statement 0 uses NotPrincipal with Allow, which grants every principal not listed, anonymous users included)"},
		{"almost-public", controls.InsecureTransportAllowed, controls.Fail, "no Deny statement in the bucket policy refuses plain HTTP (aws:SecureTransport=false) to everyone"},
		{"oddly-denied", controls.InsecureTransportAllowed, controls.Error, "bucket policy statement 0 (NotResource) could refuse plain HTTP in a way the evaluator does not model, " +
			"so whether plaintext access is refused is unknown"},
		{"oddly-denied", controls.PublicPrincipal, controls.Pass, "no bucket policy statement allows everyone without a condition"},
	} {
		r, ok := buckets["arn:aws:s3:::"+tc.bucket]
		if !ok {
			t.Fatalf("bucket %s not read; got %v", tc.bucket, buckets)
		}
		got := tc.control.Check(env, r)
		if got.Status != tc.want || got.Message != tc.message {
			t.Errorf("%s on %s = %q %q, want %q %q", tc.control.ID, tc.bucket, got.Status, got.Message, tc.want, tc.message)
		}
	}
}

// TestEncryptionScanTagReadsDenied: a key, bucket or load balancer whose
// tags cannot be read is recorded with its tags unknown, and its
// ownership.tag_conflict is an error rather than silently absent.
func TestEncryptionScanTagReadsDenied(t *testing.T) {
	_, inv := scanEncryptionWorld(t, &cloudsim.Faults{AccessDenied: []cloudsim.Denial{
		{Action: "kms:ListResourceTags"}, {Action: "s3:GetBucketTagging"}, {Action: "elasticloadbalancing:DescribeTags"}}})
	unknownTags := map[string]bool{}
	for _, r := range inv.Resources {
		switch r.Type {
		case inventory.AWSKMSKey, inventory.AWSBucket, inventory.AWSListener:
			if !r.TagsUnknown || r.Tags != nil {
				t.Errorf("%s %s: tags %v, unknown %v; want unknown and none", r.Type, r.ID, r.Tags, r.TagsUnknown)
			}
			unknownTags[r.ID] = true
		default:
			if r.TagsUnknown {
				t.Errorf("%s %s: tags unknown, but its tags came with its description", r.Type, r.ID)
			}
		}
	}
	decl, err := declaration.Parse("t.yaml", []byte("version: 1\nparties: [{id: acme, role: customer}]\nresponsibilities: [{assign: {encryption: acme}}]\nownershipTag: team\n"))
	if err != nil {
		t.Fatal(err)
	}
	conflicts := map[string]controls.Status{}
	for _, f := range rules.Evaluate(inv, decl) {
		if f.Control == rules.OwnershipTagConflict {
			conflicts[f.Resource.ID] = f.Status
		}
	}
	// cmk-rot is tagged team=payments in the world: with its tags read it
	// would fail; unread, it is an error, as is every resource whose tags
	// were refused. Volumes and databases carry their tags in their
	// description, so they are judged as before.
	for _, id := range []string{encKey("eu-central-1", "cmk-rot"), encKey("eu-central-1", "cmk-norot"), "arn:aws:s3:::logs"} {
		if conflicts[id] != controls.Error {
			t.Errorf("tag_conflict on %s = %q, want %q", id, conflicts[id], controls.Error)
		}
	}
	for id, s := range conflicts {
		if s == controls.Error && !unknownTags[id] {
			t.Errorf("tag_conflict on %s = error, but its tags were read", id)
		}
	}
}
