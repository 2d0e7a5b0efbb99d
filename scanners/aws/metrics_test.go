package aws

import (
	"reflect"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// metricsWorld is one account in two regions with a little of everything
// the firewall and IAM scanners read.
const metricsWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          vpcs: [{id: vpc-a, cidr: 10.0.0.0/16}]
          securityGroups:
            - {id: sg-a, name: a, vpc: vpc-a, ingress: [{protocol: tcp, fromPort: 22, toPort: 22, cidrs: [0.0.0.0/0]}]}
        eu-west-1: {}
      iam:
        users:
          - {name: alice, created: 2024-01-01T00:00:00Z, password: true}
        passwordPolicy: {minimumLength: 14}
`

// simOutcomes counts the simulator's answers per (service, operation,
// code), "OK" for a success: every attempt the SDK made, as it saw it.
func simOutcomes(srv *cloudsim.Server) map[scanners.RequestCount]int {
	out := map[scanners.RequestCount]int{}
	for _, r := range srv.Requests() {
		code := r.Code
		if code == "" {
			code = scanners.CodeOK
		}
		out[scanners.RequestCount{Cloud: "aws", Service: r.Service, Operation: r.Operation, Code: code}]++
	}
	return out
}

func TestSchedulerCountsEveryRequestOutcome(t *testing.T) {
	const acct = "111111111111"
	regions := []string{"eu-central-1", "eu-west-1"}
	tests := []struct {
		name     string
		domain   inventory.Domain
		faults   cloudsim.Faults
		wantRuns []inventory.ScannerRun // durations are not compared
		// wantCodes must each have been counted at least once.
		wantCodes []scanners.RequestCount
	}{
		{
			name:     "access denied on one IAM read",
			domain:   inventory.IAM,
			faults:   cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: "iam:GetAccountPasswordPolicy"}}},
			wantRuns: []inventory.ScannerRun{{Cloud: inventory.AWS, Target: acct, Domain: inventory.IAM, Success: false}},
			wantCodes: []scanners.RequestCount{
				{Cloud: "aws", Service: "iam", Operation: "GetAccountPasswordPolicy", Code: "AccessDenied"},
				{Cloud: "aws", Service: "iam", Operation: "GetCredentialReport", Code: scanners.CodeOK},
				{Cloud: "aws", Service: "sts", Operation: "GetCallerIdentity", Code: scanners.CodeOK},
			},
		},
		{
			name:   "one region down",
			domain: inventory.Firewall,
			faults: cloudsim.Faults{RegionsDown: []string{"eu-west-1"}},
			wantRuns: []inventory.ScannerRun{
				{Cloud: inventory.AWS, Target: acct, Region: "eu-central-1", Domain: inventory.Firewall, Success: true},
				{Cloud: inventory.AWS, Target: acct, Region: "eu-west-1", Domain: inventory.Firewall, Success: false},
			},
			wantCodes: []scanners.RequestCount{
				{Cloud: "aws", Service: "ec2", Operation: "DescribeSecurityGroups", Code: scanners.CodeOK},
				{Cloud: "aws", Service: "ec2", Operation: "DescribeSecurityGroups", Code: "ServiceUnavailable"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, o := startSim(t, metricsWorld)
			srv.SetFaults(tc.faults)
			o.MaxAttempts = 2 // one retry of the region that is down is enough
			inv := scanDomain(t, o, tc.domain, scanners.Target{ID: acct, Regions: regions})

			runs := append([]inventory.ScannerRun(nil), inv.Scanners...)
			for i := range runs {
				if runs[i].DurationSeconds <= 0 {
					t.Errorf("run %+v has no duration", runs[i])
				}
				runs[i].DurationSeconds = 0
			}
			if !reflect.DeepEqual(runs, tc.wantRuns) {
				t.Errorf("scanner runs = %+v, want %+v", runs, tc.wantRuns)
			}

			got := map[scanners.RequestCount]int{}
			for _, rc := range o.Scheduler.Requests() {
				n := rc.Count
				rc.Count = 0
				got[rc] = n
			}
			// The scheduler saw exactly what the simulator answered,
			// retries included.
			if want := simOutcomes(srv); !reflect.DeepEqual(got, want) {
				t.Errorf("request outcomes = %v, want the simulator's %v", got, want)
			}
			for _, k := range tc.wantCodes {
				if got[k] == 0 {
					t.Errorf("no request counted as %+v; got %v", k, got)
				}
			}
			if w := srv.Writes(); len(w) != 0 {
				t.Errorf("writes = %+v, want none", w)
			}
		})
	}
}
