package cloudsim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// RDS (query, 2014-10-31): the DB instances of the request's account and
// region. RDS names its list members (DBInstance, VpcSecurityGroupMembership,
// Tag) instead of using <member>.
var rdsOps = map[string]awsHandler{
	"DescribeDBInstances": rdsDescribeDBInstances,
}

// rdsFilters are the DescribeDBInstances filters the simulator applies;
// others are refused rather than silently ignored.
var rdsFilters = map[string]func(c *awsCall, d *DBInstance) []string{
	"db-instance-id": func(c *awsCall, d *DBInstance) []string { return []string{d.ID, rdsARN(c, d)} },
	"engine":         func(_ *awsCall, d *DBInstance) []string { return []string{d.Engine} },
}

func rdsARN(c *awsCall, d *DBInstance) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", c.Region, c.Account, d.ID)
}

type rdsGroup struct {
	ID     string `xml:"VpcSecurityGroupId"`
	Status string `xml:"Status"`
}

type rdsTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type rdsInstanceXML struct {
	Identifier              string     `xml:"DBInstanceIdentifier"`
	Arn                     string     `xml:"DBInstanceArn"`
	ResourceID              string     `xml:"DbiResourceId"`
	Class                   string     `xml:"DBInstanceClass"`
	Status                  string     `xml:"DBInstanceStatus"`
	Engine                  string     `xml:"Engine"`
	EngineVersion           string     `xml:"EngineVersion"`
	StorageEncrypted        bool       `xml:"StorageEncrypted"`
	KmsKeyID                string     `xml:"KmsKeyId,omitempty"`
	AutoMinorVersionUpgrade bool       `xml:"AutoMinorVersionUpgrade"`
	PubliclyAccessible      bool       `xml:"PubliclyAccessible"`
	MultiAZ                 bool       `xml:"MultiAZ"`
	Groups                  []rdsGroup `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	Tags                    []rdsTag   `xml:"TagList>Tag"`
}

// rdsDescribeDBInstances answers one instance (DBInstanceIdentifier, an
// identifier or ARN) or pages over all of them: MaxRecords 20-100, 100
// when absent, continued with Marker.
func rdsDescribeDBInstances(c *awsCall) {
	reg := c.Reg()
	var selected []*DBInstance
	if id := c.Form.Get("DBInstanceIdentifier"); id != "" {
		for _, d := range reg.DBInstances {
			if d.ID == id || rdsARN(c, d) == id {
				selected = append(selected, d)
			}
		}
		if len(selected) == 0 {
			c.Fail(http.StatusNotFound, "DBInstanceNotFound", fmt.Sprintf("DBInstance %s not found.", id))
			return
		}
	} else {
		selected = append(selected, reg.DBInstances...)
	}
	for i := 1; ; i++ {
		prefix := "Filters.Filter." + strconv.Itoa(i)
		name := c.Form.Get(prefix + ".Name")
		if name == "" {
			break
		}
		field := rdsFilters[name]
		if field == nil {
			c.Fail(http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Unrecognized filter name: %s", name))
			return
		}
		values := c.List(prefix + ".Values.Value")
		var kept []*DBInstance
		for _, d := range selected {
			for _, v := range field(c, d) {
				if contains(values, v) {
					kept = append(kept, d)
					break
				}
			}
		}
		selected = kept
	}
	// RDS reports a bad MaxRecords as InvalidParameterValue, not the
	// generic validation error Page would answer.
	if n := c.Form.Get("MaxRecords"); n != "" {
		if v, err := strconv.Atoi(n); err != nil || v < 20 || v > 100 {
			c.Fail(http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Invalid value %s for MaxRecords. Must be between 20 and 100", n))
			return
		}
	}
	lo, hi, next, ok := c.Page(len(selected), c.Int("MaxRecords"), c.Form.Get("Marker"), Paging{Default: 100, Min: 20, Max: 100})
	if !ok {
		return
	}
	out := struct {
		DBInstances []rdsInstanceXML `xml:"DBInstances>DBInstance"`
		Marker      string           `xml:"Marker,omitempty"`
	}{Marker: next}
	for _, d := range selected[lo:hi] {
		out.DBInstances = append(out.DBInstances, c.renderDBInstance(reg, d))
	}
	c.XML(out)
}

func (c *awsCall) renderDBInstance(reg *Region, d *DBInstance) rdsInstanceXML {
	x := rdsInstanceXML{
		Identifier: d.ID, Arn: rdsARN(c, d),
		ResourceID: "db-" + strings.ToUpper(instHash(c.Account+"|"+c.Region+"|"+d.ID, 26)),
		Class:      rdsOr(d.Class, "db.t3.micro"), Status: rdsOr(d.Status, "available"),
		Engine: d.Engine, EngineVersion: d.EngineVersion,
		StorageEncrypted: d.StorageEncrypted, AutoMinorVersionUpgrade: d.AutoMinorVersionUpgrade,
		PubliclyAccessible: d.PubliclyAccessible,
	}
	if d.StorageEncrypted {
		x.KmsKeyID = rdsKeyARN(c, reg, d.KMSKeyID)
	}
	for _, g := range d.Groups {
		x.Groups = append(x.Groups, rdsGroup{g, "active"})
	}
	for _, k := range slices.Sorted(maps.Keys(d.Tags)) {
		x.Tags = append(x.Tags, rdsTag{k, d.Tags[k]})
	}
	return x
}

// rdsManagedAlias is the AWS-managed key RDS encrypts with when the
// instance names none.
const rdsManagedAlias = "alias/aws/rds"

// rdsKeyARN is the ARN of the key a world instance names (key id, key ARN
// or alias), as RDS always answers with the key's ARN. A key the world
// does not list, and the AWS-managed aws/rds key when the world lists no
// key with that alias, get an ARN derived from the account and region so
// every call names the same key.
func rdsKeyARN(c *awsCall, reg *Region, ref string) string {
	if ref == "" {
		ref = rdsManagedAlias
	}
	if strings.HasPrefix(ref, "arn:") && strings.Contains(ref, ":key/") {
		return ref
	}
	keyARN := func(id string) string { return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", c.Region, c.Account, id) }
	for _, k := range reg.Keys {
		if ref == k.ID {
			return keyARN(k.ID)
		}
		for _, a := range k.Aliases {
			if strings.TrimPrefix(ref, "alias/") == strings.TrimPrefix(a, "alias/") {
				return keyARN(k.ID)
			}
		}
	}
	if !strings.HasPrefix(ref, "alias/") && !strings.HasPrefix(ref, "arn:") {
		return keyARN(ref)
	}
	h := instHash(c.Account+"|"+c.Region+"|"+ref, 32)
	return keyARN(fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]))
}

// rdsOr is v, or def when v is empty.
func rdsOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
