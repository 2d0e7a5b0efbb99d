package cloudsim

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// startWorld serves the world described by YAML until the test ends.
func startWorld(t *testing.T, world string) *Server {
	t.Helper()
	w, err := Parse([]byte(world))
	if err != nil {
		t.Fatal(err)
	}
	return serveWorld(t, w)
}

// serveWorld serves w until the test ends.
func serveWorld(t *testing.T, w *World) *Server {
	t.Helper()
	srv, err := Start(w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// sdkConfig is an SDK configuration that signs with key in region and
// talks to srv. It makes one attempt per call, so a test sees the
// simulator's first answer rather than the SDK's retries.
func sdkConfig(srv *Server, key, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(key, "secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// startSDK serves world (YAML) and returns an SDK configuration that
// reaches it as the account of key, in region (see sdkConfig).
func startSDK(t *testing.T, world, key, region string) (*Server, aws.Config) {
	t.Helper()
	srv := startWorld(t, world)
	return srv, sdkConfig(srv, key, region)
}

// errCode is the provider error code of an SDK error, or "".
func errCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// errStatus is the provider error code and HTTP status of an SDK error;
// a nil error is "" and 200.
func errStatus(err error) (code string, status int) {
	if err == nil {
		return "", 200
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return errCode(err), status
}

// wantCode fails the test unless err carries the error code want ("" for
// none), and reports whether call succeeded, so that the caller goes on to
// check the answer only then.
func wantCode(t *testing.T, call string, err error, want string) bool {
	t.Helper()
	if got := errCode(err); got != want {
		t.Fatalf("%s error code = %q (%v), want %q", call, got, err, want)
	}
	return err == nil
}

// wantPage checks how many items (named by what) one page of call held and
// whether it offered a next page.
func wantPage(t *testing.T, call, what string, n int, next bool, wantN int, wantNext bool) {
	t.Helper()
	if n != wantN || next != wantNext {
		t.Errorf("%s = %d %s, next page %v; want %d, %v", call, n, what, next, wantN, wantNext)
	}
}

// pager is an SDK paginator, as NewXxxPaginator returns it: its pages are
// of type O and its per-call options of type F.
type pager[O, F any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(F)) (O, error)
}

// allPages reads every page p offers, in order, and fails the test at the
// first that does not come.
func allPages[O, F any](t *testing.T, p pager[O, F]) []O {
	t.Helper()
	var pages []O
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", len(pages)+1, err)
		}
		pages = append(pages, page)
	}
	return pages
}

// wantRequests checks how many requests for op ("service:Action") srv
// answered.
func wantRequests(t *testing.T, srv *Server, op string, want int) {
	t.Helper()
	if got := srv.Counts()[op]; got != want {
		t.Errorf("%s requests = %d, want %d", op, got, want)
	}
}
