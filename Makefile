# The two commands that matter: `make dev` and `make test`.
# Everything a target needs, it installs (npm packages, the Python tool venv).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_BIN := $(VENV)/bin
CARGO ?= cargo
export PATH := $(CURDIR)/$(VENV_BIN):$(PATH)


.PHONY: dev-smoke
.PHONY: help dev test lint fmt unit integration deps venv clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-14s %s\n", $$1, $$2}'

dev: deps ## Run the API on http://127.0.0.1:3000 against a persistent DynamoDB Local
	@scripts/dev.sh

test: deps lint unit integration dev-smoke ## Everything CI runs: fmt, clippy, unit and integration tests

lint: ## cargo fmt --check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

dev-smoke: deps ## Start `make dev` on free ports and check it serves the seeded resume
	scripts/dev-smoke.sh

fmt: ## Format the code
	$(CARGO) fmt --all

unit: ## Unit tests (no network, no database)
	$(CARGO) test --workspace --exclude integration-tests --locked

integration: deps ## HTTP tests: against API_URL if set, else a local stack they start
	$(CARGO) test -p integration-tests --locked

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

clean: ## Remove build output and local state (keeps node_modules)
	$(CARGO) clean
	rm -rf .dev .aws-sam
