// Package redact keeps credentials out of what ownaudit prints and writes:
// the user information of URLs (https://user:password@host/, or a token
// as the user name) in log lines, error messages and findings documents.
package redact

import (
	"context"
	"log/slog"
	"regexp"
)

// Mask replaces the user information of a URL.
const Mask = "redacted"

// userinfo matches the scheme and user information of a URL in running
// text: up to the "@" before the host, with no "/", "?", "#", white space
// or quote in between.
var userinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s"'<>]+@`)

// Text returns s with the user information of every URL in it replaced by
// Mask: net/http masks only the password of the URLs in its errors, and a
// user name can be a token too.
func Text(s string) string {
	return userinfo.ReplaceAllString(s, "${1}"+Mask+"@")
}

// Handler returns a handler that hands h every record with the user
// information of URLs in its message and its string and error attributes
// redacted.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = attr(a)
	}
	return handler{h.next.WithAttrs(clean)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.next.WithGroup(name)} }

// attr redacts what a attribute's value could print.
func attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Text(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Text(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, Text(x.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
