package main

import (
	"context"
	"fmt"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
	awsscan "github.com/ownaudit/ownaudit/scanners/aws"
)

// scanDemo starts the simulator with the demo world, scans its AWS
// organization through the real SDK clients, and adds the embedded Azure
// and GCP inventory.
func scanDemo(ctx context.Context, g *globalOptions, o *scanOptions, decl *declaration.Declaration, sched *scanners.Scheduler) (*inventory.Inventory, error) {
	world, err := demo.World()
	if err != nil {
		return nil, err
	}
	srv, err := cloudsim.Start(world)
	if err != nil {
		return nil, err
	}
	defer srv.Close()

	inv, err := demo.Inventory()
	if err != nil {
		return nil, err
	}
	inv.CollectedAt = demo.Epoch

	registry := newRegistry(sched, awsscan.Options{
		LoadOptions: awsscan.Isolated(srv.URL, "eu-central-1", demo.AccessKey, "demo-secret-not-a-credential"),
		CallTimeout: o.callTimeout,
		Logger:      g.logger,
	})
	selected, err := registry.Select(append([]string{"azure", "gcp"}, o.disable...))
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("--disable-scanner: %w", err))
	}
	var targets []scanners.Target
	for _, t := range declaredTargets(decl) {
		if t.Cloud == inventory.AWS {
			targets = append(targets, t)
		}
	}
	g.logger.Info("demo: scanning the simulated AWS organization", "endpoint", srv.URL)
	registry.Run(ctx, targets, selected, o.concurrency).Fill(inv)
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
