package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
	"github.com/ownaudit/ownaudit/rules"
)

// handoverDemo is the demo document as a handover report gets it.
func handoverDemo(t *testing.T) *Document {
	return demoDocument(t, "demo0000000000000000000000000000", "v0.0.0-test").WithoutPassed()
}

func TestHandoverGolden(t *testing.T) {
	tests := []struct {
		name   string
		doc    func(*testing.T) *Document
		write  func(*bytes.Buffer, *Document) error
		golden string
	}{
		{"demo markdown", handoverDemo, func(b *bytes.Buffer, d *Document) error { return WriteMarkdown(b, d) }, "handover-demo.golden.md"},
		{"demo html", handoverDemo, func(b *bytes.Buffer, d *Document) error { return WriteHTML(b, d) }, "handover-demo.golden.html"},
		{"test markdown", func(*testing.T) *Document { return testDocument() }, func(b *bytes.Buffer, d *Document) error { return WriteMarkdown(b, d) }, "handover.golden.md"},
		{"test html", func(*testing.T) *Document { return testDocument() }, func(b *bytes.Buffer, d *Document) error { return WriteHTML(b, d) }, "handover.golden.html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, tc.doc(t)); err != nil {
				t.Fatal(err)
			}
			reporttest.Golden(t, tc.golden, b.Bytes(), *update)
		})
	}
}

// TestHandoverOrder checks the order the reports promise: unassigned
// first, ownership gaps before the other failing findings, severities most
// severe first.
func TestHandoverOrder(t *testing.T) {
	h := BuildHandover(handoverDemo(t))
	if len(h.Parties) == 0 || h.Parties[0].Key != Unassigned {
		t.Fatalf("first party = %v, want %q (the demo has unassigned findings)", partyKeys(h), Unassigned)
	}
	gaps := 0
	for _, p := range h.Parties {
		for _, it := range p.Gaps {
			gaps++
			if !strings.HasPrefix(it.Control, "ownership.") {
				t.Errorf("party %s: gap %s is not an ownership finding", p.Key, it.Control)
			}
		}
		last := 6
		for _, g := range p.Failing {
			if r := g.Severity.Rank(); r >= last {
				t.Errorf("party %s: severity %s comes after a severity of rank %d", p.Key, g.Severity, last)
			} else {
				last = r
			}
			for _, it := range g.Items {
				if strings.HasPrefix(it.Control, "ownership.") {
					t.Errorf("party %s: ownership finding %s listed under %s, want it among the gaps", p.Key, it.Control, g.Severity)
				}
				if it.Severity != g.Severity {
					t.Errorf("party %s: %s of severity %s listed under %s", p.Key, it.Control, it.Severity, g.Severity)
				}
			}
		}
	}
	if gaps == 0 {
		t.Errorf("no ownership gaps in the demo report, want some")
	}
	if h.Scan.SHA256 == "" || len(h.Scan.SHA256) != 64 {
		t.Errorf("declaration sha256 = %q, want 64 hex digits", h.Scan.SHA256)
	}
}

func partyKeys(h *Handover) []string {
	var out []string
	for _, p := range h.Parties {
		out = append(out, p.Key)
	}
	return out
}

// TestMatrixCounts checks each matrix cell against the findings it counts,
// and each row and column against the summary.
func TestMatrixCounts(t *testing.T) {
	for name, doc := range map[string]*Document{"demo": handoverDemo(t), "test": testDocument(), "suppressed": suppressedDocument()} {
		t.Run(name, func(t *testing.T) {
			type key struct {
				party  string
				domain inventory.Domain
			}
			want := map[key]int{}
			worst := map[key]controls.Severity{}
			for _, f := range doc.Findings {
				if f.Status != controls.Fail || f.Suppressed != nil {
					continue
				}
				k := key{PartyKey(f), f.Domain}
				want[k]++
				if f.Severity.Rank() > worst[k].Rank() {
					worst[k] = f.Severity
				}
			}
			m := BuildHandover(doc).Matrix
			if len(m.Domains) != len(inventory.Domains) {
				t.Fatalf("matrix domains = %v, want %v", m.Domains, inventory.Domains)
			}
			seen := map[key]bool{}
			byDomain := map[inventory.Domain]int{}
			for _, row := range m.Rows {
				sum := 0
				for _, c := range row.Cells {
					k := key{row.Party, c.Domain}
					seen[k] = true
					if c.Count != want[k] || c.Worst != worst[k] {
						t.Errorf("cell %s × %s = %d %q, want %d %q", row.Party, c.Domain, c.Count, c.Worst, want[k], worst[k])
					}
					sum += c.Count
					byDomain[c.Domain] += c.Count
				}
				if sum != row.Total {
					t.Errorf("row %s total = %d, want the sum of its cells %d", row.Party, row.Total, sum)
				}
				if got := doc.Summary.ByParty[row.Party].Fail; sum != got {
					t.Errorf("row %s counts %d failing, summary says %d", row.Party, sum, got)
				}
			}
			for k, n := range want {
				if !seen[k] {
					t.Errorf("%d failing findings of %s × %s have no cell", n, k.party, k.domain)
				}
			}
			for _, dom := range inventory.Domains {
				if got := doc.Summary.ByDomain[dom].Fail; byDomain[dom] != got {
					t.Errorf("column %s counts %d failing, summary says %d", dom, byDomain[dom], got)
				}
			}
		})
	}
}

// TestHTMLMatrixCells checks the rendered cells, as the browser test finds
// them, against the model.
func TestHTMLMatrixCells(t *testing.T) {
	doc := handoverDemo(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, doc); err != nil {
		t.Fatal(err)
	}
	cellRE := regexp.MustCompile(`<td id="cell-[^"]*" data-party="([^"]*)" data-domain="([^"]*)" data-count="(\d+)" data-worst="([a-z]+)" class="sev-([a-z]+)"><span class="n">(\d+)</span>`)
	cells := cellRE.FindAllStringSubmatch(b.String(), -1)
	m := BuildHandover(doc).Matrix
	if want := len(m.Rows) * len(m.Domains); len(cells) != want {
		t.Fatalf("found %d matrix cells in the HTML, want %d", len(cells), want)
	}
	i := 0
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			got := cells[i]
			i++
			worst := string(c.Worst)
			if worst == "" {
				worst = "none"
			}
			n := strconv.Itoa(c.Count)
			if got[1] != row.Party || got[2] != string(c.Domain) || got[3] != n || got[6] != n || got[4] != worst || got[5] != worst {
				t.Errorf("cell %q, want party %s domain %s count %s worst %s", got[0], row.Party, c.Domain, n, worst)
			}
		}
	}
}

// TestReportsEscape puts markup and Markdown syntax into a resource name,
// a message and a party name; neither report may carry them through.
func TestReportsEscape(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	doc := testDocument()
	doc.Parties[0].Name = `Acme <b>GmbH</b> | *bold*`
	f := doc.Findings[0]
	f.Resource.Name = evil
	f.Message = "line one\nline two | " + evil
	doc.Findings = append(doc.Findings, f)

	var h bytes.Buffer
	if err := WriteHTML(&h, doc); err != nil {
		t.Fatal(err)
	}
	html := h.String()
	for _, bad := range []string{"<script", "<b>GmbH"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML report contains %q unescaped", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("HTML report does not show the resource name escaped")
	}
	if strings.Contains(strings.ToLower(html), "<script") || strings.Contains(html, "src=") || strings.Contains(html, "href=\"http") {
		t.Errorf("HTML report has a script or an external asset")
	}

	var m bytes.Buffer
	if err := WriteMarkdown(&m, doc); err != nil {
		t.Fatal(err)
	}
	mdText := m.String()
	for _, bad := range []string{"<script", "<b>GmbH", "| *bold*", "line one\nline two"} {
		if strings.Contains(mdText, bad) {
			t.Errorf("Markdown report contains %q unescaped", bad)
		}
	}
	for _, want := range []string{`&lt;script&gt;alert("x")&lt;/script&gt;`, `Acme &lt;b&gt;GmbH&lt;/b&gt; \| \*bold\*`, `line one<br>line two \|`} {
		if !strings.Contains(mdText, want) {
			t.Errorf("Markdown report lacks %q", want)
		}
	}
	// Every row of every table keeps its column count: an unescaped pipe
	// would add a cell.
	checkTables(t, mdText)
}

// checkTables fails when a Markdown table row has a different number of
// cells than its header.
func checkTables(t *testing.T, text string) {
	t.Helper()
	cols := -1
	for i, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
		if cols < 0 {
			cols = n
			continue
		}
		if n != cols {
			t.Errorf("line %d has %d cells, its table %d: %s", i+1, n, cols, line)
		}
	}
}

func TestMarkdownTablesWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, handoverDemo(t)); err != nil {
		t.Fatal(err)
	}
	checkTables(t, b.String())
}

func TestMarkdownCell(t *testing.T) {
	for _, tc := range []struct {
		cell MatrixCell
		want string
	}{
		{MatrixCell{}, "0"},
		{MatrixCell{Count: 3, Worst: controls.Critical}, "🟥 3 critical"},
		{MatrixCell{Count: 1, Worst: controls.Low}, "🟦 1 low"},
		{MatrixCell{Count: 2, Worst: "odd"}, "2 odd"},
	} {
		if got := mdCell(tc.cell); got != tc.want {
			t.Errorf("mdCell(%+v) = %q, want %q", tc.cell, got, tc.want)
		}
	}
}

// suppressedDocument is testDocument with its critical failing finding
// accepted as a risk by acme.
func suppressedDocument() *Document {
	fs := reporttest.Findings()
	fs[0].Suppressed = &rules.Suppression{Reason: "break-glass account, MFA in the safe", AcceptedBy: "acme", Expires: "2027-03-31",
		Entry: 0, File: "managed-service.yaml", Line: 40, Column: 5}
	return testDocumentOf(fs)
}

// TestAcceptedRisk checks that a suppressed finding is listed as an
// accepted risk and counted nowhere else.
func TestAcceptedRisk(t *testing.T) {
	doc := suppressedDocument()
	h := BuildHandover(doc)
	if h.Totals.Accepted != 1 || h.Totals.Failing != 4 {
		t.Errorf("totals: %d accepted, %d failing; want 1 and 4", h.Totals.Accepted, h.Totals.Failing)
	}
	for _, p := range h.Parties {
		if p.Key != "acme" {
			if len(p.Accepted) != 0 {
				t.Errorf("party %s has %d accepted risks, want none", p.Key, len(p.Accepted))
			}
			continue
		}
		if len(p.Accepted) != 1 || p.Accepted[0].Control != "iam.root_mfa_disabled" {
			t.Fatalf("acme accepted risks = %+v, want iam.root_mfa_disabled", p.Accepted)
		}
		for _, g := range p.Failing {
			for _, it := range g.Items {
				if it.ID == p.Accepted[0].ID {
					t.Errorf("accepted finding %s is also listed as failing", it.ID)
				}
			}
		}
		if want := "by acme until 2027-03-31: break-glass account, MFA in the safe (managed-service.yaml:40:5, suppression 0)"; p.Accepted[0].Acceptance != want {
			t.Errorf("acceptance = %q, want %q", p.Accepted[0].Acceptance, want)
		}
	}
	for name, text := range handoverReports(t, doc) {
		for _, want := range []string{"Accepted risks (1)", "Accepted risk by acme until 2027-03-31", "1 accepted risk"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
}

// handoverReports writes doc's handover report in Markdown and in HTML.
func handoverReports(t *testing.T, doc *Document) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, write := range map[string]func(io.Writer, *Document) error{"markdown": WriteMarkdown, "html": WriteHTML} {
		var b bytes.Buffer
		if err := write(&b, doc); err != nil {
			t.Fatal(err)
		}
		out[name] = b.String()
	}
	return out
}

// TestHandoverUnread checks what the reports say could not be read: each
// failed read with the controls it left unevaluated, and each finding not
// evaluated with its party and the failed read behind it, if any.
func TestHandoverUnread(t *testing.T) {
	doc := unreadDocument()
	h := BuildHandover(doc)
	if len(h.Errors) != 1 || strings.Join(h.Errors[0].Controls, ",") != "patching.assessment_stale,patching.missing_security_updates,patching.vm_unmanaged" {
		t.Errorf("errors = %+v, want the one failed read with the three patching controls it left unevaluated", h.Errors)
	}
	type row struct{ party, control, resource, readFailure string }
	var got []row
	for _, it := range h.NotEvaluated {
		got = append(got, row{it.Party, it.Control, it.Resource, it.ReadFailure})
	}
	read := "ssm:DescribeInstancePatchStates in aws 111111111111/eu-west-1"
	want := []row{
		{"claranet", "patching.missing_security_updates", "batch-1", read},
		{"claranet", "patching.missing_security_updates", "web", ""},
		{"claranet", "patching.assessment_stale", "batch-1", read},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("not evaluated = %+v, want %+v", got, want)
	}
	for name, text := range handoverReports(t, doc) {
		for _, s := range []string{"Findings not evaluated (3)", "read failed: " + read, "patching.vm_unmanaged", "last assessment time could not be read"} {
			if !strings.Contains(text, s) {
				t.Errorf("%s report lacks %q", name, s)
			}
		}
		if strings.Contains(text, "Every read succeeded") {
			t.Errorf("%s report says every read succeeded, but one failed", name)
		}
	}
}

// TestHandoverListsEveryUnevaluated checks the demo, whose reads all
// succeed but three of whose findings could not be evaluated: each is
// listed, and the report does not claim that everything was checked.
func TestHandoverListsEveryUnevaluated(t *testing.T) {
	doc := handoverDemo(t)
	want := map[string]string{}
	for _, f := range doc.Findings {
		if f.Status == controls.Error {
			want[f.ID] = PartyKey(f)
		}
	}
	if len(want) == 0 {
		t.Fatal("the demo has no finding in error; this test needs some")
	}
	h := BuildHandover(doc)
	got := map[string]string{}
	for _, it := range h.NotEvaluated {
		got[it.ID] = it.Party
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("not evaluated (finding id: party) = %v, want %v", got, want)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, doc); err != nil {
		t.Fatal(err)
	}
	section := b.String()[strings.Index(b.String(), "## What could not be read"):strings.Index(b.String(), "## Targets")]
	if strings.Contains(section, "every control was evaluated") || !strings.Contains(section, fmt.Sprintf("Findings not evaluated (%d)", len(want))) {
		t.Errorf("section on what could not be read does not list the %d findings not evaluated:\n%s", len(want), section)
	}
}

// TestHandoverPassed checks that the reports list the passed findings a
// document holds, per party and folded away in HTML, and say so when the
// document left them out.
func TestHandoverPassed(t *testing.T) {
	doc := testDocument()
	h := BuildHandover(doc)
	if h.PassedOmitted {
		t.Errorf("PassedOmitted is set for a document that lists its passed findings")
	}
	want := map[string][]string{}
	for _, f := range doc.Findings {
		if f.Status == controls.Pass {
			want[PartyKey(f)] = append(want[PartyKey(f)], f.ID)
		}
	}
	got := map[string][]string{}
	for _, p := range h.Parties {
		for _, it := range p.PassedItems {
			got[p.Key] = append(got[p.Key], it.ID)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("passed findings by party = %v, want %v", got, want)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, doc); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "<details class=\"passed\">\n<summary>Passed (1)</summary>"); n != 2 {
		t.Errorf("HTML report folds %d parties' passed findings, want 2 (closed <details>)", n)
	}

	h = BuildHandover(doc.WithoutPassed())
	if !h.PassedOmitted {
		t.Errorf("PassedOmitted is not set for a document without its passed findings")
	}
	for _, p := range h.Parties {
		if len(p.PassedItems) > 0 {
			t.Errorf("party %s lists passed findings the document does not hold", p.Key)
		}
	}
	b.Reset()
	if err := WriteMarkdown(&b, doc.WithoutPassed()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Passed controls are counted but not listed in this report") {
		t.Errorf("Markdown report does not say that it leaves passed findings out")
	}
}

// TestHandoverSharesNothing checks that building a report, which rewrites
// the strings it holds, leaves the document alone.
func TestHandoverSharesNothing(t *testing.T) {
	doc := poisonedDocument(evil)
	BuildHandover(doc)
	if want := poisonedDocument(evil); !reflect.DeepEqual(doc, want) {
		t.Errorf("BuildHandover changed the document it reported on")
	}
}

// TestHTMLContentSecurityPolicy checks that the report carries a policy
// that runs no script and loads nothing, and that the policy admits the
// report's own style sheet (its digest matches), so the report is not
// left unstyled.
func TestHTMLContentSecurityPolicy(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, testDocument()); err != nil {
		t.Fatal(err)
	}
	root, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var policy, style string
	styles := 0
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			if n.Data == "meta" && a.Key == "http-equiv" && a.Val == "Content-Security-Policy" {
				for _, c := range n.Attr {
					if c.Key == "content" {
						policy = c.Val
					}
				}
			}
			if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s> has a %s attribute, which the policy refuses", n.Data, a.Key)
			}
		}
		switch n.Data {
		case "style":
			styles++
			style = n.FirstChild.Data
		case "script", "link", "img", "iframe", "object", "base":
			t.Errorf("report has a <%s> element", n.Data)
		}
	}
	directives := map[string]string{}
	for _, d := range strings.Split(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	sum := sha256.Sum256([]byte(style))
	want := map[string]string{
		"default-src": "'none'",
		"style-src":   "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"base-uri":    "'none'",
		"form-action": "'none'",
	}
	if styles != 1 || !reflect.DeepEqual(directives, want) {
		t.Errorf("policy %q with %d <style> elements; want one, and the directives %v", policy, styles, want)
	}
}
