package cloudsim

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// rdsWorld has DB instances db-00..db-(n-1) in eu-west-1 besides orders
// (encrypted with a customer key named by alias, auto minor upgrades off),
// plain (encrypted under the AWS-managed key) and legacy (unencrypted).
func rdsWorld(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "            - {id: db-%02d, engine: mysql, engineVersion: '8.0.39', autoMinorVersionUpgrade: true}\n", i)
	}
	return `
aws:
  accessKeys: {` + patchKey + `: "222222222222"}
  accounts:
    - id: "222222222222"
      regions:
        eu-west-1:
          keys:
            - {id: 0f1e2d3c-aaaa-bbbb-cccc-a5b4c3d2e1f0, aliases: [orders-db]}
          dbInstances:
            - id: orders
              engine: postgres
              engineVersion: "16.4"
              class: db.r6g.large
              storageEncrypted: true
              kmsKeyId: alias/orders-db
              autoMinorVersionUpgrade: false
              groups: [sg-db]
              tags: {team: payments, Name: orders}
            - {id: plain, engine: postgres, engineVersion: "15.7", storageEncrypted: true, autoMinorVersionUpgrade: true, status: stopped}
            - {id: legacy, engine: mysql, engineVersion: "5.7.44"}
` + b.String()
}

func TestDescribeDBInstancesPagesAndShapes(t *testing.T) {
	srv, cfg := startSDK(t, rdsWorld(42), patchKey, "eu-west-1")
	client := rds.NewFromConfig(cfg)
	var got []rdstypes.DBInstance
	p := rds.NewDescribeDBInstancesPaginator(client, &rds.DescribeDBInstancesInput{MaxRecords: sdk.Int32(20)})
	for _, page := range allPages(t, p) {
		got = append(got, page.DBInstances...)
	}
	if len(got) != 45 || sdk.ToString(got[0].DBInstanceIdentifier) != "orders" || sdk.ToString(got[44].DBInstanceIdentifier) != "db-41" {
		t.Fatalf("read %d DB instances, want 45 from orders to db-41", len(got))
	}
	wantRequests(t, srv, "rds:DescribeDBInstances", 3) // pages of 20
	orders, plain, legacy := got[0], got[1], got[2]
	if want := "arn:aws:rds:eu-west-1:222222222222:db:orders"; sdk.ToString(orders.DBInstanceArn) != want {
		t.Errorf("orders ARN = %q, want %q", sdk.ToString(orders.DBInstanceArn), want)
	}
	if sdk.ToString(orders.Engine) != "postgres" || sdk.ToString(orders.EngineVersion) != "16.4" || sdk.ToString(orders.DBInstanceClass) != "db.r6g.large" ||
		sdk.ToString(orders.DBInstanceStatus) != "available" || !sdk.ToBool(orders.StorageEncrypted) || orders.AutoMinorVersionUpgrade == nil || *orders.AutoMinorVersionUpgrade {
		t.Errorf("orders = engine %q %q class %q status %q encrypted %v auto upgrade %v", sdk.ToString(orders.Engine), sdk.ToString(orders.EngineVersion),
			sdk.ToString(orders.DBInstanceClass), sdk.ToString(orders.DBInstanceStatus), sdk.ToBool(orders.StorageEncrypted), orders.AutoMinorVersionUpgrade)
	}
	if want := "arn:aws:kms:eu-west-1:222222222222:key/0f1e2d3c-aaaa-bbbb-cccc-a5b4c3d2e1f0"; sdk.ToString(orders.KmsKeyId) != want {
		t.Errorf("orders KmsKeyId = %q, want the aliased key's ARN %q", sdk.ToString(orders.KmsKeyId), want)
	}
	if len(orders.VpcSecurityGroups) != 1 || sdk.ToString(orders.VpcSecurityGroups[0].VpcSecurityGroupId) != "sg-db" {
		t.Errorf("orders groups = %+v, want sg-db", orders.VpcSecurityGroups)
	}
	if len(orders.TagList) != 2 || sdk.ToString(orders.TagList[1].Key) != "team" || sdk.ToString(orders.TagList[1].Value) != "payments" {
		t.Errorf("orders tags = %+v, want Name=orders, team=payments", orders.TagList)
	}
	if k := sdk.ToString(plain.KmsKeyId); !strings.HasPrefix(k, "arn:aws:kms:eu-west-1:222222222222:key/") || len(k) != len("arn:aws:kms:eu-west-1:222222222222:key/")+36 {
		t.Errorf("plain KmsKeyId = %q, want the ARN of a key id for aws/rds", k)
	}
	if sdk.ToString(plain.DBInstanceStatus) != "stopped" || !sdk.ToBool(plain.AutoMinorVersionUpgrade) {
		t.Errorf("plain status %q auto upgrade %v, want stopped, true", sdk.ToString(plain.DBInstanceStatus), plain.AutoMinorVersionUpgrade)
	}
	if sdk.ToBool(legacy.StorageEncrypted) || legacy.KmsKeyId != nil || legacy.StorageEncrypted == nil {
		t.Errorf("legacy encrypted %v key %v, want a known false and no key", legacy.StorageEncrypted, legacy.KmsKeyId)
	}
}

func TestDescribeDBInstancesRequests(t *testing.T) {
	_, cfg := startSDK(t, rdsWorld(142), patchKey, "eu-west-1")
	client := rds.NewFromConfig(cfg)
	engine := []rdstypes.Filter{{Name: sdk.String("engine"), Values: []string{"postgres"}}}
	tests := []struct {
		name     string
		in       rds.DescribeDBInstancesInput
		wantCode string
		wantN    int
		wantNext bool
	}{
		{"default page of 100", rds.DescribeDBInstancesInput{}, "", 100, true},
		{"MaxRecords 20", rds.DescribeDBInstancesInput{MaxRecords: sdk.Int32(20)}, "", 20, true},
		{"by identifier", rds.DescribeDBInstancesInput{DBInstanceIdentifier: sdk.String("legacy")}, "", 1, false},
		{"by ARN", rds.DescribeDBInstancesInput{DBInstanceIdentifier: sdk.String("arn:aws:rds:eu-west-1:222222222222:db:db-07")}, "", 1, false},
		{"engine filter", rds.DescribeDBInstancesInput{Filters: engine}, "", 2, false},
		{"unknown identifier", rds.DescribeDBInstancesInput{DBInstanceIdentifier: sdk.String("nope")}, "DBInstanceNotFound", 0, false},
		{"MaxRecords 19", rds.DescribeDBInstancesInput{MaxRecords: sdk.Int32(19)}, "InvalidParameterValue", 0, false},
		{"MaxRecords 101", rds.DescribeDBInstancesInput{MaxRecords: sdk.Int32(101)}, "InvalidParameterValue", 0, false},
		{"bad marker", rds.DescribeDBInstancesInput{Marker: sdk.String("junk")}, "InvalidNextToken", 0, false},
		{"unsupported filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: sdk.String("dbi-resource-id"), Values: []string{"x"}}}}, "InvalidParameterValue", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeDBInstances(context.Background(), &tc.in)
			if !wantCode(t, "DescribeDBInstances()", err, tc.wantCode) {
				return
			}
			wantPage(t, "DescribeDBInstances()", "instances", len(out.DBInstances), out.Marker != nil, tc.wantN, tc.wantNext)
		})
	}
}
