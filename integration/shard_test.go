package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
)

// shardCount is how many shards the sharding test splits the five accounts
// into; shardAccounts is where FNV-1a puts them (see the world's comment).
const shardCount = 3

var shardAccounts = [shardCount][]string{
	{"404040404040"},
	{"101010101010", "303030303030"},
	{"202020202020", "505050505050"},
}

// startShardWorld serves testdata/shard/world.yaml and returns the
// environment, a work folder and the declaration's path.
func startShardWorld(t *testing.T) (*cloudsim.Server, []string, string, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "shard", "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	world, err := cloudsim.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	srv, env, dir := simulatedAWS(t, world)
	decl, err := filepath.Abs(filepath.Join("testdata", "shard", "declaration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return srv, env, dir, decl
}

// scanTo runs one scan into dir/out and returns its document. A scan that
// holds the account that cannot be read exits 3, others 0.
func scanTo(t *testing.T, dir string, env []string, out string, code int, args ...string) map[string]any {
	t.Helper()
	res := ownauditEnv(t, dir, env, append([]string{"scan", "--output", out, "--quiet"}, args...)...)
	if res.code != code {
		t.Fatalf("scan %q: exit %d, want %d; stderr:\n%s", args, res.code, code, res.stderr)
	}
	return readJSON(t, filepath.Join(dir, out))
}

// byID maps finding ids to control and status.
func byID(doc map[string]any) map[string]string {
	out := map[string]string{}
	for _, f := range findings(doc) {
		out[f["id"].(string)] = f["control"].(string) + " " + f["status"].(string)
	}
	return out
}

// controlsOf counts findings by control.
func controlsOf(doc map[string]any) map[string]int {
	out := map[string]int{}
	for _, f := range findings(doc) {
		out[f["control"].(string)]++
	}
	return out
}

// canonical renders v as JSON with its list elements sorted, so that two
// lists holding the same elements in another order compare equal.
func canonical(t *testing.T, v any) string {
	t.Helper()
	var items []string
	list, ok := v.([]any)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, x := range list {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, string(b))
	}
	sort.Strings(items)
	return "[" + strings.Join(items, ",\n") + "]"
}

// scannerRuns lists the scanner runs without their durations.
func scannerRuns(doc map[string]any) []string {
	var out []string
	for _, r := range doc["scan"].(map[string]any)["scanners"].([]any) {
		m := r.(map[string]any)
		out = append(out, fmt.Sprint(m["cloud"], "/", m["target"], "/", m["region"], "/", m["scanner"], " ", m["success"]))
	}
	sort.Strings(out)
	return out
}

func TestMergedShardsEqualTheFullScan(t *testing.T) {
	srv, env, dir, decl := startShardWorld(t)
	for _, passed := range []bool{false, true} {
		t.Run(fmt.Sprintf("include-passed=%v", passed), func(t *testing.T) {
			var extra []string
			if passed {
				extra = []string{"--include-passed"}
			}
			base := append([]string{"--declaration", decl}, extra...)
			full := scanTo(t, dir, env, "full.json", 3, base...)

			var shardFiles []string
			for i := range shardCount {
				out := fmt.Sprintf("shard-%d.json", i)
				var doc map[string]any
				if i == shardCount-1 {
					// The last shard, which holds the unreadable account, finds
					// its index as an Indexed Job's pod does.
					doc = scanTo(t, dir, append(slices.Clone(env), fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)), out, 3,
						append(base, "--shard-count", fmt.Sprint(shardCount))...)
				} else {
					doc = scanTo(t, dir, env, out, 0, append(base, "--shard", fmt.Sprintf("%d/%d", i, shardCount))...)
				}
				shardFiles = append(shardFiles, out)

				scan := doc["scan"].(map[string]any)
				sh, _ := scan["shard"].(map[string]any)
				if sh == nil || sh["index"] != float64(i) || sh["count"] != float64(shardCount) {
					t.Errorf("shard %d: scan.shard = %v, want index %d, count %d", i, scan["shard"], i, shardCount)
				}
				var targets []string
				for _, tg := range scan["targets"].([]any) {
					targets = append(targets, tg.(map[string]any)["id"].(string))
				}
				if !reflect.DeepEqual(targets, shardAccounts[i]) {
					t.Errorf("shard %d scanned %v, want %v", i, targets, shardAccounts[i])
				}
				if n := controlsOf(doc)["ownership.unused_scope"]; n != 0 {
					t.Errorf("shard %d reports %d ownership.unused_scope findings, want them held back for the merge", i, n)
				}
			}

			res := ownauditEnv(t, dir, env, append(append([]string{"merge"}, shardFiles...), "-o", "merged.json", "--quiet")...)
			if res.code != 3 {
				t.Fatalf("merge: exit %d, want 3 (the inputs hold errors); stderr:\n%s", res.code, res.stderr)
			}
			merged := readJSON(t, filepath.Join(dir, "merged.json"))

			if got, want := byID(merged), byID(full); !reflect.DeepEqual(got, want) {
				for id, w := range want {
					if g, ok := got[id]; !ok || g != w {
						t.Errorf("finding %s: merged %q, full scan %q", id, g, w)
					}
				}
				for id, g := range got {
					if _, ok := want[id]; !ok {
						t.Errorf("finding %s (%s) is in the merge only", id, g)
					}
				}
			}
			// Findings are ordered as one scan orders them.
			var gotOrder, wantOrder []string
			for _, f := range findings(merged) {
				gotOrder = append(gotOrder, f["id"].(string))
			}
			for _, f := range findings(full) {
				wantOrder = append(wantOrder, f["id"].(string))
			}
			if !reflect.DeepEqual(gotOrder, wantOrder) {
				t.Errorf("merged findings in order\n%v\nwant the full scan's\n%v", gotOrder, wantOrder)
			}
			for _, key := range []string{"errors", "summary", "parties"} {
				if got, want := canonical(t, merged[key]), canonical(t, full[key]); got != want {
					t.Errorf("merged %s:\n%s\nwant the full scan's:\n%s", key, got, want)
				}
			}
			ms, fs := merged["scan"].(map[string]any), full["scan"].(map[string]any)
			for _, key := range []string{"targets", "declaration", "source", "resources"} {
				if got, want := canonical(t, ms[key]), canonical(t, fs[key]); got != want {
					t.Errorf("merged scan.%s:\n%s\nwant the full scan's:\n%s", key, got, want)
				}
			}
			if got, want := scannerRuns(merged), scannerRuns(full); !reflect.DeepEqual(got, want) {
				t.Errorf("merged scanner runs:\n%v\nwant the full scan's:\n%v", got, want)
			}
			if _, ok := ms["shard"]; ok {
				t.Errorf("merged scan.shard = %v, want none", ms["shard"])
			}

			// The world was built so that every kind of outcome shows: the
			// merge must not pass by comparing two empty documents.
			counts := controlsOf(full)
			for _, c := range []string{"ownership.unused_scope", "ownership.misassigned", "ownership.tag_conflict",
				"firewall.admin_ports_open_to_internet", "iam.root_mfa_disabled"} {
				if counts[c] == 0 {
					t.Errorf("the full scan has no %s finding; the world no longer tests the merge", c)
				}
			}
			if counts["ownership.unused_scope"] != 1 {
				t.Errorf("the full scan has %d unused_scope findings, want 1 (entry 3 only: entries 1 and 2 match in one shard each, entry 4 covers an unreadable account)",
					counts["ownership.unused_scope"])
			}
			if errs, _ := full["errors"].([]any); len(errs) == 0 {
				t.Error("the full scan has no errors; the world no longer tests that the merge keeps them")
			}
		})
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("the scans attempted writes: %+v", w)
	}
}

func TestEmptyShardWritesAnEmptyDocument(t *testing.T) {
	_, env, dir, decl := startShardWorld(t)
	// Of 50 shards, index 1 holds none of the five accounts.
	res := ownauditEnv(t, dir, env, "scan", "--declaration", decl, "--shard", "1/50", "--output", "empty.json")
	if res.code != 0 {
		t.Fatalf("scan of an empty shard: exit %d, want 0; stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "holds none of the targets") {
		t.Errorf("the log does not say the shard is empty:\n%s", res.stderr)
	}
	doc := readJSON(t, filepath.Join(dir, "empty.json"))
	scan := doc["scan"].(map[string]any)
	if n := len(findings(doc)); n != 0 {
		t.Errorf("empty shard has %d findings, want 0", n)
	}
	if tg := scan["targets"].([]any); len(tg) != 0 {
		t.Errorf("empty shard lists targets %v", tg)
	}
	if sh := scan["shard"].(map[string]any); sh["index"] != float64(1) || sh["count"] != float64(50) {
		t.Errorf("scan.shard = %v, want 1 of 50", sh)
	}
}

func TestMergeRefusesAnotherDeclaration(t *testing.T) {
	_, env, dir, decl := startShardWorld(t)
	b, err := os.ReadFile(decl)
	if err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(dir, "edited.yaml")
	if err := os.WriteFile(edited, append(b, []byte("# edited after shard 0 ran\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{decl, edited} {
		out := fmt.Sprintf("s%d.json", i)
		res := ownauditEnv(t, dir, env, "scan", "--declaration", d, "--shard", fmt.Sprintf("%d/2", i), "--output", out, "--quiet")
		if res.code != 0 && res.code != 3 {
			t.Fatalf("scan %s: exit %d, want 0 or 3; stderr:\n%s", out, res.code, res.stderr)
		}
	}
	res := ownauditEnv(t, dir, env, "merge", "s0.json", "s1.json", "-o", "all.json")
	if res.code != 2 {
		t.Fatalf("merge of shards of two declarations: exit %d, want 2; stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "s0.json and s1.json were judged against different declarations") {
		t.Errorf("stderr does not say why:\n%s", res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "all.json")); !os.IsNotExist(err) {
		t.Errorf("a refused merge wrote all.json (stat: %v)", err)
	}
}
