package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Input hygiene shared by every route: the JSON body decoder and the query
// parameter reader refuse text no record may hold (NUL and other control
// characters, invalid UTF-8) before any handler or the store sees it, and
// name the field without repeating its value.

// badText reports whether s holds a character no text field may hold: a
// C0 control other than tab, line feed and carriage return, DEL, a C1
// control, or a byte sequence that is not UTF-8.
func badText(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r) {
			return true
		}
	}
	return false
}

const badTextDetail = "holds a control character (NUL, escape, ...) or invalid UTF-8"

// maxFieldErrors caps the fields one problem names.
const maxFieldErrors = 20

// textProblems walks a JSON body and names each string (and field name)
// that holds a refused character, by JSON pointer. A body that is not
// JSON is left to the strict decoder's error.
func textProblems(raw []byte) []FieldError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []FieldError
	walkText(v, "", &out)
	return out
}

func walkText(v any, ptr string, out *[]FieldError) {
	if len(*out) >= maxFieldErrors {
		return
	}
	switch x := v.(type) {
	case string:
		if badText(x) {
			*out = append(*out, FieldError{Pointer: ptr, Detail: badTextDetail})
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if badText(k) {
				// The pointer would carry the refused characters: name
				// the object instead.
				*out = append(*out, FieldError{Pointer: ptr, Detail: "a field name " + badTextDetail})
				continue
			}
			walkText(x[k], ptr+"/"+pointerToken(k), out)
		}
	case []any:
		for i, e := range x {
			walkText(e, ptr+"/"+strconv.Itoa(i), out)
		}
	}
}

// pointerToken escapes a JSON pointer reference token (RFC 6901).
func pointerToken(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func invalidFields(detail string, fields []FieldError) *Error {
	return &Error{Status: 422, Code: "validation", Title: "Invalid request", Detail: detail, Fields: fields}
}

// validUUID: IDs are canonical 36-character UUIDs.
func validUUID(s string) bool { return len(s) == 36 && uuid.Validate(s) == nil }
