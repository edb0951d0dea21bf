// Command genicd writes the packed ICD-10-CM lists edi/snip embeds
// (icd10cm-<year>.bin, see edi/snip/internal/icdpack) from the shipped
// text lists (schemas/snip/icd10cm-<year>.txt.gz). Run by go generate in
// edi/snip; TestPackedICDListsMatchTheText fails when a list changed
// without it.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path"
	"strings"

	"github.com/claimflow/claimflow/edi/snip/internal/icdpack"
	"github.com/claimflow/claimflow/schemas"
)

func main() {
	names, err := fs.Glob(schemas.SNIP, "snip/icd10cm-*.txt.gz")
	if err != nil || len(names) == 0 {
		log.Fatalf("no ICD-10-CM lists: %v", err)
	}
	for _, name := range names {
		gz, err := fs.ReadFile(schemas.SNIP, name)
		if err != nil {
			log.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		text, err := io.ReadAll(zr)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		codes, err := icdpack.Parse(text)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		out := strings.TrimSuffix(path.Base(name), ".txt.gz") + ".bin"
		if err := os.WriteFile(out, icdpack.Encode(codes), 0o644); err != nil { //nolint:gosec // G306: a generated source file of the repository, readable as the others are
			log.Fatal(err)
		}
		fmt.Printf("%s: %d codes\n", out, len(codes))
	}
}
