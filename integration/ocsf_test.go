package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDemoOCSF checks that scan --format ocsf writes one Detection Finding
// per finding of the JSON document (docs/ocsf.md), with the same ids.
func TestDemoOCSF(t *testing.T) {
	dir := t.TempDir()
	if r := ownaudit(t, dir, "scan", "--demo", "--format", "ocsf", "-o", "f.ocsf.json"); r.code != demoExit {
		t.Fatalf("scan --demo --format ocsf exit %d, want %d; stderr:\n%s", r.code, demoExit, r.stderr)
	}
	if r := ownaudit(t, dir, "scan", "--demo", "-o", "f.json"); r.code != demoExit {
		t.Fatalf("scan --demo exit %d, want %d; stderr:\n%s", r.code, demoExit, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "f.ocsf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("f.ocsf.json is not a JSON array of objects: %v", err)
	}
	want := findings(readJSON(t, filepath.Join(dir, "f.json")))
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("f.ocsf.json has %d findings, want %d (one per finding of the JSON document)", len(got), len(want))
	}
	var aws map[string]any
	for i, o := range got {
		info, _ := o["finding_info"].(map[string]any)
		meta, _ := o["metadata"].(map[string]any)
		if o["class_uid"] != float64(2004) || o["type_uid"] != float64(200401) {
			t.Errorf("finding %d: class_uid, type_uid = %v, %v, want 2004, 200401", i, o["class_uid"], o["type_uid"])
		}
		if info["uid"] != want[i]["id"] || meta["event_code"] != want[i]["control"] || o["status_code"] != want[i]["status"] {
			t.Errorf("finding %d: uid, event_code, status_code = %v, %v, %v, want %v, %v, %v",
				i, info["uid"], meta["event_code"], o["status_code"], want[i]["id"], want[i]["control"], want[i]["status"])
		}
		if cloud, _ := o["cloud"].(map[string]any); aws == nil && cloud["provider"] == "AWS" {
			if res, _ := o["resources"].([]any); len(res) == 1 && res[0].(map[string]any)["labels"] != nil {
				aws = o
			}
		}
	}
	// The AWS part of the demo is read through the simulator, so only this
	// test sees an AWS finding with labels end to end.
	if aws == nil {
		t.Fatal("no AWS finding with labels in the demo's OCSF output")
	}
	pretty, err := json.MarshalIndent(aws, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one OCSF finding of the demo:\n%s", pretty)
	if !slices.Contains(aws["metadata"].(map[string]any)["profiles"].([]any), "cloud") {
		t.Errorf("AWS finding's metadata.profiles = %v, want cloud", aws["metadata"].(map[string]any)["profiles"])
	}
}
