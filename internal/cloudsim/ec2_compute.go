package cloudsim

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// EC2 instances: DescribeInstances, one reservation per instance.
var ec2ComputeOps = map[string]awsHandler{
	"DescribeInstances": ec2DescribeInstances,
}

// ec2InstanceStates maps a state name to its code (types.InstanceState:
// only the low byte counts, and that is all we send).
var ec2InstanceStates = map[string]int{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

// ec2LaunchEpoch is the launch time of instances the world gives none.
var ec2LaunchEpoch = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// ec2InstanceFilters are the DescribeInstances filters the simulator
// applies; any other name is refused rather than silently ignored, so a
// scanner relying on one notices.
var ec2InstanceFilters = map[string]func(*Instance) string{
	"instance-state-name": func(i *Instance) string { return instStateName(i) },
	"instance-id":         func(i *Instance) string { return i.ID },
	"vpc-id":              func(i *Instance) string { return i.VPC },
}

// instStateName is the instance's state; a world instance without one runs.
func instStateName(i *Instance) string {
	if i.State == "" {
		return "running"
	}
	return i.State
}

// instancePrimaryENI is the id of an instance's primary network interface:
// the world's, or one derived from the instance id so every call names the
// same interface.
func instancePrimaryENI(i *Instance) string {
	if i.Interface != "" {
		return i.Interface
	}
	return "eni-" + strings.TrimPrefix(i.ID, "i-")
}

// instHash is a stable hex id part derived from s.
func instHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum[:])[:n]
}

type instGroup struct {
	ID   string `xml:"groupId"`
	Name string `xml:"groupName"`
}

type instXML struct {
	InstanceID string `xml:"instanceId"`
	ImageID    string `xml:"imageId,omitempty"`
	State      struct {
		Code int    `xml:"code"`
		Name string `xml:"name"`
	} `xml:"instanceState"`
	PrivateDNSName  string `xml:"privateDnsName"`
	InstanceType    string `xml:"instanceType,omitempty"`
	LaunchTime      string `xml:"launchTime"`
	Platform        string `xml:"platform,omitempty"`
	PlatformDetails string `xml:"platformDetails,omitempty"`
	Placement       struct {
		AvailabilityZone string `xml:"availabilityZone"`
		Tenancy          string `xml:"tenancy"`
	} `xml:"placement"`
	SubnetID          string      `xml:"subnetId,omitempty"`
	VpcID             string      `xml:"vpcId,omitempty"`
	PrivateIPAddress  string      `xml:"privateIpAddress,omitempty"`
	Groups            []instGroup `xml:"groupSet>item"`
	Architecture      string      `xml:"architecture"`
	RootDeviceType    string      `xml:"rootDeviceType"`
	Tags              []ec2Tag    `xml:"tagSet>item"`
	NetworkInterfaces []instENI   `xml:"networkInterfaceSet>item"`
}

type instENI struct {
	ID               string      `xml:"networkInterfaceId"`
	SubnetID         string      `xml:"subnetId"`
	VpcID            string      `xml:"vpcId"`
	OwnerID          string      `xml:"ownerId"`
	Status           string      `xml:"status"`
	PrivateIPAddress string      `xml:"privateIpAddress"`
	Groups           []instGroup `xml:"groupSet>item"`
	Attachment       struct {
		ID                  string `xml:"attachmentId"`
		DeviceIndex         int    `xml:"deviceIndex"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"attachment"`
	InterfaceType string `xml:"interfaceType"`
}

type instReservation struct {
	ID        string      `xml:"reservationId"`
	OwnerID   string      `xml:"ownerId"`
	Groups    []instGroup `xml:"groupSet>item"`
	Instances []instXML   `xml:"instancesSet>item"`
}

// ec2DescribeInstances pages over instances (one per reservation, so
// MaxResults counts either). MaxResults is 5-1000 and everything comes in
// one page without it; it cannot be combined with InstanceId.N.
func ec2DescribeInstances(c *awsCall) {
	ids := c.List("InstanceId")
	if !ec2IDsWithoutMaxResults(c, ids, "The parameter instancesSet cannot be used with the parameter maxResults") {
		return
	}
	filters, ok := ec2Filters(c, slices.Collect(maps.Keys(ec2InstanceFilters))...)
	if !ok {
		return
	}
	reg := c.Reg()
	var selected []*Instance
	if len(ids) > 0 {
		byID := map[string]*Instance{}
		for _, i := range reg.Instances {
			byID[i.ID] = i
		}
		var missing []string
		for _, id := range ids {
			if i, ok := byID[id]; ok {
				selected = append(selected, i)
			} else {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			c.Fail(http.StatusBadRequest, "InvalidInstanceID.NotFound", fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", ")))
			return
		}
	} else {
		selected = append(selected, reg.Instances...)
	}
	selected = instFilter(selected, filters)

	lo, hi, next, ok := c.Page(len(selected), c.Int("MaxResults"), c.Form.Get("NextToken"), Paging{Min: 5, Max: 1000})
	if !ok {
		return
	}
	out := struct {
		Reservations []instReservation `xml:"reservationSet>item"`
		NextToken    string            `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, i := range selected[lo:hi] {
		out.Reservations = append(out.Reservations, c.renderInstance(reg, i))
	}
	c.XML(out)
}

func instFilter(in []*Instance, filters []ec2Filter) []*Instance {
	var out []*Instance
	for _, i := range in {
		keep := true
		for _, f := range filters {
			if !contains(f.values, ec2InstanceFilters[f.name](i)) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, i)
		}
	}
	return out
}

// renderInstance renders one instance in its own reservation. A terminated
// instance has lost its network interface, VPC and subnet, as on AWS.
func (c *awsCall) renderInstance(reg *Region, i *Instance) instReservation {
	state := instStateName(i)
	x := instXML{
		InstanceID: i.ID, ImageID: i.ImageID, InstanceType: i.InstanceType,
		Platform: i.Platform, PlatformDetails: i.PlatformDetails,
		Architecture: "x86_64", RootDeviceType: "ebs",
	}
	if x.PlatformDetails == "" {
		x.PlatformDetails = "Linux/UNIX"
		if i.Platform == "windows" {
			x.PlatformDetails = "Windows"
		}
	}
	x.State.Code, x.State.Name = ec2InstanceStates[state], state
	launched := i.LaunchTime
	if launched.IsZero() {
		launched = ec2LaunchEpoch
	}
	x.LaunchTime = launched.UTC().Format("2006-01-02T15:04:05.000Z")
	x.Placement.AvailabilityZone, x.Placement.Tenancy = c.Region+"a", "default"
	x.Tags = ec2Tags(i.Tags)
	if state != "terminated" {
		h := instHash(i.ID, 6)
		ip := fmt.Sprintf("10.0.%d.%d", int(h[0])%200+1, int(h[1])+int(h[2])%50+2)
		x.PrivateIPAddress = ip
		x.PrivateDNSName = "ip-" + strings.ReplaceAll(ip, ".", "-") + "." + c.Region + ".compute.internal"
		x.SubnetID, x.VpcID = i.Subnet, i.VPC
		for _, g := range i.Groups {
			x.Groups = append(x.Groups, instGroup{g, instGroupName(reg, g)})
		}
		eni := instENI{ID: instancePrimaryENI(i), SubnetID: i.Subnet, VpcID: i.VPC, OwnerID: c.Account,
			Status: "in-use", PrivateIPAddress: ip, Groups: x.Groups, InterfaceType: "interface"}
		eni.Attachment.ID = "eni-attach-" + instHash(i.ID, 17)
		eni.Attachment.Status = "attached"
		eni.Attachment.AttachTime = x.LaunchTime
		eni.Attachment.DeleteOnTermination = true
		x.NetworkInterfaces = []instENI{eni}
	}
	return instReservation{ID: "r-" + instHash(i.ID, 17), OwnerID: c.Account, Instances: []instXML{x}}
}

// instGroupName is a group's name from the world, or its id when the
// world does not list it.
func instGroupName(reg *Region, id string) string {
	for _, g := range reg.SecurityGroups {
		if g.ID == id {
			return g.Name
		}
	}
	return id
}
