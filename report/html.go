package report

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// templates hold the handover report's layouts.
//
//go:embed templates/*.tmpl
var templates embed.FS

// htmlTemplate is parsed once; html/template escapes every value for the
// context it lands in, so resource names and messages from the clouds
// cannot inject markup.
var htmlTemplate = template.Must(template.New("handover.html.tmpl").Funcs(template.FuncMap{
	"dict":  dict,
	"title": title,
}).ParseFS(templates, "templates/handover.html.tmpl"))

// WriteHTML writes the handover report as one self-contained HTML file:
// inline CSS, no scripts, no external assets, readable when printed.
func WriteHTML(w io.Writer, doc *Document) error {
	bw := bufio.NewWriter(w)
	if err := htmlTemplate.Execute(bw, BuildHandover(doc)); err != nil {
		return err
	}
	return bw.Flush()
}

// dict builds a map from key, value pairs, so that a template can pass
// several values to another.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict wants key, value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// title capitalizes the first letter of a word such as a severity.
func title(v any) string {
	s := fmt.Sprint(v)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
