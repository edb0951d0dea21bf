#!/usr/bin/env bash
# Practice import (issue 21): a synthetic practice of IMPORT_PATIENTS
# patients (default 50,000; each with a coverage, an appointment and an
# encounter with one charge) imported in one run through the real Temporal
# dev server and Postgres, with an injected failure mid-commit that the
# workflow resumes from, every record reconciled, and a re-run that must
# change nothing. Prints time, records/s and the peak RSS of the process
# (the worker and the test; Postgres and the dev server run apart).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"
ensure_postgres
tools/install.sh temporal >/dev/null
echo "== practice import (${IMPORT_PATIENTS:-50000} patients)"
IMPORT_PATIENTS="${IMPORT_PATIENTS:-50000}" go test -run '^$' -bench 'BenchmarkImportSynthetic' -benchtime 1x -timeout 3h ./fhirimport \
  | grep -E 'Benchmark|import:|re-run:|generated|reconciled|peak'
