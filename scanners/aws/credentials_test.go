package aws

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// noAmbientAWS shuts the machine's AWS configuration out of the test: no
// credentials in the environment, empty shared files, no profile.
func noAmbientAWS(t *testing.T) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_ROLE_ARN": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "",
	} {
		t.Setenv(k, v)
	}
}

// scanWithoutCredentials runs every AWS scanner over the ambient target and
// returns the error entries and what the SDK logged through slog.
func scanWithoutCredentials(t *testing.T) ([]inventory.ScanError, string) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g := scanners.NewRegistry(scanners.Options{})
	Register(g, scanners.Options{Logger: logger})
	inv := &inventory.Inventory{}
	g.Run(context.Background(), []scanners.Target{{Cloud: inventory.AWS}}, g.Registered(), 4).Fill(inv)
	return inv.Errors, logs.String()
}

func TestNoCredentialsIsOneMessageSayingWhatToDo(t *testing.T) {
	noAmbientAWS(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	errs, _ := scanWithoutCredentials(t)
	if len(errs) != len(inventory.Domains) {
		t.Fatalf("error entries = %+v, want one per domain", errs)
	}
	msg := errs[0].Message
	for _, e := range errs {
		if e.Message != msg {
			t.Errorf("error entries differ: %q and %q; want the one credentials message", e.Message, msg)
		}
	}
	for _, want := range []string{"no AWS credentials found", "AWS_ACCESS_KEY_ID", `profile "default"`, "web identity",
		"switched off by AWS_EC2_METADATA_DISABLED", "AWS_PROFILE", "aws sso login", "IRSA"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
	for _, noise := range []string{"operation error", "failed to refresh cached credentials", "\n"} {
		if strings.Contains(msg, noise) {
			t.Errorf("message %q carries the SDK's chain (%q)", msg, noise)
		}
	}
}

func TestInstanceMetadataWithoutARoleLogsThroughSlog(t *testing.T) {
	noAmbientAWS(t)
	// An instance metadata service that refuses the IMDSv2 token and has
	// no role: the SDK falls back to IMDSv1 and says so through its
	// logger, which must be ownaudit's.
	var refused atomic.Int32
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		refused.Add(1)
		http.NotFound(w, r)
	}))
	defer refusing.Close()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", refusing.URL)
	errs, logs := scanWithoutCredentials(t)
	if len(errs) == 0 || !strings.Contains(errs[0].Message, "no role there") {
		t.Errorf("error entries = %+v, want the credentials message naming the metadata service", errs)
	}
	if !strings.Contains(logs, "falling back to IMDSv1") || !strings.Contains(logs, "source=aws-sdk") {
		t.Errorf("the SDK's IMDSv1 fallback warning did not reach slog; logs:\n%s", logs)
	}

	// One that accepts connections and never answers, as a firewalled
	// link-local address may: the scan still ends with the message.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://"+ln.Addr().String())
	errs, _ = scanWithoutCredentials(t)
	if len(errs) == 0 || !strings.Contains(errs[0].Message, "no AWS credentials found") {
		t.Errorf("error entries = %+v, want the credentials message", errs)
	}
}
