package diff

import (
	"bytes"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/spill"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
	"github.com/ownaudit/ownaudit/rules"
)

// update makes the golden tests rewrite their files: go test ./report/diff
// -update.
var update = flag.Bool("update", false, "rewrite golden files")

// Resources the diff tests put findings on.
var (
	diffSG   = rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-0a1b2c3d", Name: "web"}
	diffRoot = rules.ResourceRef{Cloud: inventory.AWS, Target: "222222222222", Type: inventory.AWSRoot, ID: "arn:aws:iam::222222222222:root", Name: "root"}
)

// diffFinding is a finding on diffSG (firewall) or diffRoot (iam), named
// by its control.
func diffFinding(control string, sev controls.Severity, st controls.Status, who *rules.Responsible) rules.Finding {
	res, dom := diffSG, inventory.Firewall
	if strings.HasPrefix(control, "iam.") {
		res, dom = diffRoot, inventory.IAM
	}
	return reporttest.Finding(control, dom, sev, st, res, who, control+" is "+string(st))
}

// diffDoc builds a document of fs; without passes it leaves the passed
// findings out as scan does without --include-passed. errs are its
// errors[].
func diffDoc(fs []rules.Finding, passes bool, errs ...inventory.ScanError) *report.Document {
	inv := &inventory.Inventory{Errors: errs}
	doc := report.Build(inv, reporttest.Declaration(), fs, report.Meta{ScanID: "0123456789abcdef", Started: reporttest.Started, Finished: reporttest.Finished})
	if !passes {
		return doc.WithoutPassed()
	}
	return doc
}

// category names where a finding landed in d, by control: "new",
// "resolved", "changed" or "" (unchanged or not compared).
func category(d *Diff, control string) string {
	switch {
	case slices.ContainsFunc(d.Findings.New, func(f NewFinding) bool { return f.Control == control }):
		return "new"
	case slices.ContainsFunc(d.Findings.Resolved, func(f ResolvedFinding) bool { return f.Control == control }):
		return "resolved"
	case slices.ContainsFunc(d.Findings.Changed, func(f ChangedFinding) bool { return f.Control == control }):
		return "changed"
	}
	return ""
}

// filler is a passed finding every document of the table test holds, so
// that a document without passes is told apart by its summary.
var filler = diffFinding("firewall.all_ports_open_to_internet", controls.Critical, controls.Pass, nil)

func TestCompareCategories(t *testing.T) {
	acme := reporttest.Owner("acme", controls.Customer, 2)
	claranet := reporttest.Owner("claranet", controls.MSP, 0)
	const c = "firewall.admin_ports_open_to_internet"
	fail := diffFinding(c, controls.High, controls.Fail, claranet)
	with := func(f rules.Finding, edit func(*rules.Finding)) rules.Finding {
		edit(&f)
		return f
	}
	suppressed := with(fail, func(f *rules.Finding) {
		f.Suppressed = &rules.Suppression{Reason: "vpn migration", AcceptedBy: "acme", Expires: "2027-01-31"}
	})
	// sgUnread is a firewall read failure over diffSG's region.
	sgUnread := inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Domain: inventory.Firewall,
		Operation: "ec2:DescribeSecurityGroups", ResourceTypes: []string{inventory.AWSSecurityGroup}, Message: "AccessDenied"}
	otherRegion := sgUnread
	otherRegion.Region = "eu-west-1"

	tests := []struct {
		name               string
		old, new           []rules.Finding
		oldPasses, nwPass  bool
		oldErrs, newErrs   []inventory.ScanError
		want               string // category of c
		wantWas            string // OldStatus or NewStatus
		wantChanges        []FieldChange
		wantUnchanged      int
		wantNewFailuresLow int
	}{
		{name: "fail in both", old: []rules.Finding{fail}, new: []rules.Finding{fail}, oldPasses: true, nwPass: true, wantUnchanged: 1},
		{name: "absent then fail", new: []rules.Finding{fail}, oldPasses: true, nwPass: true, want: "new", wantWas: WasAbsent, wantNewFailuresLow: 1},
		{name: "pass then fail", old: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Pass })}, new: []rules.Finding{fail},
			oldPasses: true, nwPass: true, want: "new", wantWas: WasPass, wantNewFailuresLow: 1},
		{name: "unlisted then fail", old: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Pass })}, new: []rules.Finding{fail},
			oldPasses: false, nwPass: true, want: "new", wantWas: WasUnlisted, wantNewFailuresLow: 1},
		{name: "absent then error", new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Error })},
			oldPasses: true, nwPass: true, want: "new", wantWas: WasAbsent},
		{name: "fail then pass", old: []rules.Finding{fail}, new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Pass })},
			oldPasses: true, nwPass: true, want: "resolved", wantWas: WasPass},
		{name: "fail then absent", old: []rules.Finding{fail}, oldPasses: true, nwPass: true, want: "resolved", wantWas: WasAbsent},
		{name: "fail then unlisted", old: []rules.Finding{fail}, new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Pass })},
			oldPasses: true, nwPass: false, want: "resolved", wantWas: WasUnlisted},
		{name: "fail then absent in a region that was not read", old: []rules.Finding{fail}, oldPasses: true, nwPass: true,
			newErrs: []inventory.ScanError{sgUnread}, want: "changed",
			wantChanges: []FieldChange{{Field: FieldStatus, Old: "fail", New: "error"}}},
		{name: "fail then absent while another region was not read", old: []rules.Finding{fail}, oldPasses: true, nwPass: true,
			newErrs: []inventory.ScanError{otherRegion}, want: "resolved", wantWas: WasAbsent},
		{name: "not read then fail", new: []rules.Finding{fail}, oldPasses: true, nwPass: true,
			oldErrs: []inventory.ScanError{sgUnread}, want: "changed", wantNewFailuresLow: 1,
			wantChanges: []FieldChange{{Field: FieldStatus, Old: "error", New: "fail"}}},
		{name: "fail then error", old: []rules.Finding{fail}, new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Error })},
			oldPasses: true, nwPass: true, want: "changed", wantChanges: []FieldChange{{Field: FieldStatus, Old: "fail", New: "error"}}},
		{name: "error then fail", old: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Error })}, new: []rules.Finding{fail},
			oldPasses: true, nwPass: true, want: "changed", wantNewFailuresLow: 1,
			wantChanges: []FieldChange{{Field: FieldStatus, Old: "error", New: "fail"}}},
		{name: "severity raised", old: []rules.Finding{with(fail, func(f *rules.Finding) { f.Severity = controls.Low })}, new: []rules.Finding{fail},
			oldPasses: true, nwPass: true, want: "changed", wantChanges: []FieldChange{{Field: FieldSeverity, Old: "low", New: "high"}}},
		{name: "party and role changed", old: []rules.Finding{fail}, new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Responsible = acme })},
			oldPasses: true, nwPass: true, want: "changed",
			wantChanges: []FieldChange{{Field: FieldParty, Old: "claranet", New: "acme"}, {Field: FieldRole, Old: "msp", New: "customer"}}},
		{name: "party became unassigned", old: []rules.Finding{fail}, new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Responsible = nil })},
			oldPasses: true, nwPass: true, want: "changed",
			wantChanges: []FieldChange{{Field: FieldParty, Old: "claranet", New: report.Unassigned}, {Field: FieldRole, Old: "msp", New: ""}}},
		{name: "risk accepted", old: []rules.Finding{fail}, new: []rules.Finding{suppressed}, oldPasses: true, nwPass: true, want: "changed",
			wantChanges: []FieldChange{{Field: FieldAccepted, Old: "false", New: "true"}}},
		{name: "accepted risk is new", new: []rules.Finding{suppressed}, oldPasses: true, nwPass: true, want: "new", wantWas: WasAbsent},
		{name: "pass in both is not compared", old: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Pass })},
			new: []rules.Finding{with(fail, func(f *rules.Finding) { f.Status = controls.Pass })}, oldPasses: true, nwPass: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldDoc := diffDoc(append([]rules.Finding{filler}, tt.old...), tt.oldPasses, tt.oldErrs...)
			newDoc := diffDoc(append([]rules.Finding{filler}, tt.new...), tt.nwPass, tt.newErrs...)
			d := Compare(oldDoc, newDoc)
			if got := category(d, c); got != tt.want {
				t.Fatalf("category of %s = %q, want %q; diff %+v", c, got, tt.want, d.Findings)
			}
			if d.Counts.Unchanged != tt.wantUnchanged {
				t.Errorf("unchanged = %d, want %d", d.Counts.Unchanged, tt.wantUnchanged)
			}
			if got := d.Counts.New + d.Counts.Resolved + d.Counts.Changed; got != len(d.Findings.New)+len(d.Findings.Resolved)+len(d.Findings.Changed) {
				t.Errorf("counts %+v do not match the lists", d.Counts)
			}
			switch tt.want {
			case "new":
				if got := d.Findings.New[0].OldStatus; got != tt.wantWas {
					t.Errorf("oldStatus = %q, want %q", got, tt.wantWas)
				}
			case "resolved":
				if got := d.Findings.Resolved[0].NewStatus; got != tt.wantWas {
					t.Errorf("newStatus = %q, want %q", got, tt.wantWas)
				}
			case "changed":
				if got := d.Findings.Changed[0].Changes; !slices.Equal(got, tt.wantChanges) {
					t.Errorf("changes = %+v, want %+v", got, tt.wantChanges)
				}
			}
			if got := d.NewFailures(controls.Low); got != tt.wantNewFailuresLow {
				t.Errorf("NewFailures(low) = %d, want %d", got, tt.wantNewFailuresLow)
			}
		})
	}
}

func TestPassesListed(t *testing.T) {
	fs := []rules.Finding{filler, diffFinding("iam.root_mfa_disabled", controls.Critical, controls.Fail, nil)}
	tests := []struct {
		name string
		doc  *report.Document
		want bool
	}{
		{"with passes", diffDoc(fs, true), true},
		{"without passes", diffDoc(fs, false), false},
		{"no passes to leave out", diffDoc(fs[1:], false), true},
	}
	for _, tt := range tests {
		if got := Compare(tt.doc, tt.doc).Old.PassesListed; got != tt.want {
			t.Errorf("PassesListed(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewFailuresBySeverity(t *testing.T) {
	claranet := reporttest.Owner("claranet", controls.MSP, 0)
	oldDoc := diffDoc([]rules.Finding{
		diffFinding("firewall.database_ports_open_to_internet", controls.High, controls.Error, claranet),
	}, true)
	newDoc := diffDoc([]rules.Finding{
		diffFinding("iam.root_mfa_disabled", controls.Critical, controls.Fail, nil),                     // new, critical
		diffFinding("firewall.admin_ports_open_to_internet", controls.Medium, controls.Fail, claranet),  // new, medium
		diffFinding("firewall.database_ports_open_to_internet", controls.High, controls.Fail, claranet), // error → fail, high
		diffFinding("firewall.default_network_allows_traffic", controls.Low, controls.Error, claranet),  // new, but not failing
		diffFinding("firewall.all_ports_open_to_internet", controls.Critical, controls.Pass, claranet),  // passing
	}, true)
	d := Compare(oldDoc, newDoc)
	tests := []struct {
		min  controls.Severity
		want int
	}{
		{controls.Critical, 1},
		{controls.High, 2},
		{controls.Medium, 3},
		{controls.Low, 3},
		{controls.Info, 3},
	}
	for _, tt := range tests {
		if got := d.NewFailures(tt.min); got != tt.want {
			t.Errorf("NewFailures(%s) = %d, want %d", tt.min, got, tt.want)
		}
	}
}

func TestCompareDeclarations(t *testing.T) {
	oldDoc := diffDoc(nil, true)
	newDoc := diffDoc(nil, true)
	newDoc.Scan.Declaration.SHA256 = strings.Repeat("ab", 32)
	// claranet leaves, acme becomes the MSP's customer under a new
	// contact, and datadog joins.
	newDoc.Parties = []declaration.Party{
		{ID: "acme", Role: controls.Customer, Name: "Acme GmbH", Contact: "cloud@acme.example"},
		{ID: "aws", Role: controls.Provider},
		{ID: "nordcloud", Role: controls.MSP, Name: "Nordcloud"},
	}
	d := Compare(oldDoc, newDoc).Declaration
	if !d.Changed {
		t.Error("declaration changed = false, want true")
	}
	ids := func(ps []declaration.Party) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	if got, want := ids(d.PartiesAdded), []string{"nordcloud"}; !slices.Equal(got, want) {
		t.Errorf("parties added = %v, want %v", got, want)
	}
	if got, want := ids(d.PartiesRemoved), []string{"claranet"}; !slices.Equal(got, want) {
		t.Errorf("parties removed = %v, want %v", got, want)
	}
	want := []PartyChange{{ID: "acme", Changes: []FieldChange{{Field: "contact", Old: "secops@acme.example", New: "cloud@acme.example"}}}}
	if got := d.PartiesChanged; len(got) != 1 || got[0].ID != want[0].ID || !slices.Equal(got[0].Changes, want[0].Changes) {
		t.Errorf("parties changed = %+v, want %+v", got, want)
	}

	same := Compare(oldDoc, diffDoc(nil, true)).Declaration
	if same.Changed || len(same.PartiesAdded)+len(same.PartiesRemoved)+len(same.PartiesChanged) != 0 {
		t.Errorf("same declaration: %+v, want no change", same)
	}

	role := diffDoc(nil, true)
	role.Parties = slices.Clone(role.Parties)
	role.Parties[1].Role = controls.Customer
	rd := Compare(oldDoc, role).Declaration
	if rd.Changed {
		t.Error("changed = true for the same sha256, want false")
	}
	if len(rd.PartiesChanged) != 1 || !slices.Equal(rd.PartiesChanged[0].Changes, []FieldChange{{Field: "role", Old: "msp", New: "customer"}}) {
		t.Errorf("role change = %+v, want claranet role msp → customer", rd.PartiesChanged)
	}
}

// goldenDiff is a diff with every category, a declaration change, and a
// new document that left its passes out.
func goldenDiff() *Diff {
	acme := reporttest.Owner("acme", controls.Customer, 2)
	claranet := reporttest.Owner("claranet", controls.MSP, 0)
	root1 := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root", Name: "root"}
	db := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-0a13", Name: "db"}
	bucket := rules.ResourceRef{Cloud: inventory.GCP, Target: "acme-prod", Type: inventory.GCPBucket, ID: "acme-prod-logs"}

	oldFs := []rules.Finding{
		reporttest.Finding("iam.root_mfa_disabled", inventory.IAM, controls.Critical, controls.Fail, root1, acme, "root user has no MFA device"),
		reporttest.Finding("iam.root_mfa_disabled", inventory.IAM, controls.Critical, controls.Fail, diffRoot, acme, "root user has no MFA device"),
		reporttest.Finding("firewall.admin_ports_open_to_internet", inventory.Firewall, controls.High, controls.Fail, diffSG, claranet, "tcp 22 open to 0.0.0.0/0"),
		reporttest.Finding("firewall.admin_ports_open_to_internet", inventory.Firewall, controls.High, controls.Pass, db, claranet, "no admin port open"),
		reporttest.Finding("encryption.insecure_transport_allowed", inventory.Encryption, controls.Medium, controls.Error, bucket, claranet, "bucket policy could not be read"),
	}
	newFs := []rules.Finding{
		reporttest.Finding("iam.root_mfa_disabled", inventory.IAM, controls.Critical, controls.Fail, root1, acme, "root user has no MFA device"),
		reporttest.Finding("iam.root_mfa_disabled", inventory.IAM, controls.Critical, controls.Pass, diffRoot, acme, "root user has MFA enabled"),
		reporttest.Finding("firewall.admin_ports_open_to_internet", inventory.Firewall, controls.High, controls.Fail, diffSG, acme, "tcp 22 open to 0.0.0.0/0"),
		reporttest.Finding("firewall.admin_ports_open_to_internet", inventory.Firewall, controls.High, controls.Fail, db, claranet,
			"ingress/1 allows tcp 3389 from 0.0.0.0/0, which lets anyone on the internet try to log in to every instance in the group"),
		reporttest.Finding("encryption.insecure_transport_allowed", inventory.Encryption, controls.Medium, controls.Fail, bucket, claranet, "bucket accepts plaintext HTTP"),
	}
	oldDoc := diffDoc(oldFs, true)
	newDoc := diffDoc(newFs, false)
	newDoc.Scan.ID = "fedcba9876543210"
	newDoc.Scan.Finished = reporttest.Finished.Add(7 * 24 * time.Hour)
	newDoc.Scan.Declaration.SHA256 = strings.Repeat("0123456789abcdef", 4)
	newDoc.Parties = []declaration.Party{
		{ID: "acme", Role: controls.Customer, Name: "Acme GmbH", Contact: "cloud@acme.example"},
		{ID: "claranet", Role: controls.MSP, Name: "Claranet"},
		{ID: "nordcloud", Role: controls.MSP, Name: "Nordcloud", Contact: "noc@nordcloud.example"},
	}
	return Compare(oldDoc, newDoc)
}

func TestGolden(t *testing.T) {
	d := goldenDiff()
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, d); err != nil {
				t.Fatal(err)
			}
			ext := map[string]string{FormatTable: "txt", FormatJSON: "json", FormatMarkdown: "md"}[format]
			reporttest.Golden(t, "diff.golden."+ext, buf.Bytes(), *update)
		})
	}
}

func TestJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, goldenDiff()); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("diff JSON does not parse: %v", err)
	}
	for _, k := range []string{"schemaVersion", "old", "new", "declaration", "counts", "findings"} {
		if _, ok := got[k]; !ok {
			t.Errorf("diff JSON has no %q", k)
		}
	}
	counts := got["counts"].(map[string]any)
	want := map[string]float64{"new": 1, "resolved": 1, "changed": 2, "unchanged": 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("counts.%s = %v, want %v", k, counts[k], v)
		}
	}
	for _, k := range []string{"new", "resolved", "changed"} {
		if _, ok := got["findings"].(map[string]any)[k].([]any); !ok {
			t.Errorf("findings.%s is not a list", k)
		}
	}
	if got["new"].(map[string]any)["passesListed"] != false {
		t.Errorf("new.passesListed = %v, want false", got["new"].(map[string]any)["passesListed"])
	}
}

func TestWriteDiffUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "html", goldenDiff()); err == nil || !strings.Contains(err.Error(), "table, json, markdown") {
		t.Errorf("Write(html) = %v, want an error naming the formats", err)
	}
}

// TestWritersNeutraliseControls puts a line break and a forged row,
// escape sequences and a bidirectional override into the names, messages,
// changes and parties of a diff: the table and the Markdown show them as
// text, and no value adds a line.
func TestWritersNeutraliseControls(t *testing.T) {
	const evil = "\n  critical  new  forged\x1b[32m\x1b]0;pwned\x07\u202e\r\t\xff"
	poisoned := func(suffix string) *Diff {
		d := goldenDiff()
		d.Old.DeclarationPath += suffix
		for i := range d.Findings.New {
			d.Findings.New[i].Resource.Name += suffix
			d.Findings.New[i].Message += suffix
			d.Findings.New[i].Responsible.Party += suffix
		}
		for i := range d.Findings.Changed {
			d.Findings.Changed[i].Resource.Region += suffix
			d.Findings.Changed[i].Changes[0].New += suffix
		}
		for i := range d.Findings.Resolved {
			d.Findings.Resolved[i].Resource.Target += suffix
		}
		d.Declaration.PartiesAdded[0].Name += suffix
		return d
	}
	for _, format := range []string{FormatTable, FormatMarkdown} {
		t.Run(format, func(t *testing.T) {
			var plain, out bytes.Buffer
			if err := Write(&plain, format, poisoned("x")); err != nil {
				t.Fatal(err)
			}
			if err := Write(&out, format, poisoned(evil)); err != nil {
				t.Fatal(err)
			}
			for i, r := range out.String() {
				if r != '\n' && (r < ' ' || r == 0x7f || r == '\u202e' || r == utf8.RuneError) {
					t.Fatalf("output carries %q at byte %d", r, i)
				}
			}
			if got, want := strings.Count(out.String(), "\n"), strings.Count(plain.String(), "\n"); got != want {
				t.Errorf("output has %d lines, the same diff with harmless values %d:\n%s", got, want, out.String())
			}
			if !strings.Contains(out.String(), `\x1b[32m`) {
				t.Errorf("output does not show the escape sequence as text:\n%s", out.String())
			}
		})
	}
}

// compareStreaming diffs the documents as the diff command does: each
// written as a file holds it and read back by a Comparer whose sorter
// spills to disk every few findings.
func compareStreaming(t *testing.T, oldDoc, newDoc *report.Document) *Diff {
	t.Helper()
	c := NewComparer("")
	c.byID = spill.New(t.TempDir(), 256)
	defer c.Close()
	for i, doc := range []*report.Document{oldDoc, newDoc} {
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, doc); err != nil {
			t.Fatal(err)
		}
		read := c.ReadOld
		if i == 1 {
			read = c.ReadNew
		}
		if err := read(&buf, 0); err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	d, err := c.Diff()
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return d
}

func diffJSON(t *testing.T, d *Diff) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestComparerOfUnsortedDocuments(t *testing.T) {
	claranet := reporttest.Owner("claranet", controls.MSP, 0)
	acme := reporttest.Owner("acme", controls.Customer, 2)
	oldFs := []rules.Finding{
		filler,
		diffFinding("firewall.admin_ports_open_to_internet", controls.High, controls.Fail, claranet),
		diffFinding("firewall.database_ports_open_to_internet", controls.High, controls.Fail, claranet),
		diffFinding("iam.root_mfa_disabled", controls.Critical, controls.Error, nil),
		diffFinding("iam.root_access_keys", controls.Critical, controls.Pass, nil),
	}
	newFs := []rules.Finding{
		diffFinding("iam.root_access_keys", controls.Critical, controls.Fail, nil),
		diffFinding("iam.root_mfa_disabled", controls.Critical, controls.Fail, nil),
		diffFinding("firewall.admin_ports_open_to_internet", controls.High, controls.Fail, acme),
		diffFinding("firewall.ssh_open_to_internet", controls.Medium, controls.Fail, claranet),
		filler,
	}
	for _, passes := range []bool{true, false} {
		oldDoc, newDoc := diffDoc(oldFs, passes), diffDoc(newFs, passes)
		want := diffJSON(t, Compare(oldDoc, newDoc))
		slices.Reverse(oldDoc.Findings)
		if got := diffJSON(t, compareStreaming(t, oldDoc, newDoc)); got != want {
			t.Errorf("passes %v: streamed diff of unsorted documents:\n%s\nwant:\n%s", passes, got, want)
		}
		if !strings.Contains(want, `"new": 2`) || !strings.Contains(want, `"changed": 2`) || !strings.Contains(want, `"resolved": 1`) {
			t.Errorf("passes %v: diff counts:\n%s\nwant 2 new, 2 changed, 1 resolved", passes, want)
		}
	}
}

func TestComparerOfRepeatedIDs(t *testing.T) {
	const c = "firewall.admin_ports_open_to_internet"
	high := diffFinding(c, controls.High, controls.Fail, nil)
	critical := diffFinding(c, controls.Critical, controls.Fail, nil)
	// The new document lists the finding twice: each listing is compared
	// with the old one, the first unchanged, the second changed.
	oldDoc, newDoc := diffDoc([]rules.Finding{high}, true), diffDoc([]rules.Finding{high, critical}, true)
	for _, d := range []*Diff{Compare(oldDoc, newDoc), compareStreaming(t, oldDoc, newDoc)} {
		if d.Counts != (Counts{Changed: 1, Unchanged: 1}) {
			t.Errorf("counts %+v, want 1 changed, 1 unchanged", d.Counts)
		}
		if len(d.Findings.Changed) != 1 || d.Findings.Changed[0].Severity != controls.Critical {
			t.Errorf("changed %+v, want the critical listing", d.Findings.Changed)
		}
	}
	// The old document lists it open, then passing: judged by its last
	// listing, the finding is new.
	oldDoc = diffDoc([]rules.Finding{high, diffFinding(c, controls.High, controls.Pass, nil)}, true)
	newDoc = diffDoc([]rules.Finding{high}, true)
	for _, d := range []*Diff{Compare(oldDoc, newDoc), compareStreaming(t, oldDoc, newDoc)} {
		if d.Counts != (Counts{New: 1}) || d.Findings.New[0].OldStatus != WasPass {
			t.Errorf("counts %+v, new %+v; want 1 new, was pass", d.Counts, d.Findings.New)
		}
	}
}
