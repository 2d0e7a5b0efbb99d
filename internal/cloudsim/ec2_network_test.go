package cloudsim

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// netWorld has one account with a VPC, a default and a custom network ACL,
// two instances (one terminated), a load balancer interface, and the
// security groups they use; netStart adds generated groups to it.
const netWorld = `
aws:
  accessKeys: {AKIANETWORK000000001: "123456789012"}
  accounts:
    - id: "123456789012"
      regions:
        eu-west-1:
          vpcs:
            - {id: vpc-1, cidr: 10.0.0.0/16, default: true, tags: {Name: main}}
            - {id: vpc-2, cidr: 10.1.0.0/16}
          securityGroups:
            - id: sg-default
              name: default
              vpc: vpc-1
              ingress: [{protocol: "-1", fromPort: 0, toPort: 65535, groups: [sg-default]}]
              egress: [{protocol: "-1", cidrs: [0.0.0.0/0]}]
            - id: sg-web
              name: web
              vpc: vpc-1
              ingress:
                - {protocol: tcp, fromPort: 443, toPort: 443, cidrs: [0.0.0.0/0], ipv6Cidrs: ["::/0"]}
                - {protocol: tcp, fromPort: 5432, toPort: 5432, groups: ["210987654321/sg-peer"], prefixLists: [pl-1]}
              tags: {team: web}
          networkAcls:
            - id: acl-default
              vpc: vpc-1
              default: true
              subnets: [subnet-1]
              entries:
                - {ruleNumber: 100, protocol: "-1", action: allow, cidr: 0.0.0.0/0}
                - {ruleNumber: 100, protocol: "-1", action: allow, egress: true, cidr: 0.0.0.0/0}
            - id: acl-custom
              vpc: vpc-2
              entries:
                - {ruleNumber: 90, protocol: tcp, action: deny, cidr: 0.0.0.0/0, fromPort: 22, toPort: 22}
                - {ruleNumber: 32767, protocol: "-1", action: deny, cidr: 0.0.0.0/0}
          instances:
            - {id: i-web, state: running, vpc: vpc-1, subnet: subnet-1, groups: [sg-web, sg-default]}
            - {id: i-old, state: terminated, vpc: vpc-1, groups: [sg-web]}
          networkInterfaces:
            - {id: eni-lb, type: network_load_balancer, vpc: vpc-1, groups: [sg-web]}
            - {id: eni-second, vpc: vpc-1, groups: [sg-default], instance: i-web}
`

// netStart serves netWorld with extra generated security groups in
// vpc-2 and returns an EC2 client that makes one attempt per call.
func netStart(t *testing.T, extraGroups int) (*Server, *ec2.Client) {
	t.Helper()
	w, err := Parse([]byte(netWorld))
	if err != nil {
		t.Fatal(err)
	}
	reg := w.AWS.Accounts[0].Regions["eu-west-1"]
	for i := range extraGroups {
		reg.SecurityGroups = append(reg.SecurityGroups, &SecurityGroup{ID: fmt.Sprintf("sg-gen%02d", i), Name: fmt.Sprintf("gen%02d", i), VPC: "vpc-2"})
	}
	srv := serveWorld(t, w)
	return srv, ec2.NewFromConfig(sdkConfig(srv, "AKIANETWORK000000001", "eu-west-1"))
}

func TestNetworkSecurityGroupPaging(t *testing.T) {
	ctx := context.Background()
	srv, client := netStart(t, 21) // 23 groups: pages of 5, 5, 5, 5, 3
	p := ec2.NewDescribeSecurityGroupsPaginator(client, &ec2.DescribeSecurityGroupsInput{MaxResults: sdk.Int32(5)})
	var ids []string
	var sizes []int
	for _, page := range allPages(t, p) {
		sizes = append(sizes, len(page.SecurityGroups))
		for _, g := range page.SecurityGroups {
			ids = append(ids, sdk.ToString(g.GroupId))
		}
	}
	if want := []int{5, 5, 5, 5, 3}; !reflect.DeepEqual(sizes, want) {
		t.Errorf("page sizes = %v, want %v", sizes, want)
	}
	if len(ids) != 23 || ids[0] != "sg-default" || ids[22] != "sg-gen20" {
		t.Errorf("ids = %v, want sg-default, sg-web, sg-gen00 ... sg-gen20 in order", ids)
	}
	wantRequests(t, srv, "ec2:DescribeSecurityGroups", 5)

	// Without MaxResults everything comes back at once.
	all, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.SecurityGroups) != 23 || all.NextToken != nil {
		t.Errorf("DescribeSecurityGroups without MaxResults = %d groups, next token %v; want 23 and none", len(all.SecurityGroups), all.NextToken)
	}
}

func TestNetworkSecurityGroupShape(t *testing.T) {
	_, client := netStart(t, 0)
	out, err := client.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-web"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("DescribeSecurityGroups(sg-web) = %d groups, want 1", len(out.SecurityGroups))
	}
	g := out.SecurityGroups[0]
	if got := []string{sdk.ToString(g.GroupName), sdk.ToString(g.VpcId), sdk.ToString(g.OwnerId), sdk.ToString(g.SecurityGroupArn)}; !reflect.DeepEqual(got,
		[]string{"web", "vpc-1", "123456789012", "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-web"}) {
		t.Errorf("name, vpc, owner, arn = %q", got)
	}
	if len(g.Tags) != 1 || sdk.ToString(g.Tags[0].Key) != "team" || sdk.ToString(g.Tags[0].Value) != "web" {
		t.Errorf("tags = %+v, want team=web", g.Tags)
	}
	if len(g.IpPermissions) != 2 {
		t.Fatalf("ingress permissions = %d, want 2", len(g.IpPermissions))
	}
	https, db := g.IpPermissions[0], g.IpPermissions[1]
	if sdk.ToString(https.IpProtocol) != "tcp" || sdk.ToInt32(https.FromPort) != 443 || sdk.ToInt32(https.ToPort) != 443 ||
		len(https.IpRanges) != 1 || sdk.ToString(https.IpRanges[0].CidrIp) != "0.0.0.0/0" ||
		len(https.Ipv6Ranges) != 1 || sdk.ToString(https.Ipv6Ranges[0].CidrIpv6) != "::/0" {
		t.Errorf("ingress 0 = %+v, want tcp 443 from 0.0.0.0/0 and ::/0", https)
	}
	if len(db.UserIdGroupPairs) != 1 || sdk.ToString(db.UserIdGroupPairs[0].GroupId) != "sg-peer" || sdk.ToString(db.UserIdGroupPairs[0].UserId) != "210987654321" ||
		len(db.PrefixListIds) != 1 || sdk.ToString(db.PrefixListIds[0].PrefixListId) != "pl-1" {
		t.Errorf("ingress 1 = %+v, want sg-peer of 210987654321 and pl-1", db)
	}

	// Protocol -1 carries no ports, whatever the world wrote.
	def, err := client.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	p := def.SecurityGroups[0].IpPermissions[0]
	if sdk.ToString(p.IpProtocol) != "-1" || p.FromPort != nil || p.ToPort != nil || sdk.ToString(p.UserIdGroupPairs[0].UserId) != "123456789012" {
		t.Errorf("default group ingress = %+v, want -1 without ports from itself", p)
	}
	if len(def.SecurityGroups[0].IpPermissionsEgress) != 1 {
		t.Errorf("default group egress = %d permissions, want 1", len(def.SecurityGroups[0].IpPermissionsEgress))
	}
}

func TestNetworkFilters(t *testing.T) {
	ctx := context.Background()
	_, client := netStart(t, 3)
	filter := func(name string, values ...string) []types.Filter {
		return []types.Filter{{Name: sdk.String(name), Values: values}}
	}
	sgs, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter("vpc-id", "vpc-2")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sgs.SecurityGroups) != 3 {
		t.Errorf("groups in vpc-2 = %d, want 3", len(sgs.SecurityGroups))
	}
	named, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter("group-name", "gen0*", "web")})
	if err != nil {
		t.Fatal(err)
	}
	if len(named.SecurityGroups) != 4 {
		t.Errorf("groups named gen0* or web = %d, want 4", len(named.SecurityGroups))
	}
	vpcs, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: filter("is-default", "true")})
	if err != nil {
		t.Fatal(err)
	}
	if len(vpcs.Vpcs) != 1 || sdk.ToString(vpcs.Vpcs[0].VpcId) != "vpc-1" || !sdk.ToBool(vpcs.Vpcs[0].IsDefault) {
		t.Errorf("default VPCs = %+v, want vpc-1 only", vpcs.Vpcs)
	}
	_, err = client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter("no-such-filter", "x")})
	if got := errCode(err); got != "InvalidParameterValue" {
		t.Errorf("unknown filter: error code %q (%v), want InvalidParameterValue", got, err)
	}
}

func TestNetworkACLEntries(t *testing.T) {
	_, client := netStart(t, 0)
	out, err := client.DescribeNetworkAcls(context.Background(), &ec2.DescribeNetworkAclsInput{})
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Rule   int32
		Proto  string
		Action types.RuleAction
		Egress bool
		CIDR   string
		Ports  string
	}
	got := map[string][]entry{}
	for _, acl := range out.NetworkAcls {
		for _, e := range acl.Entries {
			ports := ""
			if e.PortRange != nil {
				ports = fmt.Sprintf("%d-%d", sdk.ToInt32(e.PortRange.From), sdk.ToInt32(e.PortRange.To))
			}
			got[sdk.ToString(acl.NetworkAclId)] = append(got[sdk.ToString(acl.NetworkAclId)],
				entry{sdk.ToInt32(e.RuleNumber), sdk.ToString(e.Protocol), e.RuleAction, sdk.ToBool(e.Egress), sdk.ToString(e.CidrBlock), ports})
		}
	}
	// The catch-all denies are added where the world leaves them out, once
	// per direction, and protocol names become numbers.
	want := map[string][]entry{
		"acl-default": {
			{100, "-1", types.RuleActionAllow, true, "0.0.0.0/0", ""},
			{32767, "-1", types.RuleActionDeny, true, "0.0.0.0/0", ""},
			{100, "-1", types.RuleActionAllow, false, "0.0.0.0/0", ""},
			{32767, "-1", types.RuleActionDeny, false, "0.0.0.0/0", ""},
		},
		"acl-custom": {
			{32767, "-1", types.RuleActionDeny, true, "0.0.0.0/0", ""},
			{90, "6", types.RuleActionDeny, false, "0.0.0.0/0", "22-22"},
			{32767, "-1", types.RuleActionDeny, false, "0.0.0.0/0", ""},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %+v, want %+v", got, want)
	}
	for _, acl := range out.NetworkAcls {
		if id := sdk.ToString(acl.NetworkAclId); id == "acl-default" {
			if !sdk.ToBool(acl.IsDefault) || len(acl.Associations) != 1 || sdk.ToString(acl.Associations[0].SubnetId) != "subnet-1" {
				t.Errorf("acl-default: default %v, associations %+v; want default with subnet-1", sdk.ToBool(acl.IsDefault), acl.Associations)
			}
		}
	}
}

func TestNetworkInterfaces(t *testing.T) {
	_, client := netStart(t, 0)
	out, err := client.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	type eni struct {
		ID, Type, Status, Instance string
		Device                     int32
		Groups                     []string
	}
	var got []eni
	for _, ni := range out.NetworkInterfaces {
		e := eni{ID: sdk.ToString(ni.NetworkInterfaceId), Type: string(ni.InterfaceType), Status: string(ni.Status)}
		if ni.Attachment != nil {
			e.Instance, e.Device = sdk.ToString(ni.Attachment.InstanceId), sdk.ToInt32(ni.Attachment.DeviceIndex)
		}
		for _, g := range ni.Groups {
			e.Groups = append(e.Groups, sdk.ToString(g.GroupId))
		}
		got = append(got, e)
	}
	// The terminated instance has no interface left.
	want := []eni{
		{ID: "eni-web", Type: "interface", Status: "in-use", Instance: "i-web", Device: 0, Groups: []string{"sg-web", "sg-default"}},
		{ID: "eni-lb", Type: "network_load_balancer", Status: "in-use", Groups: []string{"sg-web"}},
		{ID: "eni-second", Type: "interface", Status: "in-use", Instance: "i-web", Device: 1, Groups: []string{"sg-default"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("interfaces = %+v, want %+v", got, want)
	}
}

func TestNetworkPagingErrors(t *testing.T) {
	ctx := context.Background()
	_, client := netStart(t, 10)
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"security groups below 5", func() error {
			_, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: sdk.Int32(4)})
			return err
		}, "InvalidParameterValue"},
		{"security groups above 1000", func() error {
			_, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: sdk.Int32(1001)})
			return err
		}, "InvalidParameterValue"},
		{"network ACLs above 1000", func() error {
			_, err := client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{MaxResults: sdk.Int32(1001)})
			return err
		}, "InvalidParameterValue"},
		{"interfaces below 5", func() error {
			_, err := client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{MaxResults: sdk.Int32(1)})
			return err
		}, "InvalidParameterValue"},
		{"security groups bad token", func() error {
			_, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: sdk.Int32(5), NextToken: sdk.String("bm90LWEtdG9rZW4")})
			return err
		}, "InvalidNextToken"},
		{"token of another operation", func() error {
			page, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: sdk.Int32(5)})
			if err != nil {
				return err
			}
			_, err = client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{MaxResults: sdk.Int32(5), NextToken: page.NextToken})
			return err
		}, "InvalidNextToken"},
		{"VPC ids with MaxResults", func() error {
			_, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-1"}, MaxResults: sdk.Int32(5)})
			return err
		}, "InvalidParameterCombination"},
		{"interface ids with MaxResults", func() error {
			_, err := client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-lb"}, MaxResults: sdk.Int32(5)})
			return err
		}, "InvalidParameterCombination"},
		{"unknown group id", func() error {
			_, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-nope"}})
			return err
		}, "InvalidGroup.NotFound"},
		{"unknown VPC id", func() error {
			_, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-nope"}})
			return err
		}, "InvalidVpcID.NotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if got := errCode(err); got != tc.want {
				t.Errorf("error code = %q (%v), want %q", got, err, tc.want)
			}
		})
	}

	// Group ids with MaxResults are not refused: the SDK documents no such
	// restriction for DescribeSecurityGroups.
	out, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-web", "sg-gen01"}, MaxResults: sdk.Int32(5)})
	if err != nil || len(out.SecurityGroups) != 2 {
		t.Errorf("DescribeSecurityGroups(2 ids, MaxResults 5) = %v, %v; want 2 groups", out, err)
	}
}
