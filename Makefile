# claimflow: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
export GOTOOLCHAIN := local

.PHONY: run test bench fuzz build tools vet generate clean help prod-rehearsal chaos web

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: ## set up and run the whole system on its local defaults (Ctrl-C stops it)
	@bash scripts/run.sh

test: ## set up and run every test (vet, race, real Postgres and Temporal)
	@bash scripts/test.sh

bench: ## run the benchmarks and print the report
	@bash scripts/bench.sh

fuzz: ## fuzz every fuzz target (FUZZTIME, default 2m each; make test runs their seed corpora)
	@FUZZTIME=$${FUZZTIME:-2m} bash scripts/fuzz.sh

prod-rehearsal: ## claimflow on a production-style Temporal cluster (Postgres), 2 workers (one killed mid-run) and 2 APIs
	@bash scripts/prod-rehearsal.sh

chaos: ## faults under load on the rehearsal cluster (Postgres, Temporal, S3, SFTP, worker, API), each checked; CHAOS_CLAIMS (1000)
	@bash scripts/chaos.sh

build: web ## build bin/claimflow (with the dashboard) and bin/claimflow-sim (the clearinghouse simulator)
	go build -o bin/claimflow ./cmd/claimflow
	go build -o bin/claimflow-sim ./cmd/claimflow-sim

web: ## build the billing dashboard into web/dist (npm ci + vite; cached)
	@bash web/build.sh

tools: ## build the external programs into the version-keyed cache
	@tools/install.sh

vet: ## gofmt, go vet, golangci-lint (.golangci.yml), Temporal's workflowcheck, and no simulator in the binary
	@bash scripts/vet.sh

generate: ## regenerate the store's typed queries (store/internal/pgq) with sqlc
	@bash scripts/sqlc.sh generate

clean: ## remove build output (keeps .data)
	rm -rf bin
