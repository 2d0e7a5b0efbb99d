package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/atomicfile"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/metrics"
	"github.com/ownaudit/ownaudit/scanners"
)

// demoOutput is where `scan --demo` writes its findings unless --output
// says otherwise.
const demoOutput = "ownaudit-demo-findings.json"

type scanOptions struct {
	// What to scan and how: scan and serve share these (addSourceFlags).
	declaration string
	demo        bool
	concurrency int
	callTimeout time.Duration
	disable     []string

	// What scan alone does with the result.
	output        string
	format        string
	failOn        string
	includePassed bool
	saveInventory string
	fromInventory string
	maxInputBytes int64
	pushgateway   string
	metricsFile   string
	shard         shardOptions // --shard, --shard-count (shard.go)
}

func newScanCmd(g *globalOptions) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan the declared targets and report findings by responsible party",
		Long: `Read the targets named in the declaration (or what the ambient credentials
reach), evaluate every control, attribute each finding to its responsible
party and report.

Output: with --output FILE the findings go to FILE (JSON unless --format says
otherwise) and a summary grouped by party is printed; without it they go to
stdout as a table on a terminal and JSON otherwise. Passed findings are left
out unless --include-passed (the summary always counts them).

Offline: --save-inventory FILE keeps what was read; --from-inventory FILE
evaluates such a snapshot later, without touching any cloud (ages are measured
against the snapshot's collection time).

--demo scans an example estate: it starts the cloud simulator on 127.0.0.1
with an AWS organization of two accounts and scans it through the real AWS SDK
(Azure and GCP come from an embedded inventory until their scanners land).
Findings go to ownaudit-demo-findings.json unless --output says otherwise.`,
		Example: `  ownaudit scan --demo
  ownaudit scan --declaration acme.yaml --output findings.json
  ownaudit scan --declaration acme.yaml --fail-on high
  ownaudit scan --declaration acme.yaml --from-inventory snapshot.json --format table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runScan(ctx, g, o, cmd.Flags().Changed("format"))
		},
	}
	addSourceFlags(cmd, o)
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the findings to this file (atomically) instead of stdout")
	f.StringVarP(&o.format, "format", "f", "", "output format: "+strings.Join(report.Formats(), ", ")+" (default: json for files and pipes, table on a terminal)")
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a failing finding has at least this severity: critical, high, medium, low, info or none")
	f.BoolVar(&o.includePassed, "include-passed", false, "include passed findings in the output")
	f.StringVar(&o.saveInventory, "save-inventory", "", "also write the normalized inventory that was read to this file")
	f.StringVar(&o.fromInventory, "from-inventory", "", "evaluate a saved inventory file instead of scanning")
	addMaxInputFlag(cmd, &o.maxInputBytes)
	f.StringVar(&o.pushgateway, "pushgateway", "", "push the scan's metrics to this Prometheus Pushgateway URL once, at the end (job \"ownaudit\", grouped by instance or shard)")
	f.StringVar(&o.metricsFile, "metrics-file", "", "write the scan's metrics to this file (atomically) in the node_exporter textfile format")
	addShardFlags(cmd, &o.shard)
	return cmd
}

// addSourceFlags defines the flags that say what to scan and how, which
// scan and serve share.
func addSourceFlags(cmd *cobra.Command, o *scanOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.declaration, "declaration", "d", "", "declaration file (YAML); required unless --demo")
	f.BoolVar(&o.demo, "demo", false, "scan the example estate: a simulated AWS organization on 127.0.0.1, plus embedded Azure and GCP inventory")
	f.IntVar(&o.concurrency, "concurrency", 32, "how many API calls run at once, across every target and region (each API is also paced below the provider's rate limit, which is what protects it)")
	f.DurationVar(&o.callTimeout, "call-timeout", time.Minute, "give up on one API request, response included, after this long (the SDK retries it within its attempt budget)")
	f.StringSliceVar(&o.disable, "disable-scanner", nil, "switch off scanners by cloud (gcp) or cloud.domain (aws.patching); repeatable")
}

func runScan(ctx context.Context, g *globalOptions, o *scanOptions, formatSet bool) error {
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return withCode(exitUsage, err)
	}
	format := o.format
	if format == "" {
		format = "json"
		if o.output == "" && isTerminal(g.stdout) {
			format = "table"
		}
	}
	if !contains(report.Formats(), format) {
		return withCode(exitUsage, fmt.Errorf("--format %q: want one of %s", format, strings.Join(report.Formats(), ", ")))
	}
	if o.demo && o.fromInventory != "" {
		return withCode(exitUsage, errors.New("--demo and --from-inventory exclude each other"))
	}
	if err := checkSourceOptions(o); err != nil {
		return withCode(exitUsage, err)
	}

	decl, err := loadScanDeclaration(o)
	if err != nil {
		return withCode(exitUsage, err)
	}
	doc, stream, err := scanOnce(ctx, g, o, decl, o.includePassed)
	if err != nil {
		// A scan that produced nothing still tells the metrics sinks, so
		// that a job failing every night shows up as failing.
		if mErr := publishMetrics(g, o, decl, nil, err); mErr != nil {
			g.logger.Error("metrics not delivered", "error", mErr)
		}
		return err
	}
	defer stream.Close()

	output := o.output
	if o.demo && output == "" {
		output = demoOutput
		if !formatSet {
			format = "json"
		}
	}
	opts := report.TableOptions{Color: colorOK(g.stdout), Width: terminalWidth(g.stdout)}
	if output == "" {
		if err := stream.Write(g.stdout, format, doc, opts); err != nil {
			return withCode(exitUsage, fmt.Errorf("write findings: %w", err))
		}
	} else {
		fileOpts := report.TableOptions{} // no colour codes in files
		err := atomicfile.Write(output, func(w io.Writer) error { return stream.Write(w, format, doc, fileOpts) })
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("write findings: %w", err))
		}
		if !g.quiet {
			if err := report.WriteSummary(g.stdout, doc, opts); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "\nFindings (%s) written to %s\n", format, output)
		}
	}

	metricsErr := publishMetrics(g, o, decl, doc, nil)

	failing := 0
	if failOn != "" {
		failing = doc.Failing(failOn)
	}
	switch {
	case metricsErr != nil:
		// The findings are written; what is missing is their delivery to
		// monitoring, which a scheduled job must not report as success.
		return withCode(exitMetrics, fmt.Errorf("findings written, but metrics not delivered: %w", metricsErr))
	case failing > 0:
		return withCode(exitFindings, fmt.Errorf("%s at or above %s", plural(failing, "failing finding", "failing findings"), failOn))
	case len(doc.Errors) > 0:
		return withCode(exitIncomplete, fmt.Errorf("scan incomplete: %s; see errors[] in the findings", plural(len(doc.Errors), "read failed", "reads failed")))
	}
	return nil
}

// checkSourceOptions validates the flags addSourceFlags defines.
func checkSourceOptions(o *scanOptions) error {
	if o.concurrency < 1 {
		return fmt.Errorf("--concurrency %d: want 1 or more", o.concurrency)
	}
	return nil
}

// scanOnce runs one scan: it reads the inventory (a saved snapshot, the demo
// estate or the clouds), evaluating each resource as it is read, and builds
// the findings document, whose findings (passed ones only when
// includePassed) the stream returned holds until it writes them; the
// caller closes it. Every call builds its own scheduler and scanner
// registry, so serve can call it again and again with nothing carried
// over.
func scanOnce(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration, includePassed bool) (*report.Document, *report.Stream, error) {
	started := time.Now().UTC()
	sched := scanners.NewScheduler(o.concurrency)
	ev := newEvaluation(decl, includePassed, o.saveInventory != "")
	doc, err := func() (*report.Document, error) {
		inv, source, err := loadInventory(ctx, g, o, decl, sched, ev)
		if err != nil {
			return nil, err
		}
		if ev.err != nil {
			return nil, ev.err
		}
		counts := ev.finish(inv)
		if o.saveInventory != "" {
			err := atomicfile.Write(o.saveInventory, func(w io.Writer) error { return inv.EncodeStream(w, ev.savedResources) })
			if err != nil {
				return nil, withCode(exitUsage, fmt.Errorf("save inventory: %w", err))
			}
			g.logger.Info("inventory saved", "file", o.saveInventory, "resources", ev.saved.Len())
		}
		if ev.err != nil {
			return nil, ev.err
		}
		if o.shard.set {
			ev.stream.SetShard(o.shard.index, o.shard.count)
		}
		return ev.stream.Document(inv, decl, report.Meta{
			ToolVersion: toolVersion(), Started: started, Finished: time.Now().UTC(), Source: source,
			APIRequests: apiRequests(sched.Requests()), Resources: counts,
		})
	}()
	if err != nil {
		ev.close()
		return nil, nil, err
	}
	return doc, ev.stream, nil
}

// parseFailOn turns --fail-on into a severity; "none" is the empty one.
func parseFailOn(s string) (controls.Severity, error) {
	if s == "none" || s == "" {
		return "", nil
	}
	sev := controls.Severity(strings.ToLower(s))
	if sev.Rank() == 0 {
		return "", fmt.Errorf("--fail-on %q: want critical, high, medium, low, info or none", s)
	}
	return sev, nil
}

func loadScanDeclaration(o *scanOptions) (*declaration.Declaration, error) {
	switch {
	case o.declaration != "":
		return declaration.Load(o.declaration)
	case o.demo:
		return demo.Declaration()
	default:
		return nil, errors.New("no declaration: pass --declaration FILE (templates are in configs/declarations/), or try --demo")
	}
}

// loadInventory reads the saved snapshot, the demo estate, or the clouds.
func loadInventory(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration, sched *scanners.Scheduler, ev *evaluation) (*inventory.Inventory, string, error) {
	switch {
	case o.fromInventory != "":
		f, err := os.Open(o.fromInventory)
		if err != nil {
			return nil, "", withCode(exitUsage, fmt.Errorf("read inventory: %w", err))
		}
		defer f.Close()
		inv, err := inventory.DecodeStream(f, o.maxInputBytes, func(inv *inventory.Inventory, r *inventory.Resource) error {
			ev.start(inv.CollectedAt)
			ev.resource(*r)
			return ev.err
		})
		if err != nil {
			return nil, "", withCode(exitUsage, fmt.Errorf("%s: %w", o.fromInventory, err))
		}
		return inv, "inventory:" + o.fromInventory, nil
	case o.demo:
		inv, err := scanDemo(ctx, g, o, decl, sched, ev)
		if err != nil {
			return nil, "", err
		}
		return inv, "demo", nil
	}
	registry := newRegistry(scanners.Options{Scheduler: sched, CallTimeout: o.callTimeout, Logger: g.logger})
	selected, err := registry.Select(o.disable)
	if err != nil {
		return nil, "", withCode(exitUsage, fmt.Errorf("--disable-scanner: %w", err))
	}
	targets := declaredTargets(decl)
	if len(targets) == 0 {
		// No targets: whatever the ambient credentials reach, on every cloud
		// this build can scan.
		seen := map[inventory.Cloud]bool{}
		for _, r := range selected {
			if !seen[r.Cloud] {
				seen[r.Cloud] = true
				targets = append(targets, scanners.Target{Cloud: r.Cloud})
			}
		}
	}
	if len(targets) == 0 {
		return nil, "", withCode(exitUsage, errors.New("nothing to scan: the declaration lists no targets and no cloud scanner is enabled; evaluate a snapshot with --from-inventory, or try --demo"))
	}
	targets = applyShard(g, o, targets)
	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion, CollectedAt: time.Now().UTC()}
	for _, t := range targets {
		g.logger.Info("scanning", "target", t.String(), "regions", strings.Join(t.Regions, ","))
	}
	ev.start(inv.CollectedAt)
	registry.RunStreaming(ctx, targets, selected, o.concurrency, ev.resource).Fill(inv)
	logScanErrors(g, inv)
	return inv, "scan", nil
}

func logScanErrors(g *globalOptions, inv *inventory.Inventory) {
	for _, e := range inv.Errors {
		g.logger.Warn("could not read", "cloud", e.Cloud, "target", e.Target, "region", e.Region, "domain", e.Domain, "operation", e.Operation, "error", e.Message)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorOK: colour only on a terminal, and never when NO_COLOR is set.
func colorOK(w io.Writer) bool {
	_, noColor := os.LookupEnv("NO_COLOR")
	return !noColor && isTerminal(w)
}

func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil {
			return width
		}
	}
	return 0
}

// apiRequests converts the scheduler's request counts for the findings
// document.
func apiRequests(counts []scanners.RequestCount) []report.APIRequestCount {
	out := make([]report.APIRequestCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, report.APIRequestCount{Cloud: inventory.Cloud(c.Cloud), Service: c.Service, Operation: c.Operation, Code: c.Code, Count: c.Count})
	}
	return out
}

// pushJob is the Pushgateway job label of every push.
const pushJob = "ownaudit"

// pushTimeout bounds the one push at the end of a scan.
const pushTimeout = 30 * time.Second

// buildInfo describes this binary for ownaudit_build_info.
func buildInfo() metrics.BuildInfo {
	info := metrics.BuildInfo{Version: toolVersion(), GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				info.Revision = s.Value
			}
		}
	}
	return info
}

// publishMetrics writes --metrics-file and pushes to --pushgateway, when
// asked: the metrics of doc, or, when the scan produced no document, of the
// failure scanErr. It tries both and returns their errors joined.
func publishMetrics(g *globalOptions, o *scanOptions, decl *declaration.Declaration, doc *report.Document, scanErr error) error {
	if o.metricsFile == "" && o.pushgateway == "" {
		return nil
	}
	m := metrics.New(buildInfo())
	if doc != nil {
		m.Observe(doc)
	} else {
		m.ObserveFailure(time.Now(), scanErr)
	}
	var errs []error
	if o.metricsFile != "" {
		if err := metrics.WriteTextfile(o.metricsFile, m.Registry()); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-file: %w", err))
		} else {
			g.logger.Info("metrics written", "file", o.metricsFile)
		}
	}
	if o.pushgateway != "" {
		name, value := pushGrouping(o, decl)
		p := push.New(o.pushgateway, pushJob).Gatherer(m.Registry()).Grouping(name, value).
			Client(&http.Client{Timeout: pushTimeout})
		// The scan's context may be cancelled already (SIGTERM): the push
		// still gets its own short deadline, so what was scanned arrives.
		ctx, cancel := context.WithTimeout(context.Background(), pushTimeout)
		defer cancel()
		var err error
		if doc != nil {
			// PUT: the group holds this scan's metrics and nothing older,
			// so findings fixed since the last run disappear.
			err = p.PushContext(ctx)
		} else {
			// POST: replace only the metrics a failure carries (scan
			// success, last scan time), keeping the group's last findings
			// and its last successful scan time.
			err = p.AddContext(ctx)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--pushgateway: %w", err))
		} else {
			g.logger.Info("metrics pushed", "pushgateway", o.pushgateway, "job", pushJob, name, value)
		}
	}
	return errors.Join(errs...)
}

// pushGrouping returns the Pushgateway grouping label that, with job,
// names this scan's group, so that scans of different targets (or shards)
// do not replace each other's metrics: shard="I" for a sharded scan, else
// instance="<the declared targets>" (or "all" when the declaration names
// none). The label cannot be "target": the metrics carry a target label of
// their own, which a grouping label must not repeat.
func pushGrouping(o *scanOptions, decl *declaration.Declaration) (name, value string) {
	if i, ok := shardIndex(o); ok {
		return "shard", strconv.Itoa(i)
	}
	var keys []string
	if decl != nil {
		for _, t := range declaredTargets(decl) {
			keys = append(keys, scanners.ShardKey(t))
		}
	}
	if len(keys) == 0 {
		return "instance", "all"
	}
	return "instance", strings.Join(keys, ",")
}
