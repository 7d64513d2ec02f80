#!/usr/bin/env python3
"""Rehearses `make deploy-first`, then the `make deploy` after it, on loopback.

  scripts/rehearse-first.py --cwd DIR

DIR is a checkout with Makefile, scripts/, samconfig.toml, .aws-sam/build and
.venv, and AWS_ENDPOINT_URL points at S3 and CloudFormation on loopback
(moto_server; `make rehearse-deploy` sets both up). In DIR it runs `make
deploy-first` and answers each question as it appears, on stdin, with the
driver of the guided rehearsal (scripts/rehearse-guided.py): a region, a
stack name that is not the default, two origins (one with a trailing /) and
an e-mail. AWS_REGION, AWS_DEFAULT_REGION and the answer variables are unset,
so the deploy that follows the questions (scripts/deploy.sh, run as `make
deploy CONFIG_ENV=default` runs it, given nothing but that) can only take
them from samconfig.toml. It fails unless

  1. at most MAX_QUESTIONS prompts were asked, each one of deploy-first's own;
  2. samconfig.toml's `default` config-env then holds the answers;
  3. the SAM CLI deployed with them: its "Deploying with following values"
     names that stack and region, and its parameter overrides carry the
     origins and the e-mail beside samconfig's other parameters, and the
     origin secret made for the new stack, masked;
  4. `make deploy CONFIG_ENV=default` afterwards (DEPLOY_DRY_RUN=1: the sam
     command it would run) asks nothing and deploys that stack in that
     region from that config-env.

moto cannot create SAM's managed artifact-bucket stack (no
AWS::S3::BucketPolicy: the stack comes out without its output), so this
creates a stand-in for it first: a bucket, the SourceBucket output and the
ManagedStackSource tag SAM checks; SAM's resolve_s3 then finds and uses it.
What SAM does after printing its values (the change set) is moto's, not judged.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pathlib
import re
import sys
import tomllib

SCRIPTS = pathlib.Path(__file__).resolve().parent
MAX_QUESTIONS = 5  # issue 29: a first deploy asks at most five questions
ANSWERS = {
    "region": "eu-north-1",
    "stack_name": "resume-rehearsal",
    "AllowedOrigins": "https://me.example.com/, https://www.me.example.com",
    "AlarmEmail": "alarms@me.example.com",
}
# What samconfig.toml and SAM must then hold (the origins normalised).
EXPECTED = dict(ANSWERS, AllowedOrigins="https://me.example.com,https://www.me.example.com")
MANAGED_STACK = "aws-sam-cli-managed-default"
VALUES = re.compile(r"\t(Stack name|Region|Parameter overrides) +: (.*)")


def load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def managed_bucket_stand_in(region: str) -> None:
    """SAM's managed artifact-bucket stack, as SAM would leave it, in moto."""
    import boto3

    template = {
        "Resources": {"SamCliSourceBucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {"SourceBucket": {"Value": {"Ref": "SamCliSourceBucket"}}},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=MANAGED_STACK,
        TemplateBody=json.dumps(template),
        Tags=[{"Key": "ManagedStackSource", "Value": "AwsSamCli"}],
    )


def deployed_values(output: str) -> dict[str, object]:
    """SAM's "Deploying with following values" block: stack name, region, parameter overrides."""
    if "Deploying with following values" not in output:
        return {}
    block = output[output.index("Deploying with following values") :]
    values: dict[str, object] = {}
    for key, value in VALUES.findall(block):
        values.setdefault(key, json.loads(value) if key == "Parameter overrides" else value.strip())
    return values


def check_values(what: str, output: str, baseline: dict[str, str]) -> list[str]:
    """Problems with what SAM says it deploys (`baseline`: samconfig's other parameters)."""
    values = deployed_values(output)
    if not values:
        return [f"{what}: SAM never printed the values it deploys with"]
    want = {"Stack name": EXPECTED["stack_name"], "Region": EXPECTED["region"]}
    problems = [f"{what}: {k} is {values.get(k)!r}, not {v!r}" for k, v in want.items() if values.get(k) != v]
    params = values.get("Parameter overrides") or {}
    for key in ("AllowedOrigins", "AlarmEmail"):
        if params.get(key) != EXPECTED[key]:
            problems.append(f"{what}: parameter {key} is {params.get(key)!r}, not {EXPECTED[key]!r}")
    for key, value in baseline.items():
        if key not in ("AllowedOrigins", "AlarmEmail") and params.get(key) != value:
            problems.append(f"{what}: parameter {key} is {params.get(key)!r}, not samconfig's {value!r}")
    # The stack's creation makes its origin secret (scripts/stack-preflight.py),
    # and SAM prints a NoEcho parameter masked.
    secret = params.get("OriginVerifySecret")
    if not secret or re.search(r"[0-9a-f]{32}", str(secret)):
        problems.append(f"{what}: OriginVerifySecret is {'shown' if secret else 'missing'} in SAM's values")
    return problems


def check_saved(checkout: pathlib.Path, first) -> list[str]:
    with open(checkout / "samconfig.toml", "rb") as f:
        config = tomllib.load(f)
    saved = first.saved_answers(config)
    return [f"samconfig.toml [default] holds {k}={saved[k]!r}, not {v!r}" for k, v in EXPECTED.items() if saved[k] != v]


def run(guided, checkout: pathlib.Path, target: list[str], answers: dict[str, str]) -> tuple[str, list]:
    code, output, asked = guided.drive(["make", "--no-print-directory", *target], checkout, answers)
    for prompt, answer in asked:
        shown = "(not one of deploy-first's questions)" if answer is None else (repr(answer) if answer else "Enter")
        print(f"rehearse-first:   {prompt} -> {shown}")
    print(f"rehearse-first:   make {' '.join(target)}: exit {code}")
    return output, asked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cwd", type=pathlib.Path, required=True)
    checkout = parser.parse_args(argv).cwd.resolve()
    guided = load("rehearse_guided", "rehearse-guided.py")
    first = load("deploy_first", "deploy-first.py")
    with open(checkout / "samconfig.toml", "rb") as f:
        raw = first.samconfig.setting(tomllib.load(f), "default", "parameter_overrides")
    baseline = {k: first.unquote(v) for k, v in first.overrides(raw).items()}
    managed_bucket_stand_in(ANSWERS["region"])
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", *(v for _, v, _ in first.QUESTIONS)):
        os.environ.pop(variable, None)
    prompts = {prompt: ANSWERS[key] for key, _, prompt in first.QUESTIONS}
    prompts[first.CONFIRM] = "y"
    output, asked = run(guided, checkout, ["deploy-first"], prompts)
    problems = [] if len(asked) <= MAX_QUESTIONS else [f"deploy-first asked {len(asked)} questions, more than {MAX_QUESTIONS}"]
    problems += [f"deploy-first asked {p!r}, not one of its questions" for p, a in asked if a is None]
    problems += check_saved(checkout, first) + check_values("make deploy-first", output, baseline)
    # The next deploy: the same stack, region and config-env, no questions.
    os.environ["DEPLOY_DRY_RUN"] = "1"
    again, asked_again = run(guided, checkout, ["deploy", "CONFIG_ENV=default"], {})
    output += again
    problems += [f"make deploy CONFIG_ENV=default asked {p!r}" for p, _ in asked_again]
    want = f"{EXPECTED['stack_name']} in {EXPECTED['region']} (config-env default)"
    if want not in again or f"--config-env default --region {EXPECTED['region']} " not in again:
        problems.append(f"make deploy CONFIG_ENV=default would not deploy {want}")
    if problems:
        print(output[-4000:], file=sys.stderr)
        for problem in problems:
            print(f"rehearse-first: {problem}", file=sys.stderr)
        return 1
    print(
        f"rehearse-first: deploy-first asked {len(asked)} questions (at most {MAX_QUESTIONS}), saved the answers, "
        "SAM deployed with them from samconfig.toml alone, and make deploy CONFIG_ENV=default deploys the same"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
