package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/report"
)

// hostile is a value from a cloud or an input document that tries to
// drive a terminal: a line break and a forged line, a clear screen, a
// window title, a carriage return, a right-to-left override and a byte
// that is not UTF-8.
const hostile = "x\ntime=2026-01-01T00:00:00Z level=INFO msg=\"all clear\"\x1b[2J\x1b]0;pwned\x07\roverwrite\u202eevil\xff"

// terminalActs lists what in out a terminal would act on, line feeds
// aside.
func terminalActs(out string) []rune {
	var bad []rune
	for _, r := range strings.ToValidUTF8(out, "\x00") {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			bad = append(bad, r)
		}
	}
	return bad
}

// TestErrorsCannotDriveTheTerminal merges two documents, one of which
// names its declaration's digest with escape sequences and a line break:
// the error that quotes it reaches stderr as text, on lines of its own
// message.
func TestErrorsCannotDriveTheTerminal(t *testing.T) {
	dir := t.TempDir()
	for name, sha := range map[string]string{"a.json": "aaaa", "b.json": hostile} {
		d := &declaration.Declaration{Version: declaration.Version, File: "d.yaml", SHA256: sha}
		doc := report.Build(nil, d, nil, report.Meta{ScanID: name})
		var b bytes.Buffer
		if err := report.WriteJSON(&b, doc); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stderr bytes.Buffer
	code := run([]string{"merge", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")}, io.Discard, &stderr)
	out := stderr.String()
	if code != exitUsage || !strings.Contains(out, "different declarations") {
		t.Fatalf("merge: exit %d, stderr %q; want exit %d and the declarations told apart", code, out, exitUsage)
	}
	if bad := terminalActs(out); len(bad) > 0 {
		t.Errorf("stderr carries %q", bad)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
		if !strings.HasPrefix(line, "  ") {
			t.Errorf("a value started a line of its own on stderr: %q", line)
		}
	}
	if !strings.Contains(out, `\x1b[2J\x1b]0;pwned\a\roverwrite\u202eevil`) {
		t.Errorf("stderr does not show the escape sequences as text: %q", out)
	}
}

// TestLogsCannotDriveTheTerminal logs cloud values the way the scanners
// and subcommands do: as the message, as string, error and list
// attributes. Each record stays one line, and the values reach stderr as
// text.
func TestLogsCannotDriveTheTerminal(t *testing.T) {
	var b bytes.Buffer
	logger, err := newLogger(&b, "debug", false)
	if err != nil {
		t.Fatal(err)
	}
	logger.Warn("could not read "+hostile, "target", hostile, "error", errors.New(hostile), "regions", []string{hostile}, "n", 1)
	out := b.String()
	if n := strings.Count(out, "\n"); n != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("one record took %d lines: %q", n, out)
	}
	if bad := terminalActs(out); len(bad) > 0 {
		t.Errorf("log carries %q: %q", bad, out)
	}
	if !strings.Contains(out, `\x1b[2J`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("log does not show the escape sequences as text: %q", out)
	}
}
