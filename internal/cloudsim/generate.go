package cloudsim

import (
	"fmt"
	"time"
)

// OrgSpec sizes a generated AWS organization: the world `make bench` and
// the pacing tests scan.
type OrgSpec struct {
	// Resources is about how many resources the organization holds.
	Resources int
	// PerAccount is about how many resources one account holds (2,500
	// when 0); the number of accounts follows.
	PerAccount int
	// Regions every account enables (four when empty).
	Regions []string
}

// BenchAccessKey is the management account's access key in a generated
// world; BenchRole is the role every member account lets it assume.
const (
	BenchAccessKey = "AKIABENCHMANAGEMENT1"
	BenchRole      = "ownaudit-audit"
)

// benchEpoch is when a generated organization was last assessed.
var benchEpoch = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Generate builds an organization of about spec.Resources resources. Per
// account and region: a VPC, its network ACL and the region's EBS default
// (three resources), then in the remaining share 25 % security groups, 30
// % instances (nine in ten managed by Systems Manager, with patch states),
// 35 % volumes and 1 % KMS keys; per account, 8 % IAM users and 1 %
// buckets, plus the root user and the password policy. The first account
// is the management account; every account is a member.
func Generate(spec OrgSpec) *World {
	if spec.PerAccount <= 0 {
		spec.PerAccount = 2500
	}
	if len(spec.Regions) == 0 {
		spec.Regions = []string{"eu-central-1", "eu-west-1", "us-east-1", "us-west-2"}
	}
	accounts := max(1, (spec.Resources+spec.PerAccount/2)/spec.PerAccount)
	w := &World{}
	org := &Organization{PageSize: 20}
	w.AWS.Organization = org
	w.AWS.AccessKeys = map[string]string{}
	left := spec.Resources
	for a := range accounts {
		id := fmt.Sprintf("%012d", 100000000000+a)
		if a == 0 {
			org.Management = id
			w.AWS.AccessKeys[BenchAccessKey] = id
		}
		org.Members = append(org.Members, OrgAccount{ID: id, Name: fmt.Sprintf("account-%d", a), Email: fmt.Sprintf("aws-%d@example.com", a)})
		n := left / (accounts - a)
		left -= n
		w.AWS.Accounts = append(w.AWS.Accounts, generateAccount(id, n, spec.Regions))
	}
	return w
}

func generateAccount(id string, n int, regions []string) *Account {
	acct := &Account{ID: id, Name: "account-" + id, Roles: []string{BenchRole}, Regions: map[string]*Region{}}
	global := n / 10 // users and buckets
	users, buckets := global*8/9, global/9
	acct.IAM = IAM{
		Root:           Root{Created: benchEpoch.AddDate(-3, 0, 0), MFA: true},
		PasswordPolicy: &PasswordPolicy{MinimumLength: 14, RequireNumbers: true, RequireSymbols: true},
	}
	for u := range users {
		last := benchEpoch.AddDate(0, 0, -(u % 120))
		acct.IAM.Users = append(acct.IAM.Users, &User{Name: fmt.Sprintf("user-%d", u), Created: benchEpoch.AddDate(-1, 0, 0),
			Password: u%3 != 0, PasswordLastUsed: &last, MFA: u%4 != 0})
	}
	for b := range buckets {
		enc := "AES256"
		if b%5 == 0 {
			enc = ""
		}
		acct.Buckets = append(acct.Buckets, &Bucket{Name: fmt.Sprintf("bucket-%s-%d", id, b), Region: regions[b%len(regions)],
			Created: benchEpoch.AddDate(-1, 0, 0), Encryption: enc, PublicAccessBlock: &PublicAccessBlock{true, true, true, true}})
	}
	regional := n - global - 2 // root and password policy
	for i, name := range regions {
		share := regional / (len(regions) - i)
		regional -= share
		acct.Regions[name] = generateRegion(id, name, share)
	}
	return acct
}

func generateRegion(acct, region string, n int) *Region {
	vpc := "vpc-" + acct[8:] + region[len(region)-1:]
	reg := &Region{
		EBSEncryptionByDefault: region != "us-west-2",
		VPCs:                   []*VPC{{ID: vpc, CIDR: "10.0.0.0/16", Default: true}},
		NetworkACLs: []*NetworkACL{{ID: "acl-" + vpc[4:], VPC: vpc, Default: true, Entries: []ACLEntry{
			{RuleNumber: 100, Protocol: "-1", Action: "allow", CIDR: "0.0.0.0/0"},
			{RuleNumber: 32767, Protocol: "-1", Action: "deny", CIDR: "0.0.0.0/0"},
		}}},
	}
	n -= 3
	if n < 0 {
		n = 0
	}
	sgs, instances, keys := n*25/99, n*30/99, n/99
	volumes := n - sgs - instances - keys
	port := func(p int) *int { return &p }
	for i := range sgs {
		sg := &SecurityGroup{ID: fmt.Sprintf("sg-%s%s%07x", acct[8:], region[len(region)-1:], i), Name: fmt.Sprintf("sg-%d", i), VPC: vpc,
			Ingress: []Permission{{Protocol: "tcp", FromPort: port(443), ToPort: port(443), CIDRs: []string{"0.0.0.0/0"}}},
			Egress:  []Permission{{Protocol: "-1", CIDRs: []string{"0.0.0.0/0"}}},
			Tags:    Tags{"env": []string{"prod", "dev", "test"}[i%3]}}
		if i == 0 {
			sg.Name = "default"
		}
		if i%50 == 7 {
			sg.Ingress = append(sg.Ingress, Permission{Protocol: "tcp", FromPort: port(22), ToPort: port(22), CIDRs: []string{"0.0.0.0/0"}})
		}
		reg.SecurityGroups = append(reg.SecurityGroups, sg)
	}
	for i := range instances {
		id := fmt.Sprintf("i-%s%s%07x", acct[8:], region[len(region)-1:], i)
		var groups []string
		if sgs > 0 {
			groups = []string{reg.SecurityGroups[i%sgs].ID}
		}
		reg.Instances = append(reg.Instances, &Instance{ID: id, State: "running", VPC: vpc, Subnet: "subnet-" + vpc[4:], Groups: groups,
			Tags: Tags{"Name": fmt.Sprintf("web-%d", i), "env": []string{"prod", "dev", "test"}[i%3]}})
		if i%10 == 9 {
			continue // not managed by Systems Manager
		}
		reg.ManagedInstances = append(reg.ManagedInstances, &ManagedNode{InstanceID: id, PingStatus: "Online", LastPing: benchEpoch})
		reg.PatchStates = append(reg.PatchStates, &PatchState{InstanceID: id, Installed: 40, Missing: i % 4, SecurityNonCompliant: i % 4,
			CriticalNonCompliant: i % 2, OperationEnd: benchEpoch.AddDate(0, 0, -(i % 10))})
	}
	for i := range volumes {
		v := &Volume{ID: fmt.Sprintf("vol-%s%s%07x", acct[8:], region[len(region)-1:], i), Size: 8, Type: "gp3", Encrypted: i%4 != 0}
		if instances > 0 {
			v.AttachedTo = reg.Instances[i%instances].ID
		}
		reg.Volumes = append(reg.Volumes, v)
	}
	for i := range keys {
		reg.Keys = append(reg.Keys, &KMSKey{ID: fmt.Sprintf("%08x-0000-4000-8000-%s", i, acct), Rotation: i%3 != 0, Created: benchEpoch.AddDate(-1, 0, 0)})
	}
	return reg
}
