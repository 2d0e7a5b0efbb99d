package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ownaudit/ownaudit/report/internal/reporttest"
	"github.com/ownaudit/ownaudit/rules"
)

func TestWriteTableGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, testDocument(), TableOptions{}); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	reporttest.Golden(t, "table.golden", buf.Bytes(), *update)
}

func TestWriteSummaryGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, testDocument(), TableOptions{}); err != nil {
		t.Fatalf("WriteSummary: %v", err)
	}
	reporttest.Golden(t, "summary.golden", buf.Bytes(), *update)
}

func TestWriteTableGrouping(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, testDocument(), TableOptions{}); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	out := buf.String()
	// The unassigned group comes first, then parties in declaration order,
	// then the errors and the totals.
	order := []string{"\nunassigned: ", "\nacme (customer)", "\nclaranet (msp)", "\naws (provider)", "\ncould not read:", "\ntotal: "}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < 0 {
			t.Errorf("output lacks %q", s)
			continue
		}
		if i < last {
			t.Errorf("%q appears out of order", s)
		}
		last = i
	}
	// Failing findings are listed most severe first, then the passed
	// ones the document holds.
	acme := out[strings.Index(out, "\nacme (customer)"):strings.Index(out, "\nclaranet (msp)")]
	c, m, p := strings.Index(acme, "critical"), strings.Index(acme, "medium "), strings.Index(acme, "  1 passed:\n")
	if c < 0 || m < 0 || c > m {
		t.Errorf("acme's findings are not sorted by severity:\n%s", acme)
	}
	if p < m || !strings.Contains(acme[max(p, 0):], "root user has MFA enabled") {
		t.Errorf("acme's passed finding is not listed after its failing ones:\n%s", acme)
	}

	// A document without its passed findings lists none, though it still
	// counts them.
	buf.Reset()
	if err := WriteTable(&buf, testDocument().WithoutPassed(), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "passed:") || strings.Contains(out, "root user has MFA enabled") || !strings.Contains(out, ", 2 passed") {
		t.Errorf("without passed findings, the table still lists one or no longer counts them:\n%s", out)
	}
}

// TestWriteTableUnread checks the section on what could not be read: each
// failed read with the controls it left unevaluated, and each finding not
// evaluated with its party and why, naming the failed read behind it.
func TestWriteTableUnread(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, unreadDocument(), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"could not read:\n  aws 111111111111/eu-west-1  patching  ssm:DescribeInstancePatchStates  AccessDeniedException: not authorized (needs ssm:DescribeInstancePatchStates)\n" +
			"    left unevaluated: patching.assessment_stale, patching.missing_security_updates, patching.vm_unmanaged\n",
		"not evaluated (3):\n",
		"claranet  high      patching.missing_security_updates  batch-1   aws 111111111111/eu-west-1     patch state could not be read; read failed: ssm:DescribeInstancePatchStates in aws 111111111111/eu-west-1\n",
		"claranet  medium    patching.assessment_stale          batch-1   aws 111111111111/eu-west-1     last assessment time could not be read; read failed: ssm:DescribeInstancePatchStates in aws 111111111111/eu-west-1\n",
		// The read failed in another region: this one was read, without
		// its patch state.
		"claranet  high      patching.missing_security_updates  web       aws 111111111111/eu-central-1  patch state could not be read\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks\n%s\ngot:\n%s", want, out)
		}
	}
}

func TestWriteTableNoColorByDefault(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, testDocument(), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b[") {
		t.Errorf("output without Color contains escape sequences")
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestWriteTableColorKeepsLayout checks that colouring only adds escape
// sequences: without them the text, and so the column alignment, is the
// same as the plain output.
func TestWriteTableColorKeepsLayout(t *testing.T) {
	for name, write := range map[string]func(*bytes.Buffer, TableOptions) error{
		"table":   func(b *bytes.Buffer, o TableOptions) error { return WriteTable(b, testDocument(), o) },
		"summary": func(b *bytes.Buffer, o TableOptions) error { return WriteSummary(b, testDocument(), o) },
	} {
		t.Run(name, func(t *testing.T) {
			var plain, color bytes.Buffer
			if err := write(&plain, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := write(&color, TableOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			if !ansi.Match(color.Bytes()) {
				t.Fatalf("output with Color has no escape sequences")
			}
			if got := ansi.ReplaceAllString(color.String(), ""); got != plain.String() {
				t.Errorf("colour changed the layout:\ngot:\n%s\nwant:\n%s", got, plain.String())
			}
		})
	}
}

func TestWriteTableWidth(t *testing.T) {
	const width = 130
	var buf bytes.Buffer
	if err := WriteTable(&buf, testDocument(), TableOptions{Width: width}); err != nil {
		t.Fatal(err)
	}
	long := "which lets anyone on the internet try to log in to every instance in the group"
	if strings.Contains(buf.String(), long) {
		t.Errorf("long message was not cut at width %d:\n%s", width, buf.String())
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "  high ") || strings.HasPrefix(line, "  critical ") || strings.HasPrefix(line, "  medium ") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("finding row is %d wide, want at most %d: %q", n, width, line)
			}
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer message", 10, "a longe..."},
		{"größenwahnsinnig", 8, "größe..."},
		{"unlimited", 0, "unlimited"},
	}
	for _, tc := range tests {
		t.Run(tc.s, func(t *testing.T) {
			if got := truncate(tc.s, tc.n); got != tc.want {
				t.Errorf("truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
			}
		})
	}
}

func TestWriteTableUndeclaredParty(t *testing.T) {
	f := reporttest.Findings()[0]
	f.Responsible = reporttest.Owner("ghost", "", 0)
	doc := Build(nil, reporttest.Declaration(), []rules.Finding{f}, Meta{ScanID: "x"})
	var buf bytes.Buffer
	if err := WriteTable(&buf, doc, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\nghost\n") {
		t.Errorf("a party the document does not list has no group:\n%s", buf.String())
	}
}
