package aws

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// firewallPageSize is the MaxResults the firewall scanner asks for: EC2's
// maximum for these calls, so a region takes as few requests as it can.
// Tests lower it to read several pages from a small world.
var firewallPageSize int32 = 1000

// scanFirewall reads, per account and region, the security groups (with
// the instances and interfaces that use them), the network ACLs and the
// VPCs. The four lists are independent and read side by side; a list that
// fails leaves one error entry and none of its resources, since a partial
// list would pass for a complete one. The interfaces only say who uses a
// group: when they fail, the groups are kept without AttachedTo.
func scanFirewall(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	return e.eachRegion(ctx, t, out, inventory.Firewall, func(a *account, region string) {
		client := a.ec2(region)
		resource := func(typ, id string) inventory.Resource {
			return inventory.Resource{Cloud: inventory.AWS, Target: a.ID, Region: region, Type: typ, ID: id}
		}
		var (
			groups                 []types.SecurityGroup
			attached               map[string][]string
			acls, vpcs             []inventory.Resource
			groupsErr, attachedErr error
			aclErr, vpcErr         error
		)
		reads := out.Group(a.scope(region, inventory.Firewall), 0)
		reads.Go(func() { groups, groupsErr = listSecurityGroups(ctx, client) })
		reads.Go(func() { attached, attachedErr = groupAttachments(ctx, client) })
		reads.Go(func() { acls, aclErr = listNetworkACLs(ctx, client, resource) })
		reads.Go(func() { vpcs, vpcErr = listVPCs(ctx, client, resource) })
		reads.Wait()

		if groupsErr != nil {
			out.Fail(scanError(a.ID, region, inventory.Firewall, "ec2:DescribeSecurityGroups", []string{inventory.AWSSecurityGroup}, groupsErr))
		} else {
			if attachedErr != nil {
				// The groups are still whole; only who uses them is not known.
				out.Fail(scanError(a.ID, region, inventory.Firewall, "ec2:DescribeNetworkInterfaces", []string{inventory.AWSSecurityGroup}, attachedErr))
			}
			for _, g := range groups {
				r := resource(inventory.AWSSecurityGroup, sdk.ToString(g.GroupId))
				r.Name = sdk.ToString(g.GroupName)
				r.Tags = tags(g.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value })
				r.Firewall = &inventory.FirewallRules{
					Rules:      inventory.Known(securityGroupRules(g)),
					Default:    inventory.Known(r.Name == "default"),
					AttachedTo: attached[r.ID],
				}
				out.Add(r)
			}
		}
		if aclErr != nil {
			out.Fail(scanError(a.ID, region, inventory.Firewall, "ec2:DescribeNetworkAcls", []string{inventory.AWSNetworkACL}, aclErr))
		} else {
			out.Add(acls...)
		}
		if vpcErr != nil {
			out.Fail(scanError(a.ID, region, inventory.Firewall, "ec2:DescribeVpcs", []string{inventory.AWSVPC}, vpcErr))
		} else {
			out.Add(vpcs...)
		}
	})
}

// listSecurityGroups lists every security group of the region.
func listSecurityGroups(ctx context.Context, client *ec2.Client) ([]types.SecurityGroup, error) {
	var out []types.SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(client, &ec2.DescribeSecurityGroupsInput{MaxResults: sdk.Int32(firewallPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.SecurityGroups...)
	}
	return out, nil
}

// groupAttachments maps each security group id to what uses it, sorted:
// the instance an interface is attached to, or the interface itself when
// no instance owns it (load balancers, NAT gateways, Lambda functions,
// VPC endpoints, detached interfaces).
func groupAttachments(ctx context.Context, client *ec2.Client) (map[string][]string, error) {
	users := map[string]map[string]bool{}
	p := ec2.NewDescribeNetworkInterfacesPaginator(client, &ec2.DescribeNetworkInterfacesInput{MaxResults: sdk.Int32(firewallPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, ni := range page.NetworkInterfaces {
			user := sdk.ToString(ni.NetworkInterfaceId)
			if ni.Attachment != nil && sdk.ToString(ni.Attachment.InstanceId) != "" {
				user = sdk.ToString(ni.Attachment.InstanceId)
			}
			for _, g := range ni.Groups {
				id := sdk.ToString(g.GroupId)
				if users[id] == nil {
					users[id] = map[string]bool{}
				}
				users[id][user] = true
			}
		}
	}
	out := make(map[string][]string, len(users))
	for g, set := range users {
		for u := range set {
			out[g] = append(out[g], u)
		}
		sort.Strings(out[g])
	}
	return out, nil
}

// securityGroupRules turns a group's permissions into rules, one per
// permission, named by direction and position ("ingress/0").
func securityGroupRules(g types.SecurityGroup) []inventory.Rule {
	rules := make([]inventory.Rule, 0, len(g.IpPermissions)+len(g.IpPermissionsEgress))
	for i, p := range g.IpPermissions {
		rules = append(rules, permissionRule(inventory.Ingress, i, p))
	}
	for i, p := range g.IpPermissionsEgress {
		rules = append(rules, permissionRule(inventory.Egress, i, p))
	}
	return rules
}

// permissionRule is one security group permission as a rule. Security
// groups only allow. For egress the sources are the destinations: the
// rule shape is shared, the direction tells them apart.
func permissionRule(direction string, i int, p types.IpPermission) inventory.Rule {
	r := inventory.Rule{
		ID:        fmt.Sprintf("%s/%d", direction, i),
		Direction: direction,
		Action:    inventory.Allow,
		Protocol:  protocolName(sdk.ToString(p.IpProtocol)),
		Sources:   []inventory.Source{},
	}
	r.Ports = rulePorts(r.Protocol, p.FromPort, p.ToPort)
	for _, x := range p.IpRanges {
		r.Sources = append(r.Sources, inventory.Source{Kind: inventory.SourceCIDR, Value: sdk.ToString(x.CidrIp)})
	}
	for _, x := range p.Ipv6Ranges {
		r.Sources = append(r.Sources, inventory.Source{Kind: inventory.SourceCIDR, Value: sdk.ToString(x.CidrIpv6)})
	}
	for _, x := range p.PrefixListIds {
		r.Sources = append(r.Sources, inventory.Source{Kind: inventory.SourcePrefixList, Value: sdk.ToString(x.PrefixListId)})
	}
	for _, x := range p.UserIdGroupPairs {
		id := sdk.ToString(x.GroupId)
		if id == "" {
			// Only groups of a default VPC may be referenced by name alone.
			id = sdk.ToString(x.GroupName)
		}
		r.Sources = append(r.Sources, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: id})
	}
	return r
}

// listNetworkACLs lists the region's network ACLs as resources.
func listNetworkACLs(ctx context.Context, client *ec2.Client, resource func(typ, id string) inventory.Resource) ([]inventory.Resource, error) {
	var out []inventory.Resource
	p := ec2.NewDescribeNetworkAclsPaginator(client, &ec2.DescribeNetworkAclsInput{MaxResults: sdk.Int32(firewallPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, acl := range page.NetworkAcls {
			r := resource(inventory.AWSNetworkACL, sdk.ToString(acl.NetworkAclId))
			r.Tags = tags(acl.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value })
			r.Name = r.Tags["Name"]
			r.Firewall = &inventory.FirewallRules{Rules: inventory.Known(aclRules(acl.Entries))}
			out = append(out, r)
		}
	}
	return out, nil
}

// aclRules turns network ACL entries into rules, ingress first and each
// direction in evaluation order. The rule number is both the id and the
// priority; the catch-all deny (32767) is kept, as it is a real rule.
func aclRules(entries []types.NetworkAclEntry) []inventory.Rule {
	rules := make([]inventory.Rule, 0, len(entries))
	for _, e := range entries {
		n := int(sdk.ToInt32(e.RuleNumber))
		r := inventory.Rule{
			ID:        strconv.Itoa(n),
			Direction: inventory.Ingress,
			Action:    strings.ToLower(string(e.RuleAction)),
			Priority:  n,
			Protocol:  protocolName(sdk.ToString(e.Protocol)),
			Sources:   []inventory.Source{},
		}
		if sdk.ToBool(e.Egress) {
			r.Direction = inventory.Egress
		}
		if e.PortRange != nil {
			r.Ports = rulePorts(r.Protocol, e.PortRange.From, e.PortRange.To)
		}
		for _, cidr := range []*string{e.CidrBlock, e.Ipv6CidrBlock} {
			if v := sdk.ToString(cidr); v != "" {
				r.Sources = append(r.Sources, inventory.Source{Kind: inventory.SourceCIDR, Value: v})
			}
		}
		rules = append(rules, r)
	}
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Direction != rules[j].Direction {
			return rules[i].Direction == inventory.Ingress
		}
		return rules[i].Priority < rules[j].Priority
	})
	return rules
}

// listVPCs lists the region's VPCs as resources.
func listVPCs(ctx context.Context, client *ec2.Client, resource func(typ, id string) inventory.Resource) ([]inventory.Resource, error) {
	var out []inventory.Resource
	p := ec2.NewDescribeVpcsPaginator(client, &ec2.DescribeVpcsInput{MaxResults: sdk.Int32(firewallPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Vpcs {
			r := resource(inventory.AWSVPC, sdk.ToString(v.VpcId))
			r.Tags = tags(v.Tags, func(t types.Tag) (*string, *string) { return t.Key, t.Value })
			r.Name = r.Tags["Name"]
			r.Network = &inventory.Network{}
			if v.IsDefault != nil {
				r.Network.Default = inventory.Known(*v.IsDefault)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// protocolName normalizes an EC2 protocol: security groups send names or
// numbers, network ACLs send numbers, and -1 is every protocol.
func protocolName(p string) string {
	switch p = strings.ToLower(strings.TrimSpace(p)); p {
	case "-1", "all":
		return "all"
	case "6", "tcp":
		return "tcp"
	case "17", "udp":
		return "udp"
	case "1", "icmp":
		return "icmp"
	case "58", "icmpv6":
		return "icmpv6"
	}
	return p
}

// rulePorts is the port range of a TCP or UDP rule; nil (every port) for other
// protocols, whose from/to carry ICMP types or nothing, and when EC2 sends
// no range or -1.
func rulePorts(protocol string, from, to *int32) []inventory.PortRange {
	if protocol != "tcp" && protocol != "udp" || from == nil || *from < 0 {
		return nil
	}
	hi := *from
	if to != nil {
		hi = *to
	}
	if hi < 0 {
		return nil
	}
	return []inventory.PortRange{{From: int(*from), To: int(hi)}}
}
