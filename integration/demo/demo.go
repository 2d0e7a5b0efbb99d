// Package demo holds the example estate that `ownaudit scan --demo`
// evaluates: an inventory spanning AWS, Azure and GCP and all four domains,
// and a declaration with deliberate mistakes so every kind of ownership
// finding shows.
package demo

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

var (
	//go:embed declaration.yaml
	declarationYAML []byte
	//go:embed inventory.json
	inventoryJSON []byte
)

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
