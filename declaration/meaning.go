package declaration

import (
	"fmt"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
)

// validate checks what the structure pass cannot: versions, ids, and that
// every reference names something declared.
//
// It runs on what the structure pass could read: a value that pass found
// a problem in is not checked again (p.sound), and a missing key is not
// reported in a mapping that lost a key, which may be the missing one
// misspelt (p.known). References to parties are checked only when every
// party's id could be read.
func (p *declParser) validate(d *Declaration) {
	if p.broken[""] {
		return
	}
	switch {
	case !p.known("", "version"):
	case !p.has("version"):
		p.add(p.start(), "missing version; add `version: %d` at the top", Version)
	case d.Version != Version:
		p.add(p.at("version"), "unsupported version %d; this ownaudit reads version %d", d.Version, Version)
	}
	parties, idsKnown := p.validateParties(d)
	p.validateTargets(d)
	p.validateResponsibilities(d, parties, idsKnown)
	p.validateSuppressions(d, parties, idsKnown)
	if p.has("ownershipTag") && p.sound("ownershipTag") && strings.TrimSpace(d.OwnershipTag) == "" {
		p.add(p.at("ownershipTag"), "ownershipTag is empty; name a resource tag key such as responsible-party, or remove the key")
	}
	p.validateSettings(d)
	p.validateRateLimits(d)
}

// sound reports whether the value at path was read as written: the
// structure pass found no problem at, under or above it.
func (p *declParser) sound(path string) bool { return !p.unsound(path) }

// known reports whether what the mapping at path holds under key is
// known, value or absence: the value was read, or the key is missing
// from a mapping that lost no other key.
func (p *declParser) known(path, key string) bool {
	child := keyPath(path, key)
	if !p.sound(child) {
		return false
	}
	if p.has(child) {
		return true
	}
	if p.partial[path] {
		return false
	}
	for q := path; ; q = parentPath(q) {
		if p.broken[q] {
			return false
		}
		if q == "" {
			return true
		}
	}
}

// validateParties returns the declared party ids in order, and whether
// they are all known: false when the id of some party could not be read,
// so that a reference to it cannot be told from a mistake.
func (p *declParser) validateParties(d *Declaration) ([]string, bool) {
	if len(d.Parties) == 0 {
		if !p.known("", "parties") {
			return nil, false
		}
		p.add(p.keyAt("parties"), "no parties declared; expected a list of parties, each with an id and a role (%s)", roleNames())
		return nil, true
	}
	var ids []string
	idsKnown := true
	first := map[string]Position{}
	for i, party := range d.Parties {
		at := fmt.Sprintf("parties[%d]", i)
		switch {
		case !p.known(at, "id"):
			idsKnown = false
		case party.ID == "":
			p.add(p.itemPos(at), "party %s has no id; expected id: a short lowercase name such as acme", at)
		case first[party.ID].Line > 0:
			f := first[party.ID]
			p.add(p.at(at+".id"), "duplicate party id %q in %s.id; first declared at line %d, column %d", clip(party.ID), at, f.Line, f.Column)
		default:
			if !partyIDRe.MatchString(party.ID) {
				p.add(p.at(at+".id"), "invalid party id %q in %s.id; expected lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", clip(party.ID), at)
			}
			// An id of the wrong shape still counts as declared, so
			// that references to it are not reported a second time.
			first[party.ID] = p.at(at + ".id")
			ids = append(ids, party.ID)
		}
		name := clip(party.ID)
		if name == "" {
			name = at
		}
		switch {
		case !p.known(at, "role"):
		case party.Role == "":
			p.add(p.itemPos(at), "party %s has no role; expected role: %s", name, roleNames())
		case !validRole(party.Role):
			p.add(p.at(at+".role"), "unknown role %q for party %s in %s.role; expected %s", clip(string(party.Role)), name, at, roleNames())
		}
	}
	return ids, idsKnown
}

func validRole(r controls.Role) bool {
	for _, x := range controls.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func (p *declParser) validateTargets(d *Declaration) {
	seen := map[string]Position{}
	dup := func(at, id string) bool {
		pos := p.at(at)
		if f, ok := seen[id]; ok {
			p.add(pos, "target %q in %s is listed twice; first at line %d, column %d", clip(id), at, f.Line, f.Column)
			return true
		}
		seen[id] = pos
		return false
	}
	for i, t := range d.Targets.AWS {
		at := fmt.Sprintf("targets.aws[%d]", i)
		account, org := p.known(at, "account"), p.known(at, "organization")
		switch {
		case account && org && t.Organization && t.Account != "":
			p.add(p.at(at+".account"), "%s sets both organization: true and account; scan one account, or every account of the organization, not both", at)
		case account && org && !t.Organization && t.Account == "":
			p.add(p.itemPos(at), `%s names no account; expected account: "111111111111" (12 digits, quoted) or organization: true`, at)
		case account && t.Account != "" && !awsAccountRe.MatchString(t.Account):
			p.add(p.at(at+".account"), `malformed AWS account id %q in %s.account; expected 12 digits as a quoted string, e.g. "111111111111"`, clip(t.Account), at)
		case account && t.Account != "":
			dup(at+".account", t.Account)
		}
		if t.AssumeRole != "" && p.sound(at+".assumeRole") {
			m := awsRoleARNRe.FindStringSubmatch(t.AssumeRole)
			switch {
			case m == nil:
				p.add(p.at(at+".assumeRole"), "malformed role ARN %q in %s.assumeRole; expected arn:aws:iam::<12-digit account>:role/<name>", clip(t.AssumeRole), at)
			case account && awsAccountRe.MatchString(t.Account) && m[2] != t.Account:
				p.add(p.at(at+".assumeRole"), "role ARN in %s.assumeRole is in account %s, but the target is account %s; the role must be in the account it scans", at, m[2], t.Account)
			}
		}
		if t.AssumeRoleName != "" && p.sound(at+".assumeRoleName") {
			switch {
			case org && !t.Organization:
				p.add(p.at(at+".assumeRoleName"), "%s.assumeRoleName is only used with organization: true; for one account give the full ARN in assumeRole", at)
			case !awsRoleNameRe.MatchString(t.AssumeRoleName):
				p.add(p.at(at+".assumeRoleName"), "malformed role name %q in %s.assumeRoleName; expected up to 64 letters, digits or +=,.@_-", clip(t.AssumeRoleName), at)
			}
		}
		if t.ExternalID != "" && p.sound(at+".externalId") && (len(t.ExternalID) < 2 || len(t.ExternalID) > 1224 || !awsExternalIDRe.MatchString(t.ExternalID)) {
			p.add(p.at(at+".externalId"), "malformed external id in %s.externalId; expected 2-1224 letters, digits or +=,.@:/_-", at)
		}
		p.validateRegions(inventory.AWS, t.Regions, at+".regions")
	}
	for i, t := range d.Targets.Azure {
		at := fmt.Sprintf("targets.azure[%d]", i)
		kinds := 0
		for _, set := range []bool{t.Subscription != "", t.ManagementGroup != "", t.AllSubscriptions} {
			if set {
				kinds++
			}
		}
		switch {
		case !p.known(at, "subscription") || !p.known(at, "managementGroup") || !p.known(at, "allSubscriptions"):
		case kinds == 0:
			p.add(p.itemPos(at), "%s names no subscription; expected subscription: <subscription id, a GUID>, managementGroup: <id> or allSubscriptions: true", at)
		case kinds > 1:
			p.add(p.itemPos(at), "%s sets more than one of subscription, managementGroup and allSubscriptions; a target is one of them", at)
		case t.ManagementGroup != "" && !azureGroupRe.MatchString(t.ManagementGroup):
			p.add(p.at(at+".managementGroup"), "malformed management group id %q in %s.managementGroup; expected up to 90 letters, digits, '-', '_', '(', ')' or '.', not ending with '.'", t.ManagementGroup, at)
		case t.ManagementGroup != "":
			dup(at+".managementGroup", "managementGroup/"+strings.ToLower(t.ManagementGroup))
		case t.AllSubscriptions:
			dup(at+".allSubscriptions", "allSubscriptions/"+t.Cloud)
		case !azureSubRe.MatchString(t.Subscription):
			p.add(p.at(at+".subscription"), "malformed Azure subscription id %q in %s.subscription; expected a GUID such as 00000000-0000-0000-0000-000000000000", clip(t.Subscription), at)
		default:
			dup(at+".subscription", strings.ToLower(t.Subscription))
		}
		if t.Cloud != "" && !slices.Contains(AzureClouds, t.Cloud) {
			p.add(p.at(at+".cloud"), "unknown Azure cloud %q in %s.cloud; expected %s", t.Cloud, at, orList(AzureClouds))
		}
		p.validateRegions(inventory.Azure, t.Regions, at+".regions")
	}
	for i, t := range d.Targets.GCP {
		at := fmt.Sprintf("targets.gcp[%d]", i)
		set := 0
		for _, v := range []string{t.Project, t.Organization, t.Folder} {
			if v != "" {
				set++
			}
		}
		for _, f := range []struct{ key, v string }{{"organization", t.Organization}, {"folder", t.Folder}} {
			if f.v != "" && !gcpNodeRe.MatchString(f.v) {
				p.add(p.at(at+"."+f.key), `malformed GCP %s id %q in %s.%s; expected its number, such as "123456789012" (quoted)`, f.key, f.v, at, f.key)
			} else if f.v != "" {
				dup(at+"."+f.key, f.key+"s/"+f.v)
			}
		}
		switch {
		case set > 1:
			p.add(p.itemPos(at), "%s sets more than one of project, organization and folder; name one per target", at)
		case t.Organization != "" || t.Folder != "":
		case !p.known(at, "project"):
		case t.Project == "":
			p.add(p.itemPos(at), `%s names no project; expected project: <project id>, organization: "<number>" or folder: "<number>"`, at)
		case !gcpProjectRe.MatchString(t.Project):
			p.add(p.at(at+".project"), "malformed GCP project id %q in %s.project; expected 6-30 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", clip(t.Project), at)
		default:
			dup(at+".project", t.Project)
		}
		p.validateRegions(inventory.GCP, t.Regions, at+".regions")
	}
}

// validateRegions checks region names against the cloud's naming shape;
// with no cloud, any cloud's shape will do.
func (p *declParser) validateRegions(cloud inventory.Cloud, regions []string, at string) {
	for i, r := range regions {
		item := fmt.Sprintf("%s[%d]", at, i)
		ok := !p.sound(item)
		for c, re := range regionRe {
			if (cloud == "" || c == cloud) && re.MatchString(r) {
				ok = true
			}
		}
		if ok {
			continue
		}
		if cloud == "" {
			p.add(p.at(item), "malformed region %q in %s; expected a region name such as %s, %s or %s", clip(r), item, regionExample[inventory.AWS], regionExample[inventory.Azure], regionExample[inventory.GCP])
			continue
		}
		msg := fmt.Sprintf("malformed %s region %q in %s; expected a region name such as %s", cloud, clip(r), item, regionExample[cloud])
		if cloud == inventory.GCP && regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+-[a-z]$`).MatchString(r) {
			msg += " (that is a zone; use its region " + clip(r[:len(r)-2]) + ")"
		}
		p.add(p.at(item), "%s", msg)
	}
}

func (p *declParser) validateResponsibilities(d *Declaration, parties []string, idsKnown bool) {
	if len(d.Responsibilities) == 0 {
		if !p.known("", "responsibilities") {
			return
		}
		p.add(p.keyAt("responsibilities"), "no responsibilities; expected a list of entries, each with a match and an assign (domain: party) or controls (control id: party)")
		return
	}
	declared := map[string]bool{}
	for _, id := range parties {
		declared[id] = true
	}
	list := partyList(parties)
	checkParty := func(party, at, what string) {
		switch {
		case party == "":
			p.add(p.at(at), "no party for %s in %s; expected one of the declared parties: %s", what, parentPath(at), list)
		case idsKnown && !declared[party]:
			msg := fmt.Sprintf("unknown party %q in %s; declared parties: %s", clip(party), at, list)
			if s := closest(party, parties); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			p.add(p.at(at), "%s", msg)
		}
	}
	for i, e := range d.Responsibilities {
		at := fmt.Sprintf("responsibilities[%d]", i)
		p.validateMatch(e.Match, at+".match")
		if len(e.Assign) == 0 && len(e.Controls) == 0 && p.known(at, "assign") && p.known(at, "controls") {
			p.add(p.itemPos(at), "%s assigns nothing; expected assign (domain: party) or controls (control id: party)", at)
		}
		for _, dom := range sortedKeys(e.Assign) {
			kat := keyPath(at+".assign", string(dom))
			if !p.sound(kat) {
				continue
			}
			if !inventory.ValidDomain(dom) {
				msg := fmt.Sprintf("unknown domain %q in %s.assign; expected %s", clip(string(dom)), at, domainNames())
				p.add(p.keyAt(kat), "%s", msg)
				continue
			}
			checkParty(e.Assign[dom], kat, "domain "+string(dom))
		}
		for _, id := range sortedKeys(e.Controls) {
			kat := keyPath(at+".controls", id)
			if !p.sound(kat) {
				continue
			}
			c := controls.Lookup(id)
			switch {
			case strings.HasPrefix(id, "ownership."):
				p.add(p.keyAt(kat), "%s in %s.controls is an ownership finding, which cannot be assigned; expected a control id listed by `ownaudit controls`", clip(id), at)
				continue
			case c == nil:
				msg := fmt.Sprintf("unknown control id %q in %s.controls; ", clip(id), at)
				if s := closest(id, controlIDs()); s != "" {
					msg += fmt.Sprintf("did you mean %s? ", s)
				}
				p.add(p.keyAt(kat), "%s`ownaudit controls` lists the ids", msg)
				continue
			case e.Match.Cloud != "" && p.sound(at+".match.cloud") && !controlCovers(c, e.Match.Cloud):
				p.add(p.keyAt(kat), "control %s in %s.controls checks no %s resource, but match.cloud is %s; this override would never apply", id, at, clip(string(e.Match.Cloud)), clip(string(e.Match.Cloud)))
			}
			checkParty(e.Controls[id], kat, "control "+id)
		}
	}
}

// validateSuppressions checks that each suppression names a catalogue
// control, a resource, a reason, a declared party and a real date.
func (p *declParser) validateSuppressions(d *Declaration, parties []string, idsKnown bool) {
	list := partyList(parties)
	for i, s := range d.Suppressions {
		at := fmt.Sprintf("suppressions[%d]", i)
		switch {
		case !p.known(at, "control"):
		case s.Control == "":
			p.add(p.fieldPos(at, "control"), "%s names no control; expected control: a control id listed by `ownaudit controls`", at)
		case strings.HasPrefix(s.Control, "ownership."):
			p.add(p.at(at+".control"), "%s in %s.control is an ownership finding, which cannot be suppressed; fix the declaration instead", clip(s.Control), at)
		case controls.Lookup(s.Control) == nil:
			msg := fmt.Sprintf("unknown control id %q in %s.control; ", clip(s.Control), at)
			if c := closest(s.Control, controlIDs()); c != "" {
				msg += fmt.Sprintf("did you mean %s? ", c)
			}
			p.add(p.at(at+".control"), "%s`ownaudit controls` lists the ids", msg)
		}
		if strings.TrimSpace(s.Resource) == "" && p.known(at, "resource") {
			p.add(p.fieldPos(at, "resource"), "%s names no resource; expected resource: a resource id, or a glob over ids with * and ?", at)
		}
		if strings.TrimSpace(s.Reason) == "" && p.known(at, "reason") {
			p.add(p.fieldPos(at, "reason"), "%s gives no reason; expected reason: why the risk is accepted", at)
		}
		switch {
		case !p.known(at, "acceptedBy"):
		case s.AcceptedBy == "":
			p.add(p.fieldPos(at, "acceptedBy"), "%s names no acceptedBy; expected one of the declared parties: %s", at, list)
		case idsKnown && !slices.Contains(parties, s.AcceptedBy):
			msg := fmt.Sprintf("unknown party %q in %s.acceptedBy; declared parties: %s", clip(s.AcceptedBy), at, list)
			if c := closest(s.AcceptedBy, parties); c != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", c)
			}
			p.add(p.at(at+".acceptedBy"), "%s", msg)
		}
		if !p.known(at, "expires") {
			continue
		}
		if s.Expires == "" {
			p.add(p.fieldPos(at, "expires"), "%s has no expires; expected expires: the last day the acceptance holds, as YYYY-MM-DD", at)
		} else if _, err := time.Parse(time.DateOnly, s.Expires); err != nil {
			p.add(p.at(at+".expires"), "invalid date %q in %s.expires; expected a real day as YYYY-MM-DD, e.g. 2026-06-30", clip(s.Expires), at)
		}
	}
}

// validateRateLimits checks each rate limit's target, api and numbers,
// and, when the options know ownaudit's paces, that the api matches an
// API ownaudit calls and that the limit lowers its pace rather than
// raising it.
func (p *declParser) validateRateLimits(d *Declaration) {
	for i, r := range d.RateLimits {
		at := fmt.Sprintf("rateLimits[%d]", i)
		cloud := r.Cloud()
		switch {
		case !p.known(at, "target"):
		case r.Target == "":
			p.add(p.fieldPos(at, "target"), "%s names no target; expected target: an AWS account id, an Azure subscription id or a GCP project id", at)
		case cloud == "":
			p.add(p.at(at+".target"), "%s.target %q is not an AWS account id (12 digits, quoted), an Azure subscription id (a GUID) or a GCP project id (6-30 lowercase letters, digits and hyphens)", at, clip(r.Target))
		}
		apiKnown := p.known(at, "api")
		if apiKnown && strings.TrimSpace(r.API) == "" {
			p.add(p.fieldPos(at, "api"), "%s names no api; expected api: an API name or a pattern with *, such as ec2:Describe*, Microsoft.Compute/* or compute.*", at)
			apiKnown = false
		}
		perSecondKnown := p.known(at, "perSecond")
		if perSecondKnown && r.PerSecond <= 0 {
			if p.has(at + ".perSecond") {
				p.add(p.at(at+".perSecond"), "%s.perSecond is %v; expected a number of calls a second above 0", at, r.PerSecond)
			} else {
				p.add(p.itemPos(at), "%s has no perSecond; expected perSecond: the calls a second the target allows", at)
			}
			perSecondKnown = false
		}
		burstKnown := p.known(at, "burst")
		if burstKnown && p.has(at+".burst") && r.Burst < 1 {
			p.add(p.at(at+".burst"), "%s.burst is %d; expected a number of calls of at least 1, or leave it out for one second's worth", at, r.Burst)
			burstKnown = false
		}
		if p.opts.Paces == nil || cloud == "" || !apiKnown {
			continue
		}
		paces := p.opts.Paces(cloud, r.API)
		if len(paces) == 0 {
			p.add(p.at(at+".api"), "%s.api %q matches no API ownaudit calls on %s; %s", at, clip(r.API), cloud, apiNaming[cloud])
			continue
		}
		// A burst left out is one second's worth, at most the pace's own.
		burstKnown = burstKnown && p.has(at+".burst")
		for _, pace := range paces {
			if perSecondKnown && r.PerSecond > pace.PerSecond {
				p.add(p.at(at+".perSecond"), "%s.perSecond %v is above ownaudit's own pace for %s (%v a second, below the provider's published limit); a declared limit can only lower it", at, r.PerSecond, pace.API, pace.PerSecond)
				break
			}
			if burstKnown && r.Burst > pace.Burst {
				p.add(p.at(at+".burst"), "%s.burst %d is above ownaudit's own burst for %s (%d calls); a declared limit can only lower it", at, r.Burst, pace.API, pace.Burst)
				break
			}
		}
	}
}

// defaultBurst is a rate limit's burst when it names none: one second's
// worth of calls, at least 1.
func defaultBurst(perSecond float64) int { return max(1, int(math.Ceil(perSecond))) }

// apiNaming says how each cloud's API names are written.
var apiNaming = map[inventory.Cloud]string{
	inventory.AWS:   "AWS APIs are named service:Operation, as in ec2:DescribeInstances or ssm:Describe*",
	inventory.Azure: "Azure APIs are named by the RBAC action of a Resource Manager read of the subscription, as in Microsoft.Compute/disks/read or Microsoft.Network/*",
	inventory.GCP:   "GCP APIs are named service.resource.method, as in compute.firewalls.list or compute.*",
}

// fieldPos is where the key field of the mapping at path is, or the item
// itself when the key is missing.
func (p *declParser) fieldPos(path, field string) Position {
	if p.has(path + "." + field) {
		return p.keyAt(path + "." + field)
	}
	return p.itemPos(path)
}

func controlIDs() []string {
	var ids []string
	for _, c := range controls.Controls() {
		ids = append(ids, c.ID)
	}
	return ids
}

// controlCovers reports whether c checks any resource type of cloud.
func controlCovers(c *controls.Control, cloud inventory.Cloud) bool {
	for _, t := range c.ResourceTypes {
		if inventory.Types[t].Cloud == cloud {
			return true
		}
	}
	return false
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func (p *declParser) validateMatch(m Match, at string) {
	if !p.sound(at + ".cloud") {
		m.Cloud = "" // reported already; check the rest against any cloud
	}
	cloudOK := m.Cloud == ""
	for _, c := range inventory.Clouds {
		if m.Cloud == c {
			cloudOK = true
		}
	}
	if !cloudOK {
		p.add(p.at(at+".cloud"), "unknown cloud %q in %s.cloud; expected %s", clip(string(m.Cloud)), at, cloudNames())
	}
	cloud := m.Cloud
	if !cloudOK {
		cloud = ""
	}
	for i, id := range m.Targets {
		item := fmt.Sprintf("%s.targets[%d]", at, i)
		if !p.sound(item) {
			continue
		}
		if cloud != "" {
			if ok, shape := targetOK(cloud, id); !ok {
				p.add(p.at(item), "target %q in %s is not %s, as match.cloud %s requires", clip(id), item, shape, cloud)
			}
			continue
		}
		known := false
		for _, c := range inventory.Clouds {
			if ok, _ := targetOK(c, id); ok {
				known = true
			}
		}
		if !known {
			p.add(p.at(item), `target %q in %s is not an AWS account id ("111111111111"), an Azure subscription id (a GUID) or a GCP project id`, clip(id), item)
		}
	}
	p.validateRegions(cloud, m.Regions, at+".regions")
	names := inventory.TypeNames()
	for i, pat := range m.ResourceTypes {
		item := fmt.Sprintf("%s.resourceTypes[%d]", at, i)
		if !p.sound(item) {
			continue
		}
		if _, err := path.Match(pat, ""); err != nil {
			p.add(p.at(item), "malformed resource type pattern %q in %s; patterns use * ? and [...] as in aws.ec2.*", clip(pat), item)
			continue
		}
		var matched []string
		for _, n := range names {
			if ok, _ := path.Match(pat, n); ok {
				matched = append(matched, n)
			}
		}
		if len(matched) == 0 {
			msg := fmt.Sprintf("unknown resource type %q in %s; ", clip(pat), item)
			if s := closest(pat, names); s != "" {
				msg += fmt.Sprintf("did you mean %s? ", s)
			}
			p.add(p.at(item), "%s`ownaudit controls --model` lists the types", msg)
			continue
		}
		if cloud == "" {
			continue
		}
		inCloud := false
		for _, n := range matched {
			if inventory.Types[n].Cloud == cloud {
				inCloud = true
			}
		}
		if !inCloud {
			p.add(p.at(item), "resource type %q in %s belongs to cloud %s, but match.cloud is %s; the entry can never match", clip(pat), item, inventory.Types[matched[0]].Cloud, cloud)
		}
	}
	for _, k := range sortedKeys(m.Tags) {
		if k == "" {
			p.add(p.keyAt(keyPath(at+".tags", k)), "empty tag key in %s.tags; expected a tag name", at)
		}
	}
}

// validateSettings rejects thresholds below 1 that were written out; an
// absent threshold takes its default.
func (p *declParser) validateSettings(d *Declaration) {
	names, fields := yamlFields(reflect.TypeFor[controls.Settings]())
	got := reflect.ValueOf(d.Settings)
	def := reflect.ValueOf(controls.DefaultSettings)
	for _, n := range names {
		f := fields[n]
		if f.Type.Kind() != reflect.Int {
			continue
		}
		at := "settings." + n
		unit := "a count"
		if strings.HasSuffix(n, "Days") {
			unit = "a number of days"
		}
		if v := got.FieldByIndex(f.Index).Int(); p.has(at) && p.sound(at) && v < 1 {
			p.add(p.at(at), "%s is %d; expected %s of at least 1 (default %d)", at, v, unit, def.FieldByIndex(f.Index).Int())
		}
	}
}

// Shapes of the ids a declaration names.
var (
	partyIDRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	awsAccountRe    = regexp.MustCompile(`^[0-9]{12}$`)
	awsRoleARNRe    = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b|-eusc)?:iam::([0-9]{12}):role/([\w+=,.@/-]{1,512})$`)
	awsRoleNameRe   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	awsExternalIDRe = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	azureGroupRe    = regexp.MustCompile(`^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$`)
	azureSubRe      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	gcpProjectRe    = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpNodeRe       = regexp.MustCompile(schemaGCPNode)
	regionRe        = map[inventory.Cloud]*regexp.Regexp{
		inventory.AWS:   regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`),
		inventory.Azure: regexp.MustCompile(`^[a-z][a-z0-9]{2,39}$`),
		inventory.GCP:   regexp.MustCompile(`^[a-z]+[0-9]*(-[a-z]+[0-9]+)?$`),
	}
	regionExample = map[inventory.Cloud]string{
		inventory.AWS:   "eu-central-1",
		inventory.Azure: "westeurope",
		inventory.GCP:   "europe-west3",
	}
)

// targetOK reports whether id has the shape of a target of cloud, and
// describes that shape.
func targetOK(cloud inventory.Cloud, id string) (bool, string) {
	switch cloud {
	case inventory.AWS:
		return awsAccountRe.MatchString(id), `an AWS account id (12 digits, quoted, e.g. "111111111111")`
	case inventory.Azure:
		return azureSubRe.MatchString(id), "an Azure subscription id (a GUID, e.g. 00000000-0000-0000-0000-000000000000)"
	case inventory.GCP:
		return gcpProjectRe.MatchString(id), "a GCP project id (6-30 characters: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen)"
	}
	return false, ""
}

func cloudNames() string {
	names := make([]string, len(inventory.Clouds))
	for i, c := range inventory.Clouds {
		names[i] = string(c)
	}
	return orList(names)
}

func domainNames() string {
	names := make([]string, len(inventory.Domains))
	for i, d := range inventory.Domains {
		names[i] = string(d)
	}
	return orList(names)
}

func roleNames() string {
	names := make([]string, len(controls.Roles))
	for i, r := range controls.Roles {
		names[i] = string(r)
	}
	return orList(names)
}

// partyList renders the declared parties for a message.
func partyList(parties []string) string {
	if len(parties) == 0 {
		return "none"
	}
	return clipList(parties)
}

// orList renders "a, b or c".
func orList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
