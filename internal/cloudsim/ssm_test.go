package cloudsim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// ssmWorld has managed nodes i-00..i-(n-1) (every third ConnectionLost)
// with patch states, plus the hybrid node mi-hybrid and i-legacy, whose
// state predates the per-classification counts.
func ssmWorld(n int) string {
	var nodes, states strings.Builder
	for i := 0; i < n; i++ {
		ping := "Online"
		if i%3 == 2 {
			ping = "ConnectionLost"
		}
		fmt.Fprintf(&nodes, "            - {instanceId: i-%02d, pingStatus: %s, platformType: Linux}\n", i, ping)
		fmt.Fprintf(&states, "            - {instanceId: i-%02d, missing: %d, operationEnd: 2026-01-0%dT03:00:00Z}\n", i, i, i%9+1)
	}
	return `
aws:
  accessKeys: {` + patchKey + `: "222222222222"}
  accounts:
    - id: "222222222222"
      regions:
        eu-west-1:
          managedInstances:
            - {instanceId: mi-hybrid, pingStatus: Online, platformType: Windows, lastPing: 2026-02-01T12:00:00Z, agentVersion: 3.2.0.0}
            - {instanceId: i-legacy, pingStatus: Inactive}
` + nodes.String() + `
          patchStates:
            - instanceId: i-legacy
              baselineId: pb-legacy
              patchGroup: web
              installed: 40
              installedOther: 2
              installedPendingReboot: 1
              installedRejected: 1
              missing: 4
              failed: 1
              notApplicable: 300
              unreportedNotApplicable: 7
              criticalNonCompliant: 2
              securityNonCompliant: 3
              otherNonCompliant: 1
              availableSecurityUpdates: 5
              operation: Install
              operationStart: 2026-01-10T02:00:00Z
              operationEnd: 2026-01-10T02:30:00Z
              rebootOption: NoReboot
              unreported: [criticalNonCompliant, securityNonCompliant, otherNonCompliant]
` + states.String()
}

func TestDescribeInstanceInformationPages(t *testing.T) {
	srv, cfg := startSDK(t, ssmWorld(21), patchKey, "eu-west-1")
	client := ssm.NewFromConfig(cfg)
	var got []ssmtypes.InstanceInformation
	p := ssm.NewDescribeInstanceInformationPaginator(client, &ssm.DescribeInstanceInformationInput{})
	for _, page := range allPages(t, p) {
		got = append(got, page.InstanceInformationList...)
	}
	if len(got) != 23 || sdk.ToString(got[0].InstanceId) != "mi-hybrid" || sdk.ToString(got[22].InstanceId) != "i-20" {
		t.Fatalf("read %d nodes, want 23 from mi-hybrid to i-20", len(got))
	}
	wantRequests(t, srv, "ssm:DescribeInstanceInformation", 3) // pages at the default 10
	hybrid, legacy, first := got[0], got[1], got[2]
	if hybrid.ResourceType != ssmtypes.ResourceTypeManagedInstance || hybrid.PingStatus != ssmtypes.PingStatusOnline ||
		hybrid.PlatformType != ssmtypes.PlatformTypeWindows || sdk.ToString(hybrid.AgentVersion) != "3.2.0.0" ||
		hybrid.LastPingDateTime == nil || !hybrid.LastPingDateTime.Equal(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("mi-hybrid = type %q ping %q platform %q agent %q last ping %v", hybrid.ResourceType, hybrid.PingStatus,
			hybrid.PlatformType, sdk.ToString(hybrid.AgentVersion), hybrid.LastPingDateTime)
	}
	if legacy.PingStatus != ssmtypes.PingStatusInactive || first.ResourceType != ssmtypes.ResourceTypeEc2Instance ||
		string(first.SourceType) != "AWS::EC2::Instance" {
		t.Errorf("i-legacy ping %q, i-00 type %q source %q; want Inactive, EC2Instance, AWS::EC2::Instance",
			legacy.PingStatus, first.ResourceType, string(first.SourceType))
	}
}

func TestDescribeInstanceInformationRequests(t *testing.T) {
	_, cfg := startSDK(t, ssmWorld(21), patchKey, "eu-west-1")
	client := ssm.NewFromConfig(cfg)
	filter := func(key string, values ...string) []ssmtypes.InstanceInformationStringFilter {
		return []ssmtypes.InstanceInformationStringFilter{{Key: sdk.String(key), Values: values}}
	}
	tests := []struct {
		name     string
		in       ssm.DescribeInstanceInformationInput
		wantCode string
		wantN    int
		wantNext bool
	}{
		{"default page of 10", ssm.DescribeInstanceInformationInput{}, "", 10, true},
		{"MaxResults 50", ssm.DescribeInstanceInformationInput{MaxResults: sdk.Int32(50)}, "", 23, false},
		{"MaxResults 5", ssm.DescribeInstanceInformationInput{MaxResults: sdk.Int32(5)}, "", 5, true},
		{"instance ids", ssm.DescribeInstanceInformationInput{Filters: filter("InstanceIds", "i-01", "i-02", "i-nope")}, "", 2, false},
		{"ping status", ssm.DescribeInstanceInformationInput{MaxResults: sdk.Int32(50), Filters: filter("PingStatus", "ConnectionLost")}, "", 7, false},
		{"legacy filter list", ssm.DescribeInstanceInformationInput{InstanceInformationFilterList: []ssmtypes.InstanceInformationFilter{
			{Key: ssmtypes.InstanceInformationFilterKeyResourceType, ValueSet: []string{"ManagedInstance"}}}}, "", 1, false},
		{"MaxResults 4", ssm.DescribeInstanceInformationInput{MaxResults: sdk.Int32(4)}, "ValidationException", 0, false},
		{"MaxResults 51", ssm.DescribeInstanceInformationInput{MaxResults: sdk.Int32(51)}, "ValidationException", 0, false},
		{"bad token", ssm.DescribeInstanceInformationInput{NextToken: sdk.String("junk")}, "InvalidNextToken", 0, false},
		{"both filter styles", ssm.DescribeInstanceInformationInput{Filters: filter("PingStatus", "Online"), InstanceInformationFilterList: []ssmtypes.InstanceInformationFilter{
			{Key: ssmtypes.InstanceInformationFilterKeyPingStatus, ValueSet: []string{"Online"}}}}, "InvalidFilterKey", 0, false},
		{"unsupported key", ssm.DescribeInstanceInformationInput{Filters: filter("tag:team", "blue")}, "InvalidFilterKey", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeInstanceInformation(context.Background(), &tc.in)
			if !wantCode(t, "DescribeInstanceInformation()", err, tc.wantCode) {
				return
			}
			wantPage(t, "DescribeInstanceInformation()", "nodes", len(out.InstanceInformationList), out.NextToken != nil, tc.wantN, tc.wantNext)
		})
	}
}

func TestDescribeInstancePatchStatesPages(t *testing.T) {
	srv, cfg := startSDK(t, ssmWorld(21), patchKey, "eu-west-1")
	client := ssm.NewFromConfig(cfg)
	ids := []string{"i-nope", "i-legacy"}
	for i := 0; i < 21; i++ {
		ids = append(ids, fmt.Sprintf("i-%02d", i))
	}
	var got []ssmtypes.InstancePatchState
	p := ssm.NewDescribeInstancePatchStatesPaginator(client, &ssm.DescribeInstancePatchStatesInput{InstanceIds: ids})
	for _, page := range allPages(t, p) {
		got = append(got, page.InstancePatchStates...)
	}
	if len(got) != 22 || sdk.ToString(got[0].InstanceId) != "i-legacy" || sdk.ToString(got[21].InstanceId) != "i-20" {
		t.Fatalf("read %d states, want 22 from i-legacy to i-20 (none for i-nope)", len(got))
	}
	wantRequests(t, srv, "ssm:DescribeInstancePatchStates", 3) // pages at the default 10
	legacy := got[0]
	if sdk.ToString(legacy.BaselineId) != "pb-legacy" || sdk.ToString(legacy.PatchGroup) != "web" ||
		legacy.Operation != ssmtypes.PatchOperationTypeInstall || legacy.RebootOption != ssmtypes.RebootOptionNoReboot {
		t.Errorf("i-legacy baseline %q group %q operation %q reboot %q", sdk.ToString(legacy.BaselineId), sdk.ToString(legacy.PatchGroup), legacy.Operation, legacy.RebootOption)
	}
	counts := fmt.Sprint(legacy.InstalledCount, legacy.InstalledOtherCount, sdk.ToInt32(legacy.InstalledPendingRebootCount),
		sdk.ToInt32(legacy.InstalledRejectedCount), legacy.MissingCount, legacy.FailedCount, legacy.NotApplicableCount,
		sdk.ToInt32(legacy.UnreportedNotApplicableCount), sdk.ToInt32(legacy.AvailableSecurityUpdateCount))
	if counts != "40 2 1 1 4 1 300 7 5" {
		t.Errorf("i-legacy counts = %s, want 40 2 1 1 4 1 300 7 5", counts)
	}
	if legacy.CriticalNonCompliantCount != nil || legacy.SecurityNonCompliantCount != nil || legacy.OtherNonCompliantCount != nil {
		t.Errorf("i-legacy reports classification counts %v %v %v, want none (unreported)",
			legacy.CriticalNonCompliantCount, legacy.SecurityNonCompliantCount, legacy.OtherNonCompliantCount)
	}
	if want := time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC); legacy.OperationEndTime == nil || !legacy.OperationEndTime.Equal(want) {
		t.Errorf("i-legacy operation end = %v, want %v", legacy.OperationEndTime, want)
	}
	plain := got[5] // i-04
	if sdk.ToString(plain.InstanceId) != "i-04" || plain.MissingCount != 4 || plain.CriticalNonCompliantCount == nil ||
		sdk.ToInt32(plain.CriticalNonCompliantCount) != 0 || plain.Operation != ssmtypes.PatchOperationTypeScan ||
		plain.OperationStartTime == nil || !plain.OperationStartTime.Before(*plain.OperationEndTime) {
		t.Errorf("i-04 = %+v, want missing 4, reported zero critical count, a Scan that ended after it started", plain)
	}
}

func TestDescribeInstancePatchStatesRequests(t *testing.T) {
	_, cfg := startSDK(t, ssmWorld(21), patchKey, "eu-west-1")
	client := ssm.NewFromConfig(cfg)
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("i-%02d", i)
	}
	tests := []struct {
		name     string
		in       ssm.DescribeInstancePatchStatesInput
		wantCode string
		wantN    int
		wantNext bool
	}{
		{"default page of 10", ssm.DescribeInstancePatchStatesInput{InstanceIds: many[:50]}, "", 10, true},
		{"MaxResults 100", ssm.DescribeInstancePatchStatesInput{InstanceIds: many[:50], MaxResults: sdk.Int32(100)}, "", 21, false},
		{"MaxResults 50 for 50 ids", ssm.DescribeInstancePatchStatesInput{InstanceIds: many[:50], MaxResults: sdk.Int32(50)}, "", 21, false},
		{"only unknown ids", ssm.DescribeInstancePatchStatesInput{InstanceIds: []string{"i-nope"}}, "", 0, false},
		{"no ids", ssm.DescribeInstancePatchStatesInput{InstanceIds: []string{}}, "ValidationException", 0, false},
		{"51 ids", ssm.DescribeInstancePatchStatesInput{InstanceIds: many}, "ValidationException", 0, false},
		{"MaxResults 9", ssm.DescribeInstancePatchStatesInput{InstanceIds: many[:5], MaxResults: sdk.Int32(9)}, "ValidationException", 0, false},
		{"MaxResults 101", ssm.DescribeInstancePatchStatesInput{InstanceIds: many[:5], MaxResults: sdk.Int32(101)}, "ValidationException", 0, false},
		{"bad token", ssm.DescribeInstancePatchStatesInput{InstanceIds: many[:5], NextToken: sdk.String("junk")}, "InvalidNextToken", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeInstancePatchStates(context.Background(), &tc.in)
			if !wantCode(t, "DescribeInstancePatchStates()", err, tc.wantCode) {
				return
			}
			wantPage(t, "DescribeInstancePatchStates()", "states", len(out.InstancePatchStates), out.NextToken != nil, tc.wantN, tc.wantNext)
		})
	}
}
