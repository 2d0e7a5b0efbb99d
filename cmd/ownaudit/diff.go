package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ownaudit/ownaudit/report/diff"
	"github.com/spf13/cobra"
)

type diffOptions struct {
	format        string
	failOnNew     string
	output        string
	maxInputBytes int64
}

func newDiffCmd(g *globalOptions) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Show what changed between two findings documents",
		Long: `Compare two JSON findings documents of the same estate (scan --format json),
for instance the evidence taken at a handover and a scan made since.

Findings are matched by their stable id, and only open findings (status
fail or error) are compared, so the result is the same whether or not the
scans listed their passed findings (--include-passed):

  new        open in NEW, not open in OLD (passed, absent or unlisted there)
  resolved   open in OLD, not open in NEW (passed, absent or unlisted there)
  changed    open in both, with a different status, severity, responsible
             party, role, or accepted risk; each field is listed old -> new
  unchanged  open in both, nothing of that different (counted, not listed)

A finding missing from a document whose errors[] cover it (that scan could
not read what its control needs) counts as status error there, never as
resolved or new. The declaration is compared too: its SHA-256, and parties
added, removed or changed (role, name, contact).

--fail-on-new SEVERITY exits 1 when a finding fails in NEW at or above
SEVERITY and did not fail in OLD: a new finding with status fail, or a
changed one whose status became fail (from error). Findings a suppression
accepts do not count. Exit code 2 means an input could not be read or is
not a findings document (or --output cannot be written), 5 that the diff
could not be written.`,
		Example: `  ownaudit diff handover.json today.json
  ownaudit diff handover.json today.json --format markdown -o changes.md
  ownaudit diff handover.json today.json --format json --fail-on-new high`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runDiff(g, o, files[0], files[1])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", diff.FormatTable, "output format: "+strings.Join(diff.Formats(), ", "))
	f.StringVar(&o.failOnNew, "fail-on-new", "none", "exit 1 when a new failing finding has at least this severity: critical, high, medium, low, info or none")
	f.StringVarP(&o.output, "output", "o", "", "write the diff to this file (atomically) instead of stdout; - is stdout")
	addMaxInputFlag(cmd, &o.maxInputBytes)
	return cmd
}

func runDiff(g *globalOptions, o *diffOptions, oldFile, newFile string) error {
	if !contains(diff.Formats(), o.format) {
		return withCode(exitUsage, fmt.Errorf("--format %q: want one of %s", o.format, strings.Join(diff.Formats(), ", ")))
	}
	minSev, err := parseFailOn(o.failOnNew)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--fail-on-new %q: want critical, high, medium, low, info or none", o.failOnNew))
	}
	if err := checkOutput("--output", o.output, true); err != nil {
		return withCode(exitUsage, err)
	}
	c := diff.NewComparer("")
	defer c.Close()
	if err := readFindings(oldFile, "diff", func(r io.Reader) error { return c.ReadOld(r, o.maxInputBytes) }); err != nil {
		return withCode(exitUsage, err)
	}
	if err := readFindings(newFile, "diff", func(r io.Reader) error { return c.ReadNew(r, o.maxInputBytes) }); err != nil {
		return withCode(exitUsage, err)
	}
	d, err := c.Diff()
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("diff: %w", err))
	}
	g.logger.Debug("compared", "old", oldFile, "new", newFile, "new_findings", d.Counts.New,
		"resolved", d.Counts.Resolved, "changed", d.Counts.Changed, "unchanged", d.Counts.Unchanged)

	if err := writeOutput(g, o.output, func(w io.Writer) error { return diff.Write(w, o.format, d) }); err != nil {
		return withCode(exitOutput, fmt.Errorf("write diff: %w", err))
	}
	if !toStdout(o.output) && !g.quiet {
		fmt.Fprintf(g.stdout, "Diff (%s) written to %s\n", o.format, o.output)
	}

	if minSev != "" {
		if n := d.NewFailures(minSev); n > 0 {
			return withCode(exitFindings, fmt.Errorf("%s at or above %s", plural(n, "new failing finding", "new failing findings"), minSev))
		}
	}
	return nil
}
