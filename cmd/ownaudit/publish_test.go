package main

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ownaudit/ownaudit/declaration"
)

func TestPushGrouping(t *testing.T) {
	for _, tc := range []struct {
		name      string
		targets   declaration.Targets
		wantName  string
		wantValue string
	}{
		{"no targets", declaration.Targets{}, "instance", "all"},
		{"accounts and an organization", declaration.Targets{
			AWS:   []declaration.AWSTarget{{Account: "111111111111"}, {Organization: true}},
			Azure: []declaration.AzureTarget{{Subscription: "sub-1"}},
			GCP:   []declaration.GCPTarget{{Project: "proj"}},
		}, "instance", "aws:111111111111,aws:organization,azure:sub-1,gcp:proj"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, value := pushGrouping(&scanOptions{}, &declaration.Declaration{Targets: tc.targets})
			if name != tc.wantName || value != tc.wantValue {
				t.Errorf("grouping = %s=%q, want %s=%q", name, value, tc.wantName, tc.wantValue)
			}
		})
	}
	// A shard is grouped by its index alone: every shard of one
	// declaration names the same targets.
	o := &scanOptions{shard: shardOptions{set: true, index: 2, count: 3}}
	decl := &declaration.Declaration{Targets: declaration.Targets{AWS: []declaration.AWSTarget{{Account: "111111111111"}}}}
	if name, value := pushGrouping(o, decl); name != "shard" || value != "2" {
		t.Errorf("sharded grouping = %s=%q, want shard=\"2\"", name, value)
	}
}

// gatewayRequest is what a fake Pushgateway saw.
type gatewayRequest struct{ method, path string }

func fakeGateway(t *testing.T, status int) (*httptest.Server, func() []gatewayRequest) {
	t.Helper()
	var mu sync.Mutex
	var got []gatewayRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, gatewayRequest{r.Method, r.URL.Path})
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []gatewayRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]gatewayRequest(nil), got...)
	}
}

func TestPublishMetrics(t *testing.T) {
	decl := &declaration.Declaration{Targets: declaration.Targets{AWS: []declaration.AWSTarget{{Account: "111111111111"}}}}
	const group = "/metrics/job/ownaudit/instance/aws:111111111111"
	g := &globalOptions{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

	t.Run("a document is PUT and written", func(t *testing.T) {
		gw, requests := fakeGateway(t, http.StatusOK)
		file := filepath.Join(t.TempDir(), "ownaudit.prom")
		o := &scanOptions{pushgateway: gw.URL, metricsFile: file}
		if err := publishMetrics(g, o, decl, demoDocument(t), nil); err != nil {
			t.Fatal(err)
		}
		if got := requests(); len(got) != 1 || got[0] != (gatewayRequest{http.MethodPut, group}) {
			t.Errorf("requests = %v, want one PUT %s", got, group)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\nownaudit_scan_success 1\n") {
			t.Errorf("%s lacks ownaudit_scan_success 1:\n%s", file, b)
		}
	})

	t.Run("a failure is POSTed, keeping the group's findings", func(t *testing.T) {
		gw, requests := fakeGateway(t, http.StatusOK)
		o := &scanOptions{pushgateway: gw.URL}
		if err := publishMetrics(g, o, decl, nil, errors.New("simulator down")); err != nil {
			t.Fatal(err)
		}
		if got := requests(); len(got) != 1 || got[0] != (gatewayRequest{http.MethodPost, group}) {
			t.Errorf("requests = %v, want one POST %s", got, group)
		}
	})

	t.Run("both sinks are tried and both failures reported", func(t *testing.T) {
		gw, requests := fakeGateway(t, http.StatusInternalServerError)
		o := &scanOptions{pushgateway: gw.URL, metricsFile: filepath.Join(t.TempDir(), "missing", "ownaudit.prom")}
		err := publishMetrics(g, o, decl, demoDocument(t), nil)
		if err == nil || !strings.Contains(err.Error(), "--metrics-file") || !strings.Contains(err.Error(), "--pushgateway") {
			t.Errorf("error = %v, want one naming --metrics-file and --pushgateway", err)
		}
		if len(requests()) != 1 {
			t.Errorf("pushes = %d after the file failed, want 1", len(requests()))
		}
	})

	t.Run("neither asked for", func(t *testing.T) {
		if err := publishMetrics(g, &scanOptions{}, decl, nil, errors.New("x")); err != nil {
			t.Errorf("error = %v, want nil", err)
		}
	})
}
