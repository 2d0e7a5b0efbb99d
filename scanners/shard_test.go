package scanners

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// shardTargets is a mix of clouds, an organization and ambient targets.
func shardTargets() []Target {
	var ts []Target
	for i := range 40 {
		ts = append(ts, Target{Cloud: inventory.AWS, ID: fmt.Sprintf("%012d", 100000000000+i), Regions: []string{"eu-central-1"}})
	}
	for i := range 10 {
		ts = append(ts, Target{Cloud: inventory.GCP, ID: fmt.Sprintf("project-%d", i)})
	}
	return append(ts,
		Target{Cloud: inventory.AWS, Group: "organization", Params: map[string]string{"assumeRoleName": "audit"}},
		Target{Cloud: inventory.Azure},
		Target{Cloud: inventory.AWS},
	)
}

func TestShardIsAPartition(t *testing.T) {
	targets := shardTargets()
	for _, n := range []int{1, 2, 3, 5, 7, 60} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			seen := map[string]int{}
			nonEmpty := 0
			for i := range n {
				got, err := Shard(targets, i, n)
				if err != nil {
					t.Fatalf("Shard(%d, %d): %v", i, n, err)
				}
				if len(got) > 0 {
					nonEmpty++
				}
				// Order within a shard is the declaration's.
				last := -1
				for _, tg := range got {
					seen[ShardKey(tg)]++
					at := slices.IndexFunc(targets, func(x Target) bool { return ShardKey(x) == ShardKey(tg) })
					if at <= last {
						t.Errorf("shard %d/%d: %s out of declaration order", i, n, tg)
					}
					last = at
				}
			}
			for _, tg := range targets {
				if c := seen[ShardKey(tg)]; c != 1 {
					t.Errorf("%s is in %d shards of %d, want 1", tg, c, n)
				}
			}
			if len(seen) != len(targets) {
				t.Errorf("shards hold %d distinct targets, want %d", len(seen), len(targets))
			}
			// 53 targets over a few shards: the hash must spread them.
			if n <= 7 && nonEmpty != n {
				t.Errorf("%d of %d shards hold targets, want all of them", nonEmpty, n)
			}
		})
	}
}

func TestShardIsStable(t *testing.T) {
	// Pinned values: a change of hash or key would move targets to another
	// shard between two runs of the same Indexed Job, so it must show here.
	tests := []struct {
		target Target
		key    string
		n      int
		want   int
	}{
		{Target{Cloud: inventory.AWS, ID: "111111111111"}, "aws:111111111111", 5, 3},
		{Target{Cloud: inventory.AWS, Group: "organization", ID: "ignored"}, "aws:organization", 4, 3},
		{Target{Cloud: inventory.Azure}, "azure:ambient", 5, 1},
		{Target{Cloud: inventory.GCP, ID: "acme-prod"}, "gcp:acme-prod", 1, 0},
	}
	for _, tt := range tests {
		if got := ShardKey(tt.target); got != tt.key {
			t.Errorf("ShardKey(%s) = %q, want %q", tt.target, got, tt.key)
		}
		if got := ShardOf(tt.target, tt.n); got != tt.want {
			t.Errorf("ShardOf(%s, %d) = %d, want %d", tt.target, tt.n, got, tt.want)
		}
	}
	// Every target agrees with FNV-1a 64 written out from its definition.
	for _, tg := range shardTargets() {
		if got, want := ShardOf(tg, 7), int(fnv1a(ShardKey(tg))%7); got != want {
			t.Errorf("ShardOf(%s, 7) = %d, want %d", tg, got, want)
		}
	}
	// A changed target list keeps each remaining target's shard.
	all := shardTargets()
	a, _ := Shard(all, 1, 3)
	b, _ := Shard(all[:20], 1, 3)
	for _, tg := range b {
		if !slices.ContainsFunc(a, func(x Target) bool { return ShardKey(x) == ShardKey(tg) }) {
			t.Errorf("%s left shard 1/3 when other targets were removed", tg)
		}
	}
}

// fnv1a is FNV-1a 64 written out.
func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func TestShardRejectsBadIndexes(t *testing.T) {
	tests := []struct{ i, n int }{{0, 0}, {0, -1}, {3, 3}, {4, 3}, {-1, 3}}
	for _, tt := range tests {
		if got, err := Shard(shardTargets(), tt.i, tt.n); err == nil {
			t.Errorf("Shard(%d, %d) = %d targets, nil error; want an error", tt.i, tt.n, len(got))
		}
	}
	got, err := Shard(nil, 0, 2)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Shard(nil, 0, 2) = %v, %v; want an empty list", got, err)
	}
}
