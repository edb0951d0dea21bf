#!/usr/bin/env bash
# make test: install what is missing, then make vet (gofmt, go vet,
# golangci-lint, workflowcheck; scripts/vet.sh) and the whole test
# suite with the race detector against a real Postgres and a real Temporal
# dev server (plus the other real services the tests start themselves).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root"

log "checking Postgres"
ensure_postgres
log "building tools (cached by version)"
built=$("$root/tools/install.sh" temporal temporal-ui versitygw mailpit stripe-mock local-kms)
# Tests find each tool through CLAIMFLOW_<NAME>_BIN (internal/testenv.Tool).
while IFS='=' read -r name path; do
  var=${name^^}
  export "CLAIMFLOW_${var//-/_}_BIN=$path"
done <<<"$built"

# The dashboard's browser test drives Debian's headless Chromium.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing chromium (browser tests)"
  apt_install chromium
fi
log "building the dashboard (cached)"
bash "$root/web/build.sh"
bash scripts/vet.sh
log "go test -race"
go test -race -count=1 -timeout 30m ./... 2>&1 | tee "${TEST_LOG:-/dev/null}"
# Tests that measure memory skip themselves under the race detector (its
# shadow memory counts as heap); they run here without it.
log "go test (memory bounds, without -race)"
go test -count=1 -run 'BoundedHeap' ./edi/ 2>&1 | tee -a "${TEST_LOG:-/dev/null}"
# A burst of 1,000 claims on the dev server (no timed-out workflow task) is
# a matter of timing, which the race detector distorts.
log "go test (claim burst on the dev server, without -race)"
go test -count=1 -run 'TestClaimBurstOnDevServer' ./workflows/ 2>&1 | tee -a "${TEST_LOG:-/dev/null}"
# Every fuzz target's seed corpus (testdata/fuzz and f.Add) ran above as
# ordinary tests. Fuzzing itself is make fuzz: a 5 s run of each of the 17
# targets cost about 7 minutes here, nearly all of it building an
# instrumented binary per target, and kept make test over its 10 minutes.
(cd deploy && go test ./...)
