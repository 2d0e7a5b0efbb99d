package declaration

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
)

const declDir = "testdata"

// declFiles returns the .yaml files of a testdata folder, sorted.
func declFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(declDir, dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no declarations in %s/%s", declDir, dir)
	}
	return files
}

// parseFile parses a testdata declaration under its base name, so golden
// messages do not depend on where the tests run.
func parseFile(t *testing.T, path string) (*Declaration, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(filepath.Base(path), data)
}

func TestBadDeclarations(t *testing.T) {
	files := declFiles(t, "bad")
	if len(files) < 25 {
		t.Errorf("%d malformed declarations in testdata, want at least 25", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			d, err := parseFile(t, f)
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, nil; want an error", f, d)
			}
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("Parse(%s) error is %T, want *Error", f, err)
			}
			if d != nil {
				t.Errorf("Parse(%s) returned a declaration with its error", f)
			}
			for _, is := range de.Issues {
				if is.Pos.File != filepath.Base(f) || is.Pos.Line < 1 || is.Pos.Column < 1 {
					t.Errorf("issue %q has position %+v, want %s with line and column >= 1", is.Message, is.Pos, filepath.Base(f))
				}
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".golden", err.Error()+"\n")
		})
	}
}

func TestBadDeclarationsHaveGoldens(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join(declDir, "bad", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".yaml"); err != nil {
			t.Errorf("golden file %s has no declaration: %v", g, err)
		}
	}
}

func TestGoodDeclarations(t *testing.T) {
	for _, f := range declFiles(t, "good") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Parse(f, data)
			if err != nil {
				t.Fatalf("Parse(%s) error:\n%v", f, err)
			}
			sum := sha256.Sum256(data)
			if d.File != f || d.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("File, SHA256 = %q, %q; want %q, %q", d.File, d.SHA256, f, hex.EncodeToString(sum[:]))
			}
			if d.Version != Version {
				t.Errorf("Version = %d, want %d", d.Version, Version)
			}
			for i, r := range d.Responsibilities {
				if r.Pos.File != f || r.Pos.Line < 1 || r.Pos.Column < 1 {
					t.Errorf("responsibilities[%d].Pos = %+v, want a position in %s", i, r.Pos, f)
				}
				for dom, party := range r.Assign {
					if _, ok := d.Party(party); !ok {
						t.Errorf("responsibilities[%d].assign.%s = %q, which Party does not find", i, dom, party)
					}
				}
			}
			s := d.Settings
			if s.AccessKeyMaxAgeDays < 1 || s.PatchAssessmentMaxAgeDays < 1 || s.KeyRotationMaxDays < 1 || s.UnusedCredentialsDays < 1 || s.MaxOwners < 1 {
				t.Errorf("Settings = %+v, want every threshold set", s)
			}
		})
	}
}

// TestDeclarationContent checks what the parser makes of the block-style
// example: entry positions, defaults next to given settings, and values the
// YAML could have turned into something else.
func TestDeclarationContent(t *testing.T) {
	d, err := parseFile(t, filepath.Join(declDir, "good", "block-style.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("positions", func(t *testing.T) {
		var got [][2]int
		for _, r := range d.Responsibilities {
			got = append(got, [2]int{r.Pos.Line, r.Pos.Column})
		}
		want := [][2]int{{34, 3}, {40, 3}, {47, 3}, {56, 3}}
		if !slices.Equal(got, want) {
			t.Errorf("responsibility positions = %v, want %v", got, want)
		}
		if d.Responsibilities[0].Pos.File != "block-style.yaml" {
			t.Errorf("Pos.File = %q, want block-style.yaml", d.Responsibilities[0].Pos.File)
		}
	})
	t.Run("settings", func(t *testing.T) {
		want := controls.DefaultSettings
		want.AccessKeyMaxAgeDays = 30
		want.RequireCustomerManagedKeys = true
		if d.Settings != want {
			t.Errorf("Settings = %+v, want %+v", d.Settings, want)
		}
	})
	t.Run("parties", func(t *testing.T) {
		p, ok := d.Party("globex")
		if !ok || p.Role != controls.Customer || p.Name != "Globex Corporation" || p.Contact != "cloud-team@globex.example" {
			t.Errorf("Party(globex) = %+v, %v; want the customer Globex Corporation", p, ok)
		}
		if p, ok := d.Party("initech.msp"); !ok || p.Role != controls.MSP {
			t.Errorf("Party(initech.msp) = %+v, %v; want an msp", p, ok)
		}
		if p, ok := d.Party("acme"); ok {
			t.Errorf("Party(acme) = %+v, true; want not found", p)
		}
	})
	t.Run("values", func(t *testing.T) {
		if got := d.Targets.AWS[0].Account; got != "333333333333" {
			t.Errorf("account = %q, want 333333333333", got)
		}
		if !d.Targets.AWS[1].Organization || d.Targets.AWS[1].AssumeRoleName != "OwnauditReadOnly" {
			t.Errorf("organization target = %+v", d.Targets.AWS[1])
		}
		tags := d.Responsibilities[2].Match.Tags
		want := map[string]string{"data-owner": AnyTagValue, "app.kubernetes.io/part-of": "billing", "cost-center": "4711"}
		if len(tags) != len(want) {
			t.Errorf("tags = %v, want %v", tags, want)
		}
		for k, v := range want {
			if tags[k] != v {
				t.Errorf("tags[%q] = %q, want %q", k, tags[k], v)
			}
		}
		if got := d.Responsibilities[1].Assign[inventory.Patching]; got != "gcp" {
			t.Errorf("responsibilities[1].assign.patching = %q, want gcp", got)
		}
		if got := d.Responsibilities[3].Controls["firewall.admin_ports_open_to_internet"]; got != "globex" {
			t.Errorf("responsibilities[3].controls = %v, want the admin-ports override to globex", d.Responsibilities[3].Controls)
		}
		if m := d.Responsibilities[0].Match; m.Cloud != "" || len(m.Targets)+len(m.Regions)+len(m.ResourceTypes)+len(m.Tags) != 0 {
			t.Errorf("responsibilities[0].match = %+v, want empty", m)
		}
		if d.OwnershipTag != "owner" {
			t.Errorf("OwnershipTag = %q, want owner", d.OwnershipTag)
		}
	})
}

// TestDeclarationIssues checks single issues on small inputs, where a
// golden file would hide what matters.
func TestDeclarationIssues(t *testing.T) {
	const head = "version: 1\nparties: [{id: acme, role: customer}]\n"
	cases := []struct {
		name, yaml string
		// want is the one expected issue as line:col: message prefix.
		want string
	}{
		{"zero bytes", "", "1:1: empty declaration"},
		{"only a document marker", "---\n", "1:1: empty declaration"},
		{"scalar document", "hello\n", "1:1: expected a mapping with keys version"},
		{"version float", "version: 1.0\n" + head[11:] + "responsibilities: [{assign: {iam: acme}}]\n", "1:10: expected a whole number for version, found the number 1.0"},
		{"version null", "version:\n" + head[11:] + "responsibilities: [{assign: {iam: acme}}]\n", "1:9: expected a whole number for version, found no value"},
		{"null party in assign", head + "responsibilities: [{assign: {iam: }}]\n", `3:34: no value for "iam" in responsibilities[0].assign; expected a party id`},
		{"empty party in assign", head + "responsibilities: [{assign: {iam: \"\"}}]\n", "3:35: no party for domain iam in responsibilities[0].assign; expected one of the declared parties: acme"},
		{"tag key not a string", head + "responsibilities: [{match: {tags: {42: x}}, assign: {iam: acme}}]\n", `3:36: key 42 in responsibilities[0].match.tags is not a string; quote it: "42"`},
		{"merge key", head + "responsibilities:\n  - <<: {assign: {iam: acme}}\n", "4:5: merge keys (<<) are not supported in responsibilities[0]"},
		{"yaml tag", head + "responsibilities: [{assign: {iam: !!str acme}}]\n", "3:35: YAML tag !!str is not supported in responsibilities[0].assign.iam"},
		{"null entry", head + "responsibilities:\n  -\n", "4:3: responsibilities[0] assigns nothing"},
		{"party contact a list", "version: 1\nparties: [{id: acme, role: customer, contact: [a, b]}]\nresponsibilities: [{assign: {iam: acme}}]\n", "2:47: expected a string for parties[0].contact, found a list"},
		{"party name a number", "version: 1\nparties: [{id: acme, role: customer, name: 42}]\nresponsibilities: [{assign: {iam: acme}}]\n", `2:44: expected a string for parties[0].name, found the number 42; quote it: "42"`},
		{"party name of 12 digits", "version: 1\nparties: [{id: acme, role: customer, name: 111111111111}]\nresponsibilities: [{assign: {iam: acme}}]\n", `2:44: expected a string for parties[0].name, found the number 111111111111; quote it: "111111111111"`},
		{"control for another cloud", head + "responsibilities: [{match: {cloud: azure}, controls: {iam.root_mfa_disabled: acme}}]\n", "3:55: control iam.root_mfa_disabled in responsibilities[0].controls checks no azure resource"},
		{"empty tag key", head + "responsibilities: [{match: {tags: {\"\": x}}, assign: {iam: acme}}]\n", "3:36: empty tag key in responsibilities[0].match.tags"},
		{"external id without shape", "version: 1\nparties: [{id: acme, role: customer}]\ntargets: {aws: [{account: \"111111111111\", assumeRole: \"arn:aws:iam::111111111111:role/r\", externalId: \"a b\"}]}\nresponsibilities: [{assign: {iam: acme}}]\n", "3:103: malformed external id in targets.aws[0].externalId"},
		{"version too big", "version: 99999999999999999999\n" + head[11:] + "responsibilities: [{assign: {iam: acme}}]\n", "1:10: number 99999999999999999999 for version is out of range"},
		{"block string for a list", head + "responsibilities: |\n  - assign: {iam: acme}\n", "3:19: expected a list for responsibilities, found a block string (|)"},
		{"directive then two documents", "%YAML 1.2\n---\n" + head + "responsibilities: [{assign: {iam: acme}}]\n---\nversion: 1\n", "6:1: a second YAML document starts here"},
		{"unterminated quote", head + "responsibilities: [{assign: {iam: \"acme}}]\n", "3:35: invalid YAML: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("", []byte(tc.yaml))
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("Parse(%q) error = %v, want an *Error", tc.yaml, err)
			}
			if len(de.Issues) != 1 || !strings.HasPrefix(de.Issues[0].String(), tc.want) {
				t.Errorf("Parse(%q) error:\n%v\nwant one issue starting %q", tc.yaml, err, tc.want)
			}
		})
	}
}

// TestDeclarationYAMLForms checks YAML spellings a declaration may use.
func TestDeclarationYAMLForms(t *testing.T) {
	const body = "version: 1\nparties: [{id: acme, role: customer}]\nresponsibilities: [{assign: {iam: acme}}]\n"
	cases := map[string]string{
		"yaml directive":        "%YAML 1.2\n---\n" + body,
		"document end marker":   body + "...\n",
		"document start marker": "---\n" + body,
		"windows line endings":  strings.ReplaceAll(body, "\n", "\r\n"),
		"block list":            "version: 1\nparties:\n- id: acme\n  role: customer\nresponsibilities:\n- assign:\n    iam: acme\n",
	}
	for name, yaml := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := Parse("forms.yaml", []byte(yaml))
			if err != nil {
				t.Fatalf("Parse(%q) error:\n%v", yaml, err)
			}
			if got := d.Responsibilities[0].Assign[inventory.IAM]; got != "acme" {
				t.Errorf("assign.iam = %q, want acme", got)
			}
		})
	}
}

func TestErrorOrder(t *testing.T) {
	e := (&declParser{file: "f.yaml"})
	e.add(Position{File: "f.yaml", Line: 9, Column: 2}, "c")
	e.add(Position{File: "f.yaml", Line: 2, Column: 7}, "b")
	e.add(Position{File: "f.yaml", Line: 2, Column: 3}, "a")
	e.add(Position{File: "f.yaml", Line: 2, Column: 3}, "a")
	got := e.err().Error()
	want := "f.yaml:2:3: a\nf.yaml:2:7: b\nf.yaml:9:2: c"
	if got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseSuppressions(t *testing.T) {
	d, err := parseFile(t, filepath.Join(declDir, "good", "suppressions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []SuppressionEntry{
		{Control: "iam.root_mfa_disabled", Resource: "arn:aws:iam::111111111111:root",
			Reason: "hardware token on order, break-glass procedure in place", AcceptedBy: "acme", Expires: "2026-06-30",
			Pos: Position{File: "suppressions.yaml", Line: 9, Column: 3}},
		{Control: "firewall.admin_ports_open_to_internet", Resource: "sg-0bastion*", Reason: "bastion host",
			AcceptedBy: "claranet", Expires: "2026-12-31", Pos: Position{File: "suppressions.yaml", Line: 14, Column: 3}},
	}
	if !reflect.DeepEqual(d.Suppressions, want) {
		t.Errorf("Suppressions = %+v, want %+v", d.Suppressions, want)
	}
}

func TestLoad(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		path := filepath.Join(declDir, "good", "minimal.yaml")
		d, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if d.File != path || d.Responsibilities[0].Pos != (Position{File: path, Line: 6, Column: 3}) {
			t.Errorf("Load(%s): File %q, first entry at %+v", path, d.File, d.Responsibilities[0].Pos)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Load(missing) error = %v, want one wrapping os.ErrNotExist", err)
		}
	})
}

func TestTemplates(t *testing.T) {
	for _, name := range []string{"self-service.yaml", "managed-service.yaml"} {
		t.Run(name, func(t *testing.T) {
			d, err := Load(filepath.Join("..", "configs", "declarations", name))
			if err != nil {
				t.Fatalf("template does not parse:\n%v", err)
			}
			clouds := map[string]bool{"aws": len(d.Targets.AWS) > 0, "azure": len(d.Targets.Azure) > 0, "gcp": len(d.Targets.GCP) > 0}
			for c, ok := range clouds {
				if !ok {
					t.Errorf("template has no example %s target", c)
				}
			}
			roles := map[controls.Role]bool{}
			for _, p := range d.Parties {
				roles[p.Role] = true
			}
			if !roles[controls.Customer] || !roles[controls.Provider] {
				t.Errorf("template parties have roles %v, want at least a customer and a provider", roles)
			}
		})
	}
}
