package scanners

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// skewedEstate is 400 AWS accounts whose resource counts follow a
// Pareto distribution (a few very large accounts, many small ones),
// about a million resources in all, the same on every run.
func skewedEstate() ([]Target, ShardWeights) {
	r := rand.New(rand.NewPCG(1, 2))
	var targets []Target
	w := ShardWeights{}
	for i := range 400 {
		t := Target{Cloud: inventory.AWS, ID: fmt.Sprintf("%012d", 100000000000+i*7919)}
		targets = append(targets, t)
		// Pareto with shape 1.5 and scale 830: mean about 2,500.
		w[ShardKey(t)] = int(830 / math.Pow(1-r.Float64(), 1/1.5))
	}
	return targets, w
}

// loads sums the weights of each shard.
func loads(targets []Target, w ShardWeights, shardOf func(Target) int, n int) []int {
	out := make([]int, n)
	for _, t := range targets {
		out[shardOf(t)] += w[ShardKey(t)]
	}
	return out
}

// spread is how far the heaviest shard is above an even share, as a
// fraction of it.
func spread(loads []int) float64 {
	total := 0
	for _, l := range loads {
		total += l
	}
	even := float64(total) / float64(len(loads))
	return float64(slices.Max(loads))/even - 1
}

func TestShardByWeightEvensASkewedEstate(t *testing.T) {
	targets, w := skewedEstate()
	for _, n := range []int{2, 3, 4, 8} {
		hashed := loads(targets, w, func(t Target) int { return ShardOf(t, n) }, n)
		assign := AssignByWeight(targets, w, n)
		byKey := map[string]int{}
		for k, t := range targets {
			byKey[ShardKey(t)] = assign[k]
		}
		weighted := loads(targets, w, func(t Target) int { return byKey[ShardKey(t)] }, n)
		t.Logf("%d shards: hashed %v (heaviest %+.1f%%), weighted %v (heaviest %+.1f%%)", n, hashed, 100*spread(hashed), weighted, 100*spread(weighted))
		// No split does better than the largest target on its own.
		largest := 0
		for _, n := range w {
			largest = max(largest, n)
		}
		total := 0
		for _, l := range weighted {
			total += l
		}
		if heaviest, even := slices.Max(weighted), float64(total)/float64(n); float64(heaviest) > max(even*1.03, float64(largest)) {
			t.Errorf("%d shards by weight carry %v: the heaviest is %.1f%% above an even share and above the largest target (%d), want at most 3%%", n, weighted, 100*spread(weighted), largest)
		}
	}
}

func TestShardByWeightPartitionsTheTargets(t *testing.T) {
	targets, w := skewedEstate()
	// Targets the weights do not know, and groups.
	targets = append(targets,
		Target{Cloud: inventory.AWS, ID: "999999999999"},
		Target{Cloud: inventory.AWS, Group: "organization"},
		Target{Cloud: inventory.GCP, ID: "acme-prod"})
	const n = 3
	seen := map[string]int{}
	for i := range n {
		shard, err := ShardByWeight(targets, w, i, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range shard {
			seen[ShardKey(tg)]++
		}
	}
	if len(seen) != len(targets) {
		t.Errorf("the shards hold %d targets, want all %d", len(seen), len(targets))
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("target %s is in %d shards, want exactly one", k, c)
		}
	}
}

func TestShardByWeightIsTheSameInEveryPod(t *testing.T) {
	targets, w := skewedEstate()
	want := map[string]int{}
	for k, s := range AssignByWeight(targets, w, 5) {
		want[ShardKey(targets[k])] = s
	}
	// Another pod may list the targets in another order.
	shuffled := slices.Clone(targets)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for k, s := range AssignByWeight(shuffled, w, 5) {
		if key := ShardKey(shuffled[k]); want[key] != s {
			t.Errorf("target %s went to shard %d in one order and %d in another", key, want[key], s)
		}
	}
}

func TestWeightOf(t *testing.T) {
	w := ShardWeights{"aws:111111111111": 100, "aws:222222222222": 10, "aws:333333333333": 40, "gcp:acme-prod": 7}
	declared := []Target{
		{Cloud: inventory.AWS, ID: "111111111111"},
		{Cloud: inventory.AWS, Group: "organization"},
		{Cloud: inventory.GCP, ID: "acme-prod"},
		{Cloud: inventory.Azure},
	}
	cases := []struct {
		t    Target
		want int
	}{
		{declared[0], 100},
		// The organization was the accounts not declared one by one.
		{declared[1], 50},
		{declared[2], 7},
		// Nothing of Azure is known: the median.
		{declared[3], 40},
		{Target{Cloud: inventory.AWS, ID: "444444444444"}, 40},
	}
	for _, c := range cases {
		if got := w.WeightOf(c.t, declared); got != c.want {
			t.Errorf("WeightOf(%s) = %d, want %d", c.t, got, c.want)
		}
	}
	if got := (ShardWeights{}).WeightOf(declared[0], declared); got != 1 {
		t.Errorf("WeightOf with no weights = %d, want 1", got)
	}
}
