package cloudsim

import (
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
)

// EC2 networking: security groups, network ACLs, VPCs and the network
// interfaces that tie security groups to instances. Every Describe here
// pages with MaxResults 5-1000 and answers everything at once when the
// caller names no size (the SDK documents this for DescribeSecurityGroups;
// the others are assumed to match).
var ec2NetworkOps = map[string]awsHandler{
	"DescribeSecurityGroups":    describeSecurityGroups,
	"DescribeNetworkAcls":       describeNetworkACLs,
	"DescribeVpcs":              describeVPCs,
	"DescribeNetworkInterfaces": describeNetworkInterfaces,
}

// netPaging is the paging of the EC2 networking Describe calls.
var netPaging = Paging{Min: 5, Max: 1000}

// netMatch reports whether a resource passes every filter: per filter, one
// of the resource's values for that name matches one of the filter's
// values (which may hold the * and ? wildcards EC2 accepts).
func netMatch(filters []ec2Filter, valuesOf func(name string) []string) bool {
	for _, f := range filters {
		hit := false
		for _, have := range valuesOf(f.name) {
			for _, want := range f.values {
				if ok, err := path.Match(want, have); err == nil && ok {
					hit = true
				}
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// netMaxResults reads MaxResults: 0 when absent. A value that is present
// but not a number is answered as a validation error.
func netMaxResults(c *awsCall) (int, bool) {
	raw, present := c.Form["MaxResults"]
	if !present {
		return 0, true
	}
	n, err := strconv.Atoi(raw[0])
	if err != nil || n == 0 {
		c.ValidationError(fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Parameter must be between %d and %d", raw[0], netPaging.Min, netPaging.Max))
		return 0, false
	}
	return n, true
}

// netPage pages total items for the request, answering a bad size or token
// itself. idsParam is the request's id list; when AWS refuses ids together
// with MaxResults (refuseWithIDs) the combination is answered as AWS does.
func netPage(c *awsCall, total int, ids []string, idsParam string, refuseWithIDs bool) (lo, hi int, next string, ok bool) {
	asked, ok := netMaxResults(c)
	if !ok {
		return 0, 0, "", false
	}
	if refuseWithIDs && !ec2IDsWithoutMaxResults(c, ids, fmt.Sprintf("The parameter %s cannot be used with the parameter MaxResults", idsParam)) {
		return 0, 0, "", false
	}
	return c.Page(total, asked, c.Form.Get("NextToken"), netPaging)
}

// netMissing returns the first of ids that exists is false for.
func netMissing(ids []string, exists func(string) bool) (string, bool) {
	for _, id := range ids {
		if !exists(id) {
			return id, true
		}
	}
	return "", false
}

// Security groups.

type netGroupPair struct {
	UserID  string `xml:"userId"`
	GroupID string `xml:"groupId"`
}

type netIPRange struct {
	CIDR string `xml:"cidrIp"`
}

type netIPv6Range struct {
	CIDR string `xml:"cidrIpv6"`
}

type netPrefixList struct {
	ID string `xml:"prefixListId"`
}

type netPermission struct {
	Protocol    string          `xml:"ipProtocol"`
	FromPort    *int            `xml:"fromPort,omitempty"`
	ToPort      *int            `xml:"toPort,omitempty"`
	Groups      []netGroupPair  `xml:"groups>item"`
	IPRanges    []netIPRange    `xml:"ipRanges>item"`
	IPv6Ranges  []netIPv6Range  `xml:"ipv6Ranges>item"`
	PrefixLists []netPrefixList `xml:"prefixListIds>item"`
}

type netSecurityGroup struct {
	OwnerID     string          `xml:"ownerId"`
	GroupID     string          `xml:"groupId"`
	GroupName   string          `xml:"groupName"`
	Description string          `xml:"groupDescription"`
	VPCID       string          `xml:"vpcId,omitempty"`
	ARN         string          `xml:"securityGroupArn"`
	Ingress     []netPermission `xml:"ipPermissions>item"`
	Egress      []netPermission `xml:"ipPermissionsEgress>item"`
	Tags        []ec2Tag        `xml:"tagSet>item"`
}

// netPermissions renders a group's permissions. Protocol -1 covers every
// port, and EC2 then sends no fromPort/toPort whatever was authorized.
// A referenced group may be written "account/sg-id" to reference a group
// of another account.
func netPermissions(c *awsCall, perms []Permission) []netPermission {
	out := make([]netPermission, 0, len(perms))
	for _, p := range perms {
		np := netPermission{Protocol: p.Protocol, FromPort: p.FromPort, ToPort: p.ToPort}
		if p.Protocol == "-1" {
			np.FromPort, np.ToPort = nil, nil
		}
		for _, g := range p.Groups {
			user, id, found := strings.Cut(g, "/")
			if !found {
				user, id = c.Account, g
			}
			np.Groups = append(np.Groups, netGroupPair{user, id})
		}
		for _, r := range p.CIDRs {
			np.IPRanges = append(np.IPRanges, netIPRange{r})
		}
		for _, r := range p.IPv6CIDRs {
			np.IPv6Ranges = append(np.IPv6Ranges, netIPv6Range{r})
		}
		for _, pl := range p.PrefixLists {
			np.PrefixLists = append(np.PrefixLists, netPrefixList{pl})
		}
		out = append(out, np)
	}
	return out
}

func describeSecurityGroups(c *awsCall) {
	filters, ok := ec2Filters(c, "vpc-id", "group-name", "group-id")
	if !ok {
		return
	}
	reg := c.Reg()
	ids, names := c.List("GroupId"), c.List("GroupName")
	if id, missing := netMissing(ids, func(id string) bool { return netGroup(reg, id) != nil }); missing {
		c.Fail(http.StatusBadRequest, "InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id))
		return
	}
	if name, missing := netMissing(names, func(n string) bool {
		for _, g := range reg.SecurityGroups {
			if g.Name == n {
				return true
			}
		}
		return false
	}); missing {
		c.Fail(http.StatusBadRequest, "InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", name))
		return
	}
	var groups []*SecurityGroup
	for _, g := range reg.SecurityGroups {
		if len(ids) > 0 && !contains(ids, g.ID) || len(names) > 0 && !contains(names, g.Name) {
			continue
		}
		if !netMatch(filters, func(name string) []string {
			switch name {
			case "vpc-id":
				return []string{g.VPC}
			case "group-name":
				return []string{g.Name}
			}
			return []string{g.ID}
		}) {
			continue
		}
		groups = append(groups, g)
	}
	lo, hi, next, ok := netPage(c, len(groups), ids, "GroupIds", false)
	if !ok {
		return
	}
	var out struct {
		Groups []netSecurityGroup `xml:"securityGroupInfo>item"`
		Next   string             `xml:"nextToken,omitempty"`
	}
	out.Next = next
	for _, g := range groups[lo:hi] {
		out.Groups = append(out.Groups, netSecurityGroup{
			OwnerID: c.Account, GroupID: g.ID, GroupName: g.Name, Description: g.Description, VPCID: g.VPC,
			ARN:     fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", c.Region, c.Account, g.ID),
			Ingress: netPermissions(c, g.Ingress), Egress: netPermissions(c, g.Egress), Tags: ec2Tags(g.Tags),
		})
	}
	c.XML(out)
}

// netGroup returns the region's security group with id, or nil.
func netGroup(reg *Region, id string) *SecurityGroup {
	for _, g := range reg.SecurityGroups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

// Network ACLs.

type netPortRange struct {
	From int `xml:"from"`
	To   int `xml:"to"`
}

type netACLEntry struct {
	RuleNumber int           `xml:"ruleNumber"`
	Protocol   string        `xml:"protocol"`
	Action     string        `xml:"ruleAction"`
	Egress     bool          `xml:"egress"`
	CIDR       string        `xml:"cidrBlock,omitempty"`
	IPv6CIDR   string        `xml:"ipv6CidrBlock,omitempty"`
	PortRange  *netPortRange `xml:"portRange,omitempty"`
}

type netACLAssociation struct {
	ID     string `xml:"networkAclAssociationId"`
	ACL    string `xml:"networkAclId"`
	Subnet string `xml:"subnetId"`
}

type netACL struct {
	ID           string              `xml:"networkAclId"`
	VPCID        string              `xml:"vpcId"`
	OwnerID      string              `xml:"ownerId"`
	Default      bool                `xml:"default"`
	Entries      []netACLEntry       `xml:"entrySet>item"`
	Associations []netACLAssociation `xml:"associationSet>item"`
	Tags         []ec2Tag            `xml:"tagSet>item"`
}

// netCatchAll is the rule number of the deny-everything entry every
// network ACL ends with, in each direction; it cannot be changed.
const netCatchAll = 32767

// netProtocolNumbers maps the names a world may use to the protocol
// numbers EC2 sends for network ACL entries.
var netProtocolNumbers = map[string]string{"all": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}

// netACLEntries renders an ACL's entries the way EC2 lists them: egress
// first, each direction by rule number, each ending with the catch-all
// deny the world need not spell out.
func netACLEntries(entries []ACLEntry) []netACLEntry {
	out := make([]netACLEntry, 0, len(entries)+2)
	catchAll := map[bool]bool{}
	for _, e := range entries {
		proto := e.Protocol
		if n, ok := netProtocolNumbers[strings.ToLower(proto)]; ok {
			proto = n
		}
		ne := netACLEntry{RuleNumber: e.RuleNumber, Protocol: proto, Action: e.Action, Egress: e.Egress, CIDR: e.CIDR, IPv6CIDR: e.IPv6CIDR}
		if e.FromPort != nil && (proto == "6" || proto == "17") {
			to := *e.FromPort
			if e.ToPort != nil {
				to = *e.ToPort
			}
			ne.PortRange = &netPortRange{*e.FromPort, to}
		}
		if e.RuleNumber == netCatchAll {
			catchAll[e.Egress] = true
		}
		out = append(out, ne)
	}
	for _, egress := range []bool{true, false} {
		if !catchAll[egress] {
			out = append(out, netACLEntry{RuleNumber: netCatchAll, Protocol: "-1", Action: "deny", Egress: egress, CIDR: "0.0.0.0/0"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Egress != out[j].Egress {
			return out[i].Egress
		}
		return out[i].RuleNumber < out[j].RuleNumber
	})
	return out
}

func describeNetworkACLs(c *awsCall) {
	filters, ok := ec2Filters(c, "vpc-id", "network-acl-id", "default")
	if !ok {
		return
	}
	reg := c.Reg()
	ids := c.List("NetworkAclId")
	if id, missing := netMissing(ids, func(id string) bool {
		for _, a := range reg.NetworkACLs {
			if a.ID == id {
				return true
			}
		}
		return false
	}); missing {
		c.Fail(http.StatusBadRequest, "InvalidNetworkAclID.NotFound", fmt.Sprintf("The networkAcl ID '%s' does not exist", id))
		return
	}
	var acls []*NetworkACL
	for _, a := range reg.NetworkACLs {
		if len(ids) > 0 && !contains(ids, a.ID) {
			continue
		}
		if !netMatch(filters, func(name string) []string {
			switch name {
			case "vpc-id":
				return []string{a.VPC}
			case "default":
				return []string{strconv.FormatBool(a.Default)}
			}
			return []string{a.ID}
		}) {
			continue
		}
		acls = append(acls, a)
	}
	lo, hi, next, ok := netPage(c, len(acls), ids, "NetworkAclIds", false)
	if !ok {
		return
	}
	var out struct {
		ACLs []netACL `xml:"networkAclSet>item"`
		Next string   `xml:"nextToken,omitempty"`
	}
	out.Next = next
	for _, a := range acls[lo:hi] {
		na := netACL{ID: a.ID, VPCID: a.VPC, OwnerID: c.Account, Default: a.Default, Entries: netACLEntries(a.Entries), Tags: ec2Tags(a.Tags)}
		for i, s := range a.Subnets {
			na.Associations = append(na.Associations, netACLAssociation{ID: fmt.Sprintf("aclassoc-%s-%d", strings.TrimPrefix(a.ID, "acl-"), i), ACL: a.ID, Subnet: s})
		}
		out.ACLs = append(out.ACLs, na)
	}
	c.XML(out)
}

// VPCs.

type netVPC struct {
	ID        string   `xml:"vpcId"`
	State     string   `xml:"state"`
	CIDR      string   `xml:"cidrBlock,omitempty"`
	OwnerID   string   `xml:"ownerId"`
	Tenancy   string   `xml:"instanceTenancy"`
	IsDefault bool     `xml:"isDefault"`
	Tags      []ec2Tag `xml:"tagSet>item"`
}

func describeVPCs(c *awsCall) {
	filters, ok := ec2Filters(c, "vpc-id", "is-default", "cidr")
	if !ok {
		return
	}
	reg := c.Reg()
	ids := c.List("VpcId")
	if id, missing := netMissing(ids, func(id string) bool {
		for _, v := range reg.VPCs {
			if v.ID == id {
				return true
			}
		}
		return false
	}); missing {
		c.Fail(http.StatusBadRequest, "InvalidVpcID.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", id))
		return
	}
	var vpcs []*VPC
	for _, v := range reg.VPCs {
		if len(ids) > 0 && !contains(ids, v.ID) {
			continue
		}
		if !netMatch(filters, func(name string) []string {
			switch name {
			case "is-default":
				return []string{strconv.FormatBool(v.Default)}
			case "cidr":
				return []string{v.CIDR}
			}
			return []string{v.ID}
		}) {
			continue
		}
		vpcs = append(vpcs, v)
	}
	lo, hi, next, ok := netPage(c, len(vpcs), ids, "VpcIds", true)
	if !ok {
		return
	}
	var out struct {
		VPCs []netVPC `xml:"vpcSet>item"`
		Next string   `xml:"nextToken,omitempty"`
	}
	out.Next = next
	for _, v := range vpcs[lo:hi] {
		out.VPCs = append(out.VPCs, netVPC{ID: v.ID, State: "available", CIDR: v.CIDR, OwnerID: c.Account, Tenancy: "default", IsDefault: v.Default, Tags: ec2Tags(v.Tags)})
	}
	c.XML(out)
}

// Network interfaces.

type netGroupIdentifier struct {
	ID   string `xml:"groupId"`
	Name string `xml:"groupName,omitempty"`
}

type netAttachment struct {
	ID          string `xml:"attachmentId"`
	InstanceID  string `xml:"instanceId"`
	Owner       string `xml:"instanceOwnerId"`
	DeviceIndex int    `xml:"deviceIndex"`
	Status      string `xml:"status"`
}

type netInterface struct {
	ID          string               `xml:"networkInterfaceId"`
	SubnetID    string               `xml:"subnetId,omitempty"`
	VPCID       string               `xml:"vpcId,omitempty"`
	Description string               `xml:"description"`
	OwnerID     string               `xml:"ownerId"`
	Status      string               `xml:"status"`
	Type        string               `xml:"interfaceType"`
	Groups      []netGroupIdentifier `xml:"groupSet>item"`
	Attachment  *netAttachment       `xml:"attachment,omitempty"`
	Tags        []ec2Tag             `xml:"tagSet>item"`
}

// netENI is one interface DescribeNetworkInterfaces lists, with the id of
// its attachment when it has one.
type netENI struct {
	NetworkInterface
	attachment string
}

// netInterfaces lists the region's interfaces: each instance's primary
// one (a terminated instance has none left), named and attached as
// DescribeInstances names them, then the world's others.
func netInterfaces(reg *Region) []netENI {
	var out []netENI
	for _, inst := range reg.Instances {
		if inst.State == "terminated" {
			continue
		}
		out = append(out, netENI{NetworkInterface{ID: instancePrimaryENI(inst), Type: "interface", Description: "Primary network interface",
			Status: "in-use", VPC: inst.VPC, Subnet: inst.Subnet, Groups: inst.Groups, Instance: inst.ID}, "eni-attach-" + instHash(inst.ID, 17)})
	}
	for _, ni := range reg.NetworkInterfaces {
		n := netENI{NetworkInterface: *ni}
		if n.Type == "" {
			n.Type = "interface"
		}
		if n.Status == "" {
			n.Status = "in-use"
		}
		if n.Instance != "" {
			n.attachment = "eni-attach-" + instHash(n.ID, 17)
		}
		out = append(out, n)
	}
	return out
}

func describeNetworkInterfaces(c *awsCall) {
	filters, ok := ec2Filters(c, "vpc-id", "group-id", "attachment.instance-id", "interface-type", "network-interface-id")
	if !ok {
		return
	}
	reg := c.Reg()
	all := netInterfaces(reg)
	ids := c.List("NetworkInterfaceId")
	if id, missing := netMissing(ids, func(id string) bool {
		for _, ni := range all {
			if ni.ID == id {
				return true
			}
		}
		return false
	}); missing {
		c.Fail(http.StatusBadRequest, "InvalidNetworkInterfaceID.NotFound", fmt.Sprintf("The networkInterface ID '%s' does not exist", id))
		return
	}
	var nis []netENI
	for _, ni := range all {
		if len(ids) > 0 && !contains(ids, ni.ID) {
			continue
		}
		if !netMatch(filters, func(name string) []string {
			switch name {
			case "vpc-id":
				return []string{ni.VPC}
			case "group-id":
				return ni.Groups
			case "attachment.instance-id":
				return []string{ni.Instance}
			case "interface-type":
				return []string{ni.Type}
			}
			return []string{ni.ID}
		}) {
			continue
		}
		nis = append(nis, ni)
	}
	lo, hi, next, ok := netPage(c, len(nis), ids, "NetworkInterfaceIds", true)
	if !ok {
		return
	}
	var out struct {
		Interfaces []netInterface `xml:"networkInterfaceSet>item"`
		Next       string         `xml:"nextToken,omitempty"`
	}
	out.Next = next
	// Device indexes count over every interface of the instance, the
	// primary one (listed first) being 0, whatever the filters kept.
	device, attached := map[string]int{}, map[string]int{}
	for _, ni := range all {
		if ni.Instance != "" {
			device[ni.ID] = attached[ni.Instance]
			attached[ni.Instance]++
		}
	}
	for _, ni := range nis[lo:hi] {
		x := netInterface{ID: ni.ID, SubnetID: ni.Subnet, VPCID: ni.VPC, Description: ni.Description, OwnerID: c.Account,
			Status: ni.Status, Type: ni.Type, Tags: ec2Tags(ni.Tags)}
		for _, g := range ni.Groups {
			gi := netGroupIdentifier{ID: g}
			if sg := netGroup(reg, g); sg != nil {
				gi.Name = sg.Name
			}
			x.Groups = append(x.Groups, gi)
		}
		if ni.Instance != "" {
			x.Attachment = &netAttachment{ID: ni.attachment, InstanceID: ni.Instance,
				Owner: c.Account, DeviceIndex: device[ni.ID], Status: "attached"}
		}
		out.Interfaces = append(out.Interfaces, x)
	}
	c.XML(out)
}
