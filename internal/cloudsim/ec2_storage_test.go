package cloudsim

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// storageKey is the access key the storage and KMS test worlds map to
// account 111111111111.
const storageKey = "AKIASTORAGETEST00001"

// storageWorld has 12 volumes in eu-central-1: vol-00..vol-11. Even ones
// are encrypted (vol-00 with the region's default key alias/aws/ebs by
// leaving kmsKeyId empty, vol-02 with a customer key by id, vol-04 by
// alias, the others by the key's ARN); vol-01 is attached to i-1.
func storageWorld() string {
	var vols strings.Builder
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&vols, "          - {id: vol-%02d", i)
		switch {
		case i == 0:
			vols.WriteString(", encrypted: true")
		case i == 2:
			vols.WriteString(", encrypted: true, kmsKeyId: 1234abcd-0000-4000-8000-000000000001")
		case i == 4:
			vols.WriteString(", encrypted: true, kmsKeyId: alias/app")
		case i%2 == 0:
			vols.WriteString(", encrypted: true, kmsKeyId: arn:aws:kms:eu-central-1:111111111111:key/1234abcd-0000-4000-8000-000000000001")
		case i == 1:
			vols.WriteString(", attachedTo: i-1, tags: {Name: root, team: web}")
		}
		vols.WriteString("}\n")
	}
	return `
aws:
  accessKeys: {` + storageKey + `: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          ebsEncryptionByDefault: true
          keys:
            - {id: 1234abcd-0000-4000-8000-000000000001, aliases: [app]}
          volumes:
` + vols.String() + `
        eu-west-1:
          ebsDefaultKmsKeyId: arn:aws:kms:eu-west-1:111111111111:key/9999
`
}

func TestDescribeVolumesPagesAndNamesKeysByARN(t *testing.T) {
	srv, cfg := startSDK(t, storageWorld(), storageKey, "eu-central-1")
	client := ec2.NewFromConfig(cfg)

	var got []string
	keys := map[string]string{}
	pages := 0
	p := ec2.NewDescribeVolumesPaginator(client, &ec2.DescribeVolumesInput{MaxResults: sdk.Int32(5)})
	for _, page := range allPages(t, p) {
		pages++
		if len(page.Volumes) > 5 {
			t.Errorf("page %d has %d volumes, want at most 5", pages, len(page.Volumes))
		}
		for _, v := range page.Volumes {
			got = append(got, sdk.ToString(v.VolumeId))
			if sdk.ToBool(v.Encrypted) {
				keys[sdk.ToString(v.VolumeId)] = sdk.ToString(v.KmsKeyId)
			} else if v.KmsKeyId != nil {
				t.Errorf("unencrypted %s has kmsKeyId %q, want none", sdk.ToString(v.VolumeId), sdk.ToString(v.KmsKeyId))
			}
			if sdk.ToString(v.VolumeId) == "vol-01" {
				if len(v.Attachments) != 1 || sdk.ToString(v.Attachments[0].InstanceId) != "i-1" || v.State != "in-use" {
					t.Errorf("vol-01 attachments %+v state %q, want attached to i-1, in-use", v.Attachments, v.State)
				}
				if len(v.Tags) != 2 || sdk.ToString(v.Tags[0].Key) != "Name" || sdk.ToString(v.Tags[0].Value) != "root" {
					t.Errorf("vol-01 tags %+v, want Name=root and team=web", v.Tags)
				}
			}
		}
	}
	if pages != 3 || len(got) != 12 || got[0] != "vol-00" || got[11] != "vol-11" {
		t.Errorf("read %d volumes %v in %d pages, want vol-00..vol-11 in 3 pages", len(got), got, pages)
	}
	customer := "arn:aws:kms:eu-central-1:111111111111:key/1234abcd-0000-4000-8000-000000000001"
	for _, id := range []string{"vol-02", "vol-04", "vol-06"} {
		if keys[id] != customer {
			t.Errorf("%s kmsKeyId = %q, want %q", id, keys[id], customer)
		}
	}
	if k := keys["vol-00"]; !strings.HasPrefix(k, "arn:aws:kms:eu-central-1:111111111111:key/") || k == customer {
		t.Errorf("vol-00 kmsKeyId = %q, want the ARN of the AWS-managed aws/ebs key", k)
	}
	wantRequests(t, srv, "ec2:DescribeVolumes", 3)
}

func TestDescribeVolumesLimits(t *testing.T) {
	_, cfg := startSDK(t, storageWorld(), storageKey, "eu-central-1")
	client := ec2.NewFromConfig(cfg)
	tests := []struct {
		name     string
		in       ec2.DescribeVolumesInput
		wantCode string
		wantN    int
		wantNext bool
	}{
		{"no MaxResults: everything in one page", ec2.DescribeVolumesInput{}, "", 12, false},
		{"MaxResults above 500 is clamped", ec2.DescribeVolumesInput{MaxResults: sdk.Int32(1000)}, "", 12, false},
		{"MaxResults below 5", ec2.DescribeVolumesInput{MaxResults: sdk.Int32(4)}, "InvalidParameterValue", 0, false},
		{"MaxResults 0", ec2.DescribeVolumesInput{MaxResults: sdk.Int32(0)}, "InvalidParameterValue", 0, false},
		{"MaxResults with VolumeId", ec2.DescribeVolumesInput{MaxResults: sdk.Int32(5), VolumeIds: []string{"vol-01"}}, "InvalidParameterCombination", 0, false},
		{"VolumeId alone", ec2.DescribeVolumesInput{VolumeIds: []string{"vol-01", "vol-03"}}, "", 2, false},
		{"unknown VolumeId", ec2.DescribeVolumesInput{VolumeIds: []string{"vol-99"}}, "InvalidVolume.NotFound", 0, false},
		{"first page of 6", ec2.DescribeVolumesInput{MaxResults: sdk.Int32(6)}, "", 6, true},
		{"encrypted filter", ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: sdk.String("encrypted"), Values: []string{"false"}}}}, "", 6, false},
		{"bad token", ec2.DescribeVolumesInput{MaxResults: sdk.Int32(5), NextToken: sdk.String("junk")}, "InvalidNextToken", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeVolumes(context.Background(), &tt.in)
			if !wantCode(t, "DescribeVolumes", err, tt.wantCode) {
				return
			}
			wantPage(t, "DescribeVolumes", "volumes", len(out.Volumes), out.NextToken != nil, tt.wantN, tt.wantNext)
		})
	}
}

func TestEbsDefaults(t *testing.T) {
	srv, cfg := startSDK(t, storageWorld(), storageKey, "eu-central-1")
	tests := []struct {
		region  string
		enabled bool
		sse     ec2types.SSEType
		key     string
	}{
		{"eu-central-1", true, "sse-ebs", "alias/aws/ebs"},
		{"eu-west-1", false, "none", "arn:aws:kms:eu-west-1:111111111111:key/9999"},
		{"us-east-1", false, "none", "alias/aws/ebs"}, // a region the world leaves empty
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			client := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = tt.region })
			enc, err := client.GetEbsEncryptionByDefault(context.Background(), &ec2.GetEbsEncryptionByDefaultInput{})
			if err != nil {
				t.Fatal(err)
			}
			if sdk.ToBool(enc.EbsEncryptionByDefault) != tt.enabled || enc.SseType != tt.sse {
				t.Errorf("GetEbsEncryptionByDefault = %v, %q; want %v, %q", sdk.ToBool(enc.EbsEncryptionByDefault), enc.SseType, tt.enabled, tt.sse)
			}
			key, err := client.GetEbsDefaultKmsKeyId(context.Background(), &ec2.GetEbsDefaultKmsKeyIdInput{})
			if err != nil {
				t.Fatal(err)
			}
			if got := sdk.ToString(key.KmsKeyId); got != tt.key {
				t.Errorf("GetEbsDefaultKmsKeyId = %q, want %q", got, tt.key)
			}
		})
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}
