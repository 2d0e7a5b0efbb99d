package cloudsim

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawCall sends sts:GetCallerIdentity as the SDK would (the simulator
// routes by the credential scope and does not check signatures) and
// returns the raw answer; attempt is the SDK's attempt number.
func rawCall(t *testing.T, c *http.Client, srv *Server, attempt int) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIACORE000000000001/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("Amz-Sdk-Request", "attempt="+strconv.Itoa(attempt)+"; max=5")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestBadAnswers(t *testing.T) {
	srv := startWorld(t, coreWorld)
	_, clean, err := rawCall(t, http.DefaultClient, srv, 1)
	if err != nil || !bytes.Contains(clean, []byte("<GetCallerIdentityResponse")) {
		t.Fatalf("clean answer %q, error %v", clean, err)
	}
	for _, tc := range []struct {
		kind  string
		check func(t *testing.T, resp *http.Response, body []byte, err error)
	}{
		{BadHTML, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				resp.Header.Get("X-Amzn-RequestId") != "" || !bytes.Contains(body, []byte("<html>")) {
				t.Errorf("got %v %v %q, error %v; want 200 text/html without a request id", resp.StatusCode, resp.Header, body, err)
			}
		}},
		{BadEmpty, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml" ||
				resp.Header.Get("X-Amzn-RequestId") == "" || len(body) != 0 {
				t.Errorf("got %v %v %q, error %v; want 200 text/xml with a request id and no body", resp.StatusCode, resp.Header, body, err)
			}
		}},
		{BadTruncated, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || len(body) != len(clean)/2 || !bytes.HasPrefix(clean, body) {
				t.Errorf("got %v %q, error %v; want 200 and the first half of %q", resp.StatusCode, body, err, clean)
			}
		}},
		{BadReset, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err == nil || len(body) >= len(clean) {
				t.Errorf("got %q, error %v; want the connection broken before the answer's end", body, err)
			}
		}},
		{BadOversized, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || len(body) != len(clean)+3<<20 || resp.ContentLength != -1 {
				t.Errorf("got %d bytes (Content-Length %d), error %v; want %d, chunked", len(body), resp.ContentLength, err, len(clean)+3<<20)
			}
			if !bytes.Equal(bytes.Replace(body, bytes.Repeat([]byte(" "), 3<<20), nil, 1), clean) {
				t.Errorf("the oversized answer is not the clean one padded with white space")
			}
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			// A server of its own: the one before may record its last
			// request after its client saw the fault.
			srv := startWorld(t, coreWorld)
			srv.SetFaults(Faults{BadAnswers: []BadAnswer{{Action: "sts:Get*", Kind: tc.kind, Size: 3 << 20, Attempts: 1}}})
			// A client of its own, so that a reset connection is not reused.
			c := &http.Client{Transport: &http.Transport{}}
			resp, body, err := rawCall(t, c, srv, 1)
			tc.check(t, resp, body, err)
			// The handler records once it returns, which may be after the
			// client saw the answer.
			deadline := time.Now().Add(5 * time.Second)
			for len(srv.Requests()) == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if r := srv.Requests(); len(r) != 1 || r[0].Fault != tc.kind {
				t.Errorf("recorded %+v, want one request with fault %s", r, tc.kind)
			}
			// Only the first attempt gets it.
			if _, body, err := rawCall(t, c, srv, 2); err != nil || !bytes.Equal(body, clean) {
				t.Errorf("second attempt: %q, error %v; want the clean answer", body, err)
			}
		})
	}
}

func TestUnanswered(t *testing.T) {
	srv := startWorld(t, coreWorld)
	srv.SetFaults(Faults{Unanswered: []string{"sts:*"}})
	c := &http.Client{Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, _, err := rawCall(t, c, srv, 1)
	if !errors.Is(err, os.ErrDeadlineExceeded) && (err == nil || !strings.Contains(err.Error(), "Client.Timeout")) {
		t.Errorf("error %v, want the client's timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s, want the client's 300ms timeout", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the handler returns once it sees the client go
	}
	if r := srv.Requests(); len(r) != 1 || r[0].Fault != "unanswered" || r[0].Status != 0 {
		t.Errorf("recorded %+v, want one unanswered request", r)
	}
}
