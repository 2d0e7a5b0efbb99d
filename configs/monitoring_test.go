// Package configs holds no code; its tests check the shipped configuration
// files: the Prometheus alert rules, the Alertmanager routing and the
// Grafana dashboard.
package configs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const (
	alertsFile     = "prometheus/alerts.yaml"
	alertTestsFile = "prometheus/alerts_test.yaml"
	dashboardFile  = "grafana/ownaudit.json"
)

// contractMetrics are the metric names the collector in report/metrics
// emits. An expression naming anything else would never match a series
// and so never fire or show anything.
var contractMetrics = []string{
	"ownaudit_findings",
	"ownaudit_ownership_findings",
	"ownaudit_resources",
	"ownaudit_scanner_success",
	"ownaudit_scanner_duration_seconds",
	"ownaudit_scan_success",
	"ownaudit_scan_duration_seconds",
	"ownaudit_last_scan_timestamp_seconds",
	"ownaudit_last_successful_scan_timestamp_seconds",
	"ownaudit_scan_interval_seconds",
	"ownaudit_api_requests_total",
	"ownaudit_build_info",
}

var metricName = regexp.MustCompile(`ownaudit_[a-z_]+`)

// metricNames returns the sorted, distinct ownaudit metric names in expr.
func metricNames(expr string) []string {
	names := metricName.FindAllString(expr, -1)
	sort.Strings(names)
	return slices.Compact(names)
}

// promtool returns the path of promtool, skipping the test when it is not
// installed, except in CI where the rule tests must run.
func promtool(t *testing.T) string {
	t.Helper()
	return requireTool(t, "promtool", "prometheus", "alert rule")
}

// requireTool returns the path of the command name, which Debian's package
// pkg installs, skipping the test (of what) when it is not installed,
// except in CI, where .ci/run installs it and the test must run.
func requireTool(t *testing.T, name, pkg, what string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found in PATH and CI=true: the %s tests must run in CI (.ci/run installs Debian's %s package): %v", name, what, pkg, err)
		}
		t.Skipf("%s not found in PATH: skipping the %s tests (install Debian's %s package to run them)", name, what, pkg)
	}
	return path
}

func TestPromtool(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", alertsFile},
		{"test", "rules", alertTestsFile},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, err := exec.Command(bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}

func TestMetricNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (target) (ownaudit_findings{status="fail"})`, []string{"ownaudit_findings"}},
		{`time() - ownaudit_last_scan_timestamp_seconds > 2 * ownaudit_scan_interval_seconds or ownaudit_findings`,
			[]string{"ownaudit_findings", "ownaudit_last_scan_timestamp_seconds", "ownaudit_scan_interval_seconds"}},
		{`rate(ownaudit_api_requests_total[5m]) + ownaudit_api_requests_total`, []string{"ownaudit_api_requests_total"}},
		{`up{job="prometheus"}`, nil},
	}
	for _, tt := range tests {
		if got := metricNames(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleTests struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name  string `yaml:"name"`
		Cases []struct {
			EvalTime  string           `yaml:"eval_time"`
			Alertname string           `yaml:"alertname"`
			ExpAlerts []map[string]any `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// wantAlerts are the alerts issue 4 asks for.
var wantAlerts = []string{
	"OwnauditNewCriticalFindings",
	"OwnauditNewHighFindings",
	"OwnauditOwnershipGap",
	"OwnauditScannerFailing",
	"OwnauditNoSuccessfulScan",
	"OwnauditStalePatchAssessments",
}

func TestAlertRules(t *testing.T) {
	var rf ruleFile
	readYAML(t, alertsFile, &rf)

	var alerts []string
	used := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: rule %q is not an alert; only alert rules belong in %s", g.Name, r.Record, alertsFile)
				continue
			}
			alerts = append(alerts, r.Alert)
			if r.For == "" {
				t.Errorf("%s: no for:, one bad evaluation would fire it", r.Alert)
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
				t.Errorf("%s: severity label %q, want critical, warning or info", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			names := metricNames(r.Expr)
			if len(names) == 0 {
				t.Errorf("%s: expression names no ownaudit metric: %s", r.Alert, r.Expr)
			}
			for _, n := range names {
				used[n] = true
				if !slices.Contains(contractMetrics, n) {
					t.Errorf("%s: expression uses %s, which ownaudit does not emit", r.Alert, n)
				}
			}
		}
	}
	for _, a := range wantAlerts {
		if !slices.Contains(alerts, a) {
			t.Errorf("alerts = %q, missing %s", alerts, a)
		}
	}
	// Findings, ownership, scanners and scan freshness each have an alert.
	for _, n := range []string{"ownaudit_findings", "ownaudit_ownership_findings", "ownaudit_scanner_success", "ownaudit_last_successful_scan_timestamp_seconds"} {
		if !used[n] {
			t.Errorf("no alert uses %s", n)
		}
	}

	// Every alert needs a promtool case where it fires and one where it
	// must stay silent.
	var rt ruleTests
	readYAML(t, alertTestsFile, &rt)
	if !slices.Contains(rt.RuleFiles, filepath.Base(alertsFile)) {
		t.Errorf("%s rule_files = %q, want it to load %s", alertTestsFile, rt.RuleFiles, filepath.Base(alertsFile))
	}
	firing, silent := map[string]int{}, map[string]int{}
	for _, tc := range rt.Tests {
		for _, c := range tc.Cases {
			if !slices.Contains(alerts, c.Alertname) {
				t.Errorf("test %q checks %s, which %s does not define", tc.Name, c.Alertname, alertsFile)
			}
			if len(c.ExpAlerts) == 0 {
				silent[c.Alertname]++
			} else {
				firing[c.Alertname]++
			}
		}
	}
	for _, a := range alerts {
		if firing[a] == 0 {
			t.Errorf("%s: %d promtool cases where it fires, want at least 1", a, firing[a])
		}
		if silent[a] == 0 {
			t.Errorf("%s: %d promtool cases where it stays silent, want at least 1", a, silent[a])
		}
	}
}

type dashboard struct {
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Type       string          `json:"type"`
			Name       string          `json:"name"`
			Query      json.RawMessage `json:"query"`
			Definition string          `json:"definition"`
			Datasource *datasource     `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	GridPos    struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Targets []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

// exprs returns the panel's queries with whitespace collapsed.
func (p panel) exprs() []string {
	var out []string
	for _, t := range p.Targets {
		out = append(out, strings.Join(strings.Fields(t.Expr), " "))
	}
	return out
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	var d dashboard
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

func TestDashboard(t *testing.T) {
	d := readDashboard(t)
	if d.Title == "" || d.UID == "" {
		t.Errorf("title %q, uid %q: want both set", d.Title, d.UID)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion = %d, want at least 36", d.SchemaVersion)
	}

	// A datasource variable, so the dashboard works with any Prometheus,
	// and cloud and target filters.
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type == "datasource" && string(v.Query) != `"prometheus"` {
			t.Errorf("variable %s: query %s, want \"prometheus\"", v.Name, v.Query)
		}
		if v.Type == "query" {
			if v.Datasource == nil || v.Datasource.UID != "${datasource}" {
				t.Errorf("variable %s: datasource %+v, want uid ${datasource}", v.Name, v.Datasource)
			}
			for _, n := range metricNames(string(v.Query) + " " + v.Definition) {
				if !slices.Contains(contractMetrics, n) {
					t.Errorf("variable %s uses %s, which ownaudit does not emit", v.Name, n)
				}
			}
		}
	}
	for name, typ := range map[string]string{"datasource": "datasource", "cloud": "query", "target": "query"} {
		if vars[name] != typ {
			t.Errorf("templating variable %s has type %q, want %q", name, vars[name], typ)
		}
	}

	// Rows group the panels: each panel belongs to the row above it.
	byRow := map[string][]panel{}
	ids := map[int]string{}
	row := ""
	var all []panel
	for _, p := range d.Panels {
		if p.Type == "row" {
			row = p.Title
			all = append(all, p.Panels...) // a collapsed row keeps its panels inside
			byRow[row] = append(byRow[row], p.Panels...)
			continue
		}
		byRow[row] = append(byRow[row], p)
		all = append(all, p)
	}
	for _, p := range d.Panels {
		for _, q := range append([]panel{p}, p.Panels...) {
			if prev, ok := ids[q.ID]; ok {
				t.Errorf("panel id %d used by %q and %q", q.ID, prev, q.Title)
			}
			ids[q.ID] = q.Title
		}
	}
	exprCount := 0
	for _, p := range all {
		if p.Title == "" || p.GridPos.W == 0 || p.GridPos.H == 0 {
			t.Errorf("panel %d %q: want a title and a size, gridPos %+v", p.ID, p.Title, p.GridPos)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want uid ${datasource}", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: query datasource %+v, want uid ${datasource}", p.Title, tg.Datasource)
			}
			names := metricNames(tg.Expr)
			if len(names) == 0 {
				t.Errorf("panel %q: query names no ownaudit metric: %s", p.Title, tg.Expr)
			}
			for _, n := range names {
				exprCount++
				if !slices.Contains(contractMetrics, n) {
					t.Errorf("panel %q uses %s, which ownaudit does not emit", p.Title, n)
				}
			}
		}
	}
	if exprCount == 0 {
		t.Fatal("no ownaudit metric found in any panel query")
	}

	// The four groups issue 4 asks for, and the panels inside them.
	groups := []struct {
		row   string
		types []string
		expr  string
	}{
		{"Failing findings: party × domain", []string{"table", "heatmap"}, `sum by (responsible_party, domain) (ownaudit_findings{status="fail"`},
		{"Trend per party", []string{"timeseries"}, `sum by (responsible_party) (ownaudit_findings{status="fail"`},
		{"Failing findings: party × domain", []string{"table", "bargauge", "stat"}, `ownaudit_ownership_findings`},
		{"Scanner health", []string{"table", "stat", "state-timeline"}, `ownaudit_scanner_success`},
		{"Scanner health", []string{"timeseries"}, `sum by (code) (rate(ownaudit_api_requests_total`},
		{"Last successful scan", []string{"stat"}, `time() - ownaudit_last_successful_scan_timestamp_seconds`},
	}
	for _, g := range groups {
		panels, ok := byRow[g.row]
		if !ok {
			t.Errorf("no row %q", g.row)
			continue
		}
		found := false
		for _, p := range panels {
			if !slices.Contains(g.types, p.Type) {
				continue
			}
			for _, e := range p.exprs() {
				found = found || strings.Contains(e, g.expr)
			}
		}
		if !found {
			t.Errorf("row %q: no %s panel querying %s", g.row, strings.Join(g.types, "/"), g.expr)
		}
	}
}
