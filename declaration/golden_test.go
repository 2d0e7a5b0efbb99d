package declaration

import (
	"flag"
	"os"
	"testing"
)

// update makes golden tests rewrite their golden files instead of
// comparing: go test ./declaration -update. Every golden test in the package
// shares it.
var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the golden file at path, or rewrites the file
// with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./declaration -update)", err)
	}
	if got != string(want) {
		t.Errorf("got (%s):\n%s\nwant:\n%s", path, got, want)
	}
}
