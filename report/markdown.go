package report

import (
	"errors"
	"io"
)

// WriteMarkdown writes a handover report in Markdown (being written).
func WriteMarkdown(w io.Writer, doc *Document) error {
	return errors.New("the markdown format is not built yet")
}
