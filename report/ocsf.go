package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// OCSFVersion is the OCSF schema version the Detection Findings follow.
const OCSFVersion = "1.7.0"

// OCSF Detection Finding constants: the class, its category, and the one
// activity ownaudit reports. A scan states what it saw at one moment, so
// every finding is a Create; a SIEM deduplicates on finding_info.uid.
const (
	ocsfClassUID     = 2004
	ocsfClassName    = "Detection Finding"
	ocsfCategoryUID  = 2
	ocsfCategoryName = "Findings"
	ocsfActivityID   = 1
	ocsfActivityName = "Create"
	ocsfTypeUID      = ocsfClassUID*100 + ocsfActivityID
)

// Finding status ids of the OCSF Finding class.
const (
	ocsfStatusNew        = 1
	ocsfStatusSuppressed = 3
	ocsfStatusResolved   = 4
)

// ocsfStatusNames are the captions of the status ids used.
var ocsfStatusNames = map[int]string{
	ocsfStatusNew:        "New",
	ocsfStatusSuppressed: "Suppressed",
	ocsfStatusResolved:   "Resolved",
}

// ocsfSeverity maps our severities to OCSF severity_id and its caption.
var ocsfSeverity = map[controls.Severity]struct {
	id   int
	name string
}{
	controls.Info:     {1, "Informational"},
	controls.Low:      {2, "Low"},
	controls.Medium:   {3, "Medium"},
	controls.High:     {4, "High"},
	controls.Critical: {5, "Critical"},
}

// ocsfClouds maps our clouds to OCSF cloud.provider and the account type.
var ocsfClouds = map[inventory.Cloud]struct {
	provider    string
	accountType int
	accountName string
}{
	inventory.AWS:   {"AWS", 10, "AWS Account"},
	inventory.Azure: {"Azure", 13, "Azure Subscription"},
	inventory.GCP:   {"GCP", 11, "GCP Project"},
}

// ocsfFinding is one OCSF Detection Finding (class 2004). Only the
// attributes ownaudit fills are declared; see docs/ocsf.md.
type ocsfFinding struct {
	ClassUID     int    `json:"class_uid"`
	ClassName    string `json:"class_name"`
	CategoryUID  int    `json:"category_uid"`
	CategoryName string `json:"category_name"`
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name"`
	TypeUID      int    `json:"type_uid"`
	TypeName     string `json:"type_name"`
	// Time is the end of the scan, in milliseconds since the Unix epoch.
	Time         int64            `json:"time"`
	SeverityID   int              `json:"severity_id"`
	Severity     string           `json:"severity"`
	StatusID     int              `json:"status_id"`
	Status       string           `json:"status"`
	StatusCode   string           `json:"status_code"`
	StatusDetail string           `json:"status_detail,omitempty"`
	Message      string           `json:"message,omitempty"`
	Metadata     ocsfMetadata     `json:"metadata"`
	FindingInfo  ocsfFindingInfo  `json:"finding_info"`
	Resources    []ocsfResource   `json:"resources"`
	Cloud        *ocsfCloud       `json:"cloud,omitempty"`
	Remediation  *ocsfRemediation `json:"remediation,omitempty"`
	Unmapped     ocsfUnmapped     `json:"unmapped"`
}

type ocsfMetadata struct {
	Version   string      `json:"version"`
	Profiles  []string    `json:"profiles"`
	Product   ocsfProduct `json:"product"`
	EventCode string      `json:"event_code"`
	// UID names this event: the scan and the finding.
	UID string `json:"uid"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
}

type ocsfFindingInfo struct {
	UID         string       `json:"uid"`
	Title       string       `json:"title"`
	Desc        string       `json:"desc,omitempty"`
	Types       []string     `json:"types"`
	CreatedTime int64        `json:"created_time"`
	Analytic    ocsfAnalytic `json:"analytic"`
}

// ocsfAnalytic names the control as the rule that produced the finding.
type ocsfAnalytic struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type ocsfResource struct {
	UID            string   `json:"uid"`
	Name           string   `json:"name,omitempty"`
	Type           string   `json:"type"`
	Region         string   `json:"region,omitempty"`
	Labels         []string `json:"labels,omitempty"`
	CloudPartition string   `json:"cloud_partition,omitempty"`
}

type ocsfCloud struct {
	Provider string      `json:"provider"`
	Region   string      `json:"region,omitempty"`
	Account  ocsfAccount `json:"account"`
}

type ocsfAccount struct {
	UID    string `json:"uid"`
	Name   string `json:"name,omitempty"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type ocsfRemediation struct {
	Desc       string   `json:"desc"`
	References []string `json:"references,omitempty"`
}

// ocsfUnmapped holds what OCSF has no attribute for: who is responsible,
// why, and the evidence behind the verdict.
type ocsfUnmapped struct {
	Responsibility ocsfResponsibility `json:"responsibility"`
	Evidence       map[string]any     `json:"evidence,omitempty"`
	// Suppression is the accepted risk that suppressed the finding.
	Suppression *rules.Suppression `json:"suppression,omitempty"`
	Scan        ocsfScan           `json:"scan"`
}

// ocsfResponsibility is rules.Responsible flattened, with the party
// "unassigned" when no declaration entry assigns the resource's domain.
type ocsfResponsibility struct {
	Party         string          `json:"party"`
	Role          controls.Role   `json:"role,omitempty"`
	Name          string          `json:"name,omitempty"`
	Contact       string          `json:"contact,omitempty"`
	DecidedBy     *rules.Decision `json:"decidedBy,omitempty"`
	ExpectedRoles []controls.Role `json:"expectedRoles"`
}

// ocsfScan ties the finding to its scan and declaration.
type ocsfScan struct {
	ID          string         `json:"id"`
	Source      string         `json:"source"`
	Declaration DeclarationRef `json:"declaration"`
}

// WriteOCSF writes doc's findings as a JSON array of OCSF Detection
// Findings (class_uid 2004), one element per finding in the document and
// in its order, one element per line. Errors entries (what could not be
// read) are not findings and are left out; findings with status "error"
// are kept. See docs/ocsf.md for the mapping.
func WriteOCSF(w io.Writer, doc *Document) error {
	bw := bufio.NewWriter(w)
	names := targetNames(doc.Scan.Targets)
	when := ocsfTime(doc.Scan)
	// A bufio.Writer keeps its first error and Flush returns it, so the
	// writes below are checked once, at the end.
	bw.WriteString("[")
	for i, f := range doc.Findings {
		b, err := json.Marshal(ocsfFromFinding(doc, f, names, when))
		if err != nil {
			return fmt.Errorf("write ocsf: finding %s: %w", f.ID, err)
		}
		sep := ",\n"
		if i == 0 {
			sep = "\n"
		}
		bw.WriteString(sep)
		bw.Write(b)
	}
	bw.WriteString("\n]\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ocsf: %w", err)
	}
	return nil
}

// ocsfTime is the event time of every finding: when the scan finished,
// else when it started; a document with neither gets the Unix epoch.
func ocsfTime(s Scan) int64 {
	for _, t := range []time.Time{s.Finished, s.Started} {
		if !t.IsZero() {
			return t.UnixMilli()
		}
	}
	return 0
}

// targetNames indexes the targets' display names.
func targetNames(ts []TargetStatus) map[targetKey]string {
	out := map[targetKey]string{}
	for _, t := range ts {
		if t.Name != "" {
			out[targetKey{t.Cloud, t.ID}] = t.Name
		}
	}
	return out
}

// ocsfFromFinding maps one finding.
func ocsfFromFinding(doc *Document, f rules.Finding, names map[targetKey]string, when int64) ocsfFinding {
	sev, ok := ocsfSeverity[f.Severity]
	if !ok {
		sev.name = "Unknown"
	}
	status := ocsfStatusNew
	if f.Status == controls.Pass {
		status = ocsfStatusResolved
	}
	o := ocsfFinding{
		ClassUID:     ocsfClassUID,
		ClassName:    ocsfClassName,
		CategoryUID:  ocsfCategoryUID,
		CategoryName: ocsfCategoryName,
		ActivityID:   ocsfActivityID,
		ActivityName: ocsfActivityName,
		TypeUID:      ocsfTypeUID,
		TypeName:     ocsfClassName + ": " + ocsfActivityName,
		Time:         when,
		SeverityID:   sev.id,
		Severity:     sev.name,
		StatusCode:   string(f.Status),
		Message:      f.Message,
		Metadata: ocsfMetadata{
			Version:   OCSFVersion,
			Profiles:  []string{},
			Product:   ocsfProduct{Name: ToolName, VendorName: ToolName, Version: doc.Scan.Tool.Version},
			EventCode: f.Control,
			UID:       doc.Scan.ID + ":" + f.ID,
		},
		FindingInfo: ocsfFindingInfo{
			UID:         f.ID,
			Title:       f.Title,
			Desc:        f.Message,
			Types:       []string{string(f.Domain)},
			CreatedTime: when,
			Analytic:    ocsfAnalytic{UID: f.Control, Name: f.Title, TypeID: 1, Type: "Rule"},
		},
		Resources: []ocsfResource{{
			UID:            f.Resource.ID,
			Name:           f.Resource.Name,
			Type:           f.Resource.Type,
			Region:         f.Resource.Region,
			Labels:         ocsfLabels(f.Resource.Tags),
			CloudPartition: awsPartition(f.Resource),
		}},
		Unmapped: ocsfUnmapped{
			Responsibility: responsibility(f),
			Evidence:       f.Evidence,
			Scan:           ocsfScan{ID: doc.Scan.ID, Source: doc.Scan.Source, Declaration: doc.Scan.Declaration},
		},
	}
	// A declaration finding (an entry that matches nothing) is about no
	// cloud account, so it carries no cloud object and no cloud profile.
	if c, ok := ocsfClouds[f.Resource.Cloud]; ok {
		o.Metadata.Profiles = append(o.Metadata.Profiles, "cloud")
		o.Cloud = &ocsfCloud{
			Provider: c.provider,
			Region:   f.Resource.Region,
			Account: ocsfAccount{
				UID:    f.Resource.Target,
				Name:   names[targetKey{f.Resource.Cloud, f.Resource.Target}],
				TypeID: c.accountType,
				Type:   c.accountName,
			},
		}
	}
	if f.Remediation != "" {
		o.Remediation = &ocsfRemediation{Desc: f.Remediation, References: f.References}
	}
	// An accepted risk stays failing (status_code) but leaves the triage
	// queue: OCSF calls that Suppressed.
	if sup := f.Suppressed; sup != nil {
		status = ocsfStatusSuppressed
		o.StatusDetail = fmt.Sprintf("accepted risk: %s (accepted by %s until %s, %s:%d:%d)",
			sup.Reason, sup.AcceptedBy, sup.Expires, sup.File, sup.Line, sup.Column)
		o.Unmapped.Suppression = sup
	}
	o.StatusID = status
	o.Status = ocsfStatusNames[status]
	return o
}

// responsibility is the finding's party, or "unassigned".
func responsibility(f rules.Finding) ocsfResponsibility {
	roles := f.ExpectedRoles
	if roles == nil {
		roles = []controls.Role{}
	}
	r := f.Responsible
	if r == nil {
		return ocsfResponsibility{Party: Unassigned, ExpectedRoles: roles}
	}
	decided := r.DecidedBy
	return ocsfResponsibility{Party: r.Party, Role: r.Role, Name: r.Name, Contact: r.Contact,
		DecidedBy: &decided, ExpectedRoles: roles}
}

// ocsfLabels renders tags as sorted "key=value" strings.
func ocsfLabels(tags map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, k+"="+tags[k])
	}
	return out
}

// awsPartition is the AWS partition of a resource: an ARN's own, else the
// one its region belongs to. Other clouds have none.
func awsPartition(r rules.ResourceRef) string {
	if r.Cloud != inventory.AWS {
		return ""
	}
	if parts := strings.SplitN(r.ID, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	switch {
	case strings.HasPrefix(r.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(r.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
