package cloudsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SSM (JSON 1.1, AmazonSSM): the managed nodes of the request's account and
// region and their patch states.
var ssmOps = map[string]awsHandler{
	"DescribeInstanceInformation": ssmDescribeInstanceInformation,
	"DescribeInstancePatchStates": ssmDescribeInstancePatchStates,
}

// ssmEpoch stands in for times the world leaves unset (ping, operation
// start and end), which SSM always reports.
var ssmEpoch = time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)

func ssmTime(t time.Time) float64 {
	if t.IsZero() {
		t = ssmEpoch
	}
	return float64(t.UnixNano()) / 1e9
}

// ssmFilter is a filter of either style: Filters items carry Key/Values,
// the deprecated InstanceInformationFilterList items key/valueSet.
type ssmFilter struct {
	Key      string
	Values   []string
	ValueSet []string `json:"valueSet"`
}

// ssmNodeFilters are the DescribeInstanceInformation filter keys the
// simulator applies. SSM knows more (AgentVersion, IamRole, tags, ...);
// they are refused here rather than silently ignored.
var ssmNodeFilters = map[string]func(*ManagedNode) string{
	"InstanceIds":   func(n *ManagedNode) string { return n.InstanceID },
	"PingStatus":    ssmPingStatus,
	"PlatformTypes": func(n *ManagedNode) string { return ssmOr(n.PlatformType, "Linux") },
	"ResourceType":  ssmResourceType,
}

func ssmPingStatus(n *ManagedNode) string { return ssmOr(n.PingStatus, "Online") }

// ssmResourceType: EC2 instances (i-...) versus hybrid nodes (mi-...).
func ssmResourceType(n *ManagedNode) string {
	if strings.HasPrefix(n.InstanceID, "mi-") {
		return "ManagedInstance"
	}
	return "EC2Instance"
}

// ssmDescribeInstanceInformation pages over the managed nodes: MaxResults
// 5-50, 10 when absent (shape MaxResultsEC2Compatible).
func ssmDescribeInstanceInformation(c *awsCall) {
	var in struct {
		Filters                       []ssmFilter
		InstanceInformationFilterList []ssmFilter
		MaxResults                    int
		NextToken                     string
	}
	if !c.Decode(&in) {
		return
	}
	if len(in.Filters) > 0 && len(in.InstanceInformationFilterList) > 0 {
		c.Fail(http.StatusBadRequest, "InvalidFilterKey", "Filters and InstanceInformationFilterList cannot be used together")
		return
	}
	filters := in.Filters
	for _, f := range in.InstanceInformationFilterList {
		filters = append(filters, ssmFilter{Key: f.Key, Values: f.ValueSet})
	}
	for _, f := range filters {
		if ssmNodeFilters[f.Key] == nil {
			c.Fail(http.StatusBadRequest, "InvalidFilterKey", fmt.Sprintf("the filter key %q is not supported", f.Key))
			return
		}
		if len(f.Values) == 0 {
			c.Fail(http.StatusBadRequest, "InvalidInstanceInformationFilterValue", fmt.Sprintf("the filter %s needs at least one value", f.Key))
			return
		}
	}
	var nodes []*ManagedNode
	for _, n := range c.Reg().ManagedInstances {
		keep := true
		for _, f := range filters {
			if !contains(f.Values, ssmNodeFilters[f.Key](n)) {
				keep = false
				break
			}
		}
		if keep {
			nodes = append(nodes, n)
		}
	}
	lo, hi, next, ok := c.Page(len(nodes), in.MaxResults, in.NextToken, Paging{Default: 10, Min: 5, Max: 50})
	if !ok {
		return
	}
	type node struct {
		InstanceID       string `json:"InstanceId"`
		PingStatus       string
		LastPingDateTime float64
		AgentVersion     string
		IsLatestVersion  bool
		PlatformType     string
		PlatformName     string `json:",omitempty"`
		PlatformVersion  string `json:",omitempty"`
		ResourceType     string
		SourceID         string `json:"SourceId"`
		SourceType       string
	}
	out := struct {
		InstanceInformationList []node
		NextToken               string `json:",omitempty"`
	}{InstanceInformationList: []node{}, NextToken: next}
	for _, n := range nodes[lo:hi] {
		source := "AWS::EC2::Instance"
		if ssmResourceType(n) == "ManagedInstance" {
			source = "AWS::SSM::ManagedInstance"
		}
		agent := ssmOr(n.AgentVersion, "3.3.1142.0")
		out.InstanceInformationList = append(out.InstanceInformationList, node{
			InstanceID: n.InstanceID, PingStatus: ssmPingStatus(n), LastPingDateTime: ssmTime(n.LastPing),
			AgentVersion: agent, IsLatestVersion: n.AgentVersion == "",
			PlatformType: ssmOr(n.PlatformType, "Linux"), PlatformName: n.PlatformName, PlatformVersion: n.PlatformVersion,
			ResourceType: ssmResourceType(n), SourceID: n.InstanceID, SourceType: source,
		})
	}
	c.JSON(out)
}

// ssmDescribeInstancePatchStates answers the patch states of the named
// instances that have one (the others are left out). InstanceIds takes
// 1-50 ids and MaxResults 10-100. The page size SSM uses when MaxResults is
// absent is not documented (wire-facts lists it as UNCONFIRMED); the
// simulator uses 10, the smallest allowed, so a caller that does not
// follow NextToken loses states.
func ssmDescribeInstancePatchStates(c *awsCall) {
	var in struct {
		InstanceIDs []string `json:"InstanceIds"`
		MaxResults  int
		NextToken   string
	}
	if !c.Decode(&in) {
		return
	}
	switch {
	case len(in.InstanceIDs) == 0:
		c.Fail(http.StatusBadRequest, "ValidationException", "1 validation error detected: Value '[]' at 'instanceIds' failed to satisfy constraint: Member must have length greater than or equal to 1")
		return
	case len(in.InstanceIDs) > 50:
		c.Fail(http.StatusBadRequest, "ValidationException", fmt.Sprintf("1 validation error detected: Value '[%s]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50", strings.Join(in.InstanceIDs, ", ")))
		return
	}
	states := map[string]*PatchState{}
	for _, s := range c.Reg().PatchStates {
		states[s.InstanceID] = s
	}
	var found []*PatchState
	seen := map[string]bool{}
	for _, id := range in.InstanceIDs {
		if s, ok := states[id]; ok && !seen[id] {
			seen[id] = true
			found = append(found, s)
		}
	}
	lo, hi, next, ok := c.Page(len(found), in.MaxResults, in.NextToken, Paging{Default: 10, Min: 10, Max: 100})
	if !ok {
		return
	}
	out := struct {
		InstancePatchStates []map[string]any
		NextToken           string `json:",omitempty"`
	}{InstancePatchStates: []map[string]any{}, NextToken: next}
	for _, s := range found[lo:hi] {
		out.InstancePatchStates = append(out.InstancePatchStates, ssmPatchState(s))
	}
	c.JSON(out)
}

// ssmPatchState renders one state; a map, because which optional counts
// appear depends on the state's Unreported list.
func ssmPatchState(s *PatchState) map[string]any {
	end := s.OperationEnd
	if end.IsZero() {
		end = ssmEpoch
	}
	start := s.OperationStart
	if start.IsZero() {
		start = end.Add(-4 * time.Minute)
	}
	m := map[string]any{
		"InstanceId":          s.InstanceID,
		"PatchGroup":          s.PatchGroup,
		"BaselineId":          ssmOr(s.BaselineID, "pb-0c10e65780EXAMPLE"),
		"Operation":           ssmOr(s.Operation, "Scan"),
		"OperationStartTime":  ssmTime(start),
		"OperationEndTime":    ssmTime(end),
		"RebootOption":        ssmOr(s.RebootOption, "RebootIfNeeded"),
		"InstalledCount":      s.Installed,
		"InstalledOtherCount": s.InstalledOther,
		"MissingCount":        s.Missing,
		"FailedCount":         s.Failed,
		"NotApplicableCount":  s.NotApplicable,
	}
	optional := map[string]struct {
		key string
		n   int
	}{
		"installedPendingReboot":   {"InstalledPendingRebootCount", s.InstalledPendingReboot},
		"installedRejected":        {"InstalledRejectedCount", s.InstalledRejected},
		"unreportedNotApplicable":  {"UnreportedNotApplicableCount", s.UnreportedNotApplicable},
		"availableSecurityUpdates": {"AvailableSecurityUpdateCount", s.AvailableSecurityUpdates},
		"criticalNonCompliant":     {"CriticalNonCompliantCount", s.CriticalNonCompliant},
		"securityNonCompliant":     {"SecurityNonCompliantCount", s.SecurityNonCompliant},
		"otherNonCompliant":        {"OtherNonCompliantCount", s.OtherNonCompliant},
	}
	for name, o := range optional {
		if !contains(s.Unreported, name) {
			m[o.key] = o.n
		}
	}
	return m
}

// ssmOr is v, or def when v is empty.
func ssmOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
