package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://gw:9091/metrics", "http://gw:9091/metrics"},
		{"--pushgateway: unexpected status code 500 while pushing to http://ops:s3cret@gw:9091/metrics/job/ownaudit: down",
			"--pushgateway: unexpected status code 500 while pushing to http://redacted@gw:9091/metrics/job/ownaudit: down"},
		{`Post "https://ghp_token123@api.example/": EOF`, `Post "https://redacted@api.example/": EOF`},
		{`Post "http://user:***@127.0.0.1:8080/": context deadline exceeded`, `Post "http://redacted@127.0.0.1:8080/": context deadline exceeded`},
		{"HTTPS://U:P%40ss@H/ and socks5://a:b@proxy:1080", "HTTPS://redacted@H/ and socks5://redacted@proxy:1080"},
		{"mail alice@example.com about http://example.com/a@b", "mail alice@example.com about http://example.com/a@b"},
		{"http://host/?next=x@y", "http://host/?next=x@y"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestHandler(t *testing.T) {
	var b bytes.Buffer
	u, _ := url.Parse("http://ops:s3cret@gw:9091")
	l := slog.New(Handler(slog.NewTextHandler(&b, nil))).With("base", "https://tok@base.example")
	l.WithGroup("g").Info("pushed to http://ops:s3cret@gw:9091",
		"url", "http://ops:s3cret@gw:9091", "error", errors.New(`Put "http://ops:***@gw:9091": EOF`),
		"stringer", stringer("http://ops:s3cret@gw"), "parsed", u, slog.Group("nested", "u", "http://ops:s3cret@gw"), "n", 3)
	out := b.String()
	for _, secret := range []string{"ops", "s3cret", "tok@"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line %q contains %q", out, secret)
		}
	}
	if !strings.Contains(out, "n=3") || strings.Count(out, "redacted@") != 7 {
		t.Errorf("log line %q: want 7 redacted URLs and the other attributes kept", out)
	}
}
