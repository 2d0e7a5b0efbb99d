package report

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// templates hold the handover report's layouts and the HTML report's
// style sheet.
//
//go:embed templates/*.tmpl templates/*.css
var templates embed.FS

// reportCSS is the HTML report's style sheet, inlined in its <style>
// element.
var reportCSS = mustRead(templates, "templates/handover.css")

// contentSecurityPolicy lets the HTML report apply its own style sheet,
// identified by its digest, and nothing else: no script runs, no image,
// font, frame or connection loads, no form posts and no <base> redirects
// links, even if a value from the clouds ever slipped past the escaping.
var contentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(reportCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'"
}()

// htmlTemplate is parsed once; html/template escapes every value for the
// context it lands in, so resource names and messages from the clouds
// cannot inject markup.
var htmlTemplate = template.Must(template.New("handover.html.tmpl").Funcs(template.FuncMap{
	"dict":  dict,
	"title": title,
	"css":   func() template.CSS { return template.CSS(reportCSS) },
	"csp":   func() string { return contentSecurityPolicy },
}).ParseFS(templates, "templates/handover.html.tmpl"))

func mustRead(fsys embed.FS, name string) string {
	b, err := fsys.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// WriteHTML writes the handover report as one self-contained HTML file:
// inline CSS, no scripts, no external assets, readable when printed. A
// Content-Security-Policy forbids everything but its own style sheet.
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
