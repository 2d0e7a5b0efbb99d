package report

import (
	"fmt"
	"io"
	"strings"
)

// Output formats.
const (
	FormatJSON     = "json"
	FormatNDJSON   = "ndjson"
	FormatTable    = "table"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatOCSF     = "ocsf"
)

// Formats lists the formats Write accepts.
func Formats() []string {
	return []string{FormatJSON, FormatNDJSON, FormatTable, FormatMarkdown, FormatHTML, FormatOCSF}
}

// Write writes doc in the named format; opts apply to the table only.
func Write(w io.Writer, format string, doc *Document, opts TableOptions) error {
	switch format {
	case FormatJSON:
		return WriteJSON(w, doc)
	case FormatNDJSON:
		return WriteNDJSON(w, doc)
	case FormatTable:
		return WriteTable(w, doc, opts)
	case FormatMarkdown:
		return WriteMarkdown(w, doc)
	case FormatHTML:
		return WriteHTML(w, doc)
	case FormatOCSF:
		return WriteOCSF(w, doc)
	}
	return fmt.Errorf("unknown format %q: want one of %s", format, strings.Join(Formats(), ", "))
}
