package main

import (
	awsscan "github.com/ownaudit/ownaudit/scanners/aws"

	"github.com/ownaudit/ownaudit/scanners"
)

// newRegistry registers the scanners this binary is built with, all
// sharing one scheduler.
func newRegistry(sched *scanners.Scheduler, aws awsscan.Options) *scanners.Registry {
	g := scanners.NewRegistry()
	aws.Scheduler = sched
	awsscan.Register(g, aws)
	return g
}
