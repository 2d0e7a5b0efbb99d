package report

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ownaudit/ownaudit/controls"
)

func TestPrintable(t *testing.T) {
	tests := []struct {
		in, want, wantLines string
	}{
		{"web-1", "web-1", "web-1"},
		{"größe 🟥 日本", "größe 🟥 日本", "größe 🟥 日本"},
		{"a\nb", `a\nb`, "a\nb"},
		{"a\r\nb", `a\r\nb`, "a\nb"},
		{"over\rwrite", `over\rwrite`, `over\rwrite`},
		{"a\tb", `a\tb`, `a\tb`},
		{"\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\a`, `\x1b[2J\x1b]0;pwned\a`},
		{"\x00\x7f", `\x00\x7f`, `\x00\x7f`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`, `c1 \u0085 \u009b`},
		{"line\u2028para\u2029", `line\u2028para\u2029`, `line\u2028para\u2029`},
		{"\u202egnp.exe\u202c \u2066x\u2069 \u200e\u200f\u061c", `\u202egnp.exe\u202c \u2066x\u2069 \u200e\u200f\u061c`, `\u202egnp.exe\u202c \u2066x\u2069 \u200e\u200f\u061c`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`, `bad \xff\xfe utf-8`},
		{"kept \ufffd", "kept \ufffd", "kept \ufffd"},
	}
	for _, tc := range tests {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := PrintableLines(tc.in); got != tc.wantLines {
			t.Errorf("PrintableLines(%q) = %q, want %q", tc.in, got, tc.wantLines)
		}
		if got := Printable(Printable(tc.in)); got != tc.want {
			t.Errorf("Printable is not idempotent on %q: %q", tc.in, got)
		}
	}
}

// evil is what a resource name, a tag, a message or a party name may hold:
// a line break and a forged row, a colour, a window title, a clear
// screen, bidirectional overrides, a tab (a tabwriter column), C1
// controls and bytes that are not UTF-8.
const evil = "\n  critical  iam.root_mfa_disabled  forged  aws 111111111111  forged row\r\x1b[32mall clear\x1b[0m\x1b]0;pwned\x07\x1b[2J\u202eevil\u202c\u2066\u2069\u2028\tcol\x85\x9b\x7f\xff"

// poisonedDocument is testDocument with suffix appended to every string
// it holds except the statuses (so that findings still fail, pass or
// error), and its summary counted again.
func poisonedDocument(suffix string) *Document {
	doc := testDocument()
	status := reflect.TypeFor[controls.Status]()
	eachString(reflect.ValueOf(doc), func(s reflect.Value) {
		if s.Type() != status {
			s.SetString(s.String() + suffix)
		}
	})
	doc.Summary = Summarize(doc.Findings)
	return doc
}

// unsafeRunes lists what in out a terminal would act on: every control
// character but the line feed, the bidirectional controls, the line and
// paragraph separators and bytes that are not UTF-8.
func unsafeRunes(out string) []string {
	var bad []string
	for i, r := range out {
		invalid := r == utf8.RuneError && !strings.HasPrefix(out[i:], "\ufffd")
		if invalid || r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029') {
			bad = append(bad, fmt.Sprintf("%q at byte %d", out[i:i+max(1, utf8.RuneLen(r))], i))
		}
	}
	return bad
}

// TestWritersNeutraliseControls writes a document whose every string
// carries escape sequences, line breaks and bidirectional overrides in
// each human format: none may reach the output, and none may add a line
// (a forged table row).
func TestWritersNeutraliseControls(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer, *Document) error
		// lines is false where a line feed is mere white space (HTML).
		lines bool
		// shown is how the output writes ESC [32m out.
		shown string
	}{
		{"table", func(b *bytes.Buffer, d *Document) error { return WriteTable(b, d, TableOptions{Width: 200}) }, true, `\x1b[32mall clear`},
		{"summary", func(b *bytes.Buffer, d *Document) error { return WriteSummary(b, d, TableOptions{}) }, true, `\x1b[32mall clear`},
		{"markdown", func(b *bytes.Buffer, d *Document) error { return WriteMarkdown(b, d) }, true, `\\x1b\[32mall clear`},
		{"html", func(b *bytes.Buffer, d *Document) error { return WriteHTML(b, d) }, false, `\x1b[32mall clear`},
	} {
		write := tc.write
		t.Run(tc.name, func(t *testing.T) {
			var plain, poisoned bytes.Buffer
			if err := write(&plain, poisonedDocument("x")); err != nil {
				t.Fatal(err)
			}
			if err := write(&poisoned, poisonedDocument(evil)); err != nil {
				t.Fatal(err)
			}
			out := poisoned.String()
			if bad := unsafeRunes(out); len(bad) > 0 {
				t.Errorf("output carries %d characters a terminal acts on, first %q", len(bad), bad[0])
			}
			if got, want := strings.Count(out, "\n"), strings.Count(plain.String(), "\n"); tc.lines && got != want {
				t.Errorf("output has %d lines, the same document with harmless values %d: values added lines", got, want)
			}
			if !strings.Contains(out, tc.shown) {
				t.Errorf("output does not show the escape sequence as text:\n%s", out)
			}
		})
	}
}

// TestWriteTableColorOnlyOwnEscapes checks that with colour on, the only
// escape sequences are the table's own colour codes.
func TestWriteTableColorOnlyOwnEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, poisonedDocument(evil), TableOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	own := ansi.ReplaceAllString(b.String(), "")
	if strings.ContainsRune(own, '\x1b') {
		t.Errorf("coloured table carries an escape sequence that is not its own:\n%q", own)
	}
}
