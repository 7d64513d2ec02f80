#!/usr/bin/env python3
"""`make teardown CONFIG_ENV=...`: deletes an app stack, unless someone still holds its policies.

  scripts/teardown.py --config-env ENV    [--region R] [--confirm NAME]
  scripts/teardown.py --stack-name NAME   [--region R] [--confirm NAME]

CloudFormation cannot delete a managed policy that a user, group or role still
holds (IAM DeleteConflict): the stack's deletion then stops half-way in
DELETE_FAILED. So this looks first. For every AWS::IAM::ManagedPolicy of the
stack (its resources, so none is missed: today ManagerInvokePolicy and
ResumeWriterPolicy, the outputs ManagerInvokePolicyArn and
ResumeWriterPolicyArn) it asks IAM which users, roles and groups it is
attached to (ListEntitiesForPolicy). If any, it deletes nothing and prints
each with the exact `aws iam detach-...-policy` command (it never detaches
anything itself: who holds a policy is the owner's call).

Else it says what the deletion keeps (resources whose DeletionPolicy is
Retain, RetainExceptOnCreate or Snapshot, read from the deployed template:
the tables, with the command that deletes each), which log groups go with
the stack and which buckets it empties, asks for the stack name to be typed
(or --confirm NAME), empties those buckets, deletes the stack (with
CFN_EXECUTION_ROLE_ARN as its role, if set) and waits. CloudFormation deletes
only an empty bucket: the site's (SiteBucket) holds a build of the site, which
`make site-publish` writes again, so every object version in it is deleted
first (a bucket whose DeletionPolicy keeps it is left as it is).

Stack name and region: scripts/samconfig.py (the config-env's, else
AWS_REGION, AWS_DEFAULT_REGION, the profile's). Exit status: 0 deleted, or no
such stack; 1 refused, not confirmed, or the deletion failed.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shlex
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import samconfig  # noqa: E402  (scripts/samconfig.py)

KEEPING = {"Retain", "RetainExceptOnCreate", "Snapshot"}
DELETE_WAIT = {"Delay": 5, "MaxAttempts": 180}  # at most 15 minutes
# The detach command for each kind of holder ListEntitiesForPolicy returns.
DETACH = {
    "PolicyUsers": ("detach-user-policy", "--user-name", "UserName"),
    "PolicyRoles": ("detach-role-policy", "--role-name", "RoleName"),
    "PolicyGroups": ("detach-group-policy", "--group-name", "GroupName"),
}


def stack_resources(cfn, stack: str) -> list[dict]:
    """The stack's live resources (ListStackResources, every page)."""
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    return [r for page in pages for r in page["StackResourceSummaries"] if r["ResourceStatus"] != "DELETE_COMPLETE"]


def managed_policies(resources: list[dict]) -> list[tuple[str, str]]:
    """(logical id, ARN) of each AWS::IAM::ManagedPolicy (its physical id is its ARN)."""
    return sorted(
        (r["LogicalResourceId"], r["PhysicalResourceId"])
        for r in resources
        if r["ResourceType"] == "AWS::IAM::ManagedPolicy" and r.get("PhysicalResourceId")
    )


def detach_commands(iam, arn: str) -> list[str]:
    """One `aws iam detach-...-policy` command per user, role or group the policy `arn` is attached to."""
    commands = []
    # PermissionsPolicy: attachments only (a permissions boundary is not let go by detaching).
    pages = iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy")
    for page in pages:
        for key, (verb, flag, field) in DETACH.items():
            for holder in page.get(key, []):
                commands.append(shlex.join(["aws", "iam", verb, flag, holder[field], "--policy-arn", arn]))
    return commands


def deployed_template(cfn, stack: str) -> dict:
    """The stack's template after its transforms (JSON from AWS, else YAML, parsed)."""
    body = cfn.get_template(StackName=stack, TemplateStage="Processed")["TemplateBody"]
    if isinstance(body, dict):
        return body
    from cfnlint.decode import decode_str

    template, matches = decode_str(body)
    if template is None:
        raise SystemExit(f"teardown: cannot parse the template of {stack}: {matches}")
    return template


def what_stays(template: dict, resources: list[dict]):
    """What the deletion does besides deleting: ([(logical id, type, physical id, DeletionPolicy)] it
    keeps, [log groups it deletes], [(logical id, bucket name)] it deletes, so empties first)."""
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}
    kept, logs, buckets = [], [], []
    for logical, resource in sorted(template.get("Resources", {}).items()):
        if logical not in physical:
            continue  # a condition left it out
        policy = resource.get("DeletionPolicy", "Delete")
        if policy in KEEPING:
            kept.append((logical, resource["Type"], physical[logical], policy))
        elif resource["Type"] == "AWS::Logs::LogGroup":
            logs.append(physical[logical])
        elif resource["Type"] == "AWS::S3::Bucket" and physical[logical]:
            buckets.append((logical, physical[logical]))
    return kept, logs, buckets


def empty_bucket(s3, bucket: str, page_size: int = 1000) -> int:
    """Deletes every object version and delete marker in `bucket` (a bucket without versioning has
    one "null" version per object), `page_size` (at most 1,000) a request; returns how many.
    SystemExit if S3 refuses any."""
    count = 0
    while True:
        # Always the first page, until there is none: a page's markers can skip what is left once
        # the listed objects are gone. DeleteObjects takes at most 1,000; each round deletes all
        # of its page or stops.
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=page_size)
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        keys = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions][:page_size]
        if not keys:
            return count
        errors = s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True}).get("Errors", [])
        if errors:
            raise SystemExit(f"teardown: S3 did not delete {len(errors)} objects of {bucket}, e.g. {errors[0]}")
        count += len(keys)


def refuse(stack: str, held: dict[str, list[str]]) -> int:
    print(
        f"teardown: {stack} is NOT deleted: CloudFormation cannot delete a managed policy that a user, role or "
        "group still holds (DeleteConflict). Detach each, then run this again:",
        file=sys.stderr,
    )
    for name, commands in held.items():
        print(f"  {name}, held by {len(commands)}:", file=sys.stderr)
        for command in commands:
            print(f"    {command}", file=sys.stderr)
    return 1


def report_plan(stack: str, region: str, kept, logs, buckets) -> None:
    print(f"teardown: nobody holds the policies of {stack} ({region}). Deleting it removes every resource except:")
    for logical, rtype, physical, policy in kept:
        print(f"  kept: {logical} ({rtype}) {physical}  [DeletionPolicy {policy}]")
    if not kept:
        print("  (nothing: no resource has a DeletionPolicy that keeps it)")
    if logs:
        print(f"  deleted with it, logs included: {', '.join(logs)}")
    for logical, name in buckets:
        print(f"  emptied first, then deleted with it: {logical} (s3://{name}, every object and version)")


def confirmed(stack: str, given: str | None) -> bool:
    if given is not None:
        return given == stack
    print(f"teardown: type the stack name ({stack}) to delete it: ", end="", flush=True)
    return sys.stdin.readline().strip() == stack


def delete(cfn, stack: str, role_arn: str | None) -> bool:
    from botocore.exceptions import WaiterError

    cfn.delete_stack(StackName=stack, **({"RoleARN": role_arn} if role_arn else {}))
    try:
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=DELETE_WAIT)
    except WaiterError:
        events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
        for event in events:
            if event["ResourceStatus"] == "DELETE_FAILED":
                print(f"  {event['LogicalResourceId']}: {event.get('ResourceStatusReason', '')}", file=sys.stderr)
        print(f"teardown: the deletion of {stack} failed (above); fix it and run this again", file=sys.stderr)
        return False
    return True


def teardown(cfn, iam, s3, stack: str, region: str, confirm: str | None, role_arn: str | None) -> int:
    from botocore.exceptions import ClientError

    try:
        cfn.describe_stacks(StackName=stack)
    except ClientError as e:
        if "does not exist" not in e.response.get("Error", {}).get("Message", ""):
            raise
        print(f"teardown: there is no stack {stack} in {region}: nothing to delete")
        return 0
    resources = stack_resources(cfn, stack)
    held = {f"{logical} {arn}": cmds for logical, arn in managed_policies(resources) if (cmds := detach_commands(iam, arn))}
    if held:
        return refuse(stack, held)
    kept, logs, buckets = what_stays(deployed_template(cfn, stack), resources)
    report_plan(stack, region, kept, logs, buckets)
    if not confirmed(stack, confirm):
        print(f"teardown: not confirmed: {stack} is left as it is", file=sys.stderr)
        return 1
    for logical, name in buckets:
        print(f"teardown: emptied {logical} (s3://{name}): {empty_bucket(s3, name)} objects and versions deleted")
    if not delete(cfn, stack, role_arn):
        return 1
    print(f"teardown: {stack} deleted.")
    for logical, rtype, physical, _ in kept:
        how = shlex.join(["aws", "dynamodb", "delete-table", "--region", region, "--table-name", physical])
        print(f"  kept {logical}: {how if rtype == 'AWS::DynamoDB::Table' else physical} (when you no longer want it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--config-env", help="the stack of this samconfig.toml config-env")
    which.add_argument("--stack-name")
    parser.add_argument("--region", help="default: the config-env's, else AWS_REGION, AWS_DEFAULT_REGION, the profile's")
    parser.add_argument("--confirm", metavar="NAME", help="the stack name: delete without asking")
    args = parser.parse_args(argv)
    if args.config_env:
        stack, region = samconfig.stack_settings(args.config_env)
    else:
        stack, region = args.stack_name, samconfig.environment_region()
    region = args.region or region
    if not region:
        raise SystemExit("teardown: no region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your AWS profile)")
    import boto3

    session = boto3.Session(region_name=region)
    return teardown(
        session.client("cloudformation"),
        session.client("iam"),
        session.client("s3"),
        stack,
        region,
        args.confirm or os.environ.get("CONFIRM") or None,
        os.environ.get("CFN_EXECUTION_ROLE_ARN") or None,
    )


if __name__ == "__main__":
    sys.exit(main())
