package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
)

// jobIndexEnv is the variable a Kubernetes Indexed Job sets in each pod to
// the pod's completion index, from 0.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// shardOptions are --shard and --shard-count, resolved when the flags are
// parsed so that a bad value is a usage error before anything is read.
type shardOptions struct {
	set   bool   // a shard was asked for
	flag  string // which flag asked, for errors
	index int    // 0-based
	count int
	// weights is --shard-weights: a findings document or a saved
	// inventory whose per-target resource counts balance the shards.
	weights string
	// lookupEnv reads the environment; tests replace it.
	lookupEnv func(string) (string, bool)
}

// addShardFlags defines --shard, --shard-count and --shard-weights on cmd,
// storing into s. Sharding splits the declared targets, so it excludes
// --demo and --from-inventory.
func addShardFlags(cmd *cobra.Command, s *shardOptions) {
	if s.lookupEnv == nil {
		s.lookupEnv = os.LookupEnv
	}
	f := cmd.Flags()
	f.Var(shardFlag{s}, "shard", "scan only shard I of N of the declared targets (I from 0, e.g. 1/4 is the second of four); merge the shards' findings with ownaudit merge")
	f.Var(shardCountFlag{s}, "shard-count", "scan only shard $"+jobIndexEnv+" of N of the declared targets, as in a Kubernetes Indexed Job with completions N")
	f.StringVar(&s.weights, "shard-weights", "", "balance --shard and --shard-count by the resources each target held in a previous scan, read from `FILE`: its findings document (JSON) or saved inventory; give every shard the same file")
	for _, other := range []string{"demo", "from-inventory"} {
		if f.Lookup(other) != nil {
			cmd.MarkFlagsMutuallyExclusive("shard", other)
			cmd.MarkFlagsMutuallyExclusive("shard-count", other)
			cmd.MarkFlagsMutuallyExclusive("shard-weights", other)
		}
	}
}

// parseShard reads "I/N": shard I of N, I from 0.
func parseShard(v string) (index, count int, err error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return 0, 0, fmt.Errorf("want I/N, the shard index from 0 and the shard count, e.g. 0/3")
	}
	count, err = strconv.Atoi(ns)
	if err != nil || count < 1 {
		return 0, 0, fmt.Errorf("shard count %q: want a whole number, 1 or more", ns)
	}
	index, err = strconv.Atoi(is)
	if err != nil || index < 0 {
		return 0, 0, fmt.Errorf("shard index %q: want a whole number from 0", is)
	}
	if index >= count {
		return 0, 0, fmt.Errorf("shard index %d of %d: indexes run from 0 to %d", index, count, count-1)
	}
	return index, count, nil
}

// parseShardCount reads --shard-count N and the index from the
// environment.
func parseShardCount(v string, lookupEnv func(string) (string, bool)) (index, count int, err error) {
	count, err = strconv.Atoi(strings.TrimSpace(v))
	if err != nil || count < 1 {
		return 0, 0, fmt.Errorf("want a whole number, 1 or more")
	}
	raw, ok := lookupEnv(jobIndexEnv)
	if !ok || strings.TrimSpace(raw) == "" {
		return 0, 0, fmt.Errorf("%s is not set: a Kubernetes Indexed Job sets it; elsewhere use --shard I/N", jobIndexEnv)
	}
	index, err = strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || index < 0 {
		return 0, 0, fmt.Errorf("%s=%q: want a whole number from 0", jobIndexEnv, raw)
	}
	if index >= count {
		return 0, 0, fmt.Errorf("%s=%d is not a shard of %d: indexes run from 0 to %d", jobIndexEnv, index, count, count-1)
	}
	return index, count, nil
}

// set records a parsed shard; the two flags exclude each other.
func (s *shardOptions) setFrom(flag string, index, count int) error {
	if s.set && s.flag != flag {
		return errors.New("--shard and --shard-count exclude each other")
	}
	s.set, s.flag, s.index, s.count = true, flag, index, count
	return nil
}

// shardFlag is the pflag.Value of --shard.
type shardFlag struct{ s *shardOptions }

func (f shardFlag) String() string {
	if f.s == nil || !f.s.set || f.s.flag != "shard" {
		return ""
	}
	return fmt.Sprintf("%d/%d", f.s.index, f.s.count)
}

func (f shardFlag) Set(v string) error {
	i, n, err := parseShard(v)
	if err != nil {
		return err
	}
	return f.s.setFrom("shard", i, n)
}

func (shardFlag) Type() string { return "I/N" }

// shardCountFlag is the pflag.Value of --shard-count.
type shardCountFlag struct{ s *shardOptions }

func (f shardCountFlag) String() string {
	if f.s == nil || !f.s.set || f.s.flag != "shard-count" {
		return ""
	}
	return strconv.Itoa(f.s.count)
}

func (f shardCountFlag) Set(v string) error {
	i, n, err := parseShardCount(v, f.s.lookupEnv)
	if err != nil {
		return err
	}
	return f.s.setFrom("shard-count", i, n)
}

func (shardCountFlag) Type() string { return "N" }

// shardIndex returns the shard this scan covers and whether it is sharded.
func shardIndex(o *scanOptions) (int, bool) {
	return o.shard.index, o.shard.set
}

// checkShardOptions checks what the flags could not check one by one.
func checkShardOptions(s shardOptions) error {
	if s.weights != "" && !s.set {
		return errors.New("--shard-weights balances the shards of --shard or --shard-count; give one of them too")
	}
	return nil
}

// applyShard keeps the targets of this scan's shard, logging what the shard
// holds: those hashed to it, or with --shard-weights those a balanced
// assignment gives it. A shard may hold no target: the scan then reads
// nothing and writes an empty document, which the merge needs as much as
// any other shard's. A weights file that cannot be read is a usage error.
func applyShard(g *globalOptions, o *scanOptions, targets []scanners.Target) ([]scanners.Target, error) {
	s := o.shard
	if !s.set {
		return targets, nil
	}
	var out []scanners.Target
	var err error
	if s.weights != "" {
		w, werr := readShardWeights(s.weights, o.maxInputBytes)
		if werr != nil {
			return nil, withCode(exitUsage, fmt.Errorf("--shard-weights %w", werr))
		}
		out, err = scanners.ShardByWeight(targets, w, s.index, s.count)
	} else {
		out, err = scanners.Shard(targets, s.index, s.count)
	}
	if err != nil {
		// The flags were checked when parsed.
		panic("ownaudit: " + err.Error())
	}
	name := fmt.Sprintf("%d/%d", s.index, s.count)
	if len(out) == 0 {
		g.logger.Info("this shard holds none of the targets: the findings will be empty", "shard", name, "targets", len(targets))
		return out, nil
	}
	g.logger.Info("scanning one shard of the targets", "shard", name, "targets", len(out), "of", len(targets))
	return out, nil
}

// readShardWeights reads the resources per target of a previous scan from
// its findings document (scan.resources) or its saved inventory, every
// target it names counting at least 1: a target with no resource still
// costs its calls.
func readShardWeights(path string, maxBytes int64) (scanners.ShardWeights, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := scanners.ShardWeights{}
	add := func(cloud inventory.Cloud, target string, n int) {
		w[scanners.ShardKey(scanners.Target{Cloud: cloud, ID: target})] += n
	}
	doc, docErr := report.ReadStream(f, maxBytes, func(*rules.Finding) error { return nil })
	if docErr == nil {
		for _, t := range doc.Scan.Targets {
			add(t.Cloud, t.ID, 0)
		}
		for _, r := range doc.Scan.Resources {
			add(r.Cloud, r.Target, r.Count)
		}
	} else {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		inv, invErr := inventory.DecodeStream(f, maxBytes, func(_ *inventory.Inventory, r *inventory.Resource) error {
			add(r.Cloud, r.Target, 1)
			return nil
		})
		if invErr != nil {
			return nil, fmt.Errorf("%s: neither a findings document (%v) nor a saved inventory (%v)", path, docErr, invErr)
		}
		for _, t := range inv.Targets {
			add(t.Cloud, t.ID, 0)
		}
	}
	if len(w) == 0 {
		return nil, fmt.Errorf("%s: names no target to weigh the shards by", path)
	}
	for k, n := range w {
		w[k] = max(n, 1)
	}
	return w, nil
}
