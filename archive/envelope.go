package archive

import (
	"bytes"
	"strings"
)

// envelope holds the identifiers of an X12 file that are safe to keep as
// metadata: transaction set IDs and control numbers, never element values
// that could carry PHI.
type envelope struct {
	Sets  []string // ST01 of every transaction set, in order, deduplicated
	ISA13 []string
	GS06  []string
	ST02  []string
}

// maxIDs caps how many control numbers go into metadata (S3 user metadata
// is limited to 2 KB in all).
const maxIDs = 20

// readEnvelope scans body for ISA, GS and ST segments. Delimiters come from
// the fixed-width ISA (element separator at byte 3, segment terminator at
// byte 105); a body that does not start with an ISA yields an empty
// envelope. It never fails: archiving must not depend on the file being
// well formed.
func readEnvelope(body []byte) envelope {
	var e envelope
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) < 106 || string(b[:3]) != "ISA" {
		return e
	}
	elem, term := b[3], b[105]
	if elem == term || isAlnum(elem) || isAlnum(term) {
		return e
	}
	seen := map[string]bool{}
	for seg := range bytes.SplitSeq(b, []byte{term}) {
		seg = bytes.TrimLeft(seg, "\r\n")
		id, rest, _ := bytes.Cut(seg, []byte{elem})
		switch string(id) {
		case "ISA":
			if f := bytes.Split(rest, []byte{elem}); len(f) >= 13 {
				e.ISA13 = add(e.ISA13, f[12])
			}
		case "GS":
			if f := bytes.Split(rest, []byte{elem}); len(f) >= 6 {
				e.GS06 = add(e.GS06, f[5])
			}
		case "ST":
			f := bytes.Split(rest, []byte{elem})
			if len(f) >= 2 {
				e.ST02 = add(e.ST02, f[1])
			}
			if set := safe(f[0]); set != "" && !seen[set] && len(e.Sets) < maxIDs {
				seen[set] = true
				e.Sets = append(e.Sets, set)
			}
		}
	}
	return e
}

func add(list []string, v []byte) []string {
	if len(list) >= maxIDs {
		return list
	}
	if s := safe(v); s != "" {
		return append(list, s)
	}
	return list
}

// safe keeps an identifier only when it is a short alphanumeric token, so a
// malformed file cannot smuggle arbitrary text into metadata.
func safe(v []byte) string {
	s := strings.TrimSpace(string(v))
	if len(s) == 0 || len(s) > 15 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return ""
		}
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
