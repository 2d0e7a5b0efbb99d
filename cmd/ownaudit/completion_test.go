package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's hidden completion command, as a shell's completion
// script does, and returns the values offered (without descriptions).
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"__complete"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, code, stderr.String())
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if strings.HasPrefix(line, ":") || strings.HasPrefix(line, "_activeHelp_") {
			continue // the directive, and help shown beside the values
		}
		value, _, _ := strings.Cut(line, "\t")
		out = append(out, value)
	}
	return out
}

func TestCompletionOffersFlagValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"scan", "--format", ""}, []string{"json", "ndjson", "table", "markdown", "html", "ocsf"}},
		{[]string{"merge", "--format", ""}, []string{"json", "html"}},
		{[]string{"diff", "a.json", "b.json", "--format", ""}, []string{"table", "markdown", "json"}},
		{[]string{"controls", "--format", ""}, []string{"table", "json", "markdown"}},
		{[]string{"scan", "--fail-on", ""}, []string{"critical", "high", "medium", "low", "info", "none"}},
		{[]string{"merge", "--fail-on", ""}, []string{"critical", "none"}},
		{[]string{"diff", "a.json", "b.json", "--fail-on-new", ""}, []string{"high", "none"}},
		{[]string{"scan", "--disable-scanner", ""}, []string{"aws", "aws.patching", "azure", "gcp.iam"}},
		{[]string{"serve", "--disable-scanner", ""}, []string{"aws.firewall"}},
		{[]string{"scan", "--log-level", ""}, []string{"debug", "info", "warn", "error"}},
		{[]string{"scan", "--shard", ""}, []string{"0/1", "0/3", "2/3", "7/8"}},
		{[]string{"scan", "--shard", "5/16"}, []string{"0/16", "15/16"}},
	} {
		got := complete(t, tc.args...)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("completing %v = %v, want it to offer %q", tc.args, got, w)
			}
		}
	}
	if got := complete(t, "scan", "--shard", "5/16"); slices.Contains(got, "0/3") {
		t.Errorf("completing --shard 5/16 offers other counts: %v", got)
	}
}

func TestControlsTableShowsCISReferences(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"controls"}, &stdout, &stderr); code != 0 {
		t.Fatalf("controls: exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"CIS", "aws:2.4", "aws:6.2,6.3,6.4 azure:7.1,7.2 gcp:3.6,3.7", "aws = CIS Amazon Web Services Foundations Benchmark v7.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("controls table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "iam.root_access_keys ") && !strings.Contains(line, "aws:2.4") {
			t.Errorf("iam.root_access_keys row lacks its CIS reference 2.4: %q", line)
		}
	}
}
