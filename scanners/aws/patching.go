package aws

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// Page sizes the patching scanner asks for: the largest each API allows,
// so a region takes as few requests as it can.
const (
	instancesPageSize    = 1000 // ec2:DescribeInstances, 5-1000
	managedNodesPageSize = 50   // ssm:DescribeInstanceInformation, 5-50
	// patchStateBatch is how many instance ids one
	// ssm:DescribeInstancePatchStates call names (at most 50); asking for
	// as many states per page makes every batch one request, since an
	// instance has at most one state.
	patchStateBatch = 50
)

// scanPatching reads, per account and region, the EC2 instances and what
// Systems Manager knows of them (aws.ec2.instance with the VM facet), and
// the RDS instances' automatic minor version upgrade setting
// (aws.rds.instance with the Upgrade facet; the encryption scanner adds the
// Database facet to the same resource).
func scanPatching(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	return e.eachRegion(ctx, t, out, inventory.Patching, func(a *account, region string) {
		reads := out.Group(a.scope(region, inventory.Patching), 0)
		reads.Go(func() { scanInstancePatching(ctx, a, region, out) })
		reads.Go(func() { scanDBUpgrades(ctx, a, region, out) })
		reads.Wait()
	})
}

// ssmView is what Systems Manager told about a region's instances. A nil
// map means the read failed and what it would have said is unknown.
type ssmView struct {
	// nodes are the managed nodes that are EC2 instances, by instance id.
	nodes map[string]ssmtypes.InstanceInformation
	// states are the patch states of those nodes, by instance id.
	states map[string]ssmtypes.InstancePatchState
}

// scanInstancePatching reads the region's managed nodes and their patch
// states, then lists its instances and joins each page with them at once:
// instances as the SDK answers them are large, and holding a region's
// list while its patch states are read (fifty instances a call) would
// hold every region's in flight.
func scanInstancePatching(ctx context.Context, a *account, region string, out *scanners.Sink) {
	view := readSSM(ctx, a, region, out)
	instances, err := listInstances(ctx, a.ec2(region), func(inst ec2types.Instance) inventory.Resource {
		return instanceResource(a.ID, region, inst, view)
	})
	if err != nil {
		out.Fail(scanError(a.ID, region, inventory.Patching, "ec2:DescribeInstances", []string{inventory.AWSInstance}, err))
		return
	}
	out.Add(instances...)
}

// listInstances reads every page of DescribeInstances, leaving out
// terminated instances: they linger in the listing for about an hour and
// can neither be patched nor attacked. Each instance becomes a resource as
// its page arrives; none is returned when a page cannot be read, as a
// partial list would pass for a complete one.
func listInstances(ctx context.Context, client *ec2.Client, resource func(ec2types.Instance) inventory.Resource) ([]inventory.Resource, error) {
	var out []inventory.Resource
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: sdk.Int32(instancesPageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			for _, inst := range r.Instances {
				if inst.State != nil && inst.State.Name == ec2types.InstanceStateNameTerminated {
					continue
				}
				out = append(out, resource(inst))
			}
		}
	}
	return out, nil
}

// readSSM reads the region's managed nodes and the patch states of the
// ones that are EC2 instances, asking for the states of each page of
// nodes as soon as it arrives, so that the two APIs are read side by side
// rather than one after the other. When the node list cannot be read the
// patch states are not used either: without it the scanner does not know
// which instances it asked about, and every SSM-derived field stays
// unknown.
func readSSM(ctx context.Context, a *account, region string, out *scanners.Sink) ssmView {
	client := a.ssm(region)
	states := &patchStates{g: out.Group(a.scope(region, inventory.Patching), 0), client: client, out: map[string]ssmtypes.InstancePatchState{}}
	nodes, err := listManagedNodes(ctx, client, func(ids []string) { states.read(ctx, ids) })
	states.g.Wait()
	if err != nil {
		out.Fail(scanError(a.ID, region, inventory.Patching, "ssm:DescribeInstanceInformation", []string{inventory.AWSInstance}, err))
		return ssmView{}
	}
	if states.err != nil {
		out.Fail(scanError(a.ID, region, inventory.Patching, "ssm:DescribeInstancePatchStates", []string{inventory.AWSInstance}, states.err))
		return ssmView{nodes: nodes}
	}
	return ssmView{nodes: nodes, states: states.out}
}

// listManagedNodes reads every page of DescribeInstanceInformation and
// keeps the EC2 instances (hybrid nodes, mi-..., are not EC2 resources),
// handing each page's instance ids to page as it arrives.
func listManagedNodes(ctx context.Context, client *ssm.Client, page func(ids []string)) (map[string]ssmtypes.InstanceInformation, error) {
	out := map[string]ssmtypes.InstanceInformation{}
	p := ssm.NewDescribeInstanceInformationPaginator(client, &ssm.DescribeInstanceInformationInput{MaxResults: sdk.Int32(managedNodesPageSize)})
	for p.HasMorePages() {
		resp, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, n := range resp.InstanceInformationList {
			if n.ResourceType == ssmtypes.ResourceTypeManagedInstance {
				continue
			}
			id := sdk.ToString(n.InstanceId)
			out[id] = n
			ids = append(ids, id)
		}
		if len(ids) > 0 {
			page(ids)
		}
	}
	return out, nil
}

// patchStates reads the patch states of instance ids, patchStateBatch ids
// per call (the API takes at most 50) and every page of each. Batches run
// concurrently in g; the scheduler paces them. Any failure fails the whole
// read: a region where some instances have states and others silently
// have none would pass the latter off as never assessed.
type patchStates struct {
	g      *scanners.Group
	client *ssm.Client
	mu     sync.Mutex
	out    map[string]ssmtypes.InstancePatchState
	err    error
}

// read starts reading the states of ids; g.Wait waits for them.
func (s *patchStates) read(ctx context.Context, ids []string) {
	for lo := 0; lo < len(ids); lo += patchStateBatch {
		batch := ids[lo:min(lo+patchStateBatch, len(ids))]
		s.g.Go(func() {
			p := ssm.NewDescribeInstancePatchStatesPaginator(s.client, &ssm.DescribeInstancePatchStatesInput{
				InstanceIds: batch, MaxResults: sdk.Int32(patchStateBatch)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				s.mu.Lock()
				if err != nil {
					if s.err == nil {
						s.err = err
					}
					s.mu.Unlock()
					return
				}
				for _, st := range page.InstancePatchStates {
					s.out[sdk.ToString(st.InstanceId)] = st
				}
				s.mu.Unlock()
			}
		})
	}
}

// instanceResource turns an instance and what SSM knows of it into an
// aws.ec2.instance.
//
// PatchManaged is true only for a managed node whose ping status is Online.
// ConnectionLost and Inactive count as unmanaged however long ago the node
// last pinged: the ping status is Systems Manager's own judgment of whether
// it can reach the agent now (it turns ConnectionLost after missed pings),
// so the scanner does not second-guess it with LastPingDateTime, and a node
// silent for 7 days or more is never Online. A stopped instance's node is
// usually ConnectionLost too; PatchManaged says so truthfully and
// patching.vm_unmanaged leaves it alone because Running is false.
func instanceResource(accountID, region string, inst ec2types.Instance, view ssmView) inventory.Resource {
	id := sdk.ToString(inst.InstanceId)
	state := ""
	if inst.State != nil {
		state = string(inst.State.Name)
	}
	vm := &inventory.VM{State: state, OS: instanceOS(inst)}
	if state != "" {
		vm.Running = inventory.Known(state == string(ec2types.InstanceStateNameRunning))
	}
	if view.nodes != nil {
		node, managed := view.nodes[id]
		vm.PatchManaged = inventory.Known(managed && node.PingStatus == ssmtypes.PingStatusOnline)
		// Patch states were asked for every managed node, online or not;
		// one with none has never been assessed, a known fact.
		if view.states != nil && managed {
			if s, ok := view.states[id]; ok {
				applyPatchState(vm, s)
			} else {
				vm.LastAssessed = inventory.Known(time.Time{})
			}
		}
	}
	tagMap := tags(inst.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })
	return inventory.Resource{
		Cloud: inventory.AWS, Target: accountID, Region: region, Type: inventory.AWSInstance,
		ID: id, Name: tagMap["Name"], Tags: tagMap, VM: vm,
	}
}

// instanceOS is the platform details EC2 reports (e.g. "Linux/UNIX",
// "Windows BYOL", "Red Hat Enterprise Linux"), or the platform when those
// are missing.
func instanceOS(inst ec2types.Instance) string {
	if d := sdk.ToString(inst.PlatformDetails); d != "" {
		return d
	}
	if strings.EqualFold(string(inst.Platform), string(ec2types.PlatformValuesWindows)) {
		return "Windows"
	}
	return "Linux/UNIX"
}

// applyPatchState copies an SSM patch state into the VM facet.
//
// MissingSecurity is the larger of CriticalNonCompliantCount and
// SecurityNonCompliantCount, not their sum: "Critical" is the compliance
// severity the patch baseline assigns and "Security" the advisory's
// classification, so one patch can be in both counts (OtherNonCompliant
// is the patches in neither). The larger count is the number of missing
// security or critical patches known for certain; it is non-zero exactly
// when either is, which is what patching.missing_security_updates judges.
// The counts include patches that failed or wait for a reboot, as the SSM
// API documents. Patch states recorded before SSM reported these counts
// leave them out, and MissingSecurity then stays unknown.
//
// MissingOther is OtherNonCompliantCount; when only that count is absent,
// it is MissingCount less MissingSecurity, clamped at zero.
//
// Compliance is derived the way SSM judges a node: NON_COMPLIANT when any
// baseline patch is missing or failed, installed but waiting for a reboot
// or installed although rejected (InstalledRejectedCount is always 0
// unless rejected patches are blocked), or any non-compliant count is
// positive. NotApplicableCount and UnreportedNotApplicableCount are never
// counted anywhere: a patch that does not apply to the node is not missing.
func applyPatchState(vm *inventory.VM, s ssmtypes.InstancePatchState) {
	if s.OperationEndTime != nil {
		vm.LastAssessed = inventory.Known(s.OperationEndTime.UTC())
	}
	vm.Failed = inventory.Known(int(s.FailedCount))
	if s.InstalledPendingRebootCount != nil {
		vm.PendingReboot = inventory.Known(int(*s.InstalledPendingRebootCount))
	}
	critical, security, other := s.CriticalNonCompliantCount, s.SecurityNonCompliantCount, s.OtherNonCompliantCount
	if critical != nil || security != nil {
		vm.MissingSecurity = inventory.Known(int(max(sdk.ToInt32(critical), sdk.ToInt32(security))))
	}
	switch {
	case other != nil:
		vm.MissingOther = inventory.Known(int(*other))
	case vm.MissingSecurity.IsKnown():
		sec, _ := vm.MissingSecurity.Get()
		vm.MissingOther = inventory.Known(max(0, int(s.MissingCount)-sec))
	}
	nonCompliant := s.MissingCount > 0 || s.FailedCount > 0 ||
		sdk.ToInt32(s.InstalledPendingRebootCount) > 0 || sdk.ToInt32(s.InstalledRejectedCount) > 0 ||
		sdk.ToInt32(critical) > 0 || sdk.ToInt32(security) > 0 || sdk.ToInt32(other) > 0
	vm.Compliance = inventory.Known("COMPLIANT")
	if nonCompliant {
		vm.Compliance = inventory.Known("NON_COMPLIANT")
	}
}

// scanDBUpgrades reads every page of DescribeDBInstances into
// aws.rds.instance resources carrying the Upgrade facet only.
func scanDBUpgrades(ctx context.Context, a *account, region string, out *scanners.Sink) {
	dbs, err := a.dbInstances(ctx, region)
	if err != nil {
		out.Fail(scanError(a.ID, region, inventory.Patching, "rds:DescribeDBInstances", []string{inventory.AWSDBInstance}, err))
		return
	}
	for _, db := range dbs {
		name := sdk.ToString(db.DBInstanceIdentifier)
		arn := sdk.ToString(db.DBInstanceArn)
		if arn == "" {
			arn = fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", partition(region), region, a.ID, name)
		}
		up := &inventory.ManagedUpgrade{Engine: sdk.ToString(db.Engine), Version: sdk.ToString(db.EngineVersion)}
		if db.AutoMinorVersionUpgrade != nil {
			up.AutoUpgrade = inventory.Known(*db.AutoMinorVersionUpgrade)
		}
		out.Add(inventory.Resource{
			Cloud: inventory.AWS, Target: a.ID, Region: region, Type: inventory.AWSDBInstance,
			ID: arn, Name: name, Tags: tags(db.TagList, func(t rdstypes.Tag) (*string, *string) { return t.Key, t.Value }),
			Upgrade: up,
		})
	}
}
