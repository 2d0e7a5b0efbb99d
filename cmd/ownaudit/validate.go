package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCmd(g *globalOptions) *cobra.Command {
	var maxSize int64
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check declaration files without scanning",
		Long: `Parse and check each declaration file strictly: unknown keys, undeclared
parties, unknown roles, domains or control ids, malformed account,
subscription and project ids, rate limits that would raise ownaudit's own
pace of an API rather than lower it. Every problem is printed as
file:line:col, all of them in one run.

A file that is not UTF-8 text, is larger than --declaration-max-size, or
nests deeper or holds more than a declaration can is refused in one line
before its YAML is parsed (docs/declaration.md lists the limits).
Exits 0 when every file is valid, 2 otherwise.`,
		Example: "  ownaudit validate configs/declarations/managed-service.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			bad := 0
			for _, f := range files {
				d, err := declarationOptions(maxSize).Load(f)
				if err != nil {
					bad++
					fmt.Fprintln(g.stderr, err)
					continue
				}
				if !g.quiet {
					fmt.Fprintf(g.stdout, "%s: valid (%d parties, %d responsibilities, %d targets)\n",
						f, len(d.Parties), len(d.Responsibilities), len(d.Targets.AWS)+len(d.Targets.Azure)+len(d.Targets.GCP))
				}
			}
			if bad > 0 {
				return withCode(exitUsage, errors.New(plural(bad, "declaration is", "declarations are")+" invalid"))
			}
			return nil
		},
	}
	addDeclarationSizeFlag(cmd, &maxSize)
	return cmd
}

// plural renders "1 thing is" / "3 things are".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
