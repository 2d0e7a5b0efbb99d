package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/internal/atomicfile"
	"github.com/ownaudit/ownaudit/report"
)

// stdoutPath is the output path that means standard output.
const stdoutPath = "-"

// toStdout reports whether an --output path means standard output.
func toStdout(path string) bool { return path == "" || path == stdoutPath }

// checkOutput finds out, before anything is read or scanned, whether the
// path given to flag can be written: an unwritable path is a usage error
// then, not a lost scan later. "-" is standard output where stdoutOK.
func checkOutput(flag, path string, stdoutOK bool) error {
	switch {
	case path == "":
		return nil
	case path == stdoutPath && stdoutOK:
		return nil
	case path == stdoutPath:
		return fmt.Errorf("%s -: only --output can be standard output; name a file", flag)
	}
	if err := atomicfile.Check(path); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	return nil
}

// writeOutput writes through write to standard output or to the file at
// path (atomically, see internal/atomicfile). Its error is exitOutput's:
// the work is done but its result could not be written.
func writeOutput(g *globalOptions, path string, write func(io.Writer) error) error {
	if toStdout(path) {
		return write(g.stdout)
	}
	return atomicfile.Write(path, write)
}

// incomplete says why the run that produced doc is incomplete (exit 3):
// a read failed, or a finding could not be evaluated. It is nil for a
// complete run.
func incomplete(doc *report.Document) error {
	var why []string
	if n := len(doc.Errors); n > 0 {
		why = append(why, plural(n, "read failed", "reads failed"))
	}
	if n := doc.Summary.ByStatus[controls.Error]; n > 0 {
		why = append(why, plural(n, "finding could not be evaluated", "findings could not be evaluated"))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("scan incomplete: %s; see errors[] and the findings with status error", strings.Join(why, ", "))
}
