package main

import (
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
	awsscan "github.com/ownaudit/ownaudit/scanners/aws"
	azurescan "github.com/ownaudit/ownaudit/scanners/azure"
	gcpscan "github.com/ownaudit/ownaudit/scanners/gcp"
)

// paces are each cloud's own paces per API, which a declaration's rate
// limits may lower and never raise.
var paces = map[inventory.Cloud]func() []scanners.APIPace{
	inventory.AWS:   awsscan.Paces,
	inventory.Azure: azurescan.Paces,
	inventory.GCP:   gcpscan.Paces,
}

// declarationOptions are how scan, serve and validate read a declaration:
// within maxSize bytes, with its rate limits checked against the
// scanners' paces.
func declarationOptions(maxSize int64) declaration.Options {
	return declaration.Options{MaxSize: maxSize, Paces: declaredPaces}
}

// declaredPaces returns the paces of cloud's APIs that the pattern api
// matches.
func declaredPaces(cloud inventory.Cloud, api string) []declaration.Pace {
	list, ok := paces[cloud]
	if !ok {
		return nil
	}
	var out []declaration.Pace
	for _, p := range scanners.PacesMatching(list(), api) {
		out = append(out, declaration.Pace{API: p.API, PerSecond: p.PerSecond, Burst: p.Burst})
	}
	return out
}

// rateLimits turns the declaration's rate limits into the scheduler's.
func rateLimits(d *declaration.Declaration) []scanners.RateLimit {
	var out []scanners.RateLimit
	for _, r := range d.RateLimits {
		out = append(out, scanners.RateLimit{Cloud: string(r.Cloud()), Target: r.Target, API: r.API,
			Limit: scanners.Limit{PerSecond: r.PerSecond, Burst: r.Burst}})
	}
	return out
}
