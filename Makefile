# Leadflow — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true
export NODE_OPTIONS := --no-deprecation

WORKSPACE_MANIFESTS := package.json package-lock.json $(wildcard shared/*/package.json services/*/package.json)

node_modules/.install-stamp: $(WORKSPACE_MANIFESTS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: help
help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: install
install: node_modules/.install-stamp ## install npm packages and the Python tools (moto, checkov) when missing
	@./scripts/python-env.sh

.PHONY: dev
dev: install ## run the whole system locally: local AWS, demo data, all services (Ctrl-C stops)
	npx tsx scripts/dev.ts

.PHONY: local-aws
local-aws: install ## run only the local AWS emulator, bootstrapped (Ctrl-C stops)
	npx tsx scripts/local-aws.ts

.PHONY: lint
lint: install ## eslint and prettier
	npx eslint --max-warnings=0 .
	npx prettier --check --log-level=warn .

.PHONY: typecheck
typecheck: install ## TypeScript, strict, everything
	npx tsc -p tsconfig.json --noEmit

.PHONY: openapi
openapi: install ## write openapi.json from the operations of every service
	npx tsx scripts/openapi.ts

.PHONY: openapi-lint
openapi-lint: install ## check openapi.json is current and passes redocly lint
	npx tsx scripts/openapi.ts --check
	npx redocly lint --format=summary openapi.json

.PHONY: unit
unit: install ## unit tests only
	npx jest --ci --selectProjects unit

.PHONY: integration
integration: install ## integration tests against local AWS (started and stopped by the tests)
	npx jest --ci --selectProjects integration

.PHONY: test
test: install lint typecheck openapi-lint ## everything CI checks: lint, types, OpenAPI, unit and integration tests, Terraform
	npx jest --ci
	$(MAKE) --no-print-directory tf-check

.PHONY: tf-check
tf-check: install ## parse every .tf file, test its structure, scan with checkov
	npx tsx terraform/test/check.ts

.PHONY: bench
bench: install ## benchmarks; figures in bench-results.json
	ONLY=$(ONLY) NODE_OPTIONS="--no-deprecation --expose-gc" npx tsx scripts/bench/run.ts

.PHONY: build
build: install ## bundle every service into services/<name>/dist
	npx tsx scripts/build.ts ingestion leads crm-sync tenant-config

.PHONY: redrive
redrive: install ## move DLQ messages back: make redrive QUEUE=crm-sync|lead-intake (local AWS; in AWS set <QUEUE>_QUEUE_URL and <QUEUE>_DLQ_URL, e.g. CRM_SYNC_QUEUE_URL and CRM_SYNC_DLQ_URL)
	npx tsx scripts/redrive.ts $(QUEUE)

.PHONY: clean
clean: ## remove installed packages, builds and the Python environment
	rm -rf node_modules services/*/dist .venv .local bench-results.json
