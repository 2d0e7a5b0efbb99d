package cloudsim

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// kmsWorld holds, in eu-central-1, the keys named in TestKMSRotationStatus
// plus filler keys k-00..k-(extra-1) so listings take several pages.
func kmsWorld(extra int) string {
	var b strings.Builder
	for i := 0; i < extra; i++ {
		fmt.Fprintf(&b, "            - {id: k-%02d, aliases: [filler-%02d]}\n", i, i)
	}
	return `
aws:
  accessKeys: {` + storageKey + `: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          keys:
            - {id: rot, rotation: true, aliases: [alias/rotating, second], description: rotates, created: 2024-05-01T00:00:00Z}
            - {id: rot730, rotation: true, rotationPeriodDays: 730}
            - {id: norot}
            - {id: rsa, keySpec: RSA_2048}
            - {id: hmac, keySpec: HMAC_256}
            - {id: imported, origin: EXTERNAL, keyState: PendingImport}
            - {id: hsm, origin: AWS_CLOUDHSM}
            - {id: managed, keyManager: AWS, aliases: [aws/s3]}
            - {id: going, rotation: true, keyState: PendingDeletion}
            - {id: off, rotation: true, keyState: Disabled}
` + b.String() + `
        eu-west-1: {}
`
}

func TestKMSListKeysPages(t *testing.T) {
	srv, cfg := startSDK(t, kmsWorld(15), storageKey, "eu-central-1")
	client := kms.NewFromConfig(cfg)
	var got []string
	p := kms.NewListKeysPaginator(client, &kms.ListKeysInput{}, func(o *kms.ListKeysPaginatorOptions) { o.Limit = 10 })
	for _, page := range allPages(t, p) {
		if page.Truncated != (page.NextMarker != nil) {
			t.Errorf("Truncated = %v with NextMarker %v, want them to agree", page.Truncated, page.NextMarker)
		}
		for _, k := range page.Keys {
			if want := "arn:aws:kms:eu-central-1:111111111111:key/" + sdk.ToString(k.KeyId); sdk.ToString(k.KeyArn) != want {
				t.Errorf("KeyArn = %q, want %q", sdk.ToString(k.KeyArn), want)
			}
			got = append(got, sdk.ToString(k.KeyId))
		}
	}
	if len(got) != 25 || got[0] != "rot" || got[7] != "managed" || got[24] != "k-14" {
		t.Errorf("ListKeys read %d keys %v, want 25 from rot to k-14, the AWS-managed key among them", len(got), got)
	}
	wantRequests(t, srv, "kms:ListKeys", 3)

	tests := []struct {
		name     string
		in       kms.ListKeysInput
		wantCode string
		wantN    int
	}{
		{"default limit of 100", kms.ListKeysInput{}, "", 25},
		{"limit 0", kms.ListKeysInput{Limit: sdk.Int32(0)}, "ValidationException", 0},
		{"limit 1001", kms.ListKeysInput{Limit: sdk.Int32(1001)}, "ValidationException", 0},
		{"bad marker", kms.ListKeysInput{Marker: sdk.String("junk")}, "InvalidMarkerException", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.ListKeys(context.Background(), &tt.in)
			if wantCode(t, "ListKeys", err, tt.wantCode) && len(out.Keys) != tt.wantN {
				t.Errorf("ListKeys = %d keys, want %d", len(out.Keys), tt.wantN)
			}
		})
	}
}

func TestKMSDescribeKey(t *testing.T) {
	_, cfg := startSDK(t, kmsWorld(0), storageKey, "eu-central-1")
	client := kms.NewFromConfig(cfg)
	arn := "arn:aws:kms:eu-central-1:111111111111:key/rot"
	tests := []struct {
		ref      string
		wantCode string
		wantID   string
	}{
		{"rot", "", "rot"},
		{arn, "", "rot"},
		{"alias/rotating", "", "rot"},
		{"alias/second", "", "rot"},
		{"arn:aws:kms:eu-central-1:111111111111:alias/second", "", "rot"},
		{"alias/aws/s3", "", "managed"},
		{"nope", "NotFoundException", ""},
		{"alias/nope", "NotFoundException", ""},
		{"arn:aws:kms:eu-west-1:111111111111:key/rot", "NotFoundException", ""}, // another region's ARN
		{"arn:aws:kms:eu-central-1:222222222222:key/rot", "NotFoundException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			out, err := client.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: sdk.String(tt.ref)})
			if wantCode(t, fmt.Sprintf("DescribeKey(%q)", tt.ref), err, tt.wantCode) && sdk.ToString(out.KeyMetadata.KeyId) != tt.wantID {
				t.Errorf("DescribeKey(%q) = key %q, want %q", tt.ref, sdk.ToString(out.KeyMetadata.KeyId), tt.wantID)
			}
		})
	}

	out, err := client.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: sdk.String("rot")})
	if err != nil {
		t.Fatal(err)
	}
	m := out.KeyMetadata
	if sdk.ToString(m.Arn) != arn || m.KeyManager != kmstypes.KeyManagerTypeCustomer || m.KeySpec != kmstypes.KeySpecSymmetricDefault ||
		m.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt || m.KeyState != kmstypes.KeyStateEnabled || m.Origin != kmstypes.OriginTypeAwsKms ||
		!m.Enabled || sdk.ToString(m.Description) != "rotates" || sdk.ToString(m.AWSAccountId) != "111111111111" ||
		m.CreationDate == nil || m.CreationDate.Unix() != 1714521600 || sdk.ToBool(m.MultiRegion) {
		t.Errorf("DescribeKey(rot) metadata = %+v, want the world's key with its defaults", *m)
	}
	for _, c := range []struct {
		id    string
		state kmstypes.KeyState
		spec  kmstypes.KeySpec
		usage kmstypes.KeyUsageType
		mgr   kmstypes.KeyManagerType
	}{
		{"going", kmstypes.KeyStatePendingDeletion, kmstypes.KeySpecSymmetricDefault, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeyManagerTypeCustomer},
		{"hmac", kmstypes.KeyStateEnabled, kmstypes.KeySpecHmac256, kmstypes.KeyUsageTypeGenerateVerifyMac, kmstypes.KeyManagerTypeCustomer},
		{"managed", kmstypes.KeyStateEnabled, kmstypes.KeySpecSymmetricDefault, kmstypes.KeyUsageTypeEncryptDecrypt, kmstypes.KeyManagerTypeAws},
	} {
		out, err := client.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: sdk.String(c.id)})
		if err != nil {
			t.Fatal(err)
		}
		m := out.KeyMetadata
		if m.KeyState != c.state || m.KeySpec != c.spec || m.KeyUsage != c.usage || m.KeyManager != c.mgr {
			t.Errorf("DescribeKey(%s) = %s %s %s %s, want %s %s %s %s", c.id, m.KeyState, m.KeySpec, m.KeyUsage, m.KeyManager, c.state, c.spec, c.usage, c.mgr)
		}
		if pending := m.KeyState == kmstypes.KeyStatePendingDeletion; (m.DeletionDate != nil) != pending || m.Enabled == pending {
			t.Errorf("DescribeKey(%s) DeletionDate %v Enabled %v, want a deletion date and disabled only when pending deletion", c.id, m.DeletionDate, m.Enabled)
		}
	}
}

func TestKMSRotationStatus(t *testing.T) {
	_, cfg := startSDK(t, kmsWorld(0), storageKey, "eu-central-1")
	client := kms.NewFromConfig(cfg)
	tests := []struct {
		key      string
		wantCode string
		enabled  bool
		days     int32 // 0: no period in the answer
	}{
		{"rot", "", true, 365},
		{"arn:aws:kms:eu-central-1:111111111111:key/rot", "", true, 365},
		{"rot730", "", true, 730},
		{"norot", "", false, 0},
		{"managed", "", true, 365},
		{"going", "", false, 0}, // pending deletion reads false
		{"off", "", true, 365},  // disabling a key keeps its rotation setting
		{"rsa", "UnsupportedOperationException", false, 0},
		{"hmac", "UnsupportedOperationException", false, 0},
		{"imported", "UnsupportedOperationException", false, 0},
		{"hsm", "UnsupportedOperationException", false, 0},
		{"alias/rotating", "NotFoundException", false, 0}, // key ids and ARNs only
		{"nope", "NotFoundException", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			out, err := client.GetKeyRotationStatus(context.Background(), &kms.GetKeyRotationStatusInput{KeyId: sdk.String(tt.key)})
			if !wantCode(t, fmt.Sprintf("GetKeyRotationStatus(%q)", tt.key), err, tt.wantCode) {
				return
			}
			var days int32
			if out.RotationPeriodInDays != nil {
				days = *out.RotationPeriodInDays
			}
			if out.KeyRotationEnabled != tt.enabled || days != tt.days {
				t.Errorf("GetKeyRotationStatus(%q) = %v every %d days, want %v every %d", tt.key, out.KeyRotationEnabled, days, tt.enabled, tt.days)
			}
		})
	}
}

func TestKMSListAliases(t *testing.T) {
	srv, cfg := startSDK(t, kmsWorld(7), storageKey, "eu-central-1")
	client := kms.NewFromConfig(cfg)
	got := map[string]string{}
	p := kms.NewListAliasesPaginator(client, &kms.ListAliasesInput{}, func(o *kms.ListAliasesPaginatorOptions) { o.Limit = 4 })
	for _, page := range allPages(t, p) {
		for _, a := range page.Aliases {
			name := sdk.ToString(a.AliasName)
			if want := "arn:aws:kms:eu-central-1:111111111111:" + name; sdk.ToString(a.AliasArn) != want {
				t.Errorf("AliasArn = %q, want %q", sdk.ToString(a.AliasArn), want)
			}
			got[name] = sdk.ToString(a.TargetKeyId)
		}
	}
	if len(got) != 10 || got["alias/rotating"] != "rot" || got["alias/second"] != "rot" || got["alias/aws/s3"] != "managed" || got["alias/filler-06"] != "k-06" {
		t.Errorf("ListAliases = %v, want 10 aliases with their target key ids", got)
	}
	wantRequests(t, srv, "kms:ListAliases", 3)
	for _, tt := range []struct {
		in       kms.ListAliasesInput
		wantCode string
		wantN    int
	}{
		{kms.ListAliasesInput{}, "", 10},
		{kms.ListAliasesInput{KeyId: sdk.String("rot")}, "", 2},
		{kms.ListAliasesInput{Limit: sdk.Int32(101)}, "ValidationException", 0},
		{kms.ListAliasesInput{KeyId: sdk.String("nope")}, "NotFoundException", 0},
	} {
		out, err := client.ListAliases(context.Background(), &tt.in)
		if code := errCode(err); code != tt.wantCode {
			t.Errorf("ListAliases(%+v) error code = %q (%v), want %q", tt.in, code, err, tt.wantCode)
			continue
		}
		if err == nil && len(out.Aliases) != tt.wantN {
			t.Errorf("ListAliases(%+v) = %d aliases, want %d", tt.in, len(out.Aliases), tt.wantN)
		}
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}

// TestKMSListsTheManagedKeysServicesUse: a volume and a DB instance
// encrypted under their service's default key name, by ARN, keys that
// ListKeys lists and DescribeKey calls AWS-managed, as in AWS, where the
// service creates the key on first use.
func TestKMSListsTheManagedKeysServicesUse(t *testing.T) {
	_, cfg := startSDK(t, `
aws:
  accessKeys: {`+storageKey+`: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          keys: [{id: cmk}]
          volumes: [{id: vol-1, encrypted: true}, {id: vol-2}]
          dbInstances: [{id: db1, engine: postgres, storageEncrypted: true}, {id: db2, engine: mysql}]
`, storageKey, "eu-central-1")
	ctx := context.Background()
	client := kms.NewFromConfig(cfg)
	listed, err := client.ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	managers := map[string]kmstypes.KeyManagerType{}
	for _, k := range listed.Keys {
		d, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyArn})
		if err != nil {
			t.Fatal(err)
		}
		managers[sdk.ToString(k.KeyArn)] = d.KeyMetadata.KeyManager
	}
	if len(managers) != 3 {
		t.Errorf("ListKeys = %v, want cmk and the AWS-managed aws/ebs and aws/rds keys", managers)
	}

	vols, err := ec2.NewFromConfig(cfg).DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-1"}})
	if err != nil {
		t.Fatal(err)
	}
	dbs, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: sdk.String("db1")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, arn, alias string }{
		{"vol-1", sdk.ToString(vols.Volumes[0].KmsKeyId), "alias/aws/ebs"},
		{"db1", sdk.ToString(dbs.DBInstances[0].KmsKeyId), "alias/aws/rds"},
	} {
		if m := managers[c.arn]; m != kmstypes.KeyManagerTypeAws {
			t.Errorf("%s is encrypted under %q, which ListKeys lists with key manager %q; want an AWS-managed key", c.what, c.arn, m)
		}
		d, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: sdk.String(c.alias)})
		if err != nil {
			t.Fatal(err)
		}
		if got := sdk.ToString(d.KeyMetadata.Arn); got != c.arn {
			t.Errorf("DescribeKey(%s) = %q, want %s's key %q", c.alias, got, c.what, c.arn)
		}
	}
}

// TestKMSListResourceTags: a key's tags in key order, paged by Limit
// (1-50, default 50) with Marker and Truncated; key ids and ARNs only.
func TestKMSListResourceTags(t *testing.T) {
	srv, cfg := startSDK(t, `
aws:
  accessKeys: {`+storageKey+`: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          keys:
            - {id: tagged, aliases: [payments], tags: {team: payments, env: prod, cost-center: "4711", owner: alice, tier: gold, app: ledger, data: pii}}
            - {id: bare}
`, storageKey, "eu-central-1")
	client := kms.NewFromConfig(cfg)
	var keys []string
	p := kms.NewListResourceTagsPaginator(client, &kms.ListResourceTagsInput{KeyId: sdk.String("tagged")}, func(o *kms.ListResourceTagsPaginatorOptions) { o.Limit = 3 })
	got := map[string]string{}
	for _, page := range allPages(t, p) {
		if page.Truncated != (page.NextMarker != nil) {
			t.Errorf("Truncated = %v with NextMarker %v, want them to agree", page.Truncated, page.NextMarker)
		}
		for _, tag := range page.Tags {
			keys = append(keys, sdk.ToString(tag.TagKey))
			got[sdk.ToString(tag.TagKey)] = sdk.ToString(tag.TagValue)
		}
	}
	wantKeys := []string{"app", "cost-center", "data", "env", "owner", "team", "tier"}
	if strings.Join(keys, ",") != strings.Join(wantKeys, ",") || got["team"] != "payments" || got["cost-center"] != "4711" {
		t.Errorf("ListResourceTags(tagged) = %v in order %v, want the world's 7 tags in order %v", got, keys, wantKeys)
	}
	wantRequests(t, srv, "kms:ListResourceTags", 3)

	arn := "arn:aws:kms:eu-central-1:111111111111:key/tagged"
	for _, tt := range []struct {
		name          string
		in            kms.ListResourceTagsInput
		wantCode      string
		wantN         int
		wantTruncated bool
	}{
		{"default limit of 50", kms.ListResourceTagsInput{KeyId: sdk.String("tagged")}, "", 7, false},
		{"by ARN", kms.ListResourceTagsInput{KeyId: sdk.String(arn), Limit: sdk.Int32(6)}, "", 6, true},
		{"limit 50", kms.ListResourceTagsInput{KeyId: sdk.String("tagged"), Limit: sdk.Int32(50)}, "", 7, false},
		{"no tags", kms.ListResourceTagsInput{KeyId: sdk.String("bare")}, "", 0, false},
		{"limit 0", kms.ListResourceTagsInput{KeyId: sdk.String("tagged"), Limit: sdk.Int32(0)}, "ValidationException", 0, false},
		{"limit 51", kms.ListResourceTagsInput{KeyId: sdk.String("tagged"), Limit: sdk.Int32(51)}, "ValidationException", 0, false},
		{"bad marker", kms.ListResourceTagsInput{KeyId: sdk.String("tagged"), Marker: sdk.String("junk")}, "InvalidMarkerException", 0, false},
		{"unknown key", kms.ListResourceTagsInput{KeyId: sdk.String("nope")}, "NotFoundException", 0, false},
		{"alias", kms.ListResourceTagsInput{KeyId: sdk.String("alias/payments")}, "NotFoundException", 0, false},
		{"another region's ARN", kms.ListResourceTagsInput{KeyId: sdk.String("arn:aws:kms:eu-west-1:111111111111:key/tagged")}, "NotFoundException", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.ListResourceTags(context.Background(), &tt.in)
			if !wantCode(t, "ListResourceTags", err, tt.wantCode) {
				return
			}
			if len(out.Tags) != tt.wantN || out.Truncated != tt.wantTruncated {
				t.Errorf("ListResourceTags = %d tags, truncated %v; want %d, %v", len(out.Tags), out.Truncated, tt.wantN, tt.wantTruncated)
			}
		})
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}
