# The two commands that matter: `make dev` and `make test`.
# Everything a target needs, it installs (npm packages, the Python tool venv).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_BIN := $(VENV)/bin
CARGO ?= cargo
export PATH := $(CURDIR)/$(VENV_BIN):$(PATH)


.PHONY: dev-smoke fuzz schemathesis
.PHONY: build sam-local sam-local-test iac-check
.PHONY: browser-test site
.PHONY: bench
.PHONY: actionlint deploy-role-check smoke seed deploy rehearse-staging
.PHONY: help dev test lint fmt unit integration deps venv clean newman

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-14s %s\n", $$1, $$2}'

dev: deps ## The API, DynamoDB Local (data kept) and the example site on 3000/8000/8080, or free ports if taken; prints every URL
	@scripts/dev.sh

test: deps lint unit iac-check integration dev-smoke actionlint deploy-role-check rehearse-staging newman browser-test schemathesis ## Everything CI runs: fmt, clippy, unit and integration tests

lint: ## cargo fmt --check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

dev-smoke: deps ## Start `make dev` on free ports and check it serves the seeded resume
	scripts/dev-smoke.sh

schemathesis: deps venv ## Fuzz the API from docs/openapi.yaml (bounded); no 5xx allowed
	scripts/schemathesis.sh

fuzz: ## Fuzz each cargo-fuzz target for FUZZ_SECONDS (default 60); needs nightly
	scripts/fuzz.sh

fmt: ## Format the code
	$(CARGO) fmt --all

unit: ## Unit tests (no network, no database)
	$(CARGO) test --workspace --exclude integration-tests --exclude iac-checks --exclude testkit --locked
	$(CARGO) test -p testkit --locked --lib

integration: deps ## HTTP tests: against API_URL if set, else a local stack they start (one binary, tests/it)
	$(CARGO) test -p integration-tests --locked
	$(if $(API_URL),,$(CARGO) test -p testkit --locked --test launcher)

deps: node_modules/.package-lock.json ## Install the npm tooling (DynamoDB Local)
	@scripts/check-prereqs.sh

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ (e.g. apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

venv: $(VENV)/.installed ## Python tools (SAM CLI, cfn-lint, actionlint, cargo-lambda)

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV_BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

bench: deps ## Benchmark the release bootstraps beside Python (boto3) and Node.js (SDK v3) baselines, under Lambda CPU shares, over TLS; writes docs/PERFORMANCE.md (not part of test)
	bench/run.sh

clean: ## Remove build output and local state (keeps node_modules)
	$(CARGO) clean
	rm -rf .dev .aws-sam

# --- The staged pipeline (.github/workflows, README "Pipeline") --------------

actionlint: venv ## Lint .github/workflows (actionlint, with shellcheck on run: blocks)
	$(VENV_BIN)/actionlint -shellcheck $(CURDIR)/$(VENV_BIN)/shellcheck
	$(VENV_BIN)/shellcheck -x scripts/stack-outputs.sh scripts/lib/*.sh scripts/sam-local.sh scripts/sam-local-test.sh .github/scripts/*.sh \
		scripts/dev.sh scripts/dev-smoke.sh scripts/newman.sh scripts/browser-test.sh scripts/site.sh

deploy-role-check: venv ## cfn-lint deploy/github-oidc-role.yaml (the GitHub OIDC deploy roles)
	$(VENV_BIN)/cfn-lint deploy/github-oidc-role.yaml

rehearse-staging: deps ## deploy.yml's staging steps (seed, integration, smoke with API_URL) against a local stack
	.github/scripts/rehearse-staging.sh

smoke: $(if $(API_URL),,deps) ## Non-destructive smoke subset: against API_URL if set, else the local stack
	$(CARGO) test -p integration-tests --locked --test it -- smoke::

seed: ## Store data/resume.json as RESUME_ID in RESUME_TABLE (AWS, or AWS_ENDPOINT_URL_DYNAMODB)
	$(CARGO) run --quiet --locked -p local-api -- seed --file data/resume.json

# In the pipeline SAM_ARTIFACT_BUCKET and CFN_EXECUTION_ROLE_ARN come from the
# GitHub environment (deploy/github-oidc-role.yaml); without them (an admin at a
# laptop) SAM's managed bucket and the caller's own permissions are used.
CONFIG_ENV ?= staging
deploy: venv ## Deploy the output of `make build`: make deploy CONFIG_ENV=staging|prod (AWS credentials)
	@test -f .aws-sam/build/template.yaml || { echo "no .aws-sam/build/template.yaml: run make build first"; exit 1; }
	@# No --template-file: sam deploy picks the built template itself, and would
	@# otherwise look for samconfig.toml next to it, in .aws-sam/build.
	$(VENV_BIN)/sam deploy --config-env $(CONFIG_ENV) \
		--no-confirm-changeset --no-fail-on-empty-changeset --no-progressbar \
		$(if $(SAM_ARTIFACT_BUCKET),--no-resolve-s3 --s3-bucket $(SAM_ARTIFACT_BUCKET)) \
		$(if $(CFN_EXECUTION_ROLE_ARN),--role-arn $(CFN_EXECUTION_ROLE_ARN))

newman: deps ## The Postman collection (postman/) under newman: against BASE_URL if set, else a local stack it starts
	CARGO="$(CARGO)" scripts/newman.sh

# --- The visitor counter's browser test (tests/browser) ----------------------

browser-test: deps ## Headless Chromium (Debian's, installed if missing) checks examples/frontend: every resume section, the counter, CORS
	scripts/browser-test.sh

SITE_DIR ?= dist/site
site: $(if $(API_URL),,venv) ## The example site for any static host, config.js from API_URL=... or CONFIG_ENV's stack outputs (RESUME_ID optional) into SITE_DIR
	SITE_DIR="$(SITE_DIR)" CONFIG_ENV="$(if $(API_URL),,$(CONFIG_ENV))" scripts/site.sh

# --- template.yaml: checks, sam build, sam local (README "Deploy") ------------

iac-check: venv deps ## sam validate --lint, cfn-lint, and the template/events tests (crates/iac-checks)
	CARGO="$(CARGO)" scripts/iac-check.sh

build: venv ## sam build via cargo-lambda (ARCH=arm64|x86_64; unset: arm64 if its Rust target is installed)
	scripts/sam-build.sh

# sam local runs the built functions in Docker against DynamoDB Local on this
# host. scripts/lib/sam-local.sh holds what both targets share: Docker (dockerd
# started if none runs), the base image (AWS's provided:al2023, or a Debian
# stand-in where it cannot be pulled), and env.json pointed at DynamoDB Local
# through host.docker.internal. SAM_LOCAL_ARGS adds
# `sam local start-api` arguments (e.g. --docker-network NAME).
SAM_LOCAL_ARGS ?=
sam-local: venv deps build ## sam local start-api on :3000 against DynamoDB Local on :8000 (Docker; see README)
	CARGO="$(CARGO)" scripts/sam-local.sh $(SAM_LOCAL_ARGS)

sam-local-test: venv deps ## The output of `make build` under sam local: integration tests and one invoke per function (Docker)
	CARGO="$(CARGO)" scripts/sam-local-test.sh
