package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/jsonin"
)

// addDeclarationSizeFlag defines --declaration-max-size on cmd, storing
// into max: every command that reads a declaration takes it.
func addDeclarationSizeFlag(cmd *cobra.Command, max *int64) {
	*max = declaration.DefaultMaxSize
	cmd.Flags().Var((*byteSize)(max), "declaration-max-size",
		"refuse a declaration larger than this (e.g. 4MiB); the limit on its YAML nodes grows with it, up to 1048576")
}

// addMaxInputFlag defines --max-input-bytes, the size past which a saved
// inventory or findings document is refused.
func addMaxInputFlag(cmd *cobra.Command, max *int64) {
	*max = jsonin.DefaultMaxBytes
	cmd.Flags().Var((*byteSize)(max), "max-input-bytes", "refuse an input file larger than this (e.g. 8GiB)")
}

// byteSize is a pflag.Value for a size in bytes, written as a whole number
// with an optional unit: B, KiB, MiB, GiB, or KB, MB, GB (powers of 1000).
type byteSize int64

var byteUnits = []struct {
	suffix string
	scale  int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

func (s *byteSize) Set(v string) error {
	text := strings.ToLower(strings.TrimSpace(v))
	scale := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(text, u.suffix) {
			text, scale = strings.TrimSpace(strings.TrimSuffix(text, u.suffix)), u.scale
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/scale {
		return fmt.Errorf("%q is not a size: want a positive whole number of bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB), e.g. 4MiB", v)
	}
	*s = byteSize(n * scale)
	return nil
}

func (s *byteSize) String() string {
	n := int64(*s)
	for _, u := range []struct {
		name  string
		scale int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.scale && n%u.scale == 0 {
			return fmt.Sprintf("%d%s", n/u.scale, u.name)
		}
	}
	return strconv.FormatInt(n, 10)
}

func (*byteSize) Type() string { return "size" }
