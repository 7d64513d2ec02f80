#!/usr/bin/env python3
"""Does the CloudFormation execution role allow what CloudFormation will call?

CloudFormation creates, updates and deletes each resource through that
resource type's handler, and the handler calls AWS with the stack's service
role (deploy/github-oidc-role.yaml, CfnExecutionRole). The registry schema of
each type lists what its handlers call (`handlers.create/update/delete.
permissions`); cfn-lint ships those schemas. This check:

1. Expands template.yaml as CloudFormation does (its Fn::ForEach loops, then
   the AWS::Serverless-2016-10-31 transform: scripts/template-expanded.py).
   Conditions are not evaluated by the transform, so every optional resource
   (custom domain, base path mapping, alias record, e-mail subscription) is in
   the result: every optional parameter is, in effect, switched on.
2. Collects every handler permission of every resource type in it.
3. Requires each action to be allowed by the execution role (an Allow
   statement whose Action matches, wildcards included; resources and
   conditions are not evaluated), or to be listed in the exclusion file
   (deploy/handler-permissions-exclusions.txt) with the reason this template
   never triggers it.

An exclusion for an action the role does grant, or that no handler lists any
more, is an error too, so the file stays a reviewed list.

Usage: scripts/handler-permissions.py [--template T] [--role R]
       [--role-id CfnExecutionRole] [--exclusions F] [--region us-east-1] [--list]
Run through make (`make rehearse-deploy`), which puts .venv/bin first on PATH.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
HANDLERS = ("create", "update", "delete")

# load_template and sam_transform (loops, then SAM) are template-expanded.py's.
_spec = importlib.util.spec_from_file_location("template_expanded", ROOT / "scripts" / "template-expanded.py")
_expanded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_expanded)
load_template = _expanded.load_template
sam_transform = _expanded.sam_transform


def schema_dir() -> pathlib.Path:
    import cfnlint

    return pathlib.Path(cfnlint.__file__).parent / "data" / "schemas"


def handler_actions(types: set[str], region: str = "us-east-1") -> dict[str, set[str]]:
    """action -> the resource types whose create/update/delete handlers call it."""
    schemas = schema_dir()
    provider = json.loads((schemas / "providers" / f"{region}.json").read_text())
    actions: dict[str, set[str]] = {}
    for rtype in sorted(types):
        if rtype not in provider:
            raise SystemExit(f"cfn-lint has no registry schema for {rtype} in {region}")
        schema = json.loads((schemas / "resources" / f"{provider[rtype]}.json").read_text())
        handlers = schema.get("handlers", {})
        for handler in HANDLERS:
            for action in handlers.get(handler, {}).get("permissions", []):
                actions.setdefault(action, set()).add(rtype)
    return actions


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def role_allowed_actions(role_template: dict, role_id: str) -> list[str]:
    """The Action patterns of the Allow statements of the role's inline policies."""
    role = role_template.get("Resources", {}).get(role_id)
    if not role or role.get("Type") != "AWS::IAM::Role":
        raise SystemExit(f"no AWS::IAM::Role {role_id} in the role template")
    patterns: list[str] = []
    for policy in role.get("Properties", {}).get("Policies", []):
        for statement in _as_list(policy["PolicyDocument"]["Statement"]):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                raise SystemExit(f"{role_id}: NotAction statements are not supported by this check")
            patterns.extend(_as_list(statement.get("Action", [])))
    return patterns


def granted(action: str, patterns: list[str]) -> bool:
    # IAM action names are case-insensitive; * and ? are IAM's wildcards.
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


def load_exclusions(path: pathlib.Path) -> tuple[dict[str, str], list[str]]:
    """`action reason...` per line; # comments. Returns (exclusions, problems)."""
    exclusions: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        action, _, reason = line.partition(" ")
        reason = reason.strip()
        where = f"{path.name}:{number}"
        if ":" not in action:
            problems.append(f"{where}: '{action}' is not a service:Action name")
        elif not reason:
            problems.append(f"{where}: {action} has no reason")
        elif action in exclusions:
            problems.append(f"{where}: {action} is listed twice")
        else:
            exclusions[action] = reason
    return exclusions, problems


def check(
    actions: dict[str, set[str]], patterns: list[str], exclusions: dict[str, str]
) -> list[str]:
    problems = []
    for action in sorted(actions, key=str.lower):
        if granted(action, patterns):
            if action in exclusions:
                problems.append(f"{action}: granted by the execution role, so drop its exclusion")
        elif action not in exclusions:
            types = ", ".join(sorted(actions[action]))
            problems.append(
                f"{action}: called by the handlers of {types}, but neither granted by the "
                "execution role nor excluded with a reason"
            )
    for action in sorted(set(exclusions) - set(actions), key=str.lower):
        problems.append(f"{action}: excluded, but no handler of the template's resource types calls it")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=pathlib.Path, default=ROOT / "template.yaml")
    parser.add_argument("--role", type=pathlib.Path, default=ROOT / "deploy" / "github-oidc-role.yaml")
    parser.add_argument("--role-id", default="CfnExecutionRole")
    parser.add_argument(
        "--exclusions", type=pathlib.Path, default=ROOT / "deploy" / "handler-permissions-exclusions.txt"
    )
    parser.add_argument("--region", default="us-east-1", help="whose registry schemas (cfn-lint's copy)")
    parser.add_argument("--list", action="store_true", help="print every action and how it is covered")
    args = parser.parse_args(argv)

    transformed = sam_transform(load_template(args.template))
    types = {r["Type"] for r in transformed["Resources"].values()}
    actions = handler_actions(types, args.region)
    patterns = role_allowed_actions(load_template(args.role), args.role_id)
    exclusions, problems = load_exclusions(args.exclusions)
    problems += check(actions, patterns, exclusions)

    if args.list:
        for action in sorted(actions, key=str.lower):
            how = "granted" if granted(action, patterns) else f"excluded: {exclusions.get(action, '-')}"
            print(f"{action:45} {how}")
    granted_n = sum(granted(a, patterns) for a in actions)
    print(
        f"handler-permissions: {len(types)} resource types, {len(actions)} handler actions: "
        f"{granted_n} granted by {args.role_id}, {len(actions) - granted_n} excluded or missing"
    )
    if problems:
        for problem in problems:
            print(f"handler-permissions: {problem}", file=sys.stderr)
        print(f"handler-permissions: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
