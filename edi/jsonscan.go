package edi

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner is a pull parser for the JSON that DecodeJSON reads: it
// checks the grammar (RFC 8259) as it goes and hands out strings as views
// into one scratch buffer, so reading allocates nothing per value. The
// caller drives the structure (objects, arrays) by recursive descent.
type jsonScanner struct {
	r   *bufio.Reader
	buf []byte // the last string read
	tmp []byte // base64 scratch
	off int64  // bytes consumed, for error positions
}

func (s *jsonScanner) syntax(what string) error {
	return errors.New("x12 from-json: invalid JSON at byte " + itoa(int(s.off)) + ": " + what)
}

// buffered returns the bytes buffered in the reader, reading more when
// there are none; empty at the end of input.
func (s *jsonScanner) buffered() ([]byte, error) {
	if s.r.Buffered() == 0 {
		if _, err := s.r.Peek(1); err != nil {
			if err == io.EOF {
				return nil, nil
			}
			return nil, err
		}
	}
	p, _ := s.r.Peek(s.r.Buffered())
	return p, nil
}

func (s *jsonScanner) discard(n int) {
	_, _ = s.r.Discard(n)
	s.off += int64(n)
}

// peek returns the next byte that is not white space, without consuming
// it; 0 at the end of input.
func (s *jsonScanner) peek() (byte, error) {
	for {
		p, err := s.buffered()
		if err != nil || len(p) == 0 {
			return 0, err
		}
		i := 0
		for i < len(p) && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r') {
			i++
		}
		s.discard(i)
		if i < len(p) {
			return p[i], nil
		}
	}
}

func (s *jsonScanner) next() (byte, error) {
	c, err := s.peek()
	if err != nil {
		return 0, err
	}
	if c == 0 {
		return 0, s.syntax("unexpected end of input")
	}
	_, _ = s.r.ReadByte()
	s.off++
	return c, nil
}

// expect consumes the next byte, which must be c.
func (s *jsonScanner) expect(c byte, what string) error {
	got, err := s.next()
	if err != nil {
		return err
	}
	if got != c {
		return jsonErr(what)
	}
	return nil
}

// key reads the next member name of an object, or reports the end of the
// object. first is the caller's "no member yet" flag.
func (s *jsonScanner) key(first *bool) ([]byte, bool, error) {
	c, err := s.next()
	if err != nil {
		return nil, false, err
	}
	if c == '}' {
		return nil, false, nil
	}
	if !*first {
		if c != ',' {
			return nil, false, s.syntax("',' or '}' expected")
		}
		if c, err = s.next(); err != nil {
			return nil, false, err
		}
	}
	*first = false
	if c != '"' {
		return nil, false, s.syntax("member name expected")
	}
	k, err := s.stringBody()
	if err != nil {
		return nil, false, err
	}
	if err := s.expect(':', "malformed object"); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// more reports whether an array has another element, consuming the comma
// or the closing bracket.
func (s *jsonScanner) more(first *bool) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c == ']' {
		_, _ = s.next()
		return false, nil
	}
	if !*first {
		if c != ',' {
			return false, s.syntax("',' or ']' expected")
		}
		_, _ = s.next()
	}
	*first = false
	return true, nil
}

// open reads '[' or '{' (true) or null (false).
func (s *jsonScanner) open(c byte, what string) (bool, error) {
	got, err := s.peek()
	if err != nil {
		return false, err
	}
	if got == 'n' {
		return false, s.literal("null")
	}
	if got != c {
		return false, jsonErr(what)
	}
	_, _ = s.next()
	return true, nil
}

// array reads an array, calling item with the index of each element (which
// item must read); null is an array without elements. ok is false for null.
func (s *jsonScanner) array(what string, item func(n int) error) (ok bool, err error) {
	if ok, err = s.open('[', what); err != nil || !ok {
		return ok, err
	}
	for first, n := true, 0; ; n++ {
		more, err := s.more(&first)
		if err != nil || !more {
			return true, err
		}
		if err := item(n); err != nil {
			return true, err
		}
	}
}

// object reads an object, calling member with each member name (member
// must read or skip the value); null is an object without members. ok is
// false for null.
func (s *jsonScanner) object(what string, member func(key []byte) error) (ok bool, err error) {
	if ok, err = s.open('{', what); err != nil || !ok {
		return ok, err
	}
	for first := true; ; {
		k, more, err := s.key(&first)
		if err != nil || !more {
			return true, err
		}
		if err := member(k); err != nil {
			return true, err
		}
	}
}

// present turns a null that array or object read (ok false) into the
// error what.
func present(ok bool, err error, what string) error {
	if err == nil && !ok {
		return jsonErr(what)
	}
	return err
}

func (s *jsonScanner) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		c, err := s.r.ReadByte()
		if err != nil || c != lit[i] {
			return s.syntax("invalid literal")
		}
		s.off++
	}
	return nil
}

// str reads a string value; the result is valid until the next read.
func (s *jsonScanner) str(what string) ([]byte, error) {
	c, err := s.next()
	if err != nil {
		return nil, err
	}
	if c != '"' {
		return nil, jsonErr(what)
	}
	return s.stringBody()
}

// stringBody reads the rest of a string after its opening quote.
func (s *jsonScanner) stringBody() ([]byte, error) {
	b := s.buf[:0]
	for {
		// Fast path: copy the run of plain bytes in the buffer at once.
		p, err := s.buffered()
		if err != nil {
			return nil, err
		}
		i := 0
		for i < len(p) && p[i] != '"' && p[i] != '\\' && p[i] >= 0x20 {
			i++
		}
		b = append(b, p[:i]...)
		s.discard(i)
		c, err := s.r.ReadByte()
		if err != nil {
			return nil, s.syntax("unterminated string")
		}
		s.off++
		switch {
		case c == '"':
			s.buf = b
			return b, nil
		case c < 0x20:
			return nil, s.syntax("control character in a string")
		case c != '\\':
			b = append(b, c)
			continue
		}
		e, err := s.r.ReadByte()
		if err != nil {
			return nil, s.syntax("unterminated string")
		}
		s.off++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return nil, err
			}
			if utf16.IsSurrogate(r) {
				// A pair when a second \u escape follows; a lone half is
				// U+FFFD, as encoding/json reads it.
				if p, _ := s.r.Peek(2); len(p) == 2 && p[0] == '\\' && p[1] == 'u' {
					_, _ = s.r.Discard(2)
					s.off += 2
					r2, err := s.hex4()
					if err != nil {
						return nil, err
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b = utf8.AppendRune(b, d)
						continue
					}
					b = utf8.AppendRune(b, utf8.RuneError)
					r = r2
					if utf16.IsSurrogate(r) {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return nil, s.syntax("invalid escape")
		}
	}
}

func (s *jsonScanner) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, s.syntax("short \\u escape")
		}
		s.off++
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, s.syntax("invalid \\u escape")
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

// text reads a Text: a string, {"base64": "..."} or null (see
// Text.UnmarshalJSON). The result is valid until the next read.
func (s *jsonScanner) text(what string) ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	switch c {
	case '"':
		return s.str(what)
	case 'n':
		return s.buf[:0], s.literal("null")
	case '{':
		_, _ = s.next()
		out := s.tmp[:0]
		first := true
		for {
			k, ok, err := s.key(&first)
			if err != nil {
				return nil, err
			}
			if !ok {
				s.tmp = out
				return out, nil
			}
			if string(k) != "base64" {
				if err := s.skip(); err != nil {
					return nil, err
				}
				continue
			}
			if c, _ := s.peek(); c == 'n' {
				out = out[:0]
				if err := s.literal("null"); err != nil {
					return nil, err
				}
				continue
			}
			v, err := s.str(what)
			if err != nil {
				return nil, err
			}
			n := base64.StdEncoding.DecodedLen(len(v))
			out = append(out[:0], make([]byte, n)...)
			m, err := base64.StdEncoding.Decode(out, v)
			if err != nil {
				return nil, jsonErr(what + ": invalid base64")
			}
			out = out[:m]
		}
	}
	return nil, jsonErr(what)
}

// boolean reads true or false.
func (s *jsonScanner) boolean(what string) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	switch c {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, jsonErr(what)
}

// skip reads and drops one value of any kind.
func (s *jsonScanner) skip() error {
	return s.skipDepth(0)
}

func (s *jsonScanner) skipDepth(depth int) error {
	if depth > maxJSONDepth {
		return jsonErr("values nested too deeply")
	}
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch {
	case c == '"':
		_, err := s.str("")
		return err
	case c == '{':
		_, _ = s.next()
		first := true
		for {
			_, ok, err := s.key(&first)
			if err != nil || !ok {
				return err
			}
			if err := s.skipDepth(depth + 1); err != nil {
				return err
			}
		}
	case c == '[':
		_, _ = s.next()
		first := true
		for {
			ok, err := s.more(&first)
			if err != nil || !ok {
				return err
			}
			if err := s.skipDepth(depth + 1); err != nil {
				return err
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return s.syntax("value expected")
}

// number reads a JSON number (grammar checked, value dropped).
func (s *jsonScanner) number() error {
	digits := func() int {
		n := 0
		for {
			p, _ := s.r.Peek(1)
			if len(p) == 0 || p[0] < '0' || p[0] > '9' {
				return n
			}
			_, _ = s.r.ReadByte()
			s.off++
			n++
		}
	}
	opt := func(set string) bool {
		p, _ := s.r.Peek(1)
		for i := 0; len(p) == 1 && i < len(set); i++ {
			if p[0] == set[i] {
				_, _ = s.r.ReadByte()
				s.off++
				return true
			}
		}
		return false
	}
	opt("-")
	if p, _ := s.r.Peek(1); len(p) == 1 && p[0] == '0' {
		_, _ = s.r.ReadByte()
		s.off++
	} else if digits() == 0 {
		return s.syntax("invalid number")
	}
	if opt(".") && digits() == 0 {
		return s.syntax("invalid number")
	}
	if opt("eE") {
		opt("+-")
		if digits() == 0 {
			return s.syntax("invalid number")
		}
	}
	return nil
}
