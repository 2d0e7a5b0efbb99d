package report

import (
	"errors"
	"io"
)

// WriteOCSF writes OCSF Detection Findings (being written).
func WriteOCSF(w io.Writer, doc *Document) error {
	return errors.New("the ocsf format is not built yet")
}
