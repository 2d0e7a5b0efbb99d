package rules

import "flag"

// update makes golden tests rewrite their golden files instead of
// comparing: go test ./rules -update. Every golden test in the package
// shares it.
var update = flag.Bool("update", false, "rewrite golden files")
