package main

import (
	"context"
	"fmt"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/scanners"
)

// demoOutputs name the file `scan --demo` writes on a terminal, per
// format, unless --output names one.
var demoOutputs = map[string]string{
	report.FormatJSON:     "ownaudit-demo-findings.json",
	report.FormatNDJSON:   "ownaudit-demo-findings.ndjson",
	report.FormatTable:    "ownaudit-demo-findings.txt",
	report.FormatMarkdown: "ownaudit-demo-findings.md",
	report.FormatHTML:     "ownaudit-demo-findings.html",
	report.FormatOCSF:     "ownaudit-demo-findings.ocsf.json",
}

// demoOutput is the file `scan --demo` writes findings of format to.
func demoOutput(format string) string {
	if name, ok := demoOutputs[format]; ok {
		return name
	}
	return "ownaudit-demo-findings." + format
}

// scanDemo starts the simulator with the demo world and scans the demo
// declaration's targets in it through the real SDK clients of every cloud.
func scanDemo(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration, sched *scanners.Scheduler, ev *evaluation) (*inventory.Inventory, error) {
	world, err := demo.World()
	if err != nil {
		return nil, err
	}
	srv, err := cloudsim.Start(world)
	if err != nil {
		return nil, err
	}
	defer srv.Close()

	registry := newRegistry(scanners.Options{Scheduler: sched, CallTimeout: o.callTimeout, Logger: g.logger,
		Endpoints: demo.Endpoints(srv)})
	selected, err := registry.Select(o.disable)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--disable-scanner: %w", err))
	}
	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion, CollectedAt: demo.Epoch}
	targets := declaredTargets(decl)
	g.logger.Info("demo: scanning the simulated clouds", "targets", len(targets), "endpoint", srv.URL)
	ev.start(inv.CollectedAt)
	runScanners(ctx, g, o, registry, sched, targets, selected, inv, ev)
	g.logger.Info("demo: scan done", "requests", len(srv.Requests()), "operations", len(srv.Operations()))
	counts := srv.Counts()
	for _, op := range srv.Operations() {
		g.logger.Debug("demo: simulator requests", "operation", op, "requests", counts[op])
	}
	if w := srv.Writes(); len(w) > 0 {
		return nil, fmt.Errorf("demo: the scan attempted %d write requests (first %s); scanners must only read", len(w), w[0].Action())
	}
	logScanErrors(g, inv)
	return inv, nil
}
