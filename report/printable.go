package report

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s with everything a terminal would act on rather than
// show written out as a Go escape: control characters (C0, DEL and C1,
// among them the newline, the carriage return, the tab and the ESC that
// starts every escape sequence), the Unicode line and paragraph
// separators, the bidirectional controls (overrides, embeddings,
// isolates and marks) and bytes that are not UTF-8. A newline becomes
// `\n`, ESC `\x1b`, a right-to-left override `\u202e`.
//
// Resource names, tags, messages and party names come from the clouds and
// the declaration: through Printable one can neither add a row to a table,
// nor recolour, retitle or clear the terminal, nor reorder what it shows,
// and what was there stays readable.
func Printable(s string) string { return printable(s, false) }

// PrintableLines is Printable keeping line breaks, for text whose writer
// renders them itself, such as Markdown (as <br>), or an error message of
// several lines. A line break is a line feed; a CR LF pair becomes one, a
// lone carriage return, which would let a line overwrite itself on a
// terminal, is written out.
func PrintableLines(s string) string { return printable(strings.ReplaceAll(s, "\r\n", "\n"), true) }

func printable(s string, keepBreaks bool) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || unprintable(r, keepBreaks) })
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unprintable(r, keepBreaks):
			// QuoteRune writes the rune the way Go source would: '\n',
			// '\x1b', '\u202e'; the quotes go.
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unprintable reports whether a terminal or a text viewer would act on r
// rather than show it.
func unprintable(r rune, keepBreaks bool) bool {
	if keepBreaks && r == '\n' {
		return false
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}
