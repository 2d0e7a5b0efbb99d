package controls

import "flag"

// update makes golden tests rewrite their golden files instead of
// comparing: go test ./controls -update. Every golden test in the package
// shares it.
var update = flag.Bool("update", false, "rewrite golden files")
