// Package metrics exposes the latest scan to Prometheus: a collector that
// turns the findings document into const metrics at scrape time, on a
// registry of its own, for serve's /metrics, a Pushgateway push and
// node_exporter's textfile collector. Metric names, labels and help texts
// are part of the interface that alert rules and dashboards rely on.
package metrics

import (
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/internal/atomicfile"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/rules"
)

// Metric names; docs/metrics.md describes each.
const (
	metricFindings           = "ownaudit_findings"
	metricOwnershipFindings  = "ownaudit_ownership_findings"
	metricSuppressedFindings = "ownaudit_suppressed_findings"
	metricResources          = "ownaudit_resources"
	metricScannerSuccess     = "ownaudit_scanner_success"
	metricScannerDuration    = "ownaudit_scanner_duration_seconds"
	metricScanSuccess        = "ownaudit_scan_success"
	metricScanDuration       = "ownaudit_scan_duration_seconds"
	metricLastScan           = "ownaudit_last_scan_timestamp_seconds"
	metricLastSuccessfulScan = "ownaudit_last_successful_scan_timestamp_seconds"
	metricScanInterval       = "ownaudit_scan_interval_seconds"
	metricAPIRequests        = "ownaudit_api_requests_total"
	metricBuildInfo          = "ownaudit_build_info"
)

// ownershipPrefix starts the ids of the ownership controls.
const ownershipPrefix = "ownership."

// OwnershipKinds are the kind label values of ownaudit_ownership_findings:
// the ownership controls without their "ownership." prefix.
var OwnershipKinds = []string{
	strings.TrimPrefix(rules.OwnershipUnassigned, ownershipPrefix),
	strings.TrimPrefix(rules.OwnershipMisassigned, ownershipPrefix),
	strings.TrimPrefix(rules.OwnershipTagConflict, ownershipPrefix),
	strings.TrimPrefix(rules.OwnershipUnusedScope, ownershipPrefix),
	strings.TrimPrefix(rules.OwnershipExpiredAcceptance, ownershipPrefix),
}

// BuildInfo labels ownaudit_build_info.
type BuildInfo struct {
	Version   string
	GoVersion string
	Revision  string
}

// Collector exposes the state of the latest scan to Prometheus. It keeps
// the latest findings document and a few facts about the scans so far,
// and turns them into const metrics when scraped, so the document knows
// nothing about Prometheus and a scrape always sees one consistent scan.
// It is safe for concurrent use.
type Collector struct {
	info     BuildInfo
	registry *prometheus.Registry

	mu    sync.Mutex
	state // guarded by mu
}

// requestKey labels one ownaudit_api_requests_total series.
type requestKey struct {
	cloud, service, operation, code string
}

// New returns a collector with nothing scanned yet, registered on a
// registry of its own (never the global default one).
func New(info BuildInfo) *Collector {
	c := &Collector{info: info, registry: prometheus.NewRegistry(), state: state{requests: map[requestKey]float64{}}}
	c.registry.MustRegister(c)
	return c
}

// Registry returns the registry holding only this collector, for
// promhttp.HandlerFor, a Pushgateway push or WriteTextfile.
func (c *Collector) Registry() *prometheus.Registry { return c.registry }

// Observe records a scan that produced doc, complete or partial. Pass the
// whole document, passed findings included (not WithoutPassed), and call
// it once per scan: the document's API requests are added to the running
// totals of ownaudit_api_requests_total.
func (c *Collector) Observe(doc *report.Document) {
	at := doc.Scan.Finished
	if at.IsZero() {
		at = time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.doc = doc
	c.scanned = true
	c.lastScan = at
	// A scan is successful when it read everything: no errors entry.
	c.success = len(doc.Errors) == 0
	if c.success {
		c.lastSuccess = at
	}
	for _, r := range doc.Scan.APIRequests {
		c.requests[requestKey{string(r.Cloud), r.Service, r.Operation, r.Code}] += float64(r.Count)
	}
}

// ObserveFailure records a scan that ended at at without a document (the
// declaration could not be read, the scan was cancelled, ...). The scan
// counts as unsuccessful; the findings of the last document stay exposed
// and ownaudit_last_successful_scan_timestamp_seconds keeps its value. err
// is the caller's to log; metrics carry no free text.
func (c *Collector) ObserveFailure(at time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scanned = true
	c.success = false
	c.lastScan = at
}

// SetInterval records the interval serve mode scans at
// (ownaudit_scan_interval_seconds); zero leaves the metric out.
func (c *Collector) SetInterval(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interval = d
}

// state is what the collector knows of the scans so far.
type state struct {
	// doc is the latest scan that produced a document; a failed scan
	// after it leaves it in place, so findings do not vanish from
	// dashboards when one scan fails.
	doc *report.Document
	// scanned is set once any scan ended, with or without a document.
	scanned     bool
	success     bool
	lastScan    time.Time
	lastSuccess time.Time
	interval    time.Duration
	requests    map[requestKey]float64
}

// snapshot is a copy of the state, taken under the lock, for one scrape.
func (c *Collector) snapshot() state {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state
	s.requests = maps.Clone(c.requests)
	return s
}

// Descriptions of every metric, by name.
var (
	descFindings = prometheus.NewDesc(metricFindings,
		"Findings of the latest scan by control and status (pass, fail, error); suppressed findings are in ownaudit_suppressed_findings, not in fail, and ownership findings are in ownaudit_ownership_findings.",
		[]string{"cloud", "target", "domain", "control", "severity", "responsible_party", "responsible_role", "status"}, nil)
	descSuppressed = prometheus.NewDesc(metricSuppressedFindings,
		"Failed findings of the latest scan that an unexpired declaration suppression accepts, by control.",
		[]string{"cloud", "target", "domain", "control", "severity", "responsible_party", "responsible_role"}, nil)
	descOwnership = prometheus.NewDesc(metricOwnershipFindings,
		"Ownership findings of the latest scan: resources nobody owns, owned by a party of the wrong role, tagged for another party, declaration entries that match nothing, and accepted risks that expired.",
		[]string{"cloud", "target", "domain", "kind"}, nil)
	descResources = prometheus.NewDesc(metricResources,
		"Resources the latest scan read, by target and normalized type.",
		[]string{"cloud", "target", "type"}, nil)
	descScannerSuccess = prometheus.NewDesc(metricScannerSuccess,
		"1 when the domain scanner read everything in the target and region during the latest scan, else 0.",
		[]string{"cloud", "target", "region", "scanner"}, nil)
	descScannerDuration = prometheus.NewDesc(metricScannerDuration,
		"How long the domain scanner took over the target and region during the latest scan.",
		[]string{"cloud", "target", "region", "scanner"}, nil)
	descScanSuccess = prometheus.NewDesc(metricScanSuccess,
		"1 when the latest scan read everything (no errors), else 0.", nil, nil)
	descScanDuration = prometheus.NewDesc(metricScanDuration,
		"How long the latest scan that produced findings took.", nil, nil)
	descLastScan = prometheus.NewDesc(metricLastScan,
		"When the latest scan ended, successful or not, as a Unix time.", nil, nil)
	descLastSuccessfulScan = prometheus.NewDesc(metricLastSuccessfulScan,
		"When the latest scan that read everything ended, as a Unix time.", nil, nil)
	descScanInterval = prometheus.NewDesc(metricScanInterval,
		"The interval ownaudit serve scans at.", nil, nil)
	descAPIRequests = prometheus.NewDesc(metricAPIRequests,
		"API requests made to the clouds by outcome: OK, the provider's error code, or NetworkError; every attempt counts.",
		[]string{"cloud", "service", "operation", "code"}, nil)
	descBuildInfo = prometheus.NewDesc(metricBuildInfo,
		"Always 1; the labels name the ownaudit build.",
		[]string{"version", "goversion", "revision"}, nil)
)

// Describe sends the descriptions of every metric the collector can
// emit, for prometheus.Collector.
func (*Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFindings, descSuppressed, descOwnership, descResources, descScannerSuccess, descScannerDuration,
		descScanSuccess, descScanDuration, descLastScan, descLastSuccessfulScan, descScanInterval, descAPIRequests, descBuildInfo} {
		ch <- d
	}
}

// Collect builds const metrics from the state at the time of the scrape,
// for prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	info := c.info
	gauge(descBuildInfo, 1, info.Version, info.GoVersion, info.Revision)
	if s.interval > 0 {
		gauge(descScanInterval, s.interval.Seconds())
	}
	for k, v := range s.requests {
		ch <- prometheus.MustNewConstMetric(descAPIRequests, prometheus.CounterValue, v, k.cloud, k.service, k.operation, k.code)
	}
	if !s.scanned {
		return
	}
	gauge(descScanSuccess, boolValue(s.success))
	gauge(descLastScan, unixSeconds(s.lastScan))
	if !s.lastSuccess.IsZero() {
		gauge(descLastSuccessfulScan, unixSeconds(s.lastSuccess))
	}
	if s.doc == nil {
		return
	}
	d := s.doc
	if !d.Scan.Started.IsZero() && !d.Scan.Finished.IsZero() {
		gauge(descScanDuration, d.Scan.Finished.Sub(d.Scan.Started).Seconds())
	}
	collectFindings(d, gauge)
	collectOwnership(d, gauge)
	collectResources(d, gauge)
	collectScanners(d, gauge)
}

// gaugeFunc emits one gauge sample.
type gaugeFunc func(d *prometheus.Desc, v float64, labels ...string)

// findingKey labels the ownaudit_findings series of one control, all but
// status.
type findingKey struct {
	cloud, target, domain, control, severity, party, role string
}

// collectFindings emits every status, and the suppressed count, zero or
// not, of each (target, control, severity, responsible party) that has a
// finding. A suppressed finding is counted as suppressed, not as failed.
func collectFindings(d *report.Document, gauge gaugeFunc) {
	counts := map[findingKey]*report.StatusCounts{}
	for tk, tc := range d.Tally() {
		if strings.HasPrefix(tk.Control, ownershipPrefix) {
			continue
		}
		counts[findingKey{cloud: tk.Cloud, target: tk.Target, domain: tk.Domain, control: tk.Control,
			severity: tk.Severity, party: tk.Party, role: tk.Role}] = tc
	}
	for k, c := range counts {
		gauge(descSuppressed, float64(c.Suppressed), k.cloud, k.target, k.domain, k.control, k.severity, k.party, k.role)
		for _, st := range []struct {
			status controls.Status
			n      int
		}{{controls.Pass, c.Pass}, {controls.Fail, c.Fail}, {controls.Error, c.Error}} {
			gauge(descFindings, float64(st.n), k.cloud, k.target, k.domain, k.control, k.severity, k.party, k.role, string(st.status))
		}
	}
}

// scopeKey is a (cloud, target, domain) of ownaudit_ownership_findings.
type scopeKey struct {
	cloud, target, domain string
}

// collectOwnership emits every kind, zero or not, for every domain of
// every target the document lists, for the declaration itself (cloud and
// target "", where unused_scope findings belong) when there is one, and
// for any other scope an ownership finding names.
func collectOwnership(d *report.Document, gauge gaugeFunc) {
	counts := map[scopeKey]map[string]int{}
	cover := func(k scopeKey) map[string]int {
		c, ok := counts[k]
		if !ok {
			c = map[string]int{}
			counts[k] = c
		}
		return c
	}
	declared := len(d.Parties) > 0 || d.Scan.Declaration.SHA256 != ""
	for _, dom := range inventory.Domains {
		for _, t := range d.Scan.Targets {
			cover(scopeKey{string(t.Cloud), t.ID, string(dom)})
		}
		if declared {
			cover(scopeKey{"", "", string(dom)})
		}
	}
	for k, c := range d.Tally() {
		if !strings.HasPrefix(k.Control, ownershipPrefix) {
			continue
		}
		cover(scopeKey{k.Cloud, k.Target, k.Domain})[strings.TrimPrefix(k.Control, ownershipPrefix)] += c.Total()
	}
	for k, c := range counts {
		for _, kind := range OwnershipKinds {
			gauge(descOwnership, float64(c[kind]), k.cloud, k.target, k.domain, kind)
		}
	}
}

// collectResources emits every resource type of each listed target's
// cloud, zero when the scan found none.
func collectResources(d *report.Document, gauge gaugeFunc) {
	type key struct{ cloud, target, typ string }
	counts := map[key]int{}
	for _, t := range d.Scan.Targets {
		for _, name := range inventory.TypeNames() {
			if inventory.Types[name].Cloud == t.Cloud {
				counts[key{string(t.Cloud), t.ID, name}] += 0
			}
		}
	}
	for _, r := range d.Scan.Resources {
		counts[key{string(r.Cloud), r.Target, r.Type}] += r.Count
	}
	for k, n := range counts {
		gauge(descResources, float64(n), k.cloud, k.target, k.typ)
	}
}

// collectScanners emits each scanner run; a run recorded twice (only a
// hand-edited or badly merged document has that) counts as failed if
// either failed, for as long as the longer one.
func collectScanners(d *report.Document, gauge gaugeFunc) {
	type key struct{ cloud, target, region, scanner string }
	type run struct {
		ok  bool
		sec float64
	}
	runs := map[key]run{}
	for _, r := range d.Scan.Scanners {
		k := key{string(r.Cloud), r.Target, r.Region, string(r.Scanner)}
		v := run{r.Success, r.DurationSeconds}
		if old, ok := runs[k]; ok {
			v.ok = v.ok && old.ok
			v.sec = max(v.sec, old.sec)
		}
		runs[k] = v
	}
	for k, v := range runs {
		gauge(descScannerSuccess, boolValue(v.ok), k.cloud, k.target, k.region, k.scanner)
		gauge(descScannerDuration, v.sec, k.cloud, k.target, k.region, k.scanner)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// unixSeconds is t as fractional Unix seconds, the way Prometheus'
// time() reports it.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// WriteTextfile writes what g gathers to path in the Prometheus text
// format, for node_exporter's textfile collector (which reads files named
// *.prom in its directory). The file is replaced atomically, so the
// collector never reads half of it; if gathering fails, nothing is
// written.
func WriteTextfile(path string, g prometheus.Gatherer) error {
	families, err := g.Gather()
	if err != nil {
		return fmt.Errorf("write %s: gather metrics: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error { return writeText(w, families) })
}

// writeText writes metric families in the Prometheus text format.
func writeText(w io.Writer, families []*dto.MetricFamily) error {
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
