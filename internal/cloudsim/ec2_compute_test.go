package cloudsim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// patchKey is the access key the compute, SSM and RDS test worlds map to
// account 222222222222.
const patchKey = "AKIAPATCHINGTEST0001"

// computeWorld has instances i-00..i-(n-1) in eu-west-1 besides the named
// ones: i-web (running Windows, tagged, two groups, own interface id),
// i-stopped and i-gone (terminated).
func computeWorld(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "            - {id: i-%02d, state: running, vpc: vpc-1, subnet: subnet-1, groups: [sg-app]}\n", i)
	}
	return `
aws:
  accessKeys: {` + patchKey + `: "222222222222"}
  accounts:
    - id: "222222222222"
      regions:
        eu-west-1:
          securityGroups:
            - {id: sg-app, name: app, vpc: vpc-1}
            - {id: sg-admin, name: admin, vpc: vpc-1}
          instances:
            - id: i-web
              state: running
              platform: windows
              platformDetails: Windows BYOL
              imageId: ami-123
              instanceType: m5.large
              vpc: vpc-1
              subnet: subnet-1
              groups: [sg-app, sg-admin]
              interface: eni-web
              launchTime: 2025-03-01T10:00:00Z
              tags: {Name: web, team: blue}
            - {id: i-stopped, state: stopped, vpc: vpc-1, subnet: subnet-2, groups: [sg-unknown]}
            - {id: i-gone, state: terminated, vpc: vpc-1, subnet: subnet-1, groups: [sg-app]}
` + b.String()
}

func TestDescribeInstancesPagesAndShapes(t *testing.T) {
	srv, cfg := startSDK(t, computeWorld(9), patchKey, "eu-west-1")
	client := ec2.NewFromConfig(cfg)
	var got []ec2types.Instance
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: sdk.Int32(5)})
	for _, page := range allPages(t, p) {
		for _, r := range page.Reservations {
			if sdk.ToString(r.OwnerId) != "222222222222" || !strings.HasPrefix(sdk.ToString(r.ReservationId), "r-") {
				t.Errorf("reservation owner %q id %q, want 222222222222 and r-...", sdk.ToString(r.OwnerId), sdk.ToString(r.ReservationId))
			}
			got = append(got, r.Instances...)
		}
	}
	if len(got) != 12 || sdk.ToString(got[0].InstanceId) != "i-web" || sdk.ToString(got[11].InstanceId) != "i-08" {
		t.Fatalf("read %d instances, want 12 from i-web to i-08", len(got))
	}
	wantRequests(t, srv, "ec2:DescribeInstances", 3) // pages of 5

	web := got[0]
	if web.State == nil || web.State.Name != ec2types.InstanceStateNameRunning || sdk.ToInt32(web.State.Code) != 16 {
		t.Errorf("i-web state = %+v, want running/16", web.State)
	}
	if web.Platform != "windows" || sdk.ToString(web.PlatformDetails) != "Windows BYOL" {
		t.Errorf("i-web platform %q details %q, want windows / Windows BYOL", web.Platform, sdk.ToString(web.PlatformDetails))
	}
	if sdk.ToString(web.ImageId) != "ami-123" || web.InstanceType != ec2types.InstanceTypeM5Large ||
		sdk.ToString(web.VpcId) != "vpc-1" || sdk.ToString(web.SubnetId) != "subnet-1" {
		t.Errorf("i-web image %q type %q vpc %q subnet %q", sdk.ToString(web.ImageId), web.InstanceType, sdk.ToString(web.VpcId), sdk.ToString(web.SubnetId))
	}
	if want := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC); web.LaunchTime == nil || !web.LaunchTime.Equal(want) {
		t.Errorf("i-web launch time = %v, want %v", web.LaunchTime, want)
	}
	if len(web.SecurityGroups) != 2 || sdk.ToString(web.SecurityGroups[1].GroupId) != "sg-admin" || sdk.ToString(web.SecurityGroups[1].GroupName) != "admin" {
		t.Errorf("i-web groups = %+v, want sg-app/app and sg-admin/admin", web.SecurityGroups)
	}
	if len(web.Tags) != 2 || sdk.ToString(web.Tags[0].Key) != "Name" || sdk.ToString(web.Tags[0].Value) != "web" {
		t.Errorf("i-web tags = %+v, want Name=web, team=blue", web.Tags)
	}
	if len(web.NetworkInterfaces) != 1 {
		t.Fatalf("i-web has %d network interfaces, want 1", len(web.NetworkInterfaces))
	}
	eni := web.NetworkInterfaces[0]
	if sdk.ToString(eni.NetworkInterfaceId) != "eni-web" || len(eni.Groups) != 2 || eni.Attachment == nil ||
		sdk.ToInt32(eni.Attachment.DeviceIndex) != 0 || eni.Attachment.Status != ec2types.AttachmentStatusAttached {
		t.Errorf("i-web primary interface = %+v, want eni-web attached at device 0 with both groups", eni)
	}

	stopped, gone, plain := got[1], got[2], got[3]
	if stopped.State.Name != ec2types.InstanceStateNameStopped || sdk.ToInt32(stopped.State.Code) != 80 {
		t.Errorf("i-stopped state = %+v, want stopped/80", stopped.State)
	}
	if sdk.ToString(stopped.PlatformDetails) != "Linux/UNIX" || sdk.ToString(stopped.SecurityGroups[0].GroupName) != "sg-unknown" {
		t.Errorf("i-stopped details %q group %+v, want Linux/UNIX and the id as name of an unlisted group", sdk.ToString(stopped.PlatformDetails), stopped.SecurityGroups)
	}
	if gone.State.Name != ec2types.InstanceStateNameTerminated || sdk.ToInt32(gone.State.Code) != 48 ||
		len(gone.NetworkInterfaces) != 0 || gone.VpcId != nil || len(gone.SecurityGroups) != 0 {
		t.Errorf("i-gone = state %+v, %d interfaces, vpc %v, groups %v; want terminated/48 with no network", gone.State, len(gone.NetworkInterfaces), gone.VpcId, gone.SecurityGroups)
	}
	if sdk.ToString(plain.NetworkInterfaces[0].NetworkInterfaceId) != "eni-00" || plain.LaunchTime == nil {
		t.Errorf("i-00 interface %q launch %v, want the derived eni-00 and a launch time", sdk.ToString(plain.NetworkInterfaces[0].NetworkInterfaceId), plain.LaunchTime)
	}
}

func TestDescribeInstancesRequests(t *testing.T) {
	_, cfg := startSDK(t, computeWorld(9), patchKey, "eu-west-1")
	client := ec2.NewFromConfig(cfg)
	filter := func(name string, values ...string) []ec2types.Filter {
		return []ec2types.Filter{{Name: sdk.String(name), Values: values}}
	}
	tests := []struct {
		name     string
		in       ec2.DescribeInstancesInput
		wantCode string
		wantIDs  string // first and last instance, and how many
		wantNext bool
	}{
		{"no MaxResults: everything in one page", ec2.DescribeInstancesInput{}, "", "i-web..i-08 (12)", false},
		{"MaxResults 1000", ec2.DescribeInstancesInput{MaxResults: sdk.Int32(1000)}, "", "i-web..i-08 (12)", false},
		{"MaxResults 5", ec2.DescribeInstancesInput{MaxResults: sdk.Int32(5)}, "", "i-web..i-01 (5)", true},
		{"by id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-03", "i-stopped"}}, "", "i-03..i-stopped (2)", false},
		{"state filter", ec2.DescribeInstancesInput{Filters: filter("instance-state-name", "stopped", "terminated")}, "", "i-stopped..i-gone (2)", false},
		{"MaxResults 4", ec2.DescribeInstancesInput{MaxResults: sdk.Int32(4)}, "InvalidParameterValue", "", false},
		{"MaxResults 1001", ec2.DescribeInstancesInput{MaxResults: sdk.Int32(1001)}, "InvalidParameterValue", "", false},
		{"ids with MaxResults", ec2.DescribeInstancesInput{InstanceIds: []string{"i-01"}, MaxResults: sdk.Int32(5)}, "InvalidParameterCombination", "", false},
		{"unknown id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-01", "i-nope"}}, "InvalidInstanceID.NotFound", "", false},
		{"bad token", ec2.DescribeInstancesInput{MaxResults: sdk.Int32(5), NextToken: sdk.String("junk")}, "InvalidNextToken", "", false},
		{"token of another operation", ec2.DescribeInstancesInput{MaxResults: sdk.Int32(5), NextToken: sdk.String(encodeToken("DescribeVolumes", 5))}, "InvalidNextToken", "", false},
		{"unsupported filter", ec2.DescribeInstancesInput{Filters: filter("tag:Name", "web")}, "InvalidParameterValue", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.DescribeInstances(context.Background(), &tc.in)
			if !wantCode(t, "DescribeInstances()", err, tc.wantCode) {
				return
			}
			var ids []string
			for _, r := range out.Reservations {
				for _, i := range r.Instances {
					ids = append(ids, sdk.ToString(i.InstanceId))
				}
			}
			got := ""
			if len(ids) > 0 {
				got = fmt.Sprintf("%s..%s (%d)", ids[0], ids[len(ids)-1], len(ids))
			}
			if got != tc.wantIDs || (out.NextToken != nil) != tc.wantNext {
				t.Errorf("DescribeInstances() = %s, next token %v; want %s, next token %v", got, out.NextToken != nil, tc.wantIDs, tc.wantNext)
			}
		})
	}
}
