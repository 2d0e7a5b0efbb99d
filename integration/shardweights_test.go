package integration

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// TestWeightedShardsCoverEveryTargetOnce scans the five accounts whole,
// then in three shards balanced by the whole scan's findings document:
// each account is scanned by exactly one shard, and the merge of the
// shards has the whole scan's findings.
func TestWeightedShardsCoverEveryTargetOnce(t *testing.T) {
	_, env, dir, decl := startShardWorld(t)
	full := scanTo(t, dir, env, "full.json", 3, "--declaration", decl)
	weights := filepath.Join(dir, "full.json")

	var shardFiles, scanned []string
	for i := range shardCount {
		out := fmt.Sprintf("weighted-%d.json", i)
		res := ownauditEnv(t, dir, env, "scan", "--output", out, "--quiet", "--declaration", decl,
			"--shard", fmt.Sprintf("%d/%d", i, shardCount), "--shard-weights", weights)
		if res.code != 0 && res.code != 3 {
			t.Fatalf("shard %d: exit %d, want 0 or 3; stderr:\n%s", i, res.code, res.stderr)
		}
		shardFiles = append(shardFiles, out)
		for _, tg := range readJSON(t, filepath.Join(dir, out))["scan"].(map[string]any)["targets"].([]any) {
			scanned = append(scanned, tg.(map[string]any)["id"].(string))
		}
	}
	sort.Strings(scanned)
	want := slices.Sorted(slices.Values(slices.Concat(shardAccounts[:]...)))
	if !reflect.DeepEqual(scanned, want) {
		t.Errorf("the weighted shards scanned %v, want each of %v once", scanned, want)
	}
	res := ownauditEnv(t, dir, env, append(append([]string{"merge"}, shardFiles...), "-o", "merged.json", "--quiet")...)
	if res.code != 3 {
		t.Fatalf("merge: exit %d, want 3 (the inputs hold errors); stderr:\n%s", res.code, res.stderr)
	}
	if got, want := byID(readJSON(t, filepath.Join(dir, "merged.json"))), byID(full); !reflect.DeepEqual(got, want) {
		t.Errorf("the merged weighted shards found\n%v\nwant the whole scan's\n%v", got, want)
	}
}
