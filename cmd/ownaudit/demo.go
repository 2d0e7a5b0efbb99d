package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// scanDemo starts the simulator with the demo world and scans it through
// the real SDK clients of every cloud this build has scanners for; the
// clouds it has none for come from the demo's embedded inventory.
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
		Endpoints: demo.Endpoints(srv.URL)})
	selected, err := registry.Select(o.disable)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--disable-scanner: %w", err))
	}
	var scanned []inventory.Cloud
	for _, r := range registry.Registered() {
		if !slices.Contains(scanned, r.Cloud) {
			scanned = append(scanned, r.Cloud)
		}
	}
	inv, err := demo.Inventory()
	if err != nil {
		return nil, err
	}
	inv.CollectedAt = demo.Epoch
	dropClouds(inv, scanned)

	var targets []scanners.Target
	for _, t := range declaredTargets(decl) {
		if slices.Contains(scanned, t.Cloud) {
			targets = append(targets, t)
		}
	}
	g.logger.Info("demo: scanning the simulated clouds", "clouds", fmt.Sprint(scanned), "endpoint", srv.URL)
	ev.start(inv.CollectedAt)
	for _, r := range inv.Resources {
		ev.resource(r)
	}
	inv.Resources = nil
	registry.RunStreaming(ctx, targets, selected, o.concurrency, ev.resource).Fill(inv)
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

// dropClouds removes from inv everything of the given clouds: the demo
// scans those, and their embedded stand-ins would be counted twice.
func dropClouds(inv *inventory.Inventory, clouds []inventory.Cloud) {
	inv.Targets = slices.DeleteFunc(inv.Targets, func(t inventory.Target) bool { return slices.Contains(clouds, t.Cloud) })
	inv.Resources = slices.DeleteFunc(inv.Resources, func(r inventory.Resource) bool { return slices.Contains(clouds, r.Cloud) })
	inv.Errors = slices.DeleteFunc(inv.Errors, func(e inventory.ScanError) bool { return slices.Contains(clouds, e.Cloud) })
	inv.Scanners = slices.DeleteFunc(inv.Scanners, func(r inventory.ScannerRun) bool { return slices.Contains(clouds, r.Cloud) })
}
