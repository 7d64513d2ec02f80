#!/usr/bin/env python3
"""Before `sam deploy`: clear an app stack that a failed first create left behind,
and make the site's origin secret once.

  scripts/stack-preflight.py --stack-name NAME --region R [--role-arn ARN]
                             [--config-env ENV --overrides-out FILE]

A create that fails leaves the stack in ROLLBACK_COMPLETE. CloudFormation
takes no change set for such a stack: sam deploy counts it as existing
(samcli/lib/deploy/deployer.py, has_stack: only REVIEW_IN_PROGRESS counts as
absent) and sends an update change set, which is refused. So every later run of the pipeline would fail the same way. Such a
stack holds nothing (its resources were deleted by the rollback; the tables
are RetainExceptOnCreate, so none is kept), and the only way on is to delete
it. This script says so and deletes it (with the stack's execution role, if
given), then waits until it is gone. Any other state is left alone.

The origin secret (template parameter OriginVerifySecret, NoEcho;
docs/site.md#calls-that-bypass-cloudfront): the distribution sends it to the
API, and the counter trusts CloudFront's viewer address only on requests that
carry it. It is made here, once, when the stack is created (or first deployed
with a template that has the parameter): FILE then receives ENV's
parameter_overrides from samconfig.toml plus OriginVerifySecret=<64 hex
digits>, for that one `sam deploy --parameter-overrides` (on the command
line they replace samconfig's, hence the merge). Every later deploy leaves the
parameter out, and the SAM CLI sends UsePreviousValue for it, so the value
lives only in the stack, never in samconfig.toml or the repository. Under
GitHub Actions it is masked in the log first. A samconfig that sets
OriginVerifySecret itself is left alone; FILE stays empty when nothing is made.

Run by scripts/deploy.sh (`make deploy`). The pipeline's deploy role may
delete only its own app stack (deploy/github-oidc-role.yaml).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import secrets
import sys

DELETE_WAIT = {"Delay": 5, "MaxAttempts": 120}  # at most 10 minutes


SECRET_PARAMETER = "OriginVerifySecret"


def describe(cfn, name: str) -> dict | None:
    """The stack as DescribeStacks gives it, or None if there is none."""
    from botocore.exceptions import ClientError

    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as e:
        message = e.response.get("Error", {}).get("Message", "")
        if e.response.get("Error", {}).get("Code") == "ValidationError" and "does not exist" in message:
            return None
        raise
    return stacks[0] if stacks else None


def stack_status(cfn, name: str) -> str | None:
    stack = describe(cfn, name)
    return stack["StackStatus"] if stack else None


def secret_overrides(cfn, name: str, outcome: str, samconfig_overrides: str) -> str | None:
    """The parameter_overrides that add a new origin secret, or None to keep the stack's.

    `outcome` is what preflight() did: a stack that is absent (or was just
    deleted) gets one; so does a stack whose parameters do not yet include it.
    """
    if f"{SECRET_PARAMETER}=" in samconfig_overrides:
        return None
    if outcome == "left":
        stack = describe(cfn, name) or {}
        if any(p.get("ParameterKey") == SECRET_PARAMETER for p in stack.get("Parameters", [])):
            return None
    secret = secrets.token_hex(32)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::add-mask::{secret}")
    return f"{samconfig_overrides} {SECRET_PARAMETER}={secret}".strip()


def preflight(cfn, name: str, role_arn: str | None = None, out=sys.stdout) -> str:
    """Returns what it did: "absent", "deleted", or "left" (with the status)."""
    status = stack_status(cfn, name)
    if status is None:
        print(f"stack-preflight: {name} does not exist yet: this is its first deploy", file=out)
        return "absent"
    if status != "ROLLBACK_COMPLETE":
        print(f"stack-preflight: {name} is {status}", file=out)
        return "left"
    print(
        f"stack-preflight: {name} is ROLLBACK_COMPLETE: its first create failed and rolled back "
        "(see its events in the CloudFormation console). CloudFormation cannot update such a "
        "stack, so it is deleted now and created again.",
        file=out,
    )
    args = {"StackName": name}
    if role_arn:
        args["RoleARN"] = role_arn
    cfn.delete_stack(**args)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=DELETE_WAIT)
    print(f"stack-preflight: {name} deleted", file=out)
    return "deleted"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--role-arn")
    parser.add_argument("--config-env")
    parser.add_argument("--overrides-out", type=pathlib.Path)
    args = parser.parse_args(argv)
    import boto3

    cfn = boto3.client("cloudformation", region_name=args.region)
    outcome = preflight(cfn, args.stack_name, args.role_arn)
    if args.overrides_out and args.config_env:
        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
        import samconfig

        config = samconfig.load(samconfig.SAMCONFIG)
        raw = samconfig.setting(config, args.config_env, "parameter_overrides")
        merged = secret_overrides(cfn, args.stack_name, outcome, raw)
        if merged:
            print(f"stack-preflight: {args.stack_name} gets its {SECRET_PARAMETER} now (kept in the stack only)")
            fd = os.open(args.overrides_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(merged)
    return 0


if __name__ == "__main__":
    sys.exit(main())
