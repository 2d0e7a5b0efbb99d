// Package demo holds the example estate that `ownaudit scan --demo`
// evaluates across AWS, Azure and GCP and all four domains: a simulator
// world for AWS and GCP, which the demo scans through the real SDKs, an
// inventory for Azure until its scanners land, and a declaration with
// deliberate mistakes so every kind of ownership finding shows.
package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
)

var (
	//go:embed declaration.yaml
	declarationYAML []byte
	//go:embed inventory.json
	inventoryJSON []byte
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
func Declaration() (*rules.Declaration, error) {
	d, err := rules.ParseDeclaration(DeclarationFile, declarationYAML)
	if err != nil {
		return nil, fmt.Errorf("demo declaration: %w", err)
	}
	return d, nil
}

// DeclarationYAML returns the embedded declaration's text.
func DeclarationYAML() []byte { return bytes.Clone(declarationYAML) }

// Inventory decodes the embedded inventory.
func Inventory() (*inventory.Inventory, error) {
	inv, err := inventory.Decode(bytes.NewReader(inventoryJSON))
	if err != nil {
		return nil, fmt.Errorf("demo inventory: %w", err)
	}
	return inv, nil
}

// Endpoints points each cloud's scanners at the simulator serving World
// at url, as the identities the world knows.
func Endpoints(url string) map[inventory.Cloud]scanners.Endpoint {
	return map[inventory.Cloud]scanners.Endpoint{
		inventory.AWS: {URL: url, Region: "eu-central-1", Identity: AccessKey},
		inventory.GCP: {URL: url, Identity: GCPToken},
	}
}
