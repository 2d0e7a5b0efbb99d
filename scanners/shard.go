package scanners

import (
	"fmt"
	"hash/fnv"
)

// ShardKey is what a target is hashed by to pick its shard: the cloud and
// the target id, or the group (an AWS organization: "aws:organization"), or
// a fixed marker for the ambient credentials, whose accounts are only known
// once the scan has started.
func ShardKey(t Target) string {
	switch {
	case t.Group != "":
		return string(t.Cloud) + ":" + t.Group
	case t.ID == "":
		return string(t.Cloud) + ":ambient"
	}
	return string(t.Cloud) + ":" + t.ID
}

// ShardOf returns the shard, from 0 to n-1, that t belongs to among n. It
// is FNV-1a 64 of ShardKey modulo n: stable across runs, machines and
// builds, and independent of the other targets, so that adding a target
// to the declaration moves no other target to another shard.
func ShardOf(t Target, n int) int {
	h := fnv.New64a()
	_, _ = h.Write([]byte(ShardKey(t))) // a hash.Hash never fails to write
	return int(h.Sum64() % uint64(n))
}

// Shard returns the targets of shard i of n (0-based, as a Kubernetes
// Indexed Job's JOB_COMPLETION_INDEX is), in their original order. Shards
// 0 to n-1 partition targets: each target is in exactly one. A shard may
// be empty. It fails when n < 1 or i is not in [0, n).
func Shard(targets []Target, i, n int) ([]Target, error) {
	if n < 1 {
		return nil, fmt.Errorf("shard count %d: want 1 or more", n)
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("shard index %d: want 0 to %d for %d shards", i, n-1, n)
	}
	out := []Target{}
	for _, t := range targets {
		if ShardOf(t, n) == i {
			out = append(out, t)
		}
	}
	return out, nil
}
