package kubernetes

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// repoRoot is the module root, where the Dockerfile and its build context
// are.
const repoRoot = "../.."

// dockerfile is the parsed part of the repository's Dockerfile the tests
// check and rebuild.
type dockerfile struct {
	froms      []string // the image of every FROM, in order
	finalUser  string   // USER in the last stage
	entrypoint string   // ENTRYPOINT in the last stage, as written
	buildRun   string   // the RUN instruction that calls go build, continuations joined
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	// Join continuation lines so one instruction is one line.
	var instrs []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if rest, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(rest)
			continue
		}
		cur.WriteString(line)
		instrs = append(instrs, cur.String())
		cur.Reset()
	}
	for _, in := range instrs {
		word, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(word) {
		case "FROM":
			var image string
			for f := range strings.FieldsSeq(rest) {
				if !strings.HasPrefix(f, "--") {
					image = f
					break
				}
			}
			d.froms = append(d.froms, image)
			d.finalUser, d.entrypoint = "", ""
		case "USER":
			d.finalUser = strings.TrimSpace(rest)
		case "ENTRYPOINT":
			d.entrypoint = strings.TrimSpace(rest)
		case "RUN":
			if strings.Contains(rest, "go build") {
				d.buildRun = rest
			}
		}
	}
	return d
}

func TestDockerfile(t *testing.T) {
	d := readDockerfile(t)
	if len(d.froms) < 2 {
		t.Fatalf("Dockerfile stages: got %q, want a builder and a final stage", d.froms)
	}
	if got := d.froms[0]; !strings.HasPrefix(got, "golang:1.26") {
		t.Errorf("builder image: got %q, want golang:1.26 (go.mod's Go)", got)
	}
	for _, from := range d.froms {
		if from != "scratch" && !pinnedImage.MatchString(from) {
			t.Errorf("FROM %s: want the image pinned by digest (name:tag@sha256:<64 hex digits>)", from)
		}
	}
	final, _, _ := strings.Cut(d.froms[len(d.froms)-1], "@")
	if final != "gcr.io/distroless/static-debian12:nonroot" && final != "scratch" {
		t.Errorf("final image: got %q, want gcr.io/distroless/static-debian12:nonroot or scratch", final)
	}
	if d.finalUser != "65532:65532" {
		t.Errorf("final stage USER: got %q, want 65532:65532 (numeric, so runAsNonRoot can check it)", d.finalUser)
	}
	if d.entrypoint != `["/ownaudit"]` {
		t.Errorf("final stage ENTRYPOINT: got %s, want [\"/ownaudit\"]", d.entrypoint)
	}
	for _, want := range []string{"CGO_ENABLED=0", "go build -trimpath", "-X main.version=", "./cmd/ownaudit"} {
		if !strings.Contains(d.buildRun, want) {
			t.Errorf("Dockerfile build step %q: missing %q", d.buildRun, want)
		}
	}
}

// pinnedImage is an image named by tag and digest.
var pinnedImage = regexp.MustCompile(`^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$`)

// ldflagsRE finds the linker flags of the Dockerfile's go build.
var ldflagsRE = regexp.MustCompile(`-ldflags\s+"([^"]*)"`)

// testVersion stands in for the VERSION build argument.
const testVersion = "v0.0.0-imagetest"

// imageBuild caches the binaries the Dockerfile's build step produces, by
// GOOS, for the whole test run.
var imageBuild struct {
	sync.Mutex
	dir  string
	bins map[string]string
}

// imageBinary builds ./cmd/ownaudit the way the Dockerfile does: from a copy
// of the build context that .dockerignore leaves, with CGO_ENABLED=0,
// -trimpath and the Dockerfile's own -ldflags (VERSION set to testVersion),
// for goos and this machine's architecture. It returns the binary's path.
func imageBinary(t *testing.T, goos string) string {
	t.Helper()
	imageBuild.Lock()
	defer imageBuild.Unlock()
	if bin, ok := imageBuild.bins[goos]; ok {
		return bin
	}
	d := readDockerfile(t)
	m := ldflagsRE.FindStringSubmatch(d.buildRun)
	if m == nil {
		t.Fatalf("Dockerfile build step %q: no -ldflags \"...\"", d.buildRun)
	}
	ldflags := strings.NewReplacer("${VERSION}", testVersion, "$VERSION", testVersion).Replace(m[1])
	if strings.Contains(ldflags, "$") {
		t.Fatalf("Dockerfile -ldflags %q: a build argument the test does not know", m[1])
	}
	if imageBuild.dir == "" {
		dir, err := os.MkdirTemp("", "ownaudit-image-")
		if err != nil {
			t.Fatal(err)
		}
		ctx := filepath.Join(dir, "context")
		if err := copyContext(repoRoot, ctx); err != nil {
			os.RemoveAll(dir)
			t.Fatalf("copy the build context: %v", err)
		}
		imageBuild.dir = dir
		imageBuild.bins = map[string]string{}
	}
	bin := filepath.Join(imageBuild.dir, goos, "ownaudit")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, "./cmd/ownaudit")
	cmd.Dir = filepath.Join(imageBuild.dir, "context")
	// As in the image's builder: no cgo, no workspace, no VCS (.git is not
	// in the context).
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+runtime.GOARCH, "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	imageBuild.bins[goos] = bin
	return bin
}

// TestMain removes the binaries imageBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if imageBuild.dir != "" {
		os.RemoveAll(imageBuild.dir)
	}
	os.Exit(code)
}

// dockerignore reads the root .dockerignore. Only plain patterns are
// allowed (no "/", "**" or "!"): each then names top-level entries, the way
// Docker matches a pattern without a slash, and the copy below is exact.
func dockerignore(root string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		return nil, err
	}
	var pats []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, "/!") || strings.Contains(line, "**") {
			return nil, fmt.Errorf(".dockerignore pattern %q: the test only copies plain top-level patterns", line)
		}
		if _, err := filepath.Match(line, ""); err != nil {
			return nil, fmt.Errorf(".dockerignore pattern %q: %v", line, err)
		}
		pats = append(pats, line)
	}
	return pats, nil
}

// copyContext copies what `COPY . .` puts in the builder: the repository
// minus what .dockerignore excludes.
func copyContext(root, dst string) error {
	pats, err := dockerignore(root)
	if err != nil {
		return err
	}
	ignored := func(name string) bool {
		for _, p := range pats {
			if ok, _ := filepath.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if rel != "." && !strings.Contains(rel, string(filepath.Separator)) && ignored(rel) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			return os.MkdirAll(target, 0o755)
		case e.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil // sockets, symlinks: nothing the build reads
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestImageBinaryIsStatic builds the binary the Dockerfile builds and checks
// that it runs on an image with no C library: no ELF interpreter, no
// dynamic section, no shared libraries.
func TestImageBinaryIsStatic(t *testing.T) {
	bin := imageBinary(t, "linux")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: got one, want none in a static binary", p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Errorf("section .dynamic: got one of %d bytes, want none", s.Size)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Errorf("imported libraries: got %q, want none", libs)
	}
	// -s drops the symbol table; its absence shows the ldflags came through.
	if s := f.Section(".symtab"); s != nil {
		t.Errorf("section .symtab: got one, want none (-ldflags -s)")
	}
}

// TestImageBinaryVersion checks that the Dockerfile's -X reaches the
// variable `ownaudit version` prints.
func TestImageBinaryVersion(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the image's binary is for linux; this is %s", runtime.GOOS)
	}
	out, err := exec.Command(imageBinary(t, "linux"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("ownaudit version: %v\n%s", err, out)
	}
	if want := "ownaudit " + testVersion + " ("; !strings.HasPrefix(string(out), want) {
		t.Errorf("ownaudit version: got %q, want it to start with %q", out, want)
	}
}
