package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// matrixDomains are the columns of the report's domain × party matrix.
var matrixDomains = []string{"firewall", "patching", "encryption", "iam"}

// severityRank orders severities as the report's "worst" does.
var severityRank = map[string]int{"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}

// cellKey names one matrix cell.
type cellKey struct{ party, domain string }

// matrixCell is what a matrix cell says: its count and worst severity.
type matrixCell struct {
	count int
	worst string // "none" when nothing fails
}

// findChromium finds Debian's chromium (or chromium-browser). Outside CI a
// missing browser skips the test; in CI (CI=true) it fails it, because
// .ci/run installs one.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium (or chromium-browser) is not on PATH; .ci/run installs it and CI must run this test")
	}
	t.Skip("chromium (or chromium-browser) is not on PATH: skipping the HTML report browser test (install Debian's chromium to run it)")
	return ""
}

// runChromium runs a headless Chromium with a fresh profile and the given
// extra arguments, and returns its standard output and its log: the
// page's console messages, Content-Security-Policy violations among them,
// go to standard error.
func runChromium(t *testing.T, chromium string, args ...string) (stdout []byte, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run",
		"--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\nstderr:\n%s", args, err, errb.String())
	}
	return out.Bytes(), errb.String()
}

// cspViolation is how Chromium logs what a Content-Security-Policy
// refused.
const cspViolation = "violates the following Content Security Policy directive"

// parseDOM parses the DOM Chromium dumped.
func parseDOM(t *testing.T, dom []byte) *html.Node {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatalf("parse the dumped DOM: %v", err)
	}
	return root
}

// elementByID finds the element with the id, or nil.
func elementByID(root *html.Node, id string) *html.Node {
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && attr(n, "id") == id {
			return n
		}
	}
	return nil
}

// rows returns the tbody rows of table, each as its cells' text.
func rows(table *html.Node) (out []*html.Node) {
	for n := range table.Descendants() {
		if n.Type == html.ElementNode && n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" {
			out = append(out, n)
		}
	}
	return out
}

// cells returns the text of a row's cells, white space collapsed.
func cells(tr *html.Node) []string {
	var out []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
			out = append(out, strings.Join(strings.Fields(textOf(c)), " "))
		}
	}
	return out
}

// errorFindings maps the id of each finding in error of a findings
// document to its party.
func errorFindings(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range findings(readJSON(t, path)) {
		if f["status"] != "error" {
			continue
		}
		party := "unassigned"
		if r, ok := f["responsible"].(map[string]any); ok && r["party"] != "" {
			party = r["party"].(string)
		}
		out[f["id"].(string)] = party
	}
	return out
}

// domNotEvaluated maps the id of each row of the report's table of
// findings not evaluated to the party it names.
func domNotEvaluated(t *testing.T, root *html.Node) map[string]string {
	t.Helper()
	out := map[string]string{}
	table := elementByID(root, "not-evaluated")
	if table == nil {
		return out
	}
	for _, tr := range rows(table) {
		c := cells(tr)
		if len(c) != 6 {
			t.Errorf("row of findings not evaluated has %d cells, want 6 (party, severity, control, resource, where, why): %q", len(c), c)
			continue
		}
		out[attr(tr, "data-finding")] = c[0]
	}
	return out
}

// wantMatrix counts the failing, not suppressed findings of a findings
// document per party and domain, with the worst severity of each cell.
func wantMatrix(t *testing.T, path string) map[cellKey]matrixCell {
	t.Helper()
	doc := readJSON(t, path)
	out := map[cellKey]matrixCell{}
	for _, f := range findings(doc) {
		if f["status"] != "fail" || f["suppressed"] != nil {
			continue
		}
		party := "unassigned"
		if r, ok := f["responsible"].(map[string]any); ok && r["party"] != "" {
			party = r["party"].(string)
		}
		k := cellKey{party, f["domain"].(string)}
		c := out[k]
		c.count++
		if sev := f["severity"].(string); severityRank[sev] > severityRank[c.worst] {
			c.worst = sev
		}
		out[k] = c
	}
	return out
}

// domMatrix reads the matrix cells (td elements with data-party and
// data-domain) from the DOM Chromium dumped: the text of each cell, not
// the attributes, so that what a reader sees is what is checked.
func domMatrix(t *testing.T, dom []byte) map[cellKey]matrixCell {
	t.Helper()
	table := elementByID(parseDOM(t, dom), "domain-party-matrix")
	if table == nil {
		t.Fatal(`the dumped DOM has no table id="domain-party-matrix"`)
	}
	cellText := regexp.MustCompile(`^(\d+)\s*(critical|high|medium|low|info)?$`)
	out := map[cellKey]matrixCell{}
	for n := range table.Descendants() {
		if n.Type != html.ElementNode || n.Data != "td" {
			continue
		}
		party, domain := attr(n, "data-party"), attr(n, "data-domain")
		if party == "" || domain == "" || domain == "total" {
			continue
		}
		text := strings.Join(strings.Fields(textOf(n)), " ")
		m := cellText.FindStringSubmatch(text)
		if m == nil {
			t.Errorf("cell %s × %s reads %q, want a count and, when not 0, the worst severity", party, domain, text)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		worst := m[2]
		if worst == "" {
			worst = "none"
		}
		k := cellKey{party, domain}
		if _, dup := out[k]; dup {
			t.Errorf("cell %s × %s appears twice", party, domain)
		}
		out[k] = matrixCell{n, worst}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestHTMLReportInChromium opens the demo's HTML report in a headless
// Chromium, checks the matrix the browser shows against the findings of
// the same scan in JSON, and takes a screenshot.
func TestHTMLReportInChromium(t *testing.T) {
	chromium := findChromium(t)
	dir := t.TempDir()
	if r := ownaudit(t, dir, "scan", "--demo", "--format", "html", "-o", "report.html"); r.code != demoExit {
		t.Fatalf("scan --demo --format html: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r := ownaudit(t, dir, "scan", "--demo", "--format", "json", "-o", "findings.json"); r.code != demoExit {
		t.Fatalf("scan --demo --format json: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	report := filepath.Join(dir, "report.html")
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	// Self-contained: nothing for the browser to fetch, nothing to run.
	for _, bad := range []string{"<script", "<link", " src=", "@import", "url("} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("report.html contains %q; want one self-contained file without scripts", bad)
		}
	}

	dom, log := runChromium(t, chromium, "--dump-dom", "file://"+report)
	// The policy admits the report's own style sheet: nothing refused.
	if strings.Contains(log, cspViolation) {
		t.Errorf("Chromium refused part of the report under its Content-Security-Policy:\n%s", log)
	}
	// What could not be evaluated: every finding in error, with its party.
	wantUnevaluated := errorFindings(t, filepath.Join(dir, "findings.json"))
	if len(wantUnevaluated) == 0 {
		t.Fatal("the demo has no finding in error; the test needs some")
	}
	if got := domNotEvaluated(t, parseDOM(t, dom)); !reflect.DeepEqual(got, wantUnevaluated) {
		t.Errorf("report lists findings not evaluated %v, findings JSON has %v", got, wantUnevaluated)
	}
	if section := textOf(elementByID(parseDOM(t, dom), "errors")); strings.Contains(section, "every control was evaluated") {
		t.Errorf("report claims every control was evaluated; %d were not", len(wantUnevaluated))
	}
	got := domMatrix(t, dom)
	want := wantMatrix(t, filepath.Join(dir, "findings.json"))

	parties := map[string]bool{}
	for k := range got {
		parties[k.party] = true
	}
	for k, c := range want {
		if !parties[k.party] {
			t.Errorf("party %s has %d failing %s findings but no matrix row", k.party, c.count, k.domain)
		}
	}
	total := 0
	for p := range parties {
		for _, d := range matrixDomains {
			k := cellKey{p, d}
			g, ok := got[k]
			if !ok {
				t.Errorf("matrix has no cell %s × %s", p, d)
				continue
			}
			w := want[k]
			if w.worst == "" {
				w.worst = "none"
			}
			if g != w {
				t.Errorf("cell %s × %s shows %d (worst %s), findings JSON has %d (worst %s)", p, d, g.count, g.worst, w.count, w.worst)
			}
			total += g.count
		}
	}
	if total == 0 {
		t.Errorf("the matrix shows no failing finding; the demo has some")
	}
	if len(got) != len(parties)*len(matrixDomains) {
		t.Errorf("matrix has %d cells, want %d parties × %d domains", len(got), len(parties), len(matrixDomains))
	}

	shots := t.TempDir()
	shot := filepath.Join(shots, "report.png")
	_, _ = runChromium(t, chromium, "--hide-scrollbars", "--screenshot="+shot, "--window-size=1280,2000", "file://"+report)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium left no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", shot, err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
	}
	t.Logf("screenshot of the HTML report: %s", shot)
	if keep := os.Getenv("OWNAUDIT_SCREENSHOT_DIR"); keep != "" {
		kept := filepath.Join(keep, "report.png")
		if err := copyFile(shot, kept); err != nil {
			t.Fatalf("keep the screenshot: %v", err)
		}
		t.Logf("screenshot kept at %s", kept)
	}
}

func copyFile(src, dst string) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	_, err = io.Copy(out, in)
	return err
}

// TestHTMLReportListsFailedReads scans the simulated organization with
// SSM denied and opens the HTML report in Chromium: it lists every failed
// read with the controls it left unevaluated, as errors[] has them, and
// every finding not evaluated, naming the failed read behind it.
func TestHTMLReportListsFailedReads(t *testing.T) {
	chromium := findChromium(t)
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	world.Faults = cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: "ssm:*"}}}
	_, env, dir := simulatedAWS(t, world)
	decl := awsDeclaration(t)
	if r := ownauditEnv(t, dir, env, "scan", "--declaration", decl, "-o", "f.json", "--save-inventory", "inv.json", "--quiet"); r.code != 3 {
		t.Fatalf("scan with SSM denied: exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	if r := ownaudit(t, dir, "scan", "--declaration", decl, "--from-inventory", "inv.json", "--format", "html", "-o", "r.html"); r.code != 3 {
		t.Fatalf("scan --from-inventory --format html: exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	var want [][]string
	for _, e := range doc["errors"].([]any) {
		m := e.(map[string]any)
		var cs []string
		for _, c := range m["controls"].([]any) {
			cs = append(cs, c.(string))
		}
		want = append(want, []string{m["operation"].(string), strings.Join(cs, ", ")})
	}
	if len(want) == 0 {
		t.Fatal("no errors[] entry with SSM denied")
	}

	dom, _ := runChromium(t, chromium, "--dump-dom", "file://"+filepath.Join(dir, "r.html"))
	root := parseDOM(t, dom)
	table := elementByID(root, "failed-reads")
	if table == nil {
		t.Fatal(`the report has no table id="failed-reads"`)
	}
	var got [][]string
	for _, tr := range rows(table) {
		c := cells(tr)
		if len(c) != 7 {
			t.Fatalf("failed read row has %d cells, want 7: %q", len(c), c)
		}
		got = append(got, []string{c[2], strings.ReplaceAll(c[5], " ,", ",")}) // operation, controls left unevaluated
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report lists failed reads (operation, controls) %q, errors[] has %q", got, want)
	}
	wantUnevaluated := errorFindings(t, filepath.Join(dir, "f.json"))
	if len(wantUnevaluated) == 0 {
		t.Fatal("no finding in error with SSM denied")
	}
	if got := domNotEvaluated(t, root); !reflect.DeepEqual(got, wantUnevaluated) {
		t.Errorf("report lists findings not evaluated %v, findings JSON has %v", got, wantUnevaluated)
	}
	for _, tr := range rows(elementByID(root, "not-evaluated")) {
		if why := cells(tr)[5]; !strings.Contains(why, "read failed: ssm:") {
			t.Errorf("finding %s not evaluated does not name the failed read behind it: %q", attr(tr, "data-finding"), why)
		}
	}
}

// TestHTMLReportPolicyHoldsInChromium gives a resource a name that is a
// script, opens the report in Chromium, and checks that no script ran:
// neither the name (which the escaping keeps text) nor a script inserted
// into the file, which the Content-Security-Policy refuses. The same file
// without the policy runs the inserted script, so the check can fail.
func TestHTMLReportPolicyHoldsInChromium(t *testing.T) {
	chromium := findChromium(t)
	dir := t.TempDir()
	if r := ownaudit(t, dir, "scan", "--demo", "-o", "f.json", "--save-inventory", "inv.json", "--quiet"); r.code != demoExit {
		t.Fatalf("scan --demo: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	const nameScript = `<script>document.documentElement.setAttribute("data-pwned","name")</script><img src=x onerror="document.documentElement.setAttribute('data-pwned','img')">`
	inv := readJSON(t, filepath.Join(dir, "inv.json"))
	renamed := 0
	for _, r := range inv["resources"].([]any) {
		if m := r.(map[string]any); m["type"] == "aws.ec2.security_group" {
			m["name"] = nameScript
			renamed++
		}
	}
	if renamed == 0 {
		t.Fatal("the demo inventory has no security group to rename")
	}
	raw, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "evil.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	decl := filepath.Join(dir, "declaration.yaml")
	if err := os.WriteFile(decl, demo.DeclarationYAML(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := ownaudit(t, dir, "scan", "--declaration", decl, "--from-inventory", "evil.json", "--format", "html", "-o", "r.html"); r.code != demoExit {
		t.Fatalf("scan --format html: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	report, err := os.ReadFile(filepath.Join(dir, "r.html"))
	if err != nil {
		t.Fatal(err)
	}
	const inserted = `<script>document.documentElement.setAttribute("data-pwned","inserted")</script>`
	withScript := bytes.Replace(report, []byte("</main>"), []byte(inserted+"</main>"), 1)
	policy := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>\n`)
	if !policy.Match(withScript) {
		t.Fatal("the report has no Content-Security-Policy")
	}
	for _, tc := range []struct {
		name    string
		page    []byte
		wantRan string // the data-pwned value, "" for none
	}{
		{"report", report, ""},
		{"script inserted", withScript, ""},
		{"script inserted, no policy", policy.ReplaceAll(withScript, nil), "inserted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := filepath.Join(t.TempDir(), "page.html")
			if err := os.WriteFile(page, tc.page, 0o644); err != nil {
				t.Fatal(err)
			}
			dom, log := runChromium(t, chromium, "--dump-dom", "file://"+page)
			root := parseDOM(t, dom)
			var ran string
			for n := range root.Descendants() {
				if n.Type == html.ElementNode && n.Data == "html" {
					ran = attr(n, "data-pwned")
				}
			}
			if ran != tc.wantRan {
				t.Errorf("data-pwned = %q, want %q; log:\n%s", ran, tc.wantRan, log)
			}
			if tc.wantRan == "" && tc.name != "report" && !strings.Contains(log, "Executing inline script "+cspViolation) {
				t.Errorf("Chromium did not report refusing the inserted script; log:\n%s", log)
			}
			if !bytes.Contains(dom, []byte("&lt;script&gt;document.documentElement")) {
				t.Errorf("the resource name is not shown as text")
			}
		})
	}
}

// TestReportFormats writes the Markdown and HTML reports to a file and to
// standard output; both ways give the same report of the same findings.
func TestReportFormats(t *testing.T) {
	dir := t.TempDir()
	decl := filepath.Join(dir, "declaration.yaml")
	if err := os.WriteFile(decl, demo.DeclarationYAML(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := ownaudit(t, dir, "scan", "--demo", "--output", "a.json", "--save-inventory", "inv.json"); r.code != demoExit {
		t.Fatalf("scan --demo: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"markdown", []string{"# Handover report\n", "## Failing findings by party and domain", "| Party | firewall | patching | encryption | iam | Total |", "### CloudKeepers Ltd (msp)", "soc@cloudkeepers.example", "Declaration sha256"}},
		{"html", []string{"<!DOCTYPE html>", `<table class="matrix" id="domain-party-matrix">`, `data-party="cloudkeepers" data-domain="iam"`, "soc@cloudkeepers.example", `id="declaration-sha256"`, "@media print"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out := tc.format + ".out"
			r := ownaudit(t, dir, "scan", "--declaration", decl, "--from-inventory", "inv.json", "--format", tc.format, "--output", out)
			if r.code != demoExit {
				t.Fatalf("--output: exit %d, stderr:\n%s", r.code, r.stderr)
			}
			file, err := os.ReadFile(filepath.Join(dir, out))
			if err != nil {
				t.Fatal(err)
			}
			r = ownaudit(t, dir, "scan", "--declaration", decl, "--from-inventory", "inv.json", "--format", tc.format)
			if r.code != demoExit {
				t.Fatalf("stdout: exit %d, stderr:\n%s", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !bytes.Contains(file, []byte(w)) {
					t.Errorf("%s file lacks %q", tc.format, w)
				}
			}
			// The scan id and times differ between the two runs.
			norm := regexp.MustCompile(`[0-9a-f]{16,}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`)
			if a, b := norm.ReplaceAllString(string(file), "X"), norm.ReplaceAllString(r.stdout, "X"); a != b {
				t.Errorf("%s on stdout differs from the file:\nstdout:\n%s\nfile:\n%s", tc.format, b, a)
			}
		})
	}
}
