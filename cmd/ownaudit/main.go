// Command ownaudit audits cloud accounts against declared ownership: it
// reads firewall, patching, encryption and IAM state from AWS, Azure and
// Google Cloud, evaluates controls, and attributes every finding to the
// party a declaration names as responsible.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ownaudit/ownaudit/internal/redact"
	"github.com/ownaudit/ownaudit/report"
)

// Exit codes, as documented in the README and `ownaudit --help`.
const (
	exitOK         = 0 // nothing failing at or above --fail-on
	exitFindings   = 1 // failing findings at or above --fail-on
	exitUsage      = 2 // usage, declaration or input error
	exitIncomplete = 3 // a read failed or a finding could not be evaluated
	exitMetrics    = 4 // findings written, but --metrics-file or --pushgateway failed
	exitOutput     = 5 // the work was done, but its result could not be written
)

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so main exits with code; a nil err carries the code
// alone (findings and incomplete scans are results, not failures to report).
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// defaultMemoryLimit is the soft memory limit the binary gives the Go
// runtime when GOMEMLIMIT does not set one. What a scan holds at once is
// bounded (resources are evaluated as they are read, findings spill to
// disk); without a limit the collector lets the heap grow to twice that
// between collections, and further on a busy machine where it falls
// behind. Near the limit it collects sooner instead.
const defaultMemoryLimit = 400 << 20

// defaultGCPercent is the collector's target the binary sets when GOGC
// does not set one: the heap may grow by half of what is live between
// collections instead of doubling. Most of what a scan allocates (the
// answers of the clouds, decoded) is garbage by the next collection, so
// the heap stays near what is live, for a few percent more CPU.
const defaultGCPercent = 50

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
	stop := startProfiles()
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "ownaudit: "+terminalSafe(redact.Text(strings.TrimSpace(ee.err.Error()))))
		}
		return ee.code
	}
	// Cobra's own errors: unknown command or flag, wrong arguments.
	fmt.Fprintln(stderr, "ownaudit: "+terminalSafe(redact.Text(err.Error())))
	fmt.Fprintln(stderr, "Run 'ownaudit --help' for usage.")
	return exitUsage
}

// terminalSafe prepares an error message for stderr. Messages may quote
// what a cloud or an input document said (a resource name, a digest), so
// control characters, escape sequences and bidirectional controls are
// written out (report.PrintableLines), and the lines after the first are
// indented: a value with a line break in it cannot pass for a message or
// a log line of its own.
func terminalSafe(msg string) string {
	return strings.ReplaceAll(report.PrintableLines(msg), "\n", "\n  ")
}

// globalOptions are the flags every subcommand shares.
type globalOptions struct {
	logLevel string
	quiet    bool
	stdout   io.Writer
	stderr   io.Writer
	logger   *slog.Logger
	// logOut is what logger writes to: stderr, or the progress bars
	// while they are drawn (progress.go).
	logOut *logWriter
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "ownaudit",
		Short: "Audit cloud accounts against declared ownership",
		Long: `ownaudit reads the firewall, patching, encryption and IAM configuration of
AWS accounts, Azure subscriptions and Google Cloud projects, evaluates a
catalogue of controls, and attributes every finding to the party that a
declaration file names as responsible (customer, managed-service provider or
cloud provider). It also reports holes in the declaration itself: resources
nobody owns, duties assigned to a party that cannot hold them, resource tags
that disagree, and declaration entries that match nothing.

Exit codes:
  0  no failing finding at or above --fail-on
  1  failing findings at or above --fail-on
  2  usage, declaration or input error (an output path that cannot be
     written is found before the scan starts and is one too)
  3  scan incomplete: a read failed (errors[]) or a finding could not be
     evaluated (status error)
  4  findings written, but the metrics could not be written (--metrics-file)
     or pushed (--pushgateway)
  5  the findings, diff or saved inventory could not be written after the
     work was done (a full disk)
Where several apply: 5, then 4, then 1, then 3.

Start with:  ownaudit scan --demo
Run on a schedule with metrics for Prometheus:  ownaudit serve --demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			g.logOut = &logWriter{stderr: stderr}
			logger, err := newLogger(g.logOut, g.logLevel, g.quiet)
			if err != nil {
				return withCode(exitUsage, err)
			}
			g.logger = logger
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level on stderr: debug, info, warn or error")
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "print only errors on stderr and no summary on stdout")
	root.AddCommand(newScanCmd(g), newServeCmd(g), newMergeCmd(g), newDiffCmd(g), newValidateCmd(g), newControlsCmd(g), newVersionCmd(g))
	if err := registerCompletions(root); err != nil {
		panic(err) // a flag renamed without its completion: caught by the tests
	}
	return root
}

func newLogger(w io.Writer, level string, quiet bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	if quiet {
		l = slog.LevelError
	}
	// URLs may carry credentials (a Pushgateway's password, a token as
	// user name); no log line shows them.
	return slog.New(redact.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))), nil
}
