package edi

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// jsonWriter writes indented JSON token by token, in exactly the layout of
// json.MarshalIndent(v, "", "  ") (and of json.Encoder with that indent),
// so the streamed form of a document is byte-identical to the in-memory
// one: same key order, same escaping (HTML-safe), "[]" and "{}" for empty
// containers.
type jsonWriter struct {
	w     *bufio.Writer
	depth int
	// compact drops the indentation (and the space after a colon).
	compact bool
	// empty is set right after a container opens, until its first member.
	empty bool
	// scratch for strings that need escaping.
	tmp []byte
}

// spaces is indentation for many levels at once.
const spaces = "                                                                                                                                "

func (j *jsonWriter) newline() {
	if j.compact {
		return
	}
	j.w.WriteByte('\n')
	for n := 2 * j.depth; n > 0; {
		k := min(n, len(spaces))
		j.w.WriteString(spaces[:k])
		n -= k
	}
}

// member starts an array element or object member.
func (j *jsonWriter) member() {
	if !j.empty {
		j.w.WriteByte(',')
	}
	j.empty = false
	j.newline()
}

func (j *jsonWriter) open(c byte) {
	j.w.WriteByte(c)
	j.depth++
	j.empty = true
}

func (j *jsonWriter) close(c byte) {
	j.depth--
	if !j.empty {
		j.newline()
	}
	j.empty = false
	j.w.WriteByte(c)
}

// key writes an object member's name (names are plain ASCII).
func (j *jsonWriter) key(k string) {
	j.member()
	j.w.WriteByte('"')
	j.w.WriteString(k)
	if j.compact {
		j.w.WriteString(`":`)
		return
	}
	j.w.WriteString(`": `)
}

// str writes s as a JSON string with encoding/json's escaping.
func (j *jsonWriter) str(s string) { j.strBytes(s, nil) }

func (j *jsonWriter) strBytes(s string, b []byte) {
	n := len(s)
	if b != nil {
		n = len(b)
	}
	at := func(i int) byte {
		if b != nil {
			return b[i]
		}
		return s[i]
	}
	simple := true
	for i := 0; i < n; i++ {
		c := at(i)
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			simple = false
			break
		}
	}
	if simple {
		j.w.WriteByte('"')
		if b != nil {
			j.w.Write(b)
		} else {
			j.w.WriteString(s)
		}
		j.w.WriteByte('"')
		return
	}
	if b == nil {
		b = []byte(s)
	}
	// Rare: let encoding/json escape it, so the two forms agree.
	out, _ := json.Marshal(string(b))
	j.w.Write(out)
}

// text writes a Text value: a string when valid UTF-8, else
// {"base64": "..."} (see Text.MarshalJSON).
func (j *jsonWriter) text(b []byte) {
	if utf8.Valid(b) {
		j.strBytes("", nonNil(b))
		return
	}
	j.open('{')
	j.key("base64")
	j.tmp = j.tmp[:0]
	j.tmp = append(j.tmp, '"')
	j.tmp = base64.StdEncoding.AppendEncode(j.tmp, b)
	j.tmp = append(j.tmp, '"')
	j.w.Write(j.tmp)
	j.close('}')
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// texts writes an array of Text (an envelope segment's elements).
func (j *jsonWriter) texts(s *Segment) {
	j.open('[')
	for i := 1; i < len(s.seps); i++ {
		j.member()
		j.text(s.Element(i))
	}
	j.close(']')
}
