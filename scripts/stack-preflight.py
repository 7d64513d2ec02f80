#!/usr/bin/env python3
"""Before `sam deploy`: clear an app stack that a failed first create left behind.

  scripts/stack-preflight.py --stack-name NAME --region R [--role-arn ARN]

A create that fails leaves the stack in ROLLBACK_COMPLETE. CloudFormation
takes no change set for such a stack: sam deploy counts it as existing
(samcli/lib/deploy/deployer.py, has_stack: only REVIEW_IN_PROGRESS counts as
absent) and sends an update change set, which is refused. So every later run of the pipeline would fail the same way. Such a
stack holds nothing (its resources were deleted by the rollback; the tables
are RetainExceptOnCreate, so none is kept), and the only way on is to delete
it. This script says so and deletes it (with the stack's execution role, if
given), then waits until it is gone. Any other state is left alone.

Run by scripts/deploy.sh (`make deploy`). The pipeline's deploy role may
delete only its own app stack (deploy/github-oidc-role.yaml).
"""

from __future__ import annotations

import argparse
import sys

DELETE_WAIT = {"Delay": 5, "MaxAttempts": 120}  # at most 10 minutes


def stack_status(cfn, name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as e:
        message = e.response.get("Error", {}).get("Message", "")
        if e.response.get("Error", {}).get("Code") == "ValidationError" and "does not exist" in message:
            return None
        raise
    return stacks[0]["StackStatus"] if stacks else None


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
    args = parser.parse_args(argv)
    import boto3

    cfn = boto3.client("cloudformation", region_name=args.region)
    preflight(cfn, args.stack_name, args.role_arn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
