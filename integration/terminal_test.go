package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// terminal is a pseudo-terminal: the binary gets tty as its stdout or
// stderr, as it does in a shell, and the test reads what it drew.
type terminal struct {
	tty *os.File
	pty *os.File

	mu   sync.Mutex
	seen bytes.Buffer
	done chan struct{}
}

// newTerminal opens a pseudo-terminal of 160 columns and starts reading
// what is written to it.
func newTerminal(t *testing.T) *terminal {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	fd := int(pty.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("name the pseudo-terminal: %v", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the pseudo-terminal's tty: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 160}); err != nil {
		t.Fatalf("size the pseudo-terminal: %v", err)
	}
	term := &terminal{tty: tty, pty: pty, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := pty.Read(buf)
			term.mu.Lock()
			term.seen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { tty.Close(); pty.Close() })
	return term
}

// output closes the terminal's tty (the binary has exited) and returns
// everything drawn on it.
func (term *terminal) output() string {
	term.tty.Close()
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
	}
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.seen.String()
}

// runOnTerminal runs the binary in dir with stdout and stderr each on the
// terminal or a buffer.
func runOnTerminal(t *testing.T, dir string, env []string, stdout, stderr io.Writer, args ...string) int {
	t.Helper()
	return runEnv(t, dir, append(append(os.Environ(), "NO_COLOR=1"), env...), stdout, stderr, args...)
}

// runEnv runs the binary in dir with exactly the environment env and
// returns its exit code.
func runEnv(t *testing.T, dir string, env []string, stdout, stderr io.Writer, args ...string) int {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run ownaudit %v: %v", args, err)
	}
	return 0
}

// escapes are the terminal control sequences the progress bars move the
// cursor with.
var escapes = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")

func TestProgressBarsOnATerminal(t *testing.T) {
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	// Slow enough answers that the bars are drawn while the scan runs,
	// and throttling the retryer absorbs.
	world.Faults = cloudsim.Faults{Latency: 20 * time.Millisecond, FailFirstAttempts: 1}
	_, env, dir := simulatedAWS(t, world)
	term := newTerminal(t)
	var stdout bytes.Buffer
	code := runOnTerminal(t, dir, env, &stdout, term.tty, "scan", "--declaration", awsDeclaration(t), "--format", "json")
	drawn := escapes.ReplaceAllString(term.output(), "")
	if code != demoExit {
		t.Fatalf("scan exit %d, want %d; terminal:\n%s", code, demoExit, drawn)
	}
	final := regexp.MustCompile(`aws +targets 2/2 +\[=+\] +requests (\d+) +throttled (\d+) +errors 0 +\d`)
	m := final.FindStringSubmatch(drawn)
	if m == nil {
		t.Fatalf("no finished progress bar for aws (targets 2/2, requests, throttled, errors, elapsed) on the terminal:\n%s", drawn)
	}
	if m[1] == "0" || m[2] == "0" || m[1] == m[2] {
		t.Errorf("requests %s, throttled %s: want some of each, every call's first attempt throttled", m[1], m[2])
	}
	if !strings.Contains(drawn, "targets 0/") && !strings.Contains(drawn, "targets 1/2") {
		t.Errorf("the bars were never drawn before the scan ended:\n%s", drawn)
	}
	if strings.Contains(drawn, "scan progress") {
		t.Errorf("a terminal got progress log lines as well as bars:\n%s", drawn)
	}
	// stdout stays clean: the findings document and nothing else.
	if !json.Valid(stdout.Bytes()) {
		t.Errorf("stdout is not just the findings JSON:\n%.500s", stdout.String())
	}

	// --quiet draws nothing.
	term = newTerminal(t)
	stdout.Reset()
	runOnTerminal(t, dir, env, &stdout, term.tty, "scan", "--declaration", awsDeclaration(t), "--format", "json", "--quiet")
	if drawn := term.output(); strings.Contains(drawn, "targets") {
		t.Errorf("--quiet drew progress:\n%s", drawn)
	}
}
