package declaration

import "github.com/ownaudit/ownaudit/inventory"

// Target is one declared target in the form every cloud shares: what the
// scanners are given.
type Target struct {
	Cloud inventory.Cloud
	// ID is the account, subscription or project; empty for a group.
	ID      string
	Regions []string
	// Group is a set of targets the scanners expand: "organization" for
	// every account of an AWS organization, "managementGroup/<id>" for
	// every subscription below an Azure management group,
	// "organizations/ID" or "folders/ID" for every project under a GCP
	// organization or folder.
	Group string
	// Params are the cloud's own settings of the target, under their
	// declaration names (AWS: assumeRole, externalId, assumeRoleName;
	// Azure: cloud); only those that are set.
	Params map[string]string
}

// List returns every declared target, cloud by cloud, each in the order
// the declaration lists it.
func (t Targets) List() []Target {
	var out []Target
	for _, a := range t.AWS {
		x := Target{Cloud: inventory.AWS, ID: a.Account, Regions: a.Regions,
			Params: params("assumeRole", a.AssumeRole, "externalId", a.ExternalID, "assumeRoleName", a.AssumeRoleName)}
		if a.Organization {
			x.Group = "organization"
		}
		out = append(out, x)
	}
	for _, a := range t.Azure {
		x := Target{Cloud: inventory.Azure, ID: a.Subscription, Regions: a.Regions, Params: params("cloud", a.Cloud)}
		if a.ManagementGroup != "" {
			x.Group = "managementGroup/" + a.ManagementGroup
		}
		// allSubscriptions is no ID and no group: what the credentials see.
		out = append(out, x)
	}
	for _, g := range t.GCP {
		x := Target{Cloud: inventory.GCP, ID: g.Project, Regions: g.Regions}
		switch {
		case g.Organization != "":
			x.Group = "organizations/" + g.Organization
		case g.Folder != "":
			x.Group = "folders/" + g.Folder
		}
		out = append(out, x)
	}
	return out
}

// params builds a target's parameters from name, value pairs, leaving out
// the empty values; nil when all are empty.
func params(kv ...string) map[string]string {
	var out map[string]string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}
