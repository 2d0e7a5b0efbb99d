package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ownaudit/ownaudit/internal/atomicfile"
	"github.com/ownaudit/ownaudit/report"
	"github.com/spf13/cobra"
)

type mergeOptions struct {
	output        string
	format        string
	failOn        string
	maxInputBytes int64
}

func newMergeCmd(g *globalOptions) *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge FILE...",
		Short: "Join the findings of the shards of one scan into one document",
		Long: `Join the JSON findings documents of sharded scans (scan --shard I/N, or
--shard-count N in a Kubernetes Indexed Job) into the document one scan of
every target would have written.

Every input must have been judged against the same declaration (its
SHA-256), and sharded inputs must be every shard of one count, each once.
Findings are joined and de-duplicated by id, errors and targets kept, the
summary recounted (passed findings an input left out are still counted from
its summary). A declaration entry is reported as ownership.unused_scope only
when it matched nothing in every shard. The scan runs from the earliest
start to the latest finish.

The same document given twice is refused, and so are unsharded inputs that
scanned a target in common (two scans of the same targets are compared with
ownaudit diff, not merged). Inputs larger than --max-input-bytes, with
duplicate keys or trailing data are refused; a truncated input is reported
with the byte it ends at.

Exit codes are those of scan: 2 when the inputs cannot be merged (or
--output cannot be written), 1 for failing findings at or above --fail-on,
3 when an input's scan was incomplete (errors[] is not empty, or a finding
has status error), 5 when the merged findings could not be written.`,
		Example: `  ownaudit merge shard-0.json shard-1.json shard-2.json -o findings.json
  ownaudit merge shards/*.json --format table`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runMerge(g, o, files)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the merged findings to this file (atomically) instead of stdout; - is stdout")
	f.StringVarP(&o.format, "format", "f", "", "output format: "+strings.Join(report.Formats(), ", ")+" (default: json for files and pipes, table on a terminal)")
	f.StringVar(&o.failOn, "fail-on", "none", "exit 1 when a failing finding has at least this severity: critical, high, medium, low, info or none")
	addMaxInputFlag(cmd, &o.maxInputBytes)
	return cmd
}

// addMaxInputFlag defines --max-input-bytes, the size cap of the files a
// subcommand reads back (saved inventories, findings documents).
func runMerge(g *globalOptions, o *mergeOptions, files []string) error {
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return withCode(exitUsage, err)
	}
	format := o.format
	if format == "" {
		format = report.FormatJSON
		if o.output == "" && isTerminal(g.stdout) {
			format = report.FormatTable
		}
	}
	if !contains(report.Formats(), format) {
		return withCode(exitUsage, fmt.Errorf("--format %q: want one of %s", format, strings.Join(report.Formats(), ", ")))
	}
	if err := checkOutput("--output", o.output, true); err != nil {
		return withCode(exitUsage, err)
	}

	m := report.NewMerger("")
	defer m.Close()
	for _, name := range files {
		if err := readFindings(name, "merge", func(r io.Reader) error { return m.Read(name, r, o.maxInputBytes) }); err != nil {
			return withCode(exitUsage, err)
		}
	}
	merged, err := m.Merge()
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("merge: %w", err))
	}
	defer merged.Close()
	doc := merged.Doc
	g.logger.Info("merged", "inputs", len(files), "findings", merged.Len(), "errors", len(doc.Errors), "targets", len(doc.Scan.Targets))

	opts := report.TableOptions{Color: colorOK(g.stdout), Width: terminalWidth(g.stdout)}
	if toStdout(o.output) {
		if err := merged.Write(g.stdout, format, opts); err != nil {
			return withCode(exitOutput, fmt.Errorf("write findings: %w", err))
		}
	} else {
		err := atomicfile.Write(o.output, func(w io.Writer) error { return merged.Write(w, format, report.TableOptions{}) })
		if err != nil {
			return withCode(exitOutput, fmt.Errorf("write findings: %w", err))
		}
		if !g.quiet {
			if err := report.WriteSummary(g.stdout, doc, opts); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "\nMerged findings (%s) written to %s\n", format, o.output)
		}
	}

	failing := 0
	if failOn != "" {
		failing = doc.Failing(failOn)
	}
	switch {
	case failing > 0:
		return withCode(exitFindings, fmt.Errorf("%s at or above %s", plural(failing, "failing finding", "failing findings"), failOn))
	case incomplete(doc) != nil:
		return withCode(exitIncomplete, incomplete(doc))
	}
	return nil
}

// readFindings opens one JSON findings document for a subcommand (merge,
// diff) and hands it to read; the error carries the file's name.
func readFindings(name, command string, read func(io.Reader) error) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("%s: %s: %w (%s reads the JSON that scan --format json writes)", command, name, err, command)
	}
	return nil
}
