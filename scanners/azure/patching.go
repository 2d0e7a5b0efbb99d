package azure

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

const (
	typeVM         = "microsoft.compute/virtualmachines"
	typeAKS        = "microsoft.containerservice/managedclusters"
	typeAssessment = "microsoft.compute/virtualmachines/patchassessmentresults"
)

// scanPatching reads, from Resource Graph, the VMs with their power state
// and patch settings and the AKS clusters' upgrade channels (one query),
// and Azure Update Manager's latest assessment of each VM (another, on
// the patchassessmentresources table). A VM with no assessment reports to
// no patch service; when the assessments could not be read, that is
// unknown rather than "unmanaged".
func scanPatching(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	subs, err := e.subscriptions(ctx, t, out)
	if err != nil {
		return err
	}
	scope := scanners.Scope{Cloud: inventory.Azure, Target: t.String(), Domain: inventory.Patching}
	resources := e.graph(ctx, out, scope, subs, graphType("resources", typeVM, typeAKS))
	assessments := e.graph(ctx, out, scope, subs, graphType("patchassessmentresources", typeAssessment))
	defer resources.failLate(out, inventory.Patching, []string{inventory.AzureVM, inventory.AzureAKSCluster})
	defer assessments.failLate(out, inventory.Patching, []string{inventory.AzureVM})
	scanners.EachFedTarget(out, inventory.Azure, inventory.Patching, subs, func(s *subscription) {
		raws, err := resources.of(s.ID)
		if err == nil {
			var byType map[string][]typedRow
			if byType, err = splitRows(s, raws); err == nil {
				patchResources(s, byType, assessments, out)
				return
			}
		}
		out.Fail(scanError(s.ID, "", inventory.Patching, graphRead, []string{inventory.AzureVM, inventory.AzureAKSCluster}, err))
	})
	return nil
}

// patchResources records the subscription's VMs, with their assessments
// when those were read, and AKS clusters.
func patchResources(s *subscription, byType map[string][]typedRow, assessments *graphRows, out *scanners.Sink) {
	latest, assessErr := assessmentsByVM(assessments, s)
	if assessErr != nil {
		out.Fail(scanError(s.ID, "", inventory.Patching, graphRead, []string{inventory.AzureVM}, assessErr))
	}
	for _, r := range byType[typeVM] {
		res := vmResource(s.ID, r)
		if assessErr == nil {
			applyAssessment(res.VM, latest[strings.ToLower(r.ID)])
		}
		out.Add(res)
	}
	for _, r := range byType[typeAKS] {
		out.Add(aksResource(s.ID, r))
	}
}

// vmRow is a VM as Resource Graph holds it: the Resource Manager
// resource, plus the instance view's power state under extended.
type vmRow struct {
	armcompute.VirtualMachine
	Extended struct {
		InstanceView struct {
			PowerState struct {
				Code string `json:"code"`
			} `json:"powerState"`
			OSName string `json:"osName"`
		} `json:"instanceView"`
	}
}

func (v *vmRow) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &v.VirtualMachine); err != nil {
		return err
	}
	var ext struct {
		Properties struct {
			Extended json.RawMessage `json:"extended"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &ext); err != nil || len(ext.Properties.Extended) == 0 {
		return err
	}
	return json.Unmarshal(ext.Properties.Extended, &v.Extended)
}

// vmResource reads a VM's power state and patch settings. A VM that is
// starting or running counts as running; stopped and deallocated ones do
// not, and cannot be unmanaged.
func vmResource(sub string, r typedRow) inventory.Resource {
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: r.Location, Type: inventory.AzureVM,
		ID: r.ID, Name: r.Name, Tags: r.Tags, VM: &inventory.VM{}}
	var v vmRow
	if err := json.Unmarshal(r.raw, &v); err != nil {
		return res
	}
	if state, ok := strings.CutPrefix(v.Extended.InstanceView.PowerState.Code, "PowerState/"); ok && state != "" && state != "unknown" {
		res.VM.State = state
		res.VM.Running = inventory.Known(state == "running" || state == "starting")
	}
	p := v.Properties
	if p == nil {
		return res
	}
	res.VM.OS = v.Extended.InstanceView.OSName
	if res.VM.OS == "" && p.StorageProfile != nil && p.StorageProfile.OSDisk != nil && p.StorageProfile.OSDisk.OSType != nil {
		res.VM.OS = string(*p.StorageProfile.OSDisk.OSType)
	}
	if p.OSProfile != nil {
		res.VM.AutomaticUpdates = automaticUpdates(p.OSProfile)
		res.VM.PeriodicAssessment = periodicAssessment(p.OSProfile)
	}
	return res
}

// automaticUpdates says whether a VM's patch mode installs updates by
// itself: on Windows AutomaticByOS and AutomaticByPlatform (and, with no
// patch mode, the enableAutomaticUpdates switch, true by default); on
// Linux only AutomaticByPlatform, since ImageDefault leaves updates to
// whatever the image was built to do.
func automaticUpdates(os *armcompute.OSProfile) inventory.Bool {
	if w := os.WindowsConfiguration; w != nil {
		if w.PatchSettings != nil && w.PatchSettings.PatchMode != nil {
			return inventory.Known(*w.PatchSettings.PatchMode != armcompute.WindowsVMGuestPatchModeManual)
		}
		return inventory.Known(w.EnableAutomaticUpdates == nil || *w.EnableAutomaticUpdates)
	}
	if l := os.LinuxConfiguration; l != nil {
		mode := armcompute.LinuxVMGuestPatchModeImageDefault
		if l.PatchSettings != nil && l.PatchSettings.PatchMode != nil {
			mode = *l.PatchSettings.PatchMode
		}
		return inventory.Known(mode == armcompute.LinuxVMGuestPatchModeAutomaticByPlatform)
	}
	return inventory.Bool{}
}

// periodicAssessment says whether Azure assesses the VM's patches every
// 24 hours by itself: assessmentMode AutomaticByPlatform. Absent, the mode
// is ImageDefault: assessed only on request.
func periodicAssessment(os *armcompute.OSProfile) inventory.Bool {
	switch {
	case os.WindowsConfiguration != nil:
		ps := os.WindowsConfiguration.PatchSettings
		return inventory.Known(ps != nil && ps.AssessmentMode != nil && *ps.AssessmentMode == armcompute.WindowsPatchAssessmentModeAutomaticByPlatform)
	case os.LinuxConfiguration != nil:
		ps := os.LinuxConfiguration.PatchSettings
		return inventory.Known(ps != nil && ps.AssessmentMode != nil && *ps.AssessmentMode == armcompute.LinuxPatchAssessmentModeAutomaticByPlatform)
	}
	return inventory.Bool{}
}

// assessment is a patchassessmentresources summary row.
type assessment struct {
	ID         string `json:"id"`
	Properties struct {
		Status               string    `json:"status"`
		LastModifiedDateTime time.Time `json:"lastModifiedDateTime"`
		OSType               string    `json:"osType"`
		Available            struct {
			Critical     *int `json:"critical"`
			Security     *int `json:"security"`
			Definition   int  `json:"definition"`
			UpdateRollup int  `json:"updateRollup"`
			FeaturePack  int  `json:"featurePack"`
			ServicePack  int  `json:"servicePack"`
			Tools        int  `json:"tools"`
			Updates      int  `json:"updates"`
			Other        int  `json:"other"`
		} `json:"availablePatchCountByClassification"`
	} `json:"properties"`
}

// assessmentsByVM maps each VM id (lower case) of the subscription to its
// latest assessment, or says why they could not be read.
func assessmentsByVM(rows *graphRows, s *subscription) (map[string]*assessment, error) {
	raws, err := rows.of(s.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]*assessment{}
	for _, raw := range raws {
		a := &assessment{}
		if err := json.Unmarshal(raw, a); err != nil {
			return nil, err
		}
		vm, _, ok := strings.Cut(strings.ToLower(a.ID), "/patchassessmentresults/")
		if !ok {
			continue
		}
		if old, seen := out[vm]; !seen || a.Properties.LastModifiedDateTime.After(old.Properties.LastModifiedDateTime) {
			out[vm] = a
		}
	}
	return out, nil
}

// applyAssessment fills what Update Manager knows of a VM: with no
// assessment the VM reports to no patch service. An assessment that did
// not succeed vouches for no count and no date.
func applyAssessment(vm *inventory.VM, a *assessment) {
	if a == nil {
		vm.PatchManaged = inventory.False
		return
	}
	vm.PatchManaged = inventory.True
	switch strings.ToLower(a.Properties.Status) {
	case "succeeded", "completedwithwarnings":
	default:
		return
	}
	if !a.Properties.LastModifiedDateTime.IsZero() {
		vm.LastAssessed = inventory.Known(a.Properties.LastModifiedDateTime.UTC())
	}
	c := a.Properties.Available
	if c.Critical != nil || c.Security != nil {
		vm.MissingSecurity = inventory.Known(deref(c.Critical) + deref(c.Security))
	}
	vm.MissingOther = inventory.Known(c.Definition + c.UpdateRollup + c.FeaturePack + c.ServicePack + c.Tools + c.Updates + c.Other)
}

// aksResource reads an AKS cluster's auto-upgrade profile. Its automatic
// upgrades are on when the cluster channel is patch, stable or rapid and
// the node OS channel (NodeImage when unset) is NodeImage or
// SecurityPatch; the channel "none" (the default), the legacy node-image
// channel, and node OS channels None and Unmanaged leave patching to
// someone's hands.
func aksResource(sub string, r typedRow) inventory.Resource {
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: r.Location, Type: inventory.AzureAKSCluster,
		ID: r.ID, Name: r.Name, Tags: r.Tags, Upgrade: &inventory.ManagedUpgrade{Engine: "kubernetes"}}
	var c armcontainerservice.ManagedCluster
	if err := json.Unmarshal(r.raw, &c); err != nil || c.Properties == nil {
		return res
	}
	res.Upgrade.Version = deref(c.Properties.KubernetesVersion)
	channel, nodeOS := armcontainerservice.UpgradeChannelNone, armcontainerservice.NodeOSUpgradeChannelNodeImage
	if p := c.Properties.AutoUpgradeProfile; p != nil {
		if p.UpgradeChannel != nil {
			channel = *p.UpgradeChannel
		}
		if p.NodeOSUpgradeChannel != nil {
			nodeOS = *p.NodeOSUpgradeChannel
		}
	}
	res.Upgrade.Channel = string(channel) + "; node OS " + string(nodeOS)
	clusterOn := channel == armcontainerservice.UpgradeChannelPatch || channel == armcontainerservice.UpgradeChannelStable || channel == armcontainerservice.UpgradeChannelRapid
	nodesOn := nodeOS == armcontainerservice.NodeOSUpgradeChannelNodeImage || nodeOS == armcontainerservice.NodeOSUpgradeChannelSecurityPatch
	res.Upgrade.AutoUpgrade = inventory.Known(clusterOn && nodesOn)
	return res
}
