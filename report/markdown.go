package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/ownaudit/ownaudit/controls"
)

// markdownTemplate renders the handover report as GitHub-flavoured
// Markdown. text/template escapes nothing, so every value from the clouds
// or the declaration goes through md or code.
var markdownTemplate = template.Must(template.New("handover.md.tmpl").Funcs(template.FuncMap{
	"dict":   dict,
	"title":  title,
	"md":     md,
	"code":   code,
	"cell":   mdCell,
	"swatch": swatch,
}).ParseFS(templates, "templates/handover.md.tmpl"))

// WriteMarkdown writes the handover report in GitHub-flavoured Markdown,
// with the same sections as the HTML report.
func WriteMarkdown(w io.Writer, doc *Document) error {
	bw := bufio.NewWriter(w)
	if err := markdownTemplate.Execute(bw, BuildHandover(doc)); err != nil {
		return err
	}
	return bw.Flush()
}

// mdEscaper makes text inert in Markdown: HTML-significant characters
// become entities (GitHub would otherwise render or strip tags), Markdown
// punctuation is backslash-escaped, and line breaks, which would end a
// table row, become <br>.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"|", `\|`, "~", `\~`, "#", `\#`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

// md escapes a value for Markdown text, table cells included. Control
// characters, escape sequences and bidirectional controls are written out
// (PrintableLines), so that the file is as safe to cat as to render.
func md(v any) string {
	return mdEscaper.Replace(PrintableLines(fmt.Sprint(v)))
}

// code sets a value in a code span. A value a code span cannot hold (a
// backtick or a line break) is escaped as text instead; a pipe is escaped
// even inside the span, since GFM splits table cells before it sees spans.
func code(v any) string {
	s := fmt.Sprint(v)
	if strings.ContainsAny(s, "`\r\n") {
		return md(s)
	}
	return "`" + strings.ReplaceAll(Printable(s), "|", `\|`) + "`"
}

// swatches stand in for the HTML report's colours: Markdown has none, but
// GitHub shows these in colour.
var swatches = map[controls.Severity]string{
	controls.Critical: "🟥", controls.High: "🟧", controls.Medium: "🟨", controls.Low: "🟦", controls.Info: "⬜",
}

// swatch is the colour of a severity; "" for none.
func swatch(v any) string {
	return swatches[controls.Severity(fmt.Sprint(v))]
}

// mdCell renders a matrix cell: "0" when nothing fails, else the swatch,
// the count and the worst severity ("🟥 3 critical").
func mdCell(c MatrixCell) string {
	if c.Count == 0 {
		return "0"
	}
	s := fmt.Sprintf("%d %s", c.Count, c.Worst)
	if sw := swatch(c.Worst); sw != "" {
		s = sw + " " + s
	}
	return s
}
