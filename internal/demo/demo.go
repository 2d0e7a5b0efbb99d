// Package demo holds the example estate that `ownaudit scan --demo`
// evaluates across AWS, Azure and GCP and all four domains: a simulator
// world, which the demo scans through the real SDKs and clients, and a
// declaration with deliberate mistakes so every kind of ownership finding
// shows.
package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"time"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

var (
	//go:embed declaration.yaml
	declarationYAML []byte
	//go:embed world.yaml
	worldYAML []byte
)

// AccessKey is the demo's access key id: the simulator maps it to the
// management account. It is not a credential anywhere else.
const AccessKey = "AKIADEMOACMEPROD0001"

// GCPToken is the bearer token the demo's GCP clients send the
// simulator, which accepts any. It is not a credential anywhere else.
const GCPToken = "demo-token-not-a-credential"

// Epoch is the moment the demo estate is frozen at: ages (key age,
// assessment staleness) are measured from it, so the demo tells the same
// story on any day.
var Epoch = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// World parses the embedded simulator world.
func World() (*cloudsim.World, error) {
	w, err := cloudsim.Parse(worldYAML)
	if err != nil {
		return nil, fmt.Errorf("demo world: %w", err)
	}
	return w, nil
}

// DeclarationFile is the name the embedded declaration's positions refer to.
const DeclarationFile = "demo/declaration.yaml"

// Declaration parses the embedded declaration.
func Declaration() (*declaration.Declaration, error) {
	d, err := declaration.Parse(DeclarationFile, declarationYAML)
	if err != nil {
		return nil, fmt.Errorf("demo declaration: %w", err)
	}
	return d, nil
}

// DeclarationYAML returns the embedded declaration's text.
func DeclarationYAML() []byte { return bytes.Clone(declarationYAML) }

// AzureToken is the bearer token the demo's Azure scanners present: the
// simulator maps it to the auditing principal. It is not a credential
// anywhere else.
const AzureToken = "demo-azure-token-not-a-credential"

// Endpoints points each cloud's scanners at srv, the simulator serving
// World, as the identities the world knows; the Azure side is TLS with the
// certificate srv made, which is the one trusted.
func Endpoints(srv *cloudsim.Server) map[inventory.Cloud]scanners.Endpoint {
	return map[inventory.Cloud]scanners.Endpoint{
		inventory.AWS:   {URL: srv.URL, Region: "eu-central-1", Identity: AccessKey},
		inventory.Azure: {URL: srv.AzureURL, Identity: AzureToken, CACert: srv.CACert},
		inventory.GCP:   {URL: srv.URL, Identity: GCPToken},
	}
}
