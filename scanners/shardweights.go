package scanners

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ShardWeights are how much work each target was in a previous scan
// (its resources), by ShardKey: "aws:111111111111".
type ShardWeights map[string]int

// WeightOf returns how much work t is likely to be: its weight, or, for a
// target the weights do not know, the median weight. A group (an AWS
// organization, an Azure management group, a GCP folder) and the ambient
// credentials are weighed by what they expanded to before: the weights of
// the cloud's targets that no target of declared names, shared evenly
// among the cloud's groups; the median when that leaves nothing.
func (w ShardWeights) WeightOf(t Target, declared []Target) int {
	if n, ok := w[ShardKey(t)]; ok {
		return n
	}
	median := w.median()
	if t.Group == "" && t.ID != "" {
		return median
	}
	named := map[string]bool{}
	groups := 0
	for _, d := range declared {
		if d.Cloud != t.Cloud {
			continue
		}
		if d.Group == "" && d.ID != "" {
			named[ShardKey(d)] = true
		} else {
			groups++
		}
	}
	rest := 0
	prefix := string(t.Cloud) + ":"
	for k, n := range w {
		if strings.HasPrefix(k, prefix) && !named[k] {
			rest += n
		}
	}
	if rest == 0 {
		return median
	}
	return max(1, rest/max(groups, 1))
}

// median is the median weight, 1 when there is none: an unknown target
// counts as much as a typical one.
func (w ShardWeights) median() int {
	if len(w) == 0 {
		return 1
	}
	ns := make([]int, 0, len(w))
	for _, n := range w {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return max(1, ns[len(ns)/2])
}

// ShardByWeight returns the targets of shard i of n when shards are
// balanced by weight: targets are taken heaviest first (ties broken by
// ShardKey) and each goes to the shard that carries the least so far (the
// lowest index among equals). Every pod of a sharded scan computes the
// same assignment from the same targets and weights, so shards 0 to n-1
// partition targets; unlike Shard, a target's shard depends on the other
// targets. The targets of shard i keep their original order.
func ShardByWeight(targets []Target, w ShardWeights, i, n int) ([]Target, error) {
	if n < 1 {
		return nil, fmt.Errorf("shard count %d: want 1 or more", n)
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("shard index %d: want 0 to %d for %d shards", i, n-1, n)
	}
	shard := AssignByWeight(targets, w, n)
	out := []Target{}
	for k, t := range targets {
		if shard[k] == i {
			out = append(out, t)
		}
	}
	return out, nil
}

// AssignByWeight returns, for each target, the shard of n it belongs to
// under ShardByWeight.
func AssignByWeight(targets []Target, w ShardWeights, n int) []int {
	type item struct {
		at     int
		key    string
		weight int
	}
	items := make([]item, len(targets))
	for k, t := range targets {
		items[k] = item{at: k, key: ShardKey(t), weight: w.WeightOf(t, targets)}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(a.key, b.key), cmp.Compare(a.at, b.at))
	})
	load := make([]int, n)
	shard := make([]int, len(targets))
	for _, it := range items {
		least := 0
		for s := 1; s < n; s++ {
			if load[s] < load[least] {
				least = s
			}
		}
		load[least] += it.weight
		shard[it.at] = least
	}
	return shard
}
