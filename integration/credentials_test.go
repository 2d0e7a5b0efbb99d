package integration

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scrubbedEnv is an environment with nothing of the machine's AWS
// configuration: a home without ~/.aws and only PATH kept.
func scrubbedEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NO_COLOR=1"}, extra...)
}

func TestNoCredentialsIsOneLinePerCloud(t *testing.T) {
	dir := t.TempDir()
	decl := filepath.Join(dir, "d.yaml")
	if err := os.WriteFile(decl, []byte("version: 1\nparties:\n  - {id: acme, role: customer}\nresponsibilities:\n  - match: {}\n    assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The instance metadata service: one that refuses the IMDSv2 token and
	// has no role, so the SDK falls back to IMDSv1 and warns about it.
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want []string // in the one line about the credentials
	}{
		{"metadata switched off", []string{"AWS_EC2_METADATA_DISABLED=true"}, nil,
			[]string{"switched off by AWS_EC2_METADATA_DISABLED"}},
		{"metadata without a role", []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL}, []string{"--log-level", "debug"},
			[]string{"no role there: it answered HTTP"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"scan", "--declaration", decl, "--output", "f.json"}, tc.args...)
			code := runEnv(t, dir, scrubbedEnv(t, tc.env...), &stdout, &stderr, args...)
			if code != 3 {
				t.Errorf("exit %d, want 3 (nothing could be read); stderr:\n%s", code, stderr.String())
			}
			var about []string
			for _, line := range strings.Split(stderr.String(), "\n") {
				if strings.HasPrefix(line, "SDK ") {
					t.Errorf("the SDK logged in a format of its own: %q", line)
				}
				// Every warning or error about them: the scanning line at
				// info names the ambient credentials as the target.
				if strings.Contains(line, "credentials") && !strings.Contains(line, "level=INFO") && !strings.Contains(line, "level=DEBUG") {
					about = append(about, line)
				}
			}
			// One line per cloud: this build scans AWS, Azure and GCP.
			if len(about) != 3 {
				t.Fatalf("%d lines about credentials, want one per cloud:\n%s", len(about), strings.Join(about, "\n"))
			}
			for _, line := range about {
				var want []string
				switch {
				case strings.Contains(line, "cloud=aws"):
					want = append(tc.want, "no AWS credentials found", "aws sso login", "AWS_ACCESS_KEY_ID", "IRSA")
				case strings.Contains(line, "cloud=azure"):
					want = []string{"no Azure credentials found", "az login", "AZURE_CLIENT_SECRET", "workload identity"}
				case strings.Contains(line, "cloud=gcp"):
					want = []string{"no Google Cloud credentials found", "gcloud auth application-default login", "GOOGLE_APPLICATION_CREDENTIALS"}
				default:
					t.Errorf("a line about credentials names no cloud: %s", line)
				}
				for _, w := range append(want, "level=WARN", "domains=encryption,firewall,iam,patching") {
					if !strings.Contains(line, w) {
						t.Errorf("the line about credentials lacks %q:\n%s", w, line)
					}
				}
			}
			if len(tc.args) > 0 && !strings.Contains(stderr.String(), "falling back to IMDSv1") {
				t.Errorf("at debug level the SDK's own warning is missing from the log:\n%s", stderr.String())
			}
		})
	}
}
