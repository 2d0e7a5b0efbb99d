package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		str  string
	}{
		{"1048576", 1 << 20, "1MiB"},
		{"4MiB", 4 << 20, "4MiB"},
		{"512kib", 512 << 10, "512KiB"},
		{"2 MB", 2e6, "2000000"},
		{"1G", 1 << 30, "1GiB"},
		{"1500B", 1500, "1500"},
	} {
		var s byteSize
		if err := s.Set(tc.in); err != nil || int64(s) != tc.want || s.String() != tc.str {
			t.Errorf("Set(%q) = %d, %v (String %q); want %d (String %q)", tc.in, int64(s), err, s.String(), tc.want, tc.str)
		}
	}
	for _, in := range []string{"", "0", "-1", "1.5MiB", "4XB", "MiB", "9999999999GiB"} {
		var s byteSize
		if err := s.Set(in); err == nil {
			t.Errorf("Set(%q) = %d, want an error", in, int64(s))
		}
	}
}

// TestDeclarationMaxSize runs each command that reads a declaration on one
// just over the default size limit: refused by default, read with the
// limit raised by --declaration-max-size, and refused under a lowered one.
func TestDeclarationMaxSize(t *testing.T) {
	template, err := os.ReadFile(filepath.Join("..", "..", "configs", "declarations", "self-service.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	padding := strings.Repeat("# "+strings.Repeat("x", 70)+"\n", (1<<20)/73+1)
	if err := os.WriteFile(big, append(template, padding...), 0o644); err != nil {
		t.Fatal(err)
	}
	busy := takenAddr(t)
	// Each command goes on to fail at a later step once the declaration
	// is read: the inventory file is missing, the port is taken.
	for _, tc := range []struct {
		name  string
		args  []string
		after string
	}{
		{"validate", []string{"validate", big}, ": valid"},
		{"scan", []string{"scan", "--declaration", big, "--from-inventory", "missing-inventory.json"}, "missing-inventory.json"},
		{"serve", []string{"serve", "--declaration", big, "--listen", busy}, "--listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, limit := range []struct {
				flags []string
				want  string
			}{
				{nil, "more than 1 MiB"},
				{[]string{"--declaration-max-size", "2MiB"}, tc.after},
				{[]string{"--declaration-max-size", "1KiB"}, "more than 1 KiB"},
			} {
				args := append(append([]string{}, tc.args...), limit.flags...)
				var stdout, stderr bytes.Buffer
				code := run(args, &stdout, &stderr)
				out := stdout.String() + stderr.String()
				if !strings.Contains(out, limit.want) {
					t.Errorf("ownaudit %s: exit %d, output:\n%s\nwant it to contain %q", strings.Join(args[1:], " "), code, out, limit.want)
				}
				if strings.Contains(limit.want, "more than") && (code != exitUsage || !strings.Contains(out, big+":1:1: ") || !strings.Contains(out, "--declaration-max-size")) {
					t.Errorf("ownaudit %s: exit %d, output:\n%s\nwant exit %d, the file's position and the flag to raise the limit", strings.Join(args[1:], " "), code, out, exitUsage)
				}
			}
		})
	}
}
