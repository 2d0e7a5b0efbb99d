package declaration

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml"
)

// FuzzParse feeds the parser arbitrary bytes. It must never panic; a
// failure must be an *Error whose issues all have a position (an empty
// file is reported at 1:1, so line 0 never occurs); a success must survive
// a marshal and re-parse unchanged.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, dir := range []string{"good", "bad"} {
		seeds = append(seeds, declFiles(f, dir)...)
	}
	templates, err := filepath.Glob(filepath.Join("..", "configs", "declarations", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range append(seeds, templates...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.yaml", data)
		if err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, want *Error: %v", err, err)
			}
			if len(de.Issues) == 0 {
				t.Fatal("*Error with no issues")
			}
			for _, is := range de.Issues {
				if is.Pos.Line < 1 || is.Pos.Column < 1 || is.Pos.File != "fuzz.yaml" || is.Message == "" {
					t.Errorf("issue %+v lacks a position or message", is)
				}
			}
			return
		}
		// Flow style quotes every string. goccy's block style leaves a
		// few strings plain that then read back as something else (".inf"
		// as a number, a leading tab dropped), which is the encoder's
		// problem and not the parser's; TestDeclarationRoundTrip covers
		// block style on realistic declarations.
		out, err := yaml.MarshalWithOptions(d, yaml.JSON())
		if err != nil {
			t.Fatalf("marshal parsed declaration: %v", err)
		}
		again, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("re-parse of marshalled declaration failed:\n%v\nmarshalled:\n%s", err, out)
		}
		if got, want := canonical(t, again), canonical(t, d); got != want {
			t.Errorf("round trip changed the declaration:\ngot  %s\nwant %s", got, want)
		}
	})
}

// canonical is the JSON form of d, which leaves out the file, digest and
// positions and treats empty and absent lists alike.
func canonical(t *testing.T, d *Declaration) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeclarationRoundTrip marshals every good declaration and template in
// block style and parses the result again.
func TestDeclarationRoundTrip(t *testing.T) {
	files := declFiles(t, "good")
	templates, err := filepath.Glob(filepath.Join("..", "configs", "declarations", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, templates...) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := yaml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("again.yaml", out)
			if err != nil {
				t.Fatalf("re-parse failed:\n%v\nmarshalled:\n%s", err, out)
			}
			if got, want := canonical(t, again), canonical(t, d); got != want {
				t.Errorf("round trip changed the declaration:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}
