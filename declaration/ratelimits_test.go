package declaration

import (
	"path"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// testPaces are a few APIs at the paces the scanners hold them to.
var testPaces = map[inventory.Cloud][]Pace{
	inventory.AWS: {
		{API: "ec2:DescribeInstances", PerSecond: 20, Burst: 100},
		{API: "ec2:DescribeVolumes", PerSecond: 20, Burst: 100},
		{API: "iam:ListPolicies", PerSecond: 10, Burst: 20},
	},
	inventory.GCP: {{API: "compute.firewalls.list", PerSecond: 10, Burst: 20}},
}

// pacesOf looks patterns up in testPaces; path.Match stands in for the
// scanners' matcher, which this package does not import.
func pacesOf(cloud inventory.Cloud, api string) []Pace {
	var out []Pace
	for _, p := range testPaces[cloud] {
		if ok, _ := path.Match(strings.ToLower(api), strings.ToLower(p.API)); ok {
			out = append(out, p)
		}
	}
	return out
}

const rateLimitsHead = `version: 1
parties: [{id: acme, role: customer}]
responsibilities: [{assign: {firewall: acme}}]
rateLimits:
`

func TestRateLimitsLowerOnly(t *testing.T) {
	cases := []struct {
		name, entry, want string
	}{
		{"lower", `  - {target: "111111111111", api: "ec2:Describe*", perSecond: 5, burst: 10}`, ""},
		{"equal", `  - {target: "111111111111", api: "ec2:Describe*", perSecond: 20, burst: 100}`, ""},
		{"fraction", `  - {target: acme-prod, api: "compute.*", perSecond: 0.5}`, ""},
		{"above", `  - {target: "111111111111", api: "ec2:Describe*", perSecond: 30}`,
			`d.yaml:5:63: rateLimits[0].perSecond 30 is above ownaudit's own pace for ec2:DescribeInstances (20 a second, below the provider's published limit); a declared limit can only lower it`},
		{"above one of several", `  - {target: "111111111111", api: "*", perSecond: 15}`,
			`d.yaml:5:51: rateLimits[0].perSecond 15 is above ownaudit's own pace for iam:ListPolicies (10 a second, below the provider's published limit); a declared limit can only lower it`},
		{"burst above", `  - {target: "111111111111", api: "iam:*", perSecond: 5, burst: 50}`,
			`d.yaml:5:65: rateLimits[0].burst 50 is above ownaudit's own burst for iam:ListPolicies (20 calls); a declared limit can only lower it`},
		{"matches nothing", `  - {target: "111111111111", api: "ec2:Describe", perSecond: 5}`,
			`d.yaml:5:35: rateLimits[0].api "ec2:Describe" matches no API ownaudit calls on aws; AWS APIs are named service:Operation, as in ec2:DescribeInstances or ssm:Describe*`},
		{"another cloud's naming", `  - {target: acme-prod, api: "ec2:*", perSecond: 1}`,
			`d.yaml:5:30: rateLimits[0].api "ec2:*" matches no API ownaudit calls on gcp; GCP APIs are named service.resource.method, as in compute.firewalls.list or compute.*`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Options{Paces: pacesOf}.Parse("d.yaml", []byte(rateLimitsHead+c.entry+"\n"))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Fatalf("Parse = %q, want %q", got, c.want)
			}
			if err != nil {
				return
			}
			r := d.RateLimits[0]
			if r.Pos.Line != 5 || r.Pos.Column != 3 {
				t.Errorf("Pos = %+v, want line 5, column 3", r.Pos)
			}
			if r.Burst < 1 {
				t.Errorf("Burst = %d, want one second's worth when left out", r.Burst)
			}
		})
	}
}

func TestRateLimitCloudFollowsTheTargetsShape(t *testing.T) {
	for target, want := range map[string]inventory.Cloud{
		"111111111111":                         inventory.AWS,
		"00000000-0000-0000-0000-000000000000": inventory.Azure,
		"acme-prod":                            inventory.GCP,
		"acme":                                 "",
	} {
		if got := (RateLimit{Target: target}).Cloud(); got != want {
			t.Errorf("RateLimit{Target: %q}.Cloud() = %q, want %q", target, got, want)
		}
	}
}

func TestRateLimitBurstDefaultsToOneSecond(t *testing.T) {
	d, err := Parse("d.yaml", []byte(rateLimitsHead+`  - {target: "111111111111", api: "ec2:*", perSecond: 2.5}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.RateLimits[0]; got.PerSecond != 2.5 || got.Burst != 3 {
		t.Errorf("RateLimits[0] = %+v, want perSecond 2.5 and burst 3", got)
	}
}
