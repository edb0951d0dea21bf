package schemas

import "embed"

// SNIP holds the data of the SNIP level 4 and 5 checks (edi/snip): the
// situational rules of the implementation guides (snip/rules.json) and the
// external code sets too large for codes/ (snip/icd10cm-<year>.txt.gz, the
// ICD-10-CM codes valid for HIPAA transactions in that fiscal year).
//
//go:embed snip/*.json snip/*.gz
var SNIP embed.FS
