package cloudsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// EC2 storage: EBS volumes and the region's encryption-by-default setting.
var ec2StorageOps = map[string]awsHandler{
	"DescribeVolumes":           ec2DescribeVolumes,
	"GetEbsEncryptionByDefault": ec2GetEbsEncryptionByDefault,
	"GetEbsDefaultKmsKeyId":     ec2GetEbsDefaultKmsKeyID,
}

// ebsCreated is the creation (and attach) time of every simulated volume.
const ebsCreated = "2024-01-01T00:00:00.000Z"

type ebsAttachment struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type ebsVolume struct {
	VolumeID           string          `xml:"volumeId"`
	Size               int             `xml:"size"`
	SnapshotID         string          `xml:"snapshotId"`
	AvailabilityZone   string          `xml:"availabilityZone"`
	Status             string          `xml:"status"`
	CreateTime         string          `xml:"createTime"`
	VolumeType         string          `xml:"volumeType"`
	Encrypted          bool            `xml:"encrypted"`
	KMSKeyID           string          `xml:"kmsKeyId,omitempty"`
	MultiAttachEnabled bool            `xml:"multiAttachEnabled"`
	Attachments        []ebsAttachment `xml:"attachmentSet>item"`
	Tags               []ec2Tag        `xml:"tagSet>item"`
}

// ec2DescribeVolumes pages as EC2 documents for volumes: MaxResults 5-500,
// a larger value answered with 500 volumes, everything in one answer when
// MaxResults is absent, and MaxResults refused together with VolumeId.N.
func ec2DescribeVolumes(c *awsCall) {
	reg := c.Reg()
	ids := c.List("VolumeId")
	if !ec2IDsWithoutMaxResults(c, ids, "The parameter volumeSet cannot be used with the parameter maxResults") {
		return
	}
	filters, ok := ec2Filters(c, "volume-id", "encrypted", "attachment.instance-id", "status")
	if !ok {
		return
	}
	vols := reg.Volumes
	if len(ids) > 0 {
		vols = nil
		for _, id := range ids {
			v := findVolume(reg, id)
			if v == nil {
				c.Fail(http.StatusBadRequest, "InvalidVolume.NotFound", fmt.Sprintf("The volume '%s' does not exist.", id))
				return
			}
			vols = append(vols, v)
		}
	}
	var matched []*Volume
	for _, v := range vols {
		if volumeMatches(v, filters) {
			matched = append(matched, v)
		}
	}
	if c.Form.Get("MaxResults") != "" && c.Int("MaxResults") < 5 {
		// Page reads an explicit 0 as "none given".
		c.ValidationError(fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting a value greater than 5.", c.Form.Get("MaxResults")))
		return
	}
	lo, hi, next, ok := c.Page(len(matched), c.Int("MaxResults"), c.Form.Get("NextToken"), Paging{Min: 5, Max: 500, Clamp: true})
	if !ok {
		return
	}
	keys := c.kmsKeys()
	var out struct {
		Volumes   []ebsVolume `xml:"volumeSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}
	out.NextToken = next
	for _, v := range matched[lo:hi] {
		out.Volumes = append(out.Volumes, c.describeVolume(reg, keys, v))
	}
	c.XML(out)
}

func (c *awsCall) describeVolume(reg *Region, keys []kmsKey, v *Volume) ebsVolume {
	size, typ := v.Size, v.Type
	if size == 0 {
		size = 8
	}
	if typ == "" {
		typ = "gp3"
	}
	out := ebsVolume{VolumeID: v.ID, Size: size, AvailabilityZone: c.Region + "a", Status: "available",
		CreateTime: ebsCreated, VolumeType: typ, Encrypted: v.Encrypted, Tags: ec2Tags(v.Tags)}
	if v.Encrypted {
		// EC2 names the key by ARN however the volume's creator named it.
		ref := volumeKeyRef(reg, v)
		out.KMSKeyID = ref
		if k, ok := findKey(keys, c.Account, c.Region, ref, true); ok {
			out.KMSKeyID = k.Arn
		}
	}
	if v.AttachedTo != "" {
		out.Status = "in-use"
		out.Attachments = []ebsAttachment{{VolumeID: v.ID, InstanceID: v.AttachedTo, Device: "/dev/xvda",
			Status: "attached", AttachTime: ebsCreated, DeleteOnTermination: true}}
	}
	return out
}

func findVolume(reg *Region, id string) *Volume {
	for _, v := range reg.Volumes {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func volumeMatches(v *Volume, filters []ec2Filter) bool {
	for _, f := range filters {
		var got string
		switch f.name {
		case "volume-id":
			got = v.ID
		case "encrypted":
			got = strconv.FormatBool(v.Encrypted)
		case "attachment.instance-id":
			got = v.AttachedTo
		case "status":
			got = "available"
			if v.AttachedTo != "" {
				got = "in-use"
			}
		}
		if !ebsContainsFold(f.values, got) {
			return false
		}
	}
	return true
}

func ebsContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ec2GetEbsEncryptionByDefault answers the region's switch. sseType is
// sse-ebs when the switch is on and none when it is off.
func ec2GetEbsEncryptionByDefault(c *awsCall) {
	reg := c.Reg()
	sse := "none"
	if reg.EBSEncryptionByDefault {
		sse = "sse-ebs"
	}
	c.XML(struct {
		Enabled bool   `xml:"ebsEncryptionByDefault"`
		SSEType string `xml:"sseType"`
	}{reg.EBSEncryptionByDefault, sse})
}

// ec2GetEbsDefaultKmsKeyID answers the region's default EBS key as it was
// set, or alias/aws/ebs when it never was.
func ec2GetEbsDefaultKmsKeyID(c *awsCall) {
	key := c.Reg().EBSDefaultKMSKeyID
	if key == "" {
		key = ebsManagedAlias
	}
	c.XML(struct {
		KMSKeyID string `xml:"kmsKeyId"`
	}{key})
}
