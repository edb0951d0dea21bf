package schemas

import _ "embed"

// PayerDirectory is the sample payer directory (payers/directory.json):
// made-up payers (names marked SAMPLE, payer IDs starting ZZ) that
// `migrate up` seeds when missing. Real payer lists come from a
// clearinghouse and are loaded with `claimflow payers import FILE`.
//
//go:embed payers/directory.json
var PayerDirectory []byte
