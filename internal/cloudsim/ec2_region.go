package cloudsim

import "sort"

// EC2 regions: the account's enabled regions, and with AllRegions=true the
// world's opt-in regions too.
var ec2RegionOps = map[string]awsHandler{
	"DescribeRegions": func(c *awsCall) {
		type region struct {
			Name     string `xml:"regionName"`
			Endpoint string `xml:"regionEndpoint"`
			OptIn    string `xml:"optInStatus"`
		}
		var out struct {
			Regions []region `xml:"regionInfo>item"`
		}
		for _, r := range c.Acct.RegionNames() {
			out.Regions = append(out.Regions, region{r, "ec2." + r + ".amazonaws.com", "opt-in-not-required"})
		}
		if c.Form.Get("AllRegions") == "true" {
			for _, r := range c.s.world.AWS.OptInRegions {
				out.Regions = append(out.Regions, region{r, "ec2." + r + ".amazonaws.com", "not-opted-in"})
			}
		}
		sort.Slice(out.Regions, func(i, j int) bool { return out.Regions[i].Name < out.Regions[j].Name })
		c.XML(out)
	},
}
