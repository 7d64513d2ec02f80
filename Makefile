# The two commands that matter: `make dev` and `make test`.
# Everything a target needs, it installs (npm packages, the Python tool venv).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_BIN := $(VENV)/bin
CARGO ?= cargo
export PATH := $(CURDIR)/$(VENV_BIN):$(PATH)
# template.yaml's Fn::ForEach loops (AWS::LanguageExtensions): every sam
# command expands them locally only with this (samconfig.toml sets it too,
# for sam run by hand).
export SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS := 1


.PHONY: dev-smoke fuzz schemathesis
.PHONY: build sam-local sam-local-test iac-check template-fixture
.PHONY: browser-test site
.PHONY: bench
.PHONY: actionlint deploy-role-check smoke deploy rehearse-staging rehearse-deploy resume-validate resume-publish site-publish
.PHONY: help dev test lint fmt unit integration deps venv clean newman

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-14s %s\n", $$1, $$2}'

dev: deps ## The API, DynamoDB Local (data kept) and the example site on 3000/8000/8080, or free ports if taken; prints every URL
	@scripts/dev.sh

test: deps lint unit iac-check integration dev-smoke actionlint deploy-role-check rehearse-staging rehearse-deploy newman browser-test schemathesis deny ## Everything CI runs: fmt, clippy, unit and integration tests

lint: ## cargo fmt --check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	@# Each Lambda as sam build compiles it: its own package, its own features
	@# (the read resume function without `write`).
	$(CARGO) clippy -p resume -p visitor-counter -p dynamodbmanager --bins --locked -- -D warnings
	@# The tests behind local-api's moto-tests feature (make integration runs them).
	$(CARGO) clippy -p local-api --all-targets --features moto-tests --locked -- -D warnings

dev-smoke: deps ## Start `make dev` on busy default ports and check it publishes and serves the resume, stops on Ctrl-C
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

integration: deps venv ## HTTP tests: against API_URL if set, else a local stack they start (one binary, tests/it)
	$(CARGO) test -p integration-tests --locked $(if $(API_URL),-- --skip local_only_)
	$(if $(API_URL),,$(CARGO) test -p testkit --locked --test launcher)
	$(if $(API_URL),,$(CARGO) test -p local-api --features moto-tests --locked --test site_publish)

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

# --- The staged pipeline (.github/workflows, docs/pipeline.md) ---------------

actionlint: venv ## Lint .github/workflows (actionlint, with shellcheck on run: blocks)
	$(VENV_BIN)/actionlint -shellcheck $(CURDIR)/$(VENV_BIN)/shellcheck
	$(VENV_BIN)/shellcheck -x scripts/stack-outputs.sh scripts/lib/*.sh scripts/sam-local.sh scripts/sam-local-test.sh .github/scripts/*.sh \
		scripts/build-artifact.sh scripts/deploy.sh scripts/rehearse-deploy.sh \
		scripts/dev.sh scripts/dev-smoke.sh scripts/resume-publish.sh scripts/newman.sh scripts/browser-test.sh scripts/site.sh scripts/site-publish.sh

deploy-role-check: venv ## cfn-lint deploy/github-oidc-role.yaml; its execution role against every handler permission; scripts/tests
	$(VENV_BIN)/cfn-lint deploy/github-oidc-role.yaml
	$(VENV_BIN)/python3 scripts/handler-permissions.py
	$(VENV_BIN)/python3 -m unittest discover -s scripts/tests -p 'test_*.py'

rehearse-staging: deps venv ## deploy.yml's staging steps (stack outputs, resume-publish, integration, smoke with API_URL) against a local stack
	.github/scripts/rehearse-staging.sh

smoke: $(if $(API_URL),,deps) ## Non-destructive smoke subset: against API_URL if set, else the local stack
	$(CARGO) test -p integration-tests --locked --test it -- smoke::

# The owner's resume (docs/resume.md#your-resume): RESUME_FILE, or FILE=...
RESUME_FILE ?= data/resume.json
FILE ?= $(RESUME_FILE)
resume-validate: ## Check FILE (default data/resume.json) against the official JSON Resume schema: make resume-validate FILE=...
	$(CARGO) run --quiet --locked -p local-api -- validate $(FILE)

# scripts/resume-publish.sh: the table and the id are the stack's own (its
# ResumeTableName and ResumeId outputs; CONFIG_ENV=local: the running make
# dev); ID=... may only repeat that id; DRY_RUN=1 only says what would change.
resume-publish: ## Publish FILE as the resume CONFIG_ENV's stack serves, only if it differs: make resume-publish [CONFIG_ENV=staging|prod|local] [DRY_RUN=1]
	@CONFIG_ENV="$(CONFIG_ENV)" FILE="$(FILE)" ID="$(ID)" DRY_RUN="$(DRY_RUN)" CARGO="$(CARGO)" scripts/resume-publish.sh

# scripts/site-publish.sh: the bucket and the distribution are the stack's own
# (its SiteBucketName and SiteDistributionId outputs); SITE_DIR=... an owner's
# own site folder, only when given (`make site`'s default, dist/site, is not
# this one's); DRY_RUN=1 only says what would change.
site-publish: ## Upload SITE_DIR (default examples/frontend) to CONFIG_ENV's site bucket, invalidating only what changed: make site-publish [CONFIG_ENV=staging|prod|default] [DRY_RUN=1]
	@CONFIG_ENV="$(CONFIG_ENV)" SITE_DIR="$(if $(filter command line environment,$(origin SITE_DIR)),$(SITE_DIR))" \
		DRY_RUN="$(DRY_RUN)" CARGO="$(CARGO)" scripts/site-publish.sh

# In the pipeline SAM_ARTIFACT_BUCKET and CFN_EXECUTION_ROLE_ARN come from the
# GitHub environment (deploy/github-oidc-role.yaml); without them (an admin at a
# laptop) SAM's managed bucket and the caller's own permissions are used.
# scripts/deploy.sh: region (AWS_REGION/AWS_DEFAULT_REGION/profile) passed as
# --region, the build checked (scripts/check-build.py), a ROLLBACK_COMPLETE
# stack deleted first (scripts/stack-preflight.py), then sam deploy.
CONFIG_ENV ?= staging
deploy: venv ## Deploy the output of `make build`: make deploy CONFIG_ENV=staging|prod (AWS credentials)
	CONFIG_ENV="$(CONFIG_ENV)" scripts/deploy.sh

# What the cloud path does that nothing else here runs: the build's artifact
# round trip (scripts/build-artifact.sh), sam package into S3 on loopback
# (moto), each packaged zip's bootstrap checked and run on an event, the
# execution role against every handler permission, cfn-lint of both stacks,
# the template's Rules. Reuses (or makes) the x86_64 build that .ci/run's
# sam-local-test also runs.
rehearse-deploy: venv deps ## Rehearse the deploy offline: artifact round trip, sam package (moto S3), packaged bootstraps run, handler permissions, Rules
	$(MAKE) --no-print-directory build ARCH=x86_64
	$(MAKE) --no-print-directory sbom ARCH=x86_64 SBOM_DIR=.aws-sam/build/sbom
	CARGO="$(CARGO)" scripts/rehearse-deploy.sh

newman: deps ## The Postman collection (postman/) under newman: against BASE_URL if set, else a local stack it starts
	CARGO="$(CARGO)" scripts/newman.sh

# --- The visitor counter's browser test (tests/browser) ----------------------

browser-test: deps ## Headless Chromium (Debian's, installed if missing) checks examples/frontend: every resume section, the counter, CORS, ?api= refused off localhost
	scripts/browser-test.sh

SITE_DIR ?= dist/site
site: $(if $(API_URL),,venv) ## The example site for any static host, config.js from API_URL=... or CONFIG_ENV's stack outputs (RESUME_ID optional) into SITE_DIR
	SITE_DIR="$(SITE_DIR)" CONFIG_ENV="$(if $(API_URL),,$(CONFIG_ENV))" scripts/site.sh

# --- template.yaml: checks, sam build, sam local (docs/deploy.md) ------------

iac-check: venv ## sam validate --lint, cfn-lint, and the static checks of crates/iac-checks
	CARGO="$(CARGO)" scripts/iac-check.sh

# crates/iac-checks/tests/expanded.rs holds the expanded template (ForEach,
# then the SAM transform) to this fixture: after a deliberate change of what
# the template deploys, regenerate it and review its diff.
template-fixture: venv ## Regenerate the expanded-template fixture of crates/iac-checks after a deliberate template change
	$(VENV_BIN)/python3 scripts/template-expanded.py --write-fixture

build: venv tools-auditable ## sam build via cargo-lambda under cargo auditable (ARCH=arm64|x86_64; unset: arm64 if its Rust target is installed)
	scripts/sam-build.sh

# sam local runs the built functions in Docker against DynamoDB Local on this
# host. scripts/lib/sam-local.sh holds what both targets share: Docker (dockerd
# started if none runs), the base image (AWS's provided:al2023, or a Debian
# stand-in where it cannot be pulled), and env.json pointed at DynamoDB Local
# through host.docker.internal. SAM_LOCAL_ARGS adds
# `sam local start-api` arguments (e.g. --docker-network NAME).
SAM_LOCAL_ARGS ?=
sam-local: venv deps build ## sam local start-api on :3000 against DynamoDB Local on :8000 (Docker; see docs/development.md#sam-local-docker)
	CARGO="$(CARGO)" scripts/sam-local.sh $(SAM_LOCAL_ARGS)

sam-local-test: venv deps ## The output of `make build` under sam local: integration tests and one invoke per function (Docker)
	CARGO="$(CARGO)" scripts/sam-local-test.sh

# --- Supply chain (deny.toml, docs/security.md#supply-chain) -------------------
# cargo-deny, cargo-cyclonedx and cargo-auditable come from crates.io,
# installed (pinned, --locked) into ~/.cargo/bin when missing.

CARGO_DENY_VERSION := 0.20.2
CARGO_CYCLONEDX_VERSION := 0.5.7
CARGO_AUDITABLE_VERSION := 0.7.7
SBOM_DIR ?= target/sbom

.PHONY: deny deny-advisories sbom tools-deny tools-cyclonedx tools-auditable

tools-deny:
	@$(CARGO) deny --version 2>/dev/null | grep -qF '$(CARGO_DENY_VERSION)' || \
		$(CARGO) install --locked cargo-deny --version $(CARGO_DENY_VERSION)

tools-cyclonedx:
	@$(CARGO) cyclonedx --version 2>/dev/null | grep -qF '$(CARGO_CYCLONEDX_VERSION)' || \
		$(CARGO) install --locked cargo-cyclonedx --version $(CARGO_CYCLONEDX_VERSION)

# cargo-auditable has no --version of its own (`cargo auditable --version` is cargo's).
tools-auditable:
	@$(CARGO) install --list | grep -qxF 'cargo-auditable v$(CARGO_AUDITABLE_VERSION):' || \
		$(CARGO) install --locked cargo-auditable --version $(CARGO_AUDITABLE_VERSION)

deny: tools-deny ## Licences, bans and sources of every dependency (deny.toml), offline
	@# cargo-deny reads every package of Cargo.lock, other platforms' too;
	@# a build fetches only the host's, so fetch the rest first.
	$(CARGO) fetch --locked
	$(CARGO) deny --offline --locked check licenses bans sources

deny-advisories: tools-deny ## RustSec advisories of every dependency (fetches the advisory database; CI runs it)
	$(CARGO) deny --locked check advisories

sbom: tools-cyclonedx ## CycloneDX SBOM (JSON) of each Lambda bootstrap into SBOM_DIR (default target/sbom)
	scripts/sbom.sh "$(SBOM_DIR)"

# --- The owner's first deploy and the tear-down (docs/deploy.md) ------------
# deploy-first asks only what has no safe default; each answer may be given
# instead (REGION= STACK_NAME= ALLOWED_ORIGINS= ALARM_EMAIL=, empty for none).
# It saves them into samconfig.toml's `default` config-env, where
# `sam deploy --guided` saves its answers too and every script reads a stack's
# settings, then runs scripts/deploy.sh as `make deploy CONFIG_ENV=default`.
# teardown refuses while a user, role or group holds one of the stack's
# managed policies, naming each with its detach command.
.PHONY: deploy-first teardown

deploy-first: venv ## Your first deploy (after make build): asks region, stack name, the site's origin(s), alarm e-mail; saved for make deploy CONFIG_ENV=default
	$(VENV_BIN)/python3 scripts/deploy-first.py

teardown: venv ## Delete CONFIG_ENV's stack (staging|prod|default) unless its managed policies are still attached (names who, with the commands); CONFIRM=<stack name>
	$(VENV_BIN)/python3 scripts/teardown.py --config-env "$(CONFIG_ENV)"
