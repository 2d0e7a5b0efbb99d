package declaration

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusals covers the limits that need more than a file in
// testdata/bad: a smaller size limit, the bounded read of a file that
// never ends, and the node limit of each of the two checks. Golden files
// are in testdata/limits; -update rewrites them.
func TestRefusals(t *testing.T) {
	small := Options{MaxSize: 1 << 10}
	for _, tc := range []struct {
		name string
		load func(t *testing.T) (*Declaration, error)
	}{
		{"size-file", func(t *testing.T) (*Declaration, error) {
			// Refused from its size, before it is read.
			t.Chdir(t.TempDir())
			writeFile(t, "big.yaml", "version: 1\n"+strings.Repeat("# padding\n", 200))
			return small.Load("big.yaml")
		}},
		{"size-stream", func(t *testing.T) (*Declaration, error) {
			// A pipe that never ends: only the limit and one byte are read.
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			go func() {
				defer w.Close()
				for {
					if _, err := w.WriteString("# padding\n"); err != nil {
						return
					}
				}
			}()
			d, err := small.Load(fmt.Sprintf("/dev/fd/%d", r.Fd()))
			return d, renameFile(err, "stream.yaml")
		}},
		{"dev-zero", func(t *testing.T) (*Declaration, error) {
			return Load("/dev/zero")
		}},
		{"nodes-flow", func(t *testing.T) (*Declaration, error) {
			// Counted from the bytes, before the file is tokenized.
			return Options{MaxSize: 256}.Parse("nodes-flow.yaml", []byte("version: 1\nparties: ["+strings.Repeat("a, ", 40)+"a]\n"))
		}},
		{"nodes-ceiling", func(t *testing.T) (*Declaration, error) {
			// However large the size limit, the node limit stops here.
			return Options{MaxSize: 64 << 20}.Parse("nodes-ceiling.yaml", []byte("version: 1\nparties: ["+strings.Repeat("a,", MaxNodes)+"a]\n"))
		}},
		{"nodes-block", func(t *testing.T) (*Declaration, error) {
			// Anchored items: the bytes show two nodes per item, the
			// tokens four ("-", "&", the anchor's name, the value).
			return Options{MaxSize: 256}.Parse("nodes-block.yaml", []byte("version: 1\nparties:\n"+strings.Repeat("- &a x\n", 12)))
		}},
	} {
		path, err := filepath.Abs(filepath.Join(declDir, "limits", tc.name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.load(t)
			var de *Error
			if !errors.As(err, &de) || d != nil {
				t.Fatalf("got %v, %v; want an *Error", d, err)
			}
			if len(de.Issues) != 1 {
				t.Errorf("%d issues, want one line:\n%v", len(de.Issues), err)
			}
			golden(t, path, err.Error()+"\n")
		})
	}
}

// renameFile replaces the file name of err's issues, which name a
// descriptor number that differs from run to run.
func renameFile(err error, name string) error {
	var de *Error
	if errors.As(err, &de) {
		for i := range de.Issues {
			de.Issues[i].Pos.File = name
		}
	}
	return err
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLimitsLeaveDeclarationsAlone runs the checks of checkLimits, which
// the fuzzer runs on random input, on what real declarations hold: every
// file in testdata and the templates, and the constructs the byte check
// must not mistake for structure (brackets and dashes in strings, block
// strings and comments, plain strings that go on over several lines),
// nested as deep as the limit allows.
func TestLimitsLeaveDeclarationsAlone(t *testing.T) {
	var inputs []string
	files := append(declFiles(t, "good"), declFiles(t, "bad")...)
	templates, _ := filepath.Glob(filepath.Join("..", "configs", "declarations", "*.yaml"))
	for _, f := range append(files, templates...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(data))
	}
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "x" + strings.Repeat(close, n)
	}
	var block strings.Builder
	for i := range MaxDepth {
		fmt.Fprintf(&block, "%sk%d:\n", strings.Repeat("  ", i), i)
	}
	inputs = append(inputs,
		deep("[", "]", MaxDepth),
		deep("{a: ", "}", MaxDepth),
		strings.Repeat("- ", MaxDepth)+"x\n",
		block.String(),
		"a: \"[[[[[[[[[[[[[[[[[[\"\nb: '{{{{{{{{{{{{{{{{{{ '' ['\n",
		"a: |\n  [[[[[[[[[[[[[[[[[[\n  - - - - - - - - - - - - - - - - - -\nb: 1\n",
		"a: >-\n  {{{{{{{{{{{{{{{{{{\n\n  ,,,,\nb: 1\n",
		"# [[[[[[[[[[[[[[[[[[\na: 1 # {{{{{{{{{{{{{{{{{{\n",
		"reason: a plain string\n  - - - - - - - - - - - - - - - - - - that goes on\n  [[[[[[[[[[[[[[[[[[ and on\n",
		"- a plain item\n  - - - - - - - - - - - - - - - - - - that goes on\n",
		"a: x [[[[[[[[[[[[[[[[[[\n",
		"\"quoted\nover [[[[[[[[[[[[[[[[[[ lines\": 1\n",
		"a:\n- b\n- c:\n  - d\n",
	)
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkLimits(t, []byte(in)) })
	}
	// The constructs above are no deeper than the limit: Parse reads them.
	for _, in := range inputs[len(inputs)-13:] {
		var de *Error
		if _, err := Parse("x.yaml", []byte(in)); errors.As(err, &de) && strings.Contains(err.Error(), "deep") {
			t.Errorf("Parse(%q) = %v, want no depth refusal", in, err)
		}
	}
}

// TestSizeLimitCountsEveryByte checks that a byte order mark counts
// toward the size limit: a read cut at the limit is refused, never parsed
// as though the file ended there.
func TestSizeLimitCountsEveryByte(t *testing.T) {
	decl := "version: 1\nparties: [{id: acme, role: customer}]\nresponsibilities: [{assign: {iam: acme}}]\n# " + strings.Repeat("x", 200) + "\n"
	bom := "\xef\xbb\xbf" + decl
	if _, err := (Options{MaxSize: int64(len(bom))}).Parse("d.yaml", []byte(bom)); err != nil {
		t.Fatalf("Parse at the limit: %v", err)
	}
	_, err := Options{MaxSize: int64(len(bom) - 1)}.Parse("d.yaml", []byte(bom))
	if err == nil || !strings.Contains(err.Error(), "declaration is more than") {
		t.Errorf("Parse one byte over the limit = %v, want the size refused", err)
	}
}
