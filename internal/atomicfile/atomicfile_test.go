package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
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
				// A replaced file keeps its mode; a new one gets 0666
				// less the umask the test runs under (022).
				want := fs.FileMode(0o644)
				if tc.old != "" {
					want = 0o600
				}
				if got := fi.Mode().Perm(); got != want {
					t.Errorf("file mode = %v, want %v", got, want)
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

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func TestNewFilesFollowTheUmask(t *testing.T) {
	for _, tc := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o027, 0o640}} {
		old := syscall.Umask(tc.umask)
		path := filepath.Join(t.TempDir(), "inventory.json")
		err := Write(path, writeString("{}"))
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != tc.want {
			t.Errorf("umask %04o: new file mode = %v, want %v", tc.umask, got, tc.want)
		}
	}
}

func TestSymlinksAreWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("the link's target holds %q, want the new content", b)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("the link's target has mode %v, want its old 0640", fi.Mode().Perm())
	}

	// A link to nothing yet creates what it points to.
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink(filepath.Join(dir, "later.json"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := Write(dangling, writeString("later")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "later.json")); string(b) != "later" {
		t.Errorf("the dangling link's target holds %q", b)
	}
}

func TestSpecialFilesAreWrittenInPlace(t *testing.T) {
	dir := t.TempDir()

	// A named pipe a reader waits on.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := Check(fifo); err != nil {
		t.Errorf("Check(fifo) = %v", err)
	}
	if err := Write(fifo, writeString("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		// The reader would wait for a writer for ever.
		t.Fatalf("the pipe was replaced: %v %v", fi, err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the reader got %q", s)
	}

	// A character device, reached through a link so that a broken Write
	// could only ever replace the link.
	null := filepath.Join(dir, "null")
	if err := os.Symlink("/dev/null", null); err != nil {
		t.Fatal(err)
	}
	if err := Check(null); err != nil {
		t.Errorf("Check(/dev/null) = %v", err)
	}
	if err := Write(null, writeString("discarded")); err != nil {
		t.Errorf("Write(/dev/null) = %v", err)
	}
	if fi, err := os.Lstat(null); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link to /dev/null was replaced: %v %v", fi, err)
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("/dev/null is no longer a device: %v %v", fi, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left behind %s", e.Name())
		}
	}

	// A device that is full fails the write, and says so.
	full := filepath.Join(dir, "full")
	if err := os.Symlink("/dev/full", full); err != nil {
		t.Fatal(err)
	}
	if err := Write(full, writeString("no room")); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Write(/dev/full) = %v, want ENOSPC", err)
	}

	// A socket a reader listens on.
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(c)
		c.Close()
		got <- string(b)
	}()
	if err := Write(sock, writeString("over the socket")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "over the socket" {
		t.Errorf("the listener got %q", s)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path    string
		wantErr string
	}{
		{filepath.Join(dir, "new.json"), ""},
		{filepath.Join(dir, "no", "such", "dir", "f.json"), "no such file or directory"},
		{dir, "is a directory"},
	} {
		err := Check(tc.path)
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Check(%s) = %v, want error %q", tc.path, err, tc.wantErr)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("Check left %d files behind", len(entries))
	}
}
