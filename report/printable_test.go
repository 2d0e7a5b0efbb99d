package report

import "testing"

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
