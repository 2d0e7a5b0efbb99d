package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/diff"
	"github.com/ownaudit/ownaudit/scanners"
)

// Shell completion (`ownaudit completion bash|zsh|fish|powershell`, which
// cobra provides) completes the subcommands and flags by itself; this file
// makes it complete the values of the flags that take one from a list.

// logLevels are --log-level's values.
var logLevels = []string{"debug", "info", "warn", "error"}

// --shard offers every I/N up to shardCountsOffered shards, and the shards
// of a typed count up to maxShardCompletions.
const (
	shardCountsOffered  = 8
	maxShardCompletions = 64
)

// registerCompletions registers the value completions of every command's
// flags under root. A flag named here that a command lacks is a bug the
// tests catch.
func registerCompletions(root *cobra.Command) error {
	severities := []string{}
	for _, s := range controls.Severities {
		severities = append(severities, string(s))
	}
	severities = append(severities, cobra.CompletionWithDesc("none", "never exit 1 for findings"))
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	yaml := func(cmd *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
	}
	flags := map[string]map[string]cobra.CompletionFunc{
		"": {"log-level": fixed(logLevels...)},
		"scan": {
			"format": fixed(report.Formats()...), "fail-on": fixed(severities...), "disable-scanner": completeScanners,
			"shard": completeShard, "shard-count": cobra.NoFileCompletions, "declaration": yaml,
		},
		"serve":    {"disable-scanner": completeScanners, "declaration": yaml},
		"merge":    {"format": fixed(report.Formats()...), "fail-on": fixed(severities...)},
		"diff":     {"format": fixed(diff.Formats()...), "fail-on-new": fixed(severities...)},
		"controls": {"format": fixed(controlFormats...)},
	}
	for name, fns := range flags {
		cmd := root
		if name != "" {
			var err error
			if cmd, _, err = root.Find([]string{name}); err != nil || cmd.Name() != name {
				return fmt.Errorf("completions: no %s command", name)
			}
		}
		for flag, fn := range fns {
			if err := cmd.RegisterFlagCompletionFunc(flag, fn); err != nil {
				return fmt.Errorf("completions: %s --%s: %w", name, flag, err)
			}
		}
	}
	return nil
}

// completeScanners offers what --disable-scanner takes: a cloud, or a
// cloud and domain, saying which this build has scanners for.
func completeScanners(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	built := map[string]bool{}
	for _, r := range newRegistry(scanners.Options{}).Registered() {
		built[string(r.Cloud)] = true
		built[r.Name()] = true
	}
	var out []cobra.Completion
	for _, c := range inventory.Clouds {
		names := []string{string(c)}
		for _, d := range inventory.Domains {
			names = append(names, string(c)+"."+string(d))
		}
		for _, n := range names {
			desc := "no scanner in this build"
			if built[n] {
				desc = "scanner in this build"
			}
			out = append(out, cobra.CompletionWithDesc(n, desc))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeShard offers I/N for the counts up to shardCountsOffered, and
// the shards of a larger count once it is typed in full ("5/16").
func completeShard(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	counts := []int{}
	for n := 1; n <= shardCountsOffered; n++ {
		counts = append(counts, n)
	}
	if _, typed, ok := strings.Cut(toComplete, "/"); ok {
		if n, err := strconv.Atoi(typed); err == nil && n > shardCountsOffered && n <= maxShardCompletions {
			counts = []int{n}
		}
	}
	var out []cobra.Completion
	for _, n := range counts {
		for i := range n {
			out = append(out, cobra.CompletionWithDesc(fmt.Sprintf("%d/%d", i, n), fmt.Sprintf("shard %d of %d", i+1, n)))
		}
	}
	return cobra.AppendActiveHelp(out, "I/N: shard I of N, I from 0"), cobra.ShellCompDirectiveNoFileComp
}
