// Package schemas embeds the project's data schemas.
package schemas

import "embed"

// X12 holds the X12 segment dictionary (x12/segments.json) and one
// implementation guide table per guide (x12/<guide id>.json).
//
//go:embed x12/*.json
var X12 embed.FS
