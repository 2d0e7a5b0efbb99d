package declaration

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"

	"github.com/ownaudit/ownaudit/inventory"
)

// Bounds on what reading a declaration may cost. A real declaration is a
// few kilobytes, five levels deep, with mappings of a handful of keys; the
// bounds leave room for large estates and refuse a device, a binary or a
// generated file before the YAML parser sees it. The parser's cost grows
// with the square of the nesting depth and of the keys in one block
// mapping (20,000 levels in 40 KB took 664 MB and 10 s), so those are
// capped outright. Depth and node counts are checked first on the bytes
// (glance), then exactly on the tokens (shape), each in time linear in the
// input, before the parser builds anything.
const (
	// DefaultMaxSize is the size limit when Options.MaxSize is 0.
	DefaultMaxSize int64 = 1 << 20
	// MaxDepth is how deeply lists and mappings may nest.
	MaxDepth = 16
	// MaxMappingKeys is how many keys one mapping may hold.
	MaxMappingKeys = 256
	// BytesPerNode sets the node limit from the size limit: one YAML node
	// (a key, a value, a list item or a collection) per this many bytes of
	// it, 131,072 at the default 1 MiB. Declarations have one per 10 to 30
	// bytes.
	BytesPerNode = 8
	// MaxNodes caps the node limit, however large the size limit: the
	// tokenizer costs about 300 bytes of memory per node.
	MaxNodes = 1 << 20
)

// Options say how a declaration is read. The zero value reads with the
// default limits.
type Options struct {
	// MaxSize is the largest declaration accepted, in bytes; 0 means
	// DefaultMaxSize. The node limit grows with it.
	MaxSize int64
	// Paces, when set, returns ownaudit's own paces of the APIs of cloud
	// that a rate limit's api pattern matches: a declared limit that
	// matches none, or is above one of them, is refused. Without it a
	// rate limit's numbers are checked only for their sign; the scanners
	// ignore a limit above their pace.
	Paces func(cloud inventory.Cloud, api string) []Pace
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

func (o Options) maxNodes() int { return int(min(o.maxSize()/BytesPerNode, MaxNodes)) }

// Load reads and parses the declaration at path. It reads at most one
// byte more than the size limit, so a device or an endless pipe is refused
// without being read to its end.
func (o Options) Load(path string) (*Declaration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read declaration: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > o.maxSize() {
		p := &declParser{file: path, opts: o}
		p.add(p.start(), "%s", o.tooLarge(st.Size()))
		return nil, p.err()
	}
	data, err := io.ReadAll(io.LimitReader(f, min(o.maxSize(), math.MaxInt64-1)+1))
	if err != nil {
		return nil, fmt.Errorf("read declaration: %w", err)
	}
	return o.Parse(path, data)
}

// tooLarge says that a declaration of size bytes (-1: unknown) is over
// the limit, and what to do.
func (o Options) tooLarge(size int64) string {
	what := "more than " + byteSize(o.maxSize())
	if size >= 0 {
		what = byteSize(size) + ", more than " + byteSize(o.maxSize())
	}
	return fmt.Sprintf("declaration is %s; a declaration is normally a few kilobytes. If this one is meant to be that large, raise the limit with --declaration-max-size", what)
}

// byteSize renders n bytes for a message: "1 MiB", "40 KiB" or
// "33888910 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// text checks that data is a declaration's worth of UTF-8 text and returns
// it without a UTF-8 byte order mark. Anything else is refused with one
// issue: the first offending byte is enough to say what the file is.
func (p *declParser) text(data []byte) ([]byte, bool) {
	for _, bom := range []struct {
		mark []byte
		name string
	}{
		{[]byte{0, 0, 0xFE, 0xFF}, "UTF-32"},
		{[]byte{0xFF, 0xFE, 0, 0}, "UTF-32"},
		{[]byte{0xFE, 0xFF}, "UTF-16"},
		{[]byte{0xFF, 0xFE}, "UTF-16"},
	} {
		if bytes.HasPrefix(data, bom.mark) {
			p.add(p.start(), "the file is %s text (it starts with a %s byte order mark); a declaration is UTF-8: convert it, e.g. iconv -f %s -t UTF-8", bom.name, bom.name, bom.name)
			return nil, false
		}
	}
	// Only what is within the limit is looked at; a read that stopped at
	// the limit is refused below, never parsed as if the file ended there.
	limit := p.opts.maxSize()
	cut := int64(len(data)) > limit
	if cut {
		data = data[:limit]
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if off, msg := badText(data, cut); msg != "" {
		p.add(p.offsetPos(data, off), "%s", msg)
		return nil, false
	}
	if cut {
		p.add(p.start(), "%s", p.opts.tooLarge(-1))
		return nil, false
	}
	return data, true
}

// badText returns the offset of the first byte that has no place in a
// declaration, and why; "" when there is none. A NUL byte anywhere makes
// the file binary, whatever comes before it (an executable starts with
// DEL). With cut, data was cut at the size limit and may end inside a
// character.
func badText(data []byte, cut bool) (int, string) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i, "binary data (a NUL byte); a declaration is a YAML text file"
	}
	for i := 0; i < len(data); {
		b := data[i]
		if b < utf8.RuneSelf {
			switch {
			case b < 0x20 && b != '\t' && b != '\n' && b != '\r', b == 0x7F:
				return i, fmt.Sprintf("control character %U; YAML text cannot hold it, remove it", rune(b))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if cut && !utf8.FullRune(data[i:]) {
				return 0, ""
			}
			return i, fmt.Sprintf("invalid UTF-8 (byte 0x%02X); a declaration is UTF-8 text: convert it, e.g. iconv -f ISO-8859-1 -t UTF-8", b)
		case r >= 0x80 && r <= 0x9F && r != 0x85:
			return i, fmt.Sprintf("control character %U; YAML text cannot hold it, remove it", r)
		}
		i += size
	}
	return 0, ""
}

// offsetPos is the position of byte off in data, counting a CR that no LF
// follows as a line break, as the YAML parser does.
func (p *declParser) offsetPos(data []byte, off int) Position {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' || data[i] == '\r' && (i+1 >= len(data) || data[i+1] != '\n') {
			line, start = line+1, i+1
		}
	}
	return Position{File: p.file, Line: line, Column: utf8.RuneCount(data[start:off]) + 1}
}

var tooDeep = fmt.Sprintf("lists and mappings nest more than %d levels deep here; a declaration needs no more than 5", MaxDepth)

func (p *declParser) tooMany() string {
	if p.opts.maxSize()/BytesPerNode > MaxNodes {
		return fmt.Sprintf("declaration has more than %d YAML nodes (keys, values and list items), the most any size limit allows", MaxNodes)
	}
	return fmt.Sprintf("declaration has more than %d YAML nodes (keys, values and list items); the limit is one per %d bytes of the size limit (%s): raise it with --declaration-max-size if this file is right", p.opts.maxNodes(), BytesPerNode, byteSize(p.opts.maxSize()))
}

// glance refuses, from the bytes alone, a file whose flow collections
// ("[", "{") or compact list entries ("- - -") nest too deeply, or that
// holds too many nodes, so that a large hostile file is refused without
// being tokenized (tokenizing a megabyte of "[" costs seconds and hundreds
// of megabytes). It counts each bracket, each "-" and ":" indicator and
// the start of each plain or quoted string, and leaves out what it is
// unsure of: block indentation, the inside of quoted and block strings,
// comments, and the lines that may continue a plain string. On YAML the
// parser accepts, that is at most what the token check (shape) counts,
// so it refuses no declaration that shape would let through, and shape
// stays the exact check; the fuzz target holds it to that.
func (p *declParser) glance(data []byte) bool {
	flow, nodes, maxNodes := 0, 0, p.opts.maxNodes()
	// node counts a node at offset off, false when there is one too many.
	node := func(off int) bool {
		if nodes++; nodes > maxNodes {
			p.add(p.offsetPos(data, off), "%s", p.tooMany())
			return false
		}
		return true
	}
	var quote byte  // the quote character of an open quoted string
	atToken := true // a node may start here
	// Lines indented more than skipAbove continue a block string (after
	// "|" or ">") or a plain one; noSkip when none is open.
	const noSkip = -2
	skipAbove := noSkip
	// parents holds the columns of the keys and "-" entries of earlier
	// lines that a more indented line may be the value of.
	var parents []int
	for start := 0; start < len(data); {
		end := start
		for end < len(data) && data[end] != '\n' && data[end] != '\r' {
			end++
		}
		line := data[start:end]
		next := end + 1
		if end+1 < len(data) && data[end] == '\r' && data[end+1] == '\n' {
			next++
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		marker := quote == 0 && indent == 0 && (bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("..."))) &&
			(len(line) == 3 || line[3] == ' ' || line[3] == '\t')
		if quote == 0 && skipAbove != noSkip && !marker && (indent == len(line) || indent > skipAbove) {
			start = next
			continue
		}
		skipAbove = noSkip
		if marker {
			parents = parents[:0] // a document starts or ends
		}
		i, dashCol := 0, indent
		if quote == 0 {
			i = indent
		}
		block := quote == 0 && flow == 0 && indent < len(line) && line[indent] != '#'
		dashes := 0
		if block {
			for len(parents) > 0 && parents[len(parents)-1] >= indent {
				parents = parents[:len(parents)-1]
			}
			// "- - - x": each "-" opens a list in the one before.
			for i < len(line) && line[i] == '-' && (i+1 == len(line) || line[i+1] == ' ') {
				if dashes++; dashes > MaxDepth {
					p.add(p.offsetPos(data, start+i), "%s", tooDeep)
					return false
				}
				if !node(start + i) {
					return false
				}
				dashCol = i
				parents = append(parents, i)
				i += 2
				for i < len(line) && line[i] == ' ' {
					i++
				}
			}
		}
		contentCol := i
		// A node may start here: at the start of a line, unless it goes
		// on a flow collection (a plain string there may go on too).
		atToken = atToken || flow == 0
		plain, key := false, false
		for ; i < len(line); i++ {
			c := line[i]
			if quote != 0 {
				switch {
				case c == '\\' && quote == '"':
					i++
				case c == quote && quote == '\'' && i+1 < len(line) && line[i+1] == '\'':
					i++
				case c == quote:
					quote, atToken = 0, true
				}
				continue
			}
			switch c {
			case ' ', '\t':
				continue
			case '#':
				if i == 0 || line[i-1] == ' ' || line[i-1] == '\t' {
					i = len(line) // a comment
					continue
				}
			case '"', '\'':
				if atToken {
					if !node(start + i) {
						return false
					}
					quote, plain = c, false
					continue
				}
			case '[', '{':
				if flow > 0 || atToken {
					if flow++; flow > MaxDepth {
						p.add(p.offsetPos(data, start+i), "%s", tooDeep)
						return false
					}
					if !node(start + i) {
						return false
					}
					atToken, plain = true, false
					continue
				}
			case ']', '}':
				if flow > 0 {
					flow--
					atToken, plain = true, false
					continue
				}
			case ',':
				if flow > 0 {
					atToken, plain = true, false
					continue
				}
			case ':':
				if i+1 == len(line) || line[i+1] == ' ' {
					if !node(start + i) {
						return false
					}
					key = key || flow == 0
					atToken, plain = true, false
					continue
				}
			case '|', '>':
				if atToken && flow == 0 {
					// Two nodes: the header, and the string the
					// lines below hold (the parser makes one, if
					// empty).
					if !node(start + i) {
						return false
					}
					if !node(start + i) {
						return false
					}
					skipAbove = indent
					i = len(line)
					continue
				}
			}
			if atToken && !node(start+i) { // a plain string starts
				return false
			}
			atToken, plain = false, true
		}
		if plain && flow == 0 && quote == 0 && skipAbove == noSkip {
			// The plain string may go on in lines indented more than
			// its key, its "-", or what it is the value of.
			switch {
			case key:
				skipAbove = contentCol
			case dashes > 0:
				skipAbove = dashCol
			case len(parents) > 0:
				skipAbove = parents[len(parents)-1]
			default:
				skipAbove = -1
			}
		}
		if block && key {
			parents = append(parents, contentCol)
		}
		start = next
	}
	return true
}

// level is an open collection while checking the token stream: a block
// one at an indentation column, or a flow one.
type level struct {
	col   int
	isMap bool
	flow  bool
	keys  int
}

// shape checks the tokens against MaxDepth, MaxMappingKeys and the node
// limit, in one pass, before the parser builds the tree. Depth counts open
// collections: flow ones by their brackets, block ones by the columns of
// their "-" entries and keys, as the parser will nest them. A token stream
// with an invalid token is left to the parser, which refuses it without
// building anything.
func (p *declParser) shape(tokens token.Tokens) bool {
	if tokens.InvalidToken() != nil {
		return true
	}
	var stack []level
	flows := 0
	nodes, maxNodes := 0, p.opts.maxNodes()
	var prev *token.Token // the last token that is not a comment
	var closed int        // column where the flow collection prev closes began
	push := func(tk *token.Token, l level) bool {
		stack = append(stack, l)
		if !l.flow {
			nodes++ // the collection; a flow one is counted by its bracket
		}
		if len(stack) > MaxDepth {
			p.add(p.tokenPos(tk), "%s", tooDeep)
			return false
		}
		return true
	}
	addKey := func(tk *token.Token, l *level) bool {
		l.keys++
		if l.keys > MaxMappingKeys {
			p.add(p.tokenPos(tk), "a mapping has more than %d keys here; no mapping of a declaration needs that many", MaxMappingKeys)
			return false
		}
		return true
	}
	// block makes the innermost open block collection the one at col,
	// of the kind given, closing deeper ones and opening it if need be.
	block := func(tk *token.Token, col int, isMap bool) bool {
		for len(stack) > 0 && stack[len(stack)-1].col > col {
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && stack[n-1].col == col {
			top := &stack[n-1]
			switch {
			case top.isMap == isMap && isMap:
				return addKey(tk, top)
			case top.isMap == isMap:
				return true
			case !isMap:
				// "key:" followed by "- item" at the key's column: a
				// list that is the key's value.
				return push(tk, level{col: col})
			}
			// A key at the column of a list that was a key's value: the
			// list has ended.
			stack = stack[:n-1]
			if n := len(stack); n > 0 && stack[n-1].col == col && stack[n-1].isMap {
				return addKey(tk, &stack[n-1])
			}
		}
		return push(tk, level{col: col, isMap: isMap, keys: boolInt(isMap)})
	}
	for _, tk := range tokens {
		switch {
		case tk.Position == nil, tk.Type == token.CommentType:
			continue
		}
		switch tk.Type {
		case token.SequenceEndType, token.MappingEndType, token.CollectEntryType:
		default:
			nodes++
		}
		if nodes > maxNodes {
			p.add(p.tokenPos(tk), "%s", p.tooMany())
			return false
		}
		col := tk.Position.Column
		ok := true
		switch tk.Type {
		case token.DocumentHeaderType:
			stack, flows = stack[:0], 0
		case token.SequenceStartType, token.MappingStartType:
			flows++
			ok = push(tk, level{col: col, flow: true, isMap: tk.Type == token.MappingStartType, keys: boolInt(tk.Type == token.MappingStartType)})
		case token.SequenceEndType, token.MappingEndType:
			if flows > 0 {
				flows--
				closed = stack[len(stack)-1].col
				stack = stack[:len(stack)-1]
			}
		case token.CollectEntryType:
			if flows > 0 && stack[len(stack)-1].isMap {
				ok = addKey(tk, &stack[len(stack)-1])
			}
		case token.SequenceEntryType:
			if flows == 0 {
				ok = block(tk, col, false)
			}
		case token.MappingKeyType:
			if flows == 0 {
				ok = block(tk, col, true)
			}
		case token.MappingValueType:
			if flows > 0 {
				break
			}
			// The key starts at the token before the ":", or at the
			// bracket that opened it when it is a flow collection.
			keyCol := col
			switch {
			case prev == nil || prev.Type == token.SequenceEntryType || prev.Type == token.MappingKeyType:
			case prev.Type == token.SequenceEndType || prev.Type == token.MappingEndType:
				keyCol = closed
			default:
				keyCol = prev.Position.Column
			}
			if prev == nil || prev.Type != token.MappingKeyType {
				at := tk // where to report: the key, when it is one token
				if prev != nil && keyCol == prev.Position.Column {
					at = prev
				}
				ok = block(at, keyCol, true)
			}
		}
		if !ok {
			return false
		}
		prev = tk
	}
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clipRunes is how much of a value a message repeats: a longer one is cut
// in the middle, so that a megabyte key or value cannot make a megabyte
// message.
const clipRunes = 64

// clip shortens s for a message to its first and last runes around "…".
func clip(s string) string { return clipTo(s, clipRunes) }

// clipTo shortens s to n runes, keeping its first and last ones.
func clipTo(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	tail := n / 4
	return string(r[:n-tail-1]) + "…" + string(r[len(r)-tail:])
}

// clipList renders names for a message, at most ten of them, each
// clipped.
func clipList(names []string) string {
	const most = 10
	shown := make([]string, 0, most)
	for _, n := range names[:min(len(names), most)] {
		shown = append(shown, clip(n))
	}
	list := strings.Join(shown, ", ")
	if len(names) > most {
		list += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return list
}
