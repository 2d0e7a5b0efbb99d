package declaration

import (
	"path"
	"slices"

	"github.com/ownaudit/ownaudit/inventory"
)

// AnyTagValue as a tag value in a match selects resources that carry the
// key with any value.
const AnyTagValue = "*"

// Matches reports whether r is selected by m. Every field that is set must
// agree; an empty match selects every resource.
//
// A resource without a region (IAM principals, GCP global firewall rules,
// projects, account-wide settings) is matched only by a match that lists no
// regions: a region list scopes regional resources, and letting it catch
// global ones would let two region-scoped entries silently fight over them.
//
// Resource types are path.Match patterns ("aws.ec2.*"); a malformed pattern
// matches nothing (the parser rejects those before we get here).
func (m Match) Matches(r inventory.Resource) bool {
	if m.Cloud != "" && m.Cloud != r.Cloud {
		return false
	}
	if len(m.Targets) > 0 && !slices.Contains(m.Targets, r.Target) {
		return false
	}
	if len(m.Regions) > 0 && (r.Region == "" || !slices.Contains(m.Regions, r.Region)) {
		return false
	}
	if len(m.ResourceTypes) > 0 && !matchesType(m.ResourceTypes, r.Type) {
		return false
	}
	for k, want := range m.Tags {
		got, ok := r.Tags[k]
		if !ok || (want != AnyTagValue && got != want) {
			return false
		}
	}
	return true
}

// MayCover reports whether what the scan error e left unread could hold
// resources m selects: an error without a target or region may concern
// any.
func (m Match) MayCover(e inventory.ScanError) bool {
	return (m.Cloud == "" || m.Cloud == e.Cloud) &&
		(len(m.Targets) == 0 || e.Target == "" || slices.Contains(m.Targets, e.Target)) &&
		(len(m.Regions) == 0 || e.Region == "" || slices.Contains(m.Regions, e.Region))
}

func matchesType(patterns []string, typ string) bool {
	for _, p := range patterns {
		if ok, err := path.Match(p, typ); err == nil && ok {
			return true
		}
	}
	return false
}
