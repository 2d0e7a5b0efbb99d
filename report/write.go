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

// Format is one output format of values of type T: its name, as --format
// takes it, and the function that writes a value in it.
type Format[T any] struct {
	Name  string
	Write func(io.Writer, T) error
}

// FormatList is the formats one kind of output can be written in, in the
// order users are offered them. The findings document and the
// scan-to-scan diff both dispatch through one, so that a format name is
// looked up, and an unknown one refused, in one place.
type FormatList[T any] []Format[T]

// Names lists the formats' names in order.
func (l FormatList[T]) Names() []string {
	names := make([]string, len(l))
	for i, f := range l {
		names[i] = f.Name
	}
	return names
}

// Write writes v in the format called name.
func (l FormatList[T]) Write(w io.Writer, name string, v T) error {
	for _, f := range l {
		if f.Name == name {
			return f.Write(w, v)
		}
	}
	return fmt.Errorf("unknown format %q: want one of %s", name, strings.Join(l.Names(), ", "))
}

// formats are the findings document's formats; opts go to the table.
func formats(opts TableOptions) FormatList[*Document] {
	return FormatList[*Document]{
		{Name: FormatJSON, Write: WriteJSON},
		{Name: FormatNDJSON, Write: WriteNDJSON},
		{Name: FormatTable, Write: func(w io.Writer, doc *Document) error { return WriteTable(w, doc, opts) }},
		{Name: FormatMarkdown, Write: WriteMarkdown},
		{Name: FormatHTML, Write: WriteHTML},
		{Name: FormatOCSF, Write: WriteOCSF},
	}
}

// Formats lists the formats Write accepts.
func Formats() []string { return formats(TableOptions{}).Names() }

// Write writes doc in the named format; opts apply to the table only.
func Write(w io.Writer, format string, doc *Document, opts TableOptions) error {
	return formats(opts).Write(w, format, doc)
}
