// Package atomicfile writes output files atomically (a temporary file,
// then a rename): the findings, diffs, saved inventories and
// node_exporter textfiles the binary writes.
//
// What a path names decides how it is written:
//   - a regular file, or nothing yet: atomically, through a temporary
//     file in the same directory renamed over it; a new file gets the
//     mode 0666 less the umask (0644 under the usual 022, 0600 under
//     077), a replaced file keeps its mode;
//   - a symbolic link: written through, to the file it points to (which
//     is then written as above), the link itself left in place;
//   - a FIFO, a device or a socket: written in place, never replaced
//     (`-o /dev/stdout`, `-o /dev/null`, a named pipe a reader waits on);
//     such a write is not atomic;
//   - a directory: refused.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// maxLinks bounds how many symbolic links resolve follows, as the
// kernel's own limit does.
const maxLinks = 40

// Check reports, before anything is computed, whether Write could write
// path: its directory exists and takes a new file (a probe file is
// created and removed), or path is something written in place that can be
// opened for writing. A FIFO or socket is only checked to exist: opening
// one would disturb the reader waiting on it.
func Check(path string) error {
	target, fi, err := resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	switch {
	case fi == nil || fi.Mode().IsRegular():
		f, tmp, err := createTemp(target)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		_ = f.Close()
		_ = os.Remove(tmp)
	case fi.IsDir():
		return fmt.Errorf("write %s: it is a directory", path)
	case fi.Mode()&(fs.ModeNamedPipe|fs.ModeSocket) != 0:
	default:
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		_ = f.Close()
	}
	return nil
}

// Write writes path through write so that readers see either the old
// content or the whole new content, never a half-written file, where the
// path allows it (see the package documentation). The temporary file is
// synced before the rename; on any error it is removed and an existing
// file at path is left untouched.
func Write(path string, write func(io.Writer) error) error {
	target, fi, err := resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	switch {
	case fi == nil || fi.Mode().IsRegular():
		err = replace(target, fi, write)
	case fi.IsDir():
		err = errors.New("it is a directory")
	case fi.Mode()&fs.ModeSocket != 0:
		err = inPlace(func() (io.WriteCloser, error) { return net.Dial("unix", target) }, write)
	default:
		err = inPlace(func() (io.WriteCloser, error) { return os.OpenFile(target, os.O_WRONLY, 0) }, write)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// resolve follows symbolic links from path to what they end at, and
// returns that path with its file info (nil when nothing is there yet).
func resolve(path string) (string, fs.FileInfo, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return path, nil, nil
		case err != nil:
			return "", nil, err
		case fi.Mode()&fs.ModeSymlink == 0:
			return path, fi, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", nil, fmt.Errorf("more than %d symbolic links", maxLinks)
}

// replace writes a new file next to path and renames it over path; old is
// what path is now (nil when nothing), whose mode the new file keeps.
func replace(path string, old fs.FileInfo, write func(io.Writer) error) (err error) {
	f, tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if old != nil {
		if err := f.Chmod(old.Mode().Perm()); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// createTemp creates a new, empty file next to path, with mode 0666 less
// the umask: what a new file at path would get.
func createTemp(path string) (*os.File, string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	for {
		var b [8]byte
		_, _ = rand.Read(b[:])
		tmp := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(b[:]))
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
}

// inPlace writes to what open opens and closes it, reporting a failed
// close: a device or pipe may only refuse the data then.
func inPlace(open func() (io.WriteCloser, error), write func(io.Writer) error) error {
	w, err := open()
	if err != nil {
		return err
	}
	if err := write(w); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// syncDir makes the rename durable where the platform allows syncing a
// directory; the file is already complete either way, so failures are
// ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
