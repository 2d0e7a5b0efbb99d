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

type scanOptions struct {
	// What to scan and how: scan and serve share these (addSourceFlags).
	declaration string
	declMaxSize int64 // --declaration-max-size
	demo        bool
	concurrency int
	callTimeout time.Duration
	scanTimeout time.Duration
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

	// progress is how the scan shows its progress: serve logs it.
	progress progressMode
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
otherwise) and a summary grouped by party is printed; without it, or with
--output -, they go to stdout as a table on a terminal and JSON otherwise.
Passed findings are left out unless --include-passed (the summary always
counts them). Output files are written atomically; a symbolic link is
written through to its target, a FIFO or device (/dev/stdout) in place. A
path that cannot be written is a usage error before the scan starts.

Offline: --save-inventory FILE keeps what was read; --from-inventory FILE
evaluates such a snapshot later, without touching any cloud (ages are measured
against the snapshot's collection time).

--demo scans an example estate: it starts the cloud simulator on 127.0.0.1
with an AWS organization of two accounts, an Azure management group of two
subscriptions and a GCP project, and scans them through the real SDKs. One
instance there was never assessed for patches, so the demo exits 3.
On a terminal its findings go to ownaudit-demo-findings.json (.md, .html,
.ocsf.json, .ndjson or .txt with --format) unless --output says otherwise;
piped, they go to stdout like any scan's. --demo takes no --declaration.`,
		Example: `  ownaudit scan --demo
  ownaudit scan --declaration acme.yaml --output findings.json
  ownaudit scan --declaration acme.yaml --fail-on high
  ownaudit scan --declaration acme.yaml --from-inventory snapshot.json --format table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runScan(ctx, g, o)
		},
	}
	addSourceFlags(cmd, o)
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the findings to this file (atomically) instead of stdout; - is stdout")
	f.StringVarP(&o.format, "format", "f", "", "output format: "+strings.Join(report.Formats(), ", ")+" (default: json for files and pipes, table on a terminal)")
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a failing finding has at least this severity: critical, high, medium, low, info or none")
	f.BoolVar(&o.includePassed, "include-passed", false, "list passed findings too, in every format (per party in table, markdown and html; folded away in html)")
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
	addDeclarationSizeFlag(cmd, &o.declMaxSize)
	f.BoolVar(&o.demo, "demo", false, "scan the example estate: a simulated AWS organization, Azure tenant and GCP project on 127.0.0.1")
	f.IntVar(&o.concurrency, "concurrency", 32, "how many API calls run at once, across every target and region (each API is also paced below the provider's rate limit, which is what protects it)")
	f.DurationVar(&o.callTimeout, "call-timeout", time.Minute, "give up on one API request, response included, after this long (the SDK retries it within its attempt budget)")
	f.DurationVar(&o.scanTimeout, "scan-timeout", 0, "stop reading the clouds after this long: what was read is evaluated, the rest is reported as errors (exit 3; serve counts the scan as failed); 0 for no limit")
	f.StringSliceVar(&o.disable, "disable-scanner", nil, "switch off scanners by cloud (gcp) or cloud.domain (aws.patching); repeatable")
}

func runScan(ctx context.Context, g *globalOptions, o *scanOptions) error {
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return withCode(exitUsage, err)
	}
	output, format := o.output, o.format
	if o.demo && output == "" && isTerminal(g.stdout) {
		// The demo on a terminal keeps its findings in a file named after
		// the format; piped, it writes them to stdout like any scan.
		if format == "" {
			format = report.FormatJSON
		}
		output = demoOutput(format)
	}
	if format == "" {
		format = report.FormatJSON
		if toStdout(output) && isTerminal(g.stdout) {
			format = report.FormatTable
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
	if err := checkShardOptions(o.shard); err != nil {
		return withCode(exitUsage, err)
	}
	for _, c := range []struct {
		flag, path string
		stdoutOK   bool
	}{{"--output", output, true}, {"--save-inventory", o.saveInventory, false}, {"--metrics-file", o.metricsFile, false}} {
		if err := checkOutput(c.flag, c.path, c.stdoutOK); err != nil {
			return withCode(exitUsage, err)
		}
	}

	decl, err := loadScanDeclaration(o)
	if err != nil {
		return withCode(exitUsage, err)
	}
	doc, stream, err := scanOnce(ctx, g, o, decl, o.includePassed)
	var stopped error
	if errors.Is(err, errScanTimeout) {
		// What was read is evaluated and written like any partial scan;
		// what was not is in errors[], and the exit code says so.
		stopped, err = err, nil
		g.logger.Warn("the scan was stopped", "reason", stopped)
	}
	if err != nil {
		// A scan that produced nothing still tells the metrics sinks, so
		// that a job failing every night shows up as failing.
		if mErr := publishMetrics(g, o, decl, nil, err); mErr != nil {
			g.logger.Error("metrics not delivered", "error", mErr)
		}
		return err
	}
	defer stream.Close()

	opts := report.TableOptions{Color: colorOK(g.stdout), Width: terminalWidth(g.stdout)}
	writeOpts := opts
	if !toStdout(output) {
		writeOpts = report.TableOptions{} // no colour codes in files
	}
	if err := writeOutput(g, output, func(w io.Writer) error { return stream.Write(w, format, doc, writeOpts) }); err != nil {
		return withCode(exitOutput, fmt.Errorf("write findings: %w", err))
	}
	if !toStdout(output) && !g.quiet {
		if err := report.WriteSummary(g.stdout, doc, opts); err != nil {
			return withCode(exitOutput, err)
		}
		fmt.Fprintf(g.stdout, "\nFindings (%s) written to %s\n", format, output)
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
	}
	if err := incomplete(doc); err != nil {
		if stopped != nil {
			err = fmt.Errorf("%w: %w", stopped, err)
		}
		return withCode(exitIncomplete, err)
	}
	return nil
}

// checkSourceOptions validates the flags addSourceFlags defines.
func checkSourceOptions(o *scanOptions) error {
	if o.concurrency < 1 {
		return fmt.Errorf("--concurrency %d: want 1 or more", o.concurrency)
	}
	if o.scanTimeout < 0 {
		return fmt.Errorf("--scan-timeout %s: want a positive duration, or 0 for no limit", o.scanTimeout)
	}
	if o.demo && o.declaration != "" {
		// The demo's simulated clouds hold the demo's accounts only: the
		// user's targets are not there, and the demo's embedded estate
		// would be judged against a declaration that never named it.
		return errors.New("--demo scans the example estate with its own declaration, so it takes no --declaration; " +
			"to judge the demo estate against yours, save it with `ownaudit scan --demo --save-inventory demo-inventory.json` " +
			"and evaluate that with `ownaudit scan --declaration yours.yaml --from-inventory demo-inventory.json`")
	}
	return nil
}

// errScanTimeout is what scanOnce returns, with the document of what was
// read, when --scan-timeout stopped the reads.
var errScanTimeout = errors.New("--scan-timeout reached")

// scanOnce runs one scan: it reads the inventory (a saved snapshot, the demo
// estate or the clouds), evaluating each resource as it is read, and builds
// the findings document, whose findings (passed ones only when
// includePassed) the stream returned holds until it writes them; the
// caller closes it. Every call builds its own scheduler and scanner
// registry, so serve can call it again and again with nothing carried
// over.
//
// --scan-timeout bounds the reading. When it stopped reads, scanOnce
// returns the document of what was read (what was not is in its errors)
// together with an error wrapping errScanTimeout.
func scanOnce(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration, includePassed bool) (*report.Document, *report.Stream, error) {
	started := time.Now().UTC()
	sched := scanners.NewScheduler(o.concurrency)
	sched.Lower(rateLimits(decl))
	readCtx := ctx
	if o.scanTimeout > 0 {
		var cancel context.CancelFunc
		readCtx, cancel = context.WithTimeoutCause(ctx, o.scanTimeout, fmt.Errorf("%w (%s)", errScanTimeout, o.scanTimeout))
		defer cancel()
	}
	ev := newEvaluation(decl, includePassed, o.saveInventory != "")
	var stopped error
	doc, err := func() (*report.Document, error) {
		inv, source, err := loadInventory(readCtx, g, o, decl, sched, ev)
		if err != nil {
			return nil, err
		}
		if ev.err != nil {
			return nil, ev.err
		}
		if readCtx.Err() != nil && ctx.Err() == nil && len(inv.Errors) > 0 {
			stopped = context.Cause(readCtx)
		}
		counts := ev.finish(inv)
		if o.saveInventory != "" {
			err := atomicfile.Write(o.saveInventory, func(w io.Writer) error { return inv.EncodeStream(w, ev.savedResources) })
			if err != nil {
				return nil, withCode(exitOutput, fmt.Errorf("save inventory: %w", err))
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
	return doc, ev.stream, stopped
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
		return declarationOptions(o.declMaxSize).Load(o.declaration)
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
	if err := registry.Err(); err != nil {
		return nil, "", withCode(exitUsage, err)
	}
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
	targets, err = applyShard(g, o, targets)
	if err != nil {
		return nil, "", err
	}
	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion, CollectedAt: time.Now().UTC()}
	for _, t := range targets {
		g.logger.Info("scanning", "target", t.String(), "regions", strings.Join(t.Regions, ","))
	}
	ev.start(inv.CollectedAt)
	runScanners(ctx, g, o, registry, sched, targets, selected, inv, ev)
	logScanErrors(g, inv)
	return inv, "scan", nil
}

// runScanners runs the selected scanners over targets, handing each
// resource to ev as it is complete and the rest of what was read (targets,
// errors, scanner runs) to inv, showing the scan's progress while they run.
func runScanners(ctx context.Context, g *globalOptions, o *scanOptions, registry *scanners.Registry, sched *scanners.Scheduler,
	targets []scanners.Target, selected []scanners.Registration, inv *inventory.Inventory, ev *evaluation) {
	sink := scanners.NewSink()
	if ev.eval != nil {
		// The sink hands on each resource once: the evaluator need not
		// keep a set of its own of those it has seen.
		ev.eval.Unique()
	}
	sink.Stream(ev.resource)
	stop := watchProgress(g, o.progress, sink, sched)
	registry.RunInto(ctx, sink, targets, selected, o.concurrency)
	stop()
	sink.Fill(inv)
}

// logScanErrors logs what could not be read, one line for the domains
// that failed alike: a scan without credentials is one line per cloud,
// not one per domain.
func logScanErrors(g *globalOptions, inv *inventory.Inventory) {
	type key struct {
		cloud                       inventory.Cloud
		target, region, op, message string
	}
	var order []key
	domains := map[key][]string{}
	for _, e := range inv.Errors {
		k := key{e.Cloud, e.Target, e.Region, e.Operation, e.Message}
		if _, seen := domains[k]; !seen {
			order = append(order, k)
		}
		domains[k] = append(domains[k], string(e.Domain))
	}
	for _, k := range order {
		g.logger.Warn("could not read", "cloud", k.cloud, "target", k.target, "region", k.region,
			"domains", strings.Join(domains[k], ","), "operation", k.op, "error", k.message)
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
