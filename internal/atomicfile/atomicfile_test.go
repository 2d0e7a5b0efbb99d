package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	errWrite := errors.New("disk on fire")
	tests := []struct {
		name    string
		old     string // existing content; "" means no file
		write   func(io.Writer) error
		wantErr bool
		want    string // content afterwards; "" means no file
	}{
		{
			name:  "creates a new file",
			write: func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err },
			want:  "new\n",
		},
		{
			name:  "replaces an existing file",
			old:   "old\n",
			write: func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err },
			want:  "new\n",
		},
		{
			name: "a failed write leaves the old file",
			old:  "old\n",
			write: func(w io.Writer) error {
				_, _ = io.WriteString(w, "half")
				return errWrite
			},
			wantErr: true,
			want:    "old\n",
		},
		{
			name:    "a failed write creates nothing",
			write:   func(io.Writer) error { return errWrite },
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "findings.json")
			if tc.old != "" {
				if err := os.WriteFile(path, []byte(tc.old), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, tc.write)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("Write() error = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, errWrite) {
				t.Errorf("Write() error = %v, want it to wrap %v", err, errWrite)
			}

			b, err := os.ReadFile(path)
			switch {
			case tc.want == "" && !errors.Is(err, os.ErrNotExist):
				t.Errorf("file exists (%q, %v), want none", b, err)
			case tc.want != "" && string(b) != tc.want:
				t.Errorf("file content = %q (%v), want %q", b, err, tc.want)
			}
			if tc.want != "" && !tc.wantErr {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != 0o644 {
					t.Errorf("file mode = %v, want 0644", got)
				}
			}

			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() != "findings.json" {
					t.Errorf("left behind %s", e.Name())
				}
			}
		})
	}
}

func TestWriteMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "findings.json")
	called := false
	err := Write(path, func(io.Writer) error { called = true; return nil })
	if err == nil {
		t.Fatal("Write into a missing directory succeeded, want an error")
	}
	if called {
		t.Errorf("write was called although no temporary file could be created")
	}
}
