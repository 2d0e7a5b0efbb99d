package main

import (
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/scanners"
	awsscan "github.com/ownaudit/ownaudit/scanners/aws"
	azurescan "github.com/ownaudit/ownaudit/scanners/azure"
	gcpscan "github.com/ownaudit/ownaudit/scanners/gcp"
)

// registers adds the scanners of each cloud this binary is built with:
// a new cloud is its package under scanners/ and one line here.
var registers = []func(*scanners.Registry, scanners.Options){
	awsscan.Register,
	azurescan.Register,
	gcpscan.Register,
}

// scannerHook is for tests only: it becomes scanners.Options.Hook, which
// runs at the start of every goroutine a scanner starts.
var scannerHook func(scanners.Scope)

// newRegistry registers the scanners of every cloud with o.
func newRegistry(o scanners.Options) *scanners.Registry {
	o.Hook = scannerHook
	g := scanners.NewRegistry(o)
	for _, register := range registers {
		register(g, o)
	}
	return g
}

// declaredTargets turns the declaration's targets, of any cloud, into
// scanner targets.
func declaredTargets(d *declaration.Declaration) []scanners.Target {
	var out []scanners.Target
	for _, t := range d.Targets.List() {
		// The declaration's form and the scanners' are the same fields,
		// so that neither package needs the other.
		out = append(out, scanners.Target(t))
	}
	return out
}
