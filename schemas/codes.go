package schemas

import "embed"

// Codes holds the code lists with their descriptions (codes/<list>.json):
// CARC, RARC, claim status category (507) and status (508), service type
// (1365), entity identifier (98), place of service and claim adjustment
// group (CAS01).
//
//go:embed codes/*.json
var Codes embed.FS
