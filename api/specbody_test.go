package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// specOp is one operation of schemas/openapi.yaml: its method, its path
// template, its request body schema (nil without one) and its query
// parameters.
type specOp struct {
	Method, Path string
	Body         *openapi3.Schema
	Query        []*openapi3.Parameter
}

// ops lists every operation of the spec, in a stable order.
func (sp *spec) ops() []specOp {
	var out []specOp
	for _, path := range sp.doc.Paths.InMatchingOrder() {
		item := sp.doc.Paths.Value(path)
		methods := make([]string, 0, len(item.Operations()))
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op := item.Operations()[m]
			o := specOp{Method: m, Path: path}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					o.Body = mt.Schema.Value
				}
			}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.In == "query" {
					o.Query = append(o.Query, p.Value)
				}
			}
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b specOp) int { return strings.Compare(a.Method+" "+a.Path, b.Method+" "+b.Path) })
	return out
}

// seedValues are valid values by property name, so a body built from a
// schema passes the field rules the schema does not state (an NPI's check
// digit, a taxonomy code) and reaches the store.
var seedValues = map[string]any{
	"npi": "1234567893", "taxonomy": "207Q00000X", "payer_id": "ZZPAYER9", "clearinghouse": "local",
	"member_id": "ZZ0000009", "group_number": "G1", "relationship": "self", "priority": 1, "sex": "F",
	"birth_date": "1980-01-01", "subscriber_birth_date": "1980-01-01", "date_of_service": "2030-01-07",
	"effective_from": "2030-01-01", "effective_to": "2030-12-31", "place_of_service": "11",
	"code": "99213", "modifiers": []any{"25"}, "diagnoses": []any{"Z00.00"}, "diagnosis_pointers": []any{1},
	"units": 1, "amount_cents": 12500, "time_from": "08:00", "time_to": "12:00", "weekdays": []any{1, 3},
	"kind": "facility", "role": "biller", "login": "seed-login", "password": "a long enough password",
	"totp": "123456", "name": "SEED NAME", "first_name": "SEED", "last_name": "SEEDLAST", "display_name": "Seed",
	"address": "1 MAIN ST, SPRINGFIELD, IL 62701", "phone": "555-0100", "email": "seed@example.invalid",
	"ssn": "123-45-6789", "visit_type": "new", "status": "ready", "reason": "seed reason",
	"starts_at": "2030-01-08T15:00:00Z", "ends_at": "2030-01-08T15:30:00Z", "weekday": 1, "date": "2030-01-09",
	"starts": "08:00", "ends": "12:00", "slot_minutes": 30, "count": 2, "every_days": 7, "action": "correct",
	"resolution": "not_ours", "note": "seed note",
}

// seedBody builds a body for a request schema: every property, each with
// its seed value, an ID from ids, or a value of its type.
func seedBody(s *openapi3.Schema, name string, ids map[string]string) any {
	if s == nil {
		return nil
	}
	if len(s.AllOf) > 0 && s.AllOf[0].Value != nil {
		return seedBody(s.AllOf[0].Value, name, ids)
	}
	typ := ""
	if s.Type != nil && len(*s.Type) > 0 {
		typ = (*s.Type)[0]
	}
	switch typ {
	case "object", "":
		if len(s.Properties) == 0 {
			if typ == "" {
				return "seed"
			}
			return map[string]any{}
		}
		out := map[string]any{}
		for prop, ref := range s.Properties {
			if ref.Value != nil && ref.Value.ReadOnly {
				continue
			}
			out[prop] = seedBody(ref.Value, prop, ids)
		}
		return out
	case "array":
		if v, ok := seedValues[name]; ok {
			return v
		}
		var item any = "seed"
		if s.Items != nil {
			item = seedBody(s.Items.Value, strings.TrimSuffix(name, "s"), ids)
		}
		return []any{item}
	}
	if len(s.Enum) > 0 {
		if v, ok := seedValues[name]; ok && slices.Contains(s.Enum, v) {
			return v
		}
		return s.Enum[0]
	}
	if s.Format == "uuid" {
		if id, ok := ids[name]; ok {
			return id
		}
		return "00000000-0000-4000-8000-000000000000"
	}
	if v, ok := seedValues[name]; ok {
		return v
	}
	switch typ {
	case "integer", "number":
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case "boolean":
		return true
	}
	switch s.Format {
	case "date":
		return "2030-01-07"
	case "date-time":
		return "2030-01-08T15:00:00Z"
	}
	return "seed"
}

// seedQuery is a valid value for a query parameter.
func seedQuery(p *openapi3.Parameter, ids map[string]string) string {
	var s *openapi3.Schema
	if p.Schema != nil {
		s = p.Schema.Value
	}
	switch v := seedBody(s, p.Name, ids).(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// stringLeaves lists the JSON pointers of a body's string values.
func stringLeaves(v any, ptr string) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, ptr)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, stringLeaves(x[k], ptr+"/"+k)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, stringLeaves(e, ptr+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

// withValue returns a deep copy of body with the value at ptr replaced.
func withValue(body any, ptr string, val any) any {
	if ptr == "" {
		return val
	}
	head, rest, _ := strings.Cut(strings.TrimPrefix(ptr, "/"), "/")
	if rest != "" {
		rest = "/" + rest
	}
	switch x := body.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = v
		}
		out[head] = withValue(x[head], rest, val)
		return out
	case []any:
		out := slices.Clone(x)
		i, _ := strconv.Atoi(head)
		out[i] = withValue(x[i], rest, val)
		return out
	}
	return body
}

// fillPath puts IDs into a path template's parameters.
func fillPath(tmpl string, ids map[string]string) string {
	out := tmpl
	for {
		i := strings.Index(out, "{")
		if i < 0 {
			return out
		}
		j := strings.Index(out[i:], "}") + i
		name := out[i+1 : j]
		id := ids[pathResource(tmpl)+"/"+name]
		if id == "" {
			id = "00000000-0000-4000-8000-000000000000"
		}
		out = out[:i] + id + out[j+1:]
	}
}

// pathResource is a path template's collection ("/v1/claims/{id}/edi" →
// "claims"; the work queue → "work-queue").
func pathResource(tmpl string) string {
	parts := strings.Split(strings.TrimPrefix(tmpl, "/v1/"), "/")
	res := parts[0]
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && i > 0 {
			res = parts[i-1]
			break
		}
	}
	return res
}

var _ = http.MethodGet
