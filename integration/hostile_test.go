package integration

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServe runs `ownaudit serve --demo` on a free 127.0.0.1 port with
// extra arguments, under a file limit of 1024 like a default container,
// until the test ends, and returns its base URL once /healthz answers.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	listen := freeAddr(t)
	// The shell sets the limit for the process it execs; Go keeps a soft
	// limit at the hard one, so both are set.
	cmd := exec.Command("/bin/sh", append([]string{"-c", `ulimit -n 1024 && exec "$0" "$@"`, binary,
		"serve", "--demo", "--listen", listen, "--interval", "1h"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"NO_COLOR=1"}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("ownaudit serve output:\n%s", out)
		}
	})
	base := "http://" + listen
	waitOK(t, base+"/healthz", 30*time.Second)
	return base
}

// getWithin fetches url on a new connection and fails the test unless an
// answer comes within d; it returns the status.
func getWithin(t *testing.T, url string, header http.Header, d time.Duration) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	c := &http.Client{Timeout: d, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: no answer within %s: %v", url, d, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	t.Logf("GET %s = %d after %s", url, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return resp.StatusCode
}

// TestServeUnderHostileClients holds 1,100 idle connections to a serve
// process whose file limit is 1024: /healthz and /metrics still answer at
// once. A client that sends half a header is cut off, an oversized header
// refused, and /findings is guarded by its bearer token.
func TestServeUnderHostileClients(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("d41d8cd98f00b204e9800998ecf8427e\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, "--findings-token-file", token)
	waitOK(t, base+"/readyz", 60*time.Second)
	addr := strings.TrimPrefix(base, "http://")

	for i := 0; i < 1100; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	const budget = 4 * time.Second // below the 5s header timeout, which would free places too
	for _, path := range []string{"/healthz", "/metrics", "/readyz"} {
		if code := getWithin(t, base+path, nil, budget); code != http.StatusOK {
			t.Errorf("GET %s behind 1,100 idle connections = %d, want 200", path, code)
		}
	}

	// /findings: 401 without the token, 200 with it.
	if code := getWithin(t, base+"/findings", nil, budget); code != http.StatusUnauthorized {
		t.Errorf("GET /findings without a token = %d, want 401", code)
	}
	bearer := http.Header{"Authorization": {"Bearer d41d8cd98f00b204e9800998ecf8427e"}}
	if code := getWithin(t, base+"/findings", bearer, budget); code != http.StatusOK {
		t.Errorf("GET /findings with the token = %d, want 200", code)
	}

	// A header of 1 MiB is refused.
	huge := http.Header{"X-Padding": {strings.Repeat("a", 1<<20)}}
	if code := getWithin(t, base+"/healthz", huge, budget); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET /healthz with a 1 MiB header = %d, want 431", code)
	}

	// Half a header, then nothing: the server hangs up after its header
	// timeout (5s), not when the client pleases.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	_, err = bufio.NewReader(c).ReadString('\n')
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("a connection with half a header is still open after %s", time.Since(start).Round(time.Second))
	}
}

func TestServeWithoutFindings(t *testing.T) {
	base := startServe(t, "--no-findings")
	waitOK(t, base+"/readyz", 60*time.Second)
	if code := getWithin(t, base+"/findings", nil, 5*time.Second); code != http.StatusNotFound {
		t.Errorf("GET /findings with --no-findings = %d, want 404", code)
	}
	if code := getWithin(t, base+"/metrics", nil, 5*time.Second); code != http.StatusOK {
		t.Errorf("GET /metrics with --no-findings = %d, want 200", code)
	}
}
