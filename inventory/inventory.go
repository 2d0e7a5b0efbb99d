package inventory

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/internal/jsonin"
	"github.com/ownaudit/ownaudit/internal/jsonout"
)

// SchemaVersion is the version of the inventory JSON encoding.
const SchemaVersion = 1

// Cloud names a provider.
type Cloud string

// The clouds ownaudit reads.
const (
	AWS   Cloud = "aws"
	Azure Cloud = "azure"
	GCP   Cloud = "gcp"
)

// Clouds lists every supported cloud in a fixed order.
var Clouds = []Cloud{AWS, Azure, GCP}

// Domain is one of the four areas of responsibility.
type Domain string

// The four domains.
const (
	Firewall   Domain = "firewall"
	Patching   Domain = "patching"
	Encryption Domain = "encryption"
	IAM        Domain = "iam"
)

// Domains lists the four domains in a fixed order.
var Domains = []Domain{Firewall, Patching, Encryption, IAM}

// ValidDomain reports whether d is one of the four domains.
func ValidDomain(d Domain) bool {
	for _, x := range Domains {
		if x == d {
			return true
		}
	}
	return false
}

// Inventory is everything one scan read: the targets, the normalized
// resources and what could not be read.
type Inventory struct {
	SchemaVersion int `json:"schemaVersion"`
	// CollectedAt is when the scan read the clouds. Rules measure ages
	// (key age, assessment staleness) against it, so a saved snapshot
	// evaluates the same way later.
	CollectedAt time.Time   `json:"collectedAt"`
	Targets     []Target    `json:"targets"`
	Resources   []Resource  `json:"resources"`
	Errors      []ScanError `json:"errors,omitempty"`
	// Scanners are the scanner runs of the scan, one per (cloud, target,
	// region, domain), for monitoring; absent from snapshots written
	// before they were recorded.
	Scanners []ScannerRun `json:"scanners,omitempty"`
}

// ScannerRun is one run of a domain scanner over one target and region:
// how long it took and whether it read everything it was meant to.
type ScannerRun struct {
	Cloud  Cloud  `json:"cloud"`
	Target string `json:"target"`
	// Region is empty for a run over global resources (IAM, say) or over a
	// whole target.
	Region string `json:"region,omitempty"`
	Domain Domain `json:"domain"`
	// Success is false when the run recorded an error (or could not run).
	Success         bool    `json:"success"`
	DurationSeconds float64 `json:"durationSeconds"`
}

// Target is an AWS account, an Azure subscription or a GCP project.
type Target struct {
	Cloud   Cloud    `json:"cloud"`
	ID      string   `json:"id"`
	Name    string   `json:"name,omitempty"`
	Regions []string `json:"regions,omitempty"`
}

// ScanError records something a scanner could not read. Controls over the
// affected resource types in the domain are reported as unevaluated.
type ScanError struct {
	Cloud  Cloud  `json:"cloud"`
	Target string `json:"target"`
	Region string `json:"region,omitempty"`
	// Scanner is the domain scanner that failed (firewall, patching, ...).
	Domain Domain `json:"domain"`
	// Operation is the API operation, e.g. "ssm:DescribeInstancePatchStates".
	Operation string `json:"operation,omitempty"`
	// ResourceTypes are the resource types left unread or incomplete.
	ResourceTypes []string `json:"resourceTypes,omitempty"`
	Message       string   `json:"message"`
	// Permission is the missing permission, when the provider named it.
	Permission string `json:"permission,omitempty"`
}

// Resource is one normalized cloud object. The header is common to every
// type; exactly the facets that the type's entry in Types lists are set.
type Resource struct {
	Cloud  Cloud             `json:"cloud"`
	Target string            `json:"target"`
	Region string            `json:"region,omitempty"`
	Type   string            `json:"type"`
	ID     string            `json:"id"`
	Name   string            `json:"name,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
	// TagsUnknown: the resource's tags could not be read, so Tags is
	// empty without meaning the resource has none.
	TagsUnknown bool `json:"tagsUnknown,omitempty"`

	Firewall          *FirewallRules     `json:"firewall,omitempty"`
	Network           *Network           `json:"network,omitempty"`
	VM                *VM                `json:"vm,omitempty"`
	Upgrade           *ManagedUpgrade    `json:"upgrade,omitempty"`
	Volume            *Volume            `json:"volume,omitempty"`
	EncryptionDefault *EncryptionDefault `json:"encryptionDefault,omitempty"`
	Storage           *Storage           `json:"storage,omitempty"`
	Database          *Database          `json:"database,omitempty"`
	Key               *Key               `json:"key,omitempty"`
	TLS               *TLSEndpoint       `json:"tls,omitempty"`
	Identity          *Identity          `json:"identity,omitempty"`
	PasswordPolicy    *PasswordPolicy    `json:"passwordPolicy,omitempty"`
	Policy            *Policy            `json:"policy,omitempty"`
	Access            *AccessBindings    `json:"access,omitempty"`
}

// UID returns the identity of the resource across every scan: cloud,
// target, region, type and provider id. Two resources with the same name in
// different accounts or regions have different keys.
func (r Resource) UID() string { return UID(r.Cloud, r.Target, r.Region, r.Type, r.ID) }

// UID builds the identity Resource.UID returns from its parts, for code
// that holds a reference to a resource rather than the resource.
func UID(c Cloud, target, region, typ, id string) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s", c, target, region, typ, id)
}

// UIDHash is the resource's identity (the parts of UID) hashed to 128
// bits: enough to tell a million resources apart, in a fraction of the
// memory of their UIDs, and without formatting one.
func (r *Resource) UIDHash() [16]byte {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{string(r.Cloud), r.Target, r.Region, r.Type, r.ID} {
		b = append(append(b, s...), 0)
	}
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}

// Encode writes the inventory as indented JSON.
func (inv *Inventory) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(inv)
}

// EncodeStream writes the inventory as Encode does, its resources coming
// encoded one by one from resources instead of from inv.Resources (which
// is not written): for inventories too large to hold.
func (inv *Inventory) EncodeStream(w io.Writer, resources func(emit func(raw []byte) error) error) error {
	head := *inv
	head.Resources = []Resource{}
	return jsonout.Write(w, &head, "resources", resources)
}

// Decode reads an inventory written by Encode and checks its version and
// that every resource names a known type. It refuses input larger than
// jsonin.DefaultMaxBytes; see DecodeStream.
func Decode(r io.Reader) (*Inventory, error) {
	var resources []Resource
	inv, err := DecodeStream(r, 0, func(_ *Inventory, res *Resource) error {
		resources = append(resources, *res)
		return nil
	})
	if err != nil {
		return nil, err
	}
	inv.Resources = resources
	return inv, nil
}

// DecodeStream reads an inventory written by Encode without holding its
// resources: each one is checked and handed to fn (with the inventory
// read so far, whose schemaVersion and collectedAt are known by then) as
// soon as it is read, and the inventory returned holds everything but the
// resources. The input is refused past max bytes (jsonin.DefaultMaxBytes
// when max < 1), with duplicate keys, unknown fields or anything after
// the inventory; an input cut short is reported with the byte it ends at.
func DecodeStream(r io.Reader, max int64, fn func(inv *Inventory, res *Resource) error) (*Inventory, error) {
	inv, err := decodeStream(r, max, fn)
	if err != nil {
		return nil, fmt.Errorf("decode inventory: %w", err)
	}
	return inv, nil
}

func decodeStream(r io.Reader, max int64, fn func(inv *Inventory, res *Resource) error) (*Inventory, error) {
	in := jsonin.New(r, max)
	var inv Inventory
	var header struct{ version, collected bool }
	// Resources that come before the version and collection time (only a
	// hand-edited file has that order) wait for them.
	var early []Resource
	n := 0
	hand := func(res *Resource) error {
		if err := res.Validate(); err != nil {
			return fmt.Errorf("resources[%d]: %w", n, err)
		}
		n++
		return fn(&inv, res)
	}
	checkVersion := func() error {
		if inv.SchemaVersion != SchemaVersion {
			return fmt.Errorf("schemaVersion %d is not supported (want %d)", inv.SchemaVersion, SchemaVersion)
		}
		return nil
	}
	err := in.Object(func(key string) error {
		switch key {
		case "schemaVersion":
			if err := in.Value(&inv.SchemaVersion); err != nil {
				return err
			}
			header.version = true
			return checkVersion()
		case "collectedAt":
			header.collected = true
			return in.Value(&inv.CollectedAt)
		case "targets":
			return in.Value(&inv.Targets)
		case "errors":
			return in.Value(&inv.Errors)
		case "scanners":
			return in.Value(&inv.Scanners)
		case "resources":
			err := jsonin.Elements(in, runtime.GOMAXPROCS(0), func(_ int, res *Resource) error {
				if !header.version || !header.collected {
					early = append(early, *res)
					return nil
				}
				return hand(res)
			})
			if e, ok := err.(*jsonin.ElementError); ok {
				return fmt.Errorf("resources[%d]: %w", e.Index, e.Err)
			}
			return err
		}
		return fmt.Errorf("at byte %d: unknown field %q", in.Offset(), key)
	})
	if err != nil {
		return nil, err
	}
	if err := in.End(); err != nil {
		return nil, err
	}
	if err := checkVersion(); err != nil {
		return nil, err
	}
	for i := range early {
		if err := hand(&early[i]); err != nil {
			return nil, err
		}
	}
	return &inv, nil
}

// Facets returns the JSON names of the facets set on r, in the order
// Resource declares them.
func (r Resource) Facets() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"firewall", r.Firewall != nil},
		{"network", r.Network != nil},
		{"vm", r.VM != nil},
		{"upgrade", r.Upgrade != nil},
		{"volume", r.Volume != nil},
		{"encryptionDefault", r.EncryptionDefault != nil},
		{"storage", r.Storage != nil},
		{"database", r.Database != nil},
		{"key", r.Key != nil},
		{"tls", r.TLS != nil},
		{"identity", r.Identity != nil},
		{"passwordPolicy", r.PasswordPolicy != nil},
		{"policy", r.Policy != nil},
		{"access", r.Access != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Validate checks that the resource has a header and a known type, and
// carries no facet its type does not have. A facet may be missing: its
// details were not read, and the controls that need them say so.
func (r Resource) Validate() error {
	t, ok := Types[r.Type]
	for _, f := range r.Facets() {
		if ok && !slices.Contains(t.Facets, f) {
			return fmt.Errorf("resource %q of type %q has a %s facet, which the type does not have (it has %s)", r.ID, r.Type, f, strings.Join(t.Facets, ", "))
		}
	}
	switch {
	case !ok:
		return fmt.Errorf("unknown resource type %q", r.Type)
	case t.Cloud != r.Cloud:
		return fmt.Errorf("resource type %q belongs to cloud %q, not %q", r.Type, t.Cloud, r.Cloud)
	case r.ID == "":
		return fmt.Errorf("resource of type %q has no id", r.Type)
	case r.Target == "":
		return fmt.Errorf("resource %q has no target", r.ID)
	}
	return nil
}
