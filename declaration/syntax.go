package declaration

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// syntax checks that data is text within the limits, parses the YAML and
// returns the single document's body, or nil with an issue.
func (p *declParser) syntax(data []byte) ast.Node {
	data, ok := p.text(data)
	if !ok || !p.glance(data) {
		return nil
	}
	tokens := lexer.Tokenize(string(data))
	if !p.shape(tokens) {
		return nil
	}
	f, err := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		if tabs := p.tabIndents(data); len(tabs) > 0 {
			p.issues = append(p.issues, tabs...)
			return nil
		}
		p.yamlError(err)
		return nil
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if _, ok := doc.Body.(*ast.DirectiveNode); ok {
			// %YAML and %TAG lines precede the document; they are not one.
			continue
		}
		if body != nil {
			pos := p.nodePos(doc.Body)
			if doc.Start != nil {
				pos = p.tokenPos(doc.Start)
			}
			p.add(pos, "a second YAML document starts here; a declaration is one document (remove the extra ---)")
			return nil
		}
		body = doc.Body
	}
	if body == nil {
		p.add(p.start(), "empty declaration; expected at least version, parties and responsibilities (copy a template from configs/declarations/)")
	}
	return body
}

// tabIndents reports every line whose indentation holds a tab. YAML forbids
// tabs there, and the parser's own message ("found character that cannot
// start any token") does not say so.
func (p *declParser) tabIndents(data []byte) []Issue {
	var out []Issue
	for n, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		i := strings.IndexByte(indent, '\t')
		if i < 0 || strings.TrimSpace(line) == "" {
			continue
		}
		col := utf8.RuneCountInString(line[:i]) + 1
		out = append(out, Issue{
			Pos:     Position{File: p.file, Line: n + 1, Column: col},
			Message: "tab character in indentation; YAML indents with spaces only",
		})
	}
	return out
}

// yamlError turns an error of the YAML library into an issue at the token
// it names.
func (p *declParser) yamlError(err error) {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) {
		p.add(p.tokenPos(ye.GetToken()), "invalid YAML: %s", clipTo(ye.GetMessage(), 4*clipRunes))
		return
	}
	p.add(p.start(), "invalid YAML: %s", clipTo(err.Error(), 4*clipRunes))
}
