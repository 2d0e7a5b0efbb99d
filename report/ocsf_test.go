package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// ocsfDemoDocument is the demo document, passed findings included.
func ocsfDemoDocument(t *testing.T) *Document {
	return demoDocument(t, "0123456789abcdef", "test")
}

// writeOCSF writes doc as OCSF and parses it back.
func writeOCSF(t *testing.T, doc *Document) []map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := WriteOCSF(&b, doc); err != nil {
		t.Fatalf("WriteOCSF: %v", err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatalf("OCSF output is not a JSON array of objects: %v\n%s", err, b.String())
	}
	return out
}

// lookup follows a dotted path through parsed JSON; a number steps into
// an array.
func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// wantEqual checks a parsed JSON value against a Go value by encoding the
// latter the same way.
func wantEqual(got any, want any) error {
	b, err := json.Marshal(want)
	if err != nil {
		return err
	}
	var w any
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if !reflect.DeepEqual(got, w) {
		return fmt.Errorf("got %v, want %v", got, w)
	}
	return nil
}

func wantString(got any) (string, error) {
	s, ok := got.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("got %v, want a non-empty string", got)
	}
	return s, nil
}

// wantStatusID is the OCSF status id a finding must map to.
func wantStatusID(f rules.Finding) int {
	switch {
	case f.Suppressed != nil:
		return 3
	case f.Status == controls.Pass:
		return 4
	}
	return 1
}

// ocsfChecks are the fields every OCSF finding must carry. absent says the
// path must be missing for this finding (a declaration finding has no
// cloud; a finding without remediation text has no remediation).
var ocsfChecks = []struct {
	path   string
	absent func(f rules.Finding) bool
	check  func(doc *Document, f rules.Finding, got any) error
}{
	{"class_uid", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, 2004) }},
	{"class_name", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, "Detection Finding") }},
	{"category_uid", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, 2) }},
	{"category_name", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, "Findings") }},
	{"activity_id", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, 1) }},
	{"activity_name", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, "Create") }},
	{"type_uid", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, 200401) }},
	{"time", nil, func(doc *Document, _ rules.Finding, got any) error {
		return wantEqual(got, doc.Scan.Finished.UnixMilli())
	}},
	{"severity_id", nil, func(_ *Document, f rules.Finding, got any) error {
		// Our ranks (info 1 .. critical 5) are OCSF's ids.
		return wantEqual(got, f.Severity.Rank())
	}},
	{"severity", nil, func(_ *Document, f rules.Finding, got any) error {
		want := map[controls.Severity]string{controls.Info: "Informational", controls.Low: "Low", controls.Medium: "Medium",
			controls.High: "High", controls.Critical: "Critical"}[f.Severity]
		return wantEqual(got, want)
	}},
	{"status_id", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, wantStatusID(f)) }},
	{"status", nil, func(_ *Document, f rules.Finding, got any) error {
		return wantEqual(got, map[int]string{1: "New", 3: "Suppressed", 4: "Resolved"}[wantStatusID(f)])
	}},
	{"status_code", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Status) }},
	{"message", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Message) }},
	{"metadata.version", nil, func(_ *Document, _ rules.Finding, got any) error {
		if s, _ := got.(string); !regexp.MustCompile(`^1\.\d+\.\d+$`).MatchString(s) {
			return fmt.Errorf("got %v, want an OCSF 1.x.y version", got)
		}
		return nil
	}},
	{"metadata.product.name", nil, func(_ *Document, _ rules.Finding, got any) error { return wantEqual(got, "ownaudit") }},
	{"metadata.product.vendor_name", nil, func(_ *Document, _ rules.Finding, got any) error {
		_, err := wantString(got)
		return err
	}},
	{"metadata.product.version", nil, func(doc *Document, _ rules.Finding, got any) error {
		return wantEqual(got, doc.Scan.Tool.Version)
	}},
	{"metadata.event_code", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Control) }},
	{"metadata.uid", nil, func(doc *Document, f rules.Finding, got any) error {
		return wantEqual(got, doc.Scan.ID+":"+f.ID)
	}},
	{"finding_info.uid", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.ID) }},
	{"finding_info.title", nil, func(_ *Document, f rules.Finding, got any) error {
		if _, err := wantString(got); err != nil {
			return err
		}
		return wantEqual(got, f.Title)
	}},
	{"finding_info.desc", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Message) }},
	{"finding_info.types", nil, func(_ *Document, f rules.Finding, got any) error {
		return wantEqual(got, []string{string(f.Domain)})
	}},
	{"finding_info.analytic.uid", nil, func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Control) }},
	{"resources", nil, func(_ *Document, _ rules.Finding, got any) error {
		if rs, _ := got.([]any); len(rs) != 1 {
			return fmt.Errorf("got %v, want one resource", got)
		}
		return nil
	}},
	{"resources.0.uid", nil, func(_ *Document, f rules.Finding, got any) error {
		if _, err := wantString(got); err != nil {
			return err
		}
		return wantEqual(got, f.Resource.ID)
	}},
	{"resources.0.type", nil, func(_ *Document, f rules.Finding, got any) error {
		if _, err := wantString(got); err != nil {
			return err
		}
		return wantEqual(got, f.Resource.Type)
	}},
	{"resources.0.name", func(f rules.Finding) bool { return f.Resource.Name == "" },
		func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Resource.Name) }},
	{"resources.0.region", func(f rules.Finding) bool { return f.Resource.Region == "" },
		func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Resource.Region) }},
	{"resources.0.labels", func(f rules.Finding) bool { return len(f.Resource.Tags) == 0 },
		func(_ *Document, f rules.Finding, got any) error {
			var want []string
			for k, v := range f.Resource.Tags {
				want = append(want, k+"="+v)
			}
			slices.Sort(want)
			return wantEqual(got, want)
		}},
	{"cloud.provider", noCloud, func(_ *Document, f rules.Finding, got any) error {
		return wantEqual(got, map[inventory.Cloud]string{inventory.AWS: "AWS", inventory.Azure: "Azure", inventory.GCP: "GCP"}[f.Resource.Cloud])
	}},
	{"cloud.account.uid", noCloud, func(_ *Document, f rules.Finding, got any) error {
		if _, err := wantString(got); err != nil {
			return err
		}
		return wantEqual(got, f.Resource.Target)
	}},
	{"cloud.account.type_id", noCloud, func(_ *Document, f rules.Finding, got any) error {
		return wantEqual(got, map[inventory.Cloud]int{inventory.AWS: 10, inventory.Azure: 13, inventory.GCP: 11}[f.Resource.Cloud])
	}},
	{"metadata.profiles", nil, func(_ *Document, f rules.Finding, got any) error {
		if noCloud(f) {
			return wantEqual(got, []string{})
		}
		return wantEqual(got, []string{"cloud"})
	}},
	{"remediation.desc", func(f rules.Finding) bool { return f.Remediation == "" },
		func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Remediation) }},
	{"remediation.references", func(f rules.Finding) bool { return len(f.References) == 0 },
		func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.References) }},
	{"unmapped.responsibility.party", nil, func(_ *Document, f rules.Finding, got any) error {
		if f.Responsible == nil {
			return wantEqual(got, "unassigned")
		}
		return wantEqual(got, f.Responsible.Party)
	}},
	{"unmapped.responsibility.role", func(f rules.Finding) bool { return f.Responsible == nil },
		func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Responsible.Role) }},
	{"unmapped.responsibility.decidedBy", func(f rules.Finding) bool { return f.Responsible == nil },
		func(_ *Document, f rules.Finding, got any) error {
			if f.Responsible.DecidedBy.Line == 0 {
				return fmt.Errorf("finding's decidedBy has no line")
			}
			return wantEqual(got, f.Responsible.DecidedBy)
		}},
	{"unmapped.responsibility.expectedRoles", nil, func(_ *Document, f rules.Finding, got any) error {
		return wantEqual(got, f.ExpectedRoles)
	}},
	{"unmapped.scan.id", nil, func(doc *Document, _ rules.Finding, got any) error { return wantEqual(got, doc.Scan.ID) }},
	{"unmapped.scan.declaration.sha256", nil, func(doc *Document, _ rules.Finding, got any) error {
		if _, err := wantString(got); err != nil {
			return err
		}
		return wantEqual(got, doc.Scan.Declaration.SHA256)
	}},
	{"status_detail", func(f rules.Finding) bool { return f.Suppressed == nil },
		func(_ *Document, f rules.Finding, got any) error {
			if s, _ := got.(string); !strings.Contains(s, f.Suppressed.Reason) || !strings.Contains(s, f.Suppressed.AcceptedBy) {
				return fmt.Errorf("got %v, want the reason %q and the acceptor %q", got, f.Suppressed.Reason, f.Suppressed.AcceptedBy)
			}
			return nil
		}},
	{"unmapped.suppression", func(f rules.Finding) bool { return f.Suppressed == nil },
		func(_ *Document, f rules.Finding, got any) error { return wantEqual(got, f.Suppressed) }},
}

// noCloud reports whether a finding is about no cloud account (a
// declaration entry).
func noCloud(f rules.Finding) bool { return f.Resource.Cloud == "" }

func TestOCSFEveryFindingHasTheRequiredFields(t *testing.T) {
	doc := ocsfDemoDocument(t)
	// The demo has no suppression: a tagged AWS copy and a suppressed
	// copy of a failing finding cover those mappings.
	i := slices.IndexFunc(doc.Findings, func(f rules.Finding) bool {
		return f.Status == controls.Fail && !strings.HasPrefix(f.Control, "ownership.")
	})
	if i < 0 {
		t.Fatal("the demo has no failing control finding")
	}
	tagged := doc.Findings[i]
	tagged.Resource = rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1",
		Type: "aws.ec2.security_group", ID: "sg-0a1", Name: "web", Tags: map[string]string{"team": "shop", "Name": "web"}}
	tagged.ID = rules.FindingID(tagged.Control, tagged.Resource)
	suppressed := doc.Findings[i]
	suppressed.ID = "suppressed-" + suppressed.ID
	suppressed.Suppressed = &rules.Suppression{Reason: "decommissioned in Q1", AcceptedBy: "acme", Expires: "2027-03-31",
		Entry: 0, File: "demo/declaration.yaml", Line: 80, Column: 5}
	// The demo reads everything; a finding whose input went unread is
	// made here.
	unread := doc.Findings[i]
	unread.ID = "unread-" + unread.ID
	unread.Status, unread.Message, unread.Evidence = controls.Error, "security group rules could not be read", nil
	doc.Findings = append(doc.Findings, tagged, suppressed, unread)
	got := writeOCSF(t, doc)
	if len(got) != len(doc.Findings) {
		t.Fatalf("WriteOCSF wrote %d findings, want %d (one per document finding)", len(got), len(doc.Findings))
	}
	// The demo must exercise every branch the checks distinguish.
	seen := map[string]bool{}
	for _, f := range doc.Findings {
		seen[string(f.Status)] = true
		seen["cloud="+strconv.FormatBool(!noCloud(f))] = true
		seen["assigned="+strconv.FormatBool(f.Responsible != nil)] = true
		seen["suppressed="+strconv.FormatBool(f.Suppressed != nil)] = true
		seen["tags="+strconv.FormatBool(len(f.Resource.Tags) > 0)] = true
		seen[string(f.Resource.Cloud)] = true
	}
	for _, k := range []string{"pass", "fail", "error", "cloud=true", "cloud=false", "assigned=true", "assigned=false",
		"suppressed=true", "tags=true", "aws", "azure", "gcp"} {
		if !seen[k] {
			t.Errorf("the demo document has no finding with %s; the checks would not cover it", k)
		}
	}
	for i, f := range doc.Findings {
		for _, c := range ocsfChecks {
			v, ok := lookup(got[i], c.path)
			if c.absent != nil && c.absent(f) {
				if ok {
					t.Errorf("finding %d (%s on %s): %s = %v, want it absent", i, f.Control, f.Resource.ID, c.path, v)
				}
				continue
			}
			if !ok {
				t.Errorf("finding %d (%s on %s): %s is missing", i, f.Control, f.Resource.ID, c.path)
				continue
			}
			if err := c.check(doc, f, v); err != nil {
				t.Errorf("finding %d (%s on %s): %s: %v", i, f.Control, f.Resource.ID, c.path, err)
			}
		}
	}
}

func TestOCSFGoldenFinding(t *testing.T) {
	doc := ocsfDemoDocument(t)
	// One failing finding with a region, a responsible party and
	// benchmark references shows nearly every mapped field (the embedded
	// Azure and GCP resources have no tags; TestOCSFEveryFindingHasTheRequiredFields
	// covers labels).
	i := slices.IndexFunc(doc.Findings, func(f rules.Finding) bool {
		return f.Status == controls.Fail && f.Resource.Region != "" && f.Responsible != nil && len(f.References) > 0
	})
	if i < 0 {
		t.Fatal("the demo has no failing finding with a region, a party and references")
	}
	got, err := json.MarshalIndent(writeOCSF(t, doc)[i], "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "ocsf-finding.golden.json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("OCSF finding =\n%s\nwant (%s)\n%s", got, path, want)
	}
}

func TestOCSFStatus(t *testing.T) {
	sup := &rules.Suppression{Reason: "legacy app, replaced in March", AcceptedBy: "acme", Expires: "2027-03-31",
		File: "acme.yaml", Line: 40, Column: 5}
	tests := []struct {
		name       string
		status     controls.Status
		suppressed *rules.Suppression
		wantID     float64
		wantStatus string
		wantDetail string
	}{
		{"fail is new", controls.Fail, nil, 1, "New", ""},
		{"error is new", controls.Error, nil, 1, "New", ""},
		{"pass is resolved", controls.Pass, nil, 4, "Resolved", ""},
		{"accepted risk is suppressed", controls.Fail, sup, 3, "Suppressed",
			"accepted risk: legacy app, replaced in March (accepted by acme until 2027-03-31, acme.yaml:40:5)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := rules.Finding{ID: "x", Control: "c", Status: tc.status, Severity: controls.High, Suppressed: tc.suppressed,
				Resource: rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Type: "aws.s3.bucket", ID: "arn:aws:s3:::b"}}
			got := writeOCSF(t, &Document{Findings: []rules.Finding{f}})[0]
			if got["status_id"] != tc.wantID || got["status"] != tc.wantStatus || got["status_code"] != string(tc.status) {
				t.Errorf("status_id, status, status_code = %v, %v, %v, want %v, %v, %v",
					got["status_id"], got["status"], got["status_code"], tc.wantID, tc.wantStatus, tc.status)
			}
			detail, _ := got["status_detail"].(string)
			if detail != tc.wantDetail {
				t.Errorf("status_detail = %q, want %q", detail, tc.wantDetail)
			}
		})
	}
}

func TestOCSFSeverity(t *testing.T) {
	tests := []struct {
		severity controls.Severity
		wantID   float64
		wantName string
	}{
		{controls.Critical, 5, "Critical"},
		{controls.High, 4, "High"},
		{controls.Medium, 3, "Medium"},
		{controls.Low, 2, "Low"},
		{controls.Info, 1, "Informational"},
		{"bogus", 0, "Unknown"},
	}
	for _, tc := range tests {
		f := rules.Finding{ID: "x", Severity: tc.severity, Status: controls.Fail, Resource: rules.ResourceRef{Type: "t", ID: "i"}}
		got := writeOCSF(t, &Document{Findings: []rules.Finding{f}})[0]
		if got["severity_id"] != tc.wantID || got["severity"] != tc.wantName {
			t.Errorf("severity %q: severity_id, severity = %v, %v, want %v, %v", tc.severity, got["severity_id"], got["severity"], tc.wantID, tc.wantName)
		}
	}
}

func TestOCSFPartition(t *testing.T) {
	tests := []struct {
		ref  rules.ResourceRef
		want string
	}{
		{rules.ResourceRef{Cloud: inventory.AWS, Region: "eu-central-1", ID: "sg-1"}, "aws"},
		{rules.ResourceRef{Cloud: inventory.AWS, Region: "cn-north-1", ID: "sg-1"}, "aws-cn"},
		{rules.ResourceRef{Cloud: inventory.AWS, Region: "us-gov-west-1", ID: "sg-1"}, "aws-us-gov"},
		{rules.ResourceRef{Cloud: inventory.AWS, ID: "arn:aws-cn:iam::111111111111:root"}, "aws-cn"},
		{rules.ResourceRef{Cloud: inventory.AWS, ID: "arn:aws:s3:::bucket"}, "aws"},
		{rules.ResourceRef{Cloud: inventory.GCP, Region: "europe-west3", ID: "x"}, ""},
	}
	for _, tc := range tests {
		if got := awsPartition(tc.ref); got != tc.want {
			t.Errorf("awsPartition(%+v) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}

func TestOCSFEmptyDocumentIsAnEmptyArray(t *testing.T) {
	var b bytes.Buffer
	if err := WriteOCSF(&b, &Document{}); err != nil {
		t.Fatal(err)
	}
	var got []any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || got == nil || len(got) != 0 {
		t.Errorf("WriteOCSF(empty) = %q (%v), want an empty JSON array", b.String(), err)
	}
}
