package main

import (
	"os"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
	awsscan "github.com/ownaudit/ownaudit/scanners/aws"
	gcpscan "github.com/ownaudit/ownaudit/scanners/gcp"
)

// registers adds the scanners of each cloud this binary is built with:
// a new cloud is its package under scanners/ and one line here.
var registers = []func(*scanners.Registry, scanners.Options){
	awsscan.Register,
	gcpscan.Register,
}

// gcpEndpointVariable names the variable that sends every Google Cloud
// API request to one base URL instead, as URL/<api host>/...: an
// emulator, the simulator, or a recording proxy. The Google clients have
// no such variable of their own.
const gcpEndpointVariable = "OWNAUDIT_GCP_ENDPOINT"

// endpointsFromEnv are the endpoint overrides the environment sets; the
// credentials stay the ambient ones.
func endpointsFromEnv() map[inventory.Cloud]scanners.Endpoint {
	out := map[inventory.Cloud]scanners.Endpoint{}
	if u := strings.TrimSpace(os.Getenv(gcpEndpointVariable)); u != "" {
		out[inventory.GCP] = scanners.Endpoint{URL: u}
	}
	return out
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
func declaredTargets(d *rules.Declaration) []scanners.Target {
	var out []scanners.Target
	for _, t := range d.Targets.List() {
		// The declaration's form and the scanners' are the same fields,
		// so that neither package needs the other.
		out = append(out, scanners.Target(t))
	}
	return out
}
