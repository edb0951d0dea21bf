package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

const maxBody = 1 << 20

// decode reads a JSON body strictly: text holding control characters or
// invalid UTF-8, unknown fields, trailing data and wrong types are errors
// naming the field by JSON pointer.
func decode(r *http.Request, v any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return bodyError(err)
	}
	return decodeBytes(raw, v)
}

func decodeBytes(raw []byte, v any) error {
	if fields := textProblems(raw); fields != nil {
		return invalidFields("the request has invalid fields", fields)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if dec.More() {
		return &Error{Status: http.StatusBadRequest, Code: "malformed", Title: "Malformed JSON", Detail: "the body holds more than one JSON value"}
	}
	return nil
}

// decodeRefusing is decode that also refuses the named top-level fields.
func decodeRefusing(r *http.Request, v any, refused []string) error {
	if len(refused) == 0 {
		return decode(r, v)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return bodyError(err)
	}
	if fields := textProblems(raw); fields != nil {
		return invalidFields("the request has invalid fields", fields)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) == nil {
		var fields []FieldError
		for _, f := range refused {
			if _, ok := top[f]; ok {
				fields = append(fields, FieldError{Pointer: "/" + f, Detail: "is read-only: the server sets it"})
			}
		}
		if fields != nil {
			return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields", Fields: fields}
		}
	}
	return decodeBytes(raw, v)
}

func bodyError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	invalid := func(ptr, detail string) error {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request",
			Detail: "the request has invalid fields", Fields: []FieldError{{Pointer: ptr, Detail: detail}}}
	}
	switch {
	case errors.As(err, &te):
		return invalid("/"+strings.ReplaceAll(te.Field, ".", "/"), "must be of type "+te.Value+"-compatible "+jsonKind(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return invalid("/"+name, "is not a known field")
	case errors.As(err, &pe):
		return invalid("", "a time must be RFC 3339, such as 2030-01-07T15:00:00Z")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &Error{Status: http.StatusBadRequest, Code: "malformed", Title: "Malformed JSON", Detail: "the body is not a JSON object"}
	}
	return &Error{Status: http.StatusBadRequest, Code: "malformed", Title: "Malformed JSON", Detail: "the body could not be read as JSON"}
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "float64":
		return "number"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return k
}

// query parameters

type queryReader struct {
	r      *http.Request
	fields []FieldError
}

// str reads a text parameter; one holding a control character or invalid
// UTF-8 is an error naming the parameter (and reads as "").
func (q *queryReader) str(name string) string {
	v := q.r.URL.Query().Get(name)
	if badText(v) {
		q.add(name, badTextDetail)
		return ""
	}
	return v
}

// id reads an ID parameter: a UUID, or empty.
func (q *queryReader) id(name string) string {
	v := q.str(name)
	if v != "" && !validUUID(v) {
		q.add(name, "is not an id")
		return ""
	}
	return v
}

// add names a parameter once, however often a handler reads it.
func (q *queryReader) add(name, detail string) {
	for _, f := range q.fields {
		if f.Parameter == name {
			return
		}
	}
	q.fields = append(q.fields, FieldError{Parameter: name, Detail: detail})
}

func (q *queryReader) time(name string) *time.Time {
	v := q.str(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		q.fields = append(q.fields, FieldError{Parameter: name, Detail: "must be an RFC 3339 time"})
		return nil
	}
	return &t
}

func (q *queryReader) page() rcm.Page {
	p := rcm.Page{After: q.str("cursor")}
	if v := q.str("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			q.fields = append(q.fields, FieldError{Parameter: "limit", Detail: "must be 1 to 200"})
		}
		p.Limit = n
	}
	return p
}

func (q *queryReader) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid parameters", Fields: q.fields}
}

// List is the envelope of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func list[T any](items []T, next string, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	if items == nil {
		items = []T{}
	}
	return http.StatusOK, List[T]{Items: items, NextCursor: next}, nil
}

func one[T any](status int) func(T, error) (int, any, error) {
	return func(v T, err error) (int, any, error) {
		if err != nil {
			return 0, nil, err
		}
		return status, v, nil
	}
}

func id(r *http.Request) string { return chi.URLParam(r, "id") }
