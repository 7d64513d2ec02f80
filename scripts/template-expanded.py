#!/usr/bin/env python3
"""template.yaml as CloudFormation expands it, as canonical JSON.

Two steps, in the order of the template's Transform list:
1. AWS::LanguageExtensions, with the SAM CLI's own code
   (samcli.lib.cfn_language_extensions, what `sam build --language-extensions`
   runs): every Fn::ForEach expanded; then what the loops leave for the
   transform to resolve, and only that: an Fn::FindInMap of literal keys
   looked up (Mappings, data for those lookups only, then dropped), and an
   Fn::Sub without variables as the argument of a Ref (`Ref: !Sub "${Fn}"`)
   turned into its text. The template uses no other language extension, and
   this step refuses one it finds (Fn::Length, Fn::ToJsonString, a
   DefaultValue, an intrinsic DeletionPolicy), so that nothing here resolves
   differently from CloudFormation.
2. AWS::Serverless-2016-10-31: samtranslator's transform, offline (no
   managed-policy lookups: the template names managed policies by ARN only;
   a local CodeUri becomes s3://bucket/key, as `sam package` would make it an
   S3 URI). Conditions are not evaluated, so optional resources are kept.

crates/iac-checks/tests/expanded.rs holds the result of step 2 to the
fixture crates/iac-checks/tests/fixtures/template-expanded.json: a change of
the template that changes what is deployed shows there as a readable diff.
After a deliberate change, regenerate the fixture and review its diff:

    make template-fixture

Usage: scripts/template-expanded.py [--template T] [--foreach-only] [--write-fixture]
  (default: step 2's result on stdout; --foreach-only: step 1's)
Run through make, which puts .venv/bin (SAM CLI, cfn-lint) first on PATH.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "crates" / "iac-checks" / "tests" / "fixtures" / "template-expanded.json"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
SERVERLESS = "AWS::Serverless-2016-10-31"
# Language extensions other than Fn::ForEach: step 1 does not resolve them.
OTHER_EXTENSIONS = ("Fn::Length", "Fn::ToJsonString")


def load_template(path: pathlib.Path) -> dict:
    """A CloudFormation YAML/JSON template, short-form tags as cfn-lint reads them."""
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if matches or template is None:
        raise SystemExit(f"{path}: cannot parse: {matches}")
    # cfn-lint's node types -> plain dicts and lists
    return json.loads(json.dumps(template))


def transforms(template: dict) -> list:
    declared = template.get("Transform", [])
    return declared if isinstance(declared, list) else [declared]


def refuse_other_extensions(value, where: str = "") -> None:
    """Raise on a language extension that expand_foreach leaves unresolved."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key in OTHER_EXTENSIONS or (key == "Fn::FindInMap" and len(child) > 3):
                raise SystemExit(f"{where}: {key} is not expanded here (only Fn::ForEach is)")
            refuse_other_extensions(child, f"{where}/{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            refuse_other_extensions(child, f"{where}[{i}]")


def intrinsic(value, name: str):
    """The argument of value if it is the intrinsic function name, else None."""
    return value.get(name) if isinstance(value, dict) and len(value) == 1 else None


def literal(value) -> bool:
    """What the loops leave resolvable: an Fn::FindInMap of literal keys, an
    Fn::Sub without variables inside a Ref."""
    args = intrinsic(value, "Fn::FindInMap")
    if isinstance(args, list) and len(args) == 3 and all(isinstance(a, str) for a in args):
        return True
    text = intrinsic(intrinsic(value, "Ref"), "Fn::Sub")
    return isinstance(text, str) and "${" not in text


def resolve_literals(value, resolver):
    """Every literal() part of value resolved (SAM CLI's resolvers)."""
    if literal(value):
        return resolver.resolve_value(value)
    if isinstance(value, dict):
        return {k: resolve_literals(v, resolver) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_literals(v, resolver) for v in value]
    return value


def mentions(value, name: str) -> bool:
    if isinstance(value, dict):
        return name in value or any(mentions(v, name) for v in value.values())
    return isinstance(value, list) and any(mentions(v, name) for v in value)


def expand_foreach(template: dict) -> dict:
    """Step 1: Fn::ForEach expanded, literal Fn::FindInMap looked up (SAM CLI's
    code), the transform dropped."""
    from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
    from samcli.lib.cfn_language_extensions.pipeline import ProcessingPipeline
    from samcli.lib.cfn_language_extensions.processors import ForEachProcessor, TemplateParsingProcessor
    from samcli.lib.cfn_language_extensions.resolvers import FnFindInMapResolver, FnSubResolver, IntrinsicResolver

    if LANGUAGE_EXTENSIONS not in transforms(template):
        return json.loads(json.dumps(template))
    refuse_other_extensions(template)
    for rid, resource in template.get("Resources", {}).items():
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if not isinstance(resource, dict) or isinstance(resource.get(policy, ""), str):
                continue
            raise SystemExit(f"Resources/{rid}: {policy} is not a literal string")
    context = TemplateProcessingContext(fragment=json.loads(json.dumps(template)))
    # No intrinsic resolver: collections are literal lists, and nothing but
    # the loops is resolved (SAM CLI's full pipeline would also put parameter
    # defaults in place of Refs, which CloudFormation does not).
    pipeline = ProcessingPipeline([TemplateParsingProcessor(), ForEachProcessor()])
    expanded = pipeline.process_template(context)
    resolver = IntrinsicResolver(context)
    for kind in (FnSubResolver, FnFindInMapResolver):
        resolver.register_resolver(kind)
    for section in ("Resources", "Outputs"):
        if section in expanded:
            expanded[section] = resolve_literals(expanded[section], resolver)
    if not mentions(expanded, "Fn::FindInMap"):
        expanded.pop("Mappings", None)
    rest = [t for t in transforms(template) if t != LANGUAGE_EXTENSIONS]
    if rest:
        expanded["Transform"] = rest[0] if len(rest) == 1 else rest
    else:
        expanded.pop("Transform", None)
    return expanded


def sam_transform(template: dict, code_uri: str = "s3://bucket/key") -> dict:
    """Step 2 (after step 1): the template as the SAM transform turns it into
    plain CloudFormation; without that transform, step 1's result. A local
    CodeUri becomes code_uri, as `sam package` makes it an S3 URI."""
    from samtranslator.translator.transform import transform

    template = expand_foreach(template)
    if SERVERLESS not in transforms(template):
        return template
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            uri = resource.get("Properties", {}).get("CodeUri")
            if isinstance(uri, str) and not uri.startswith("s3://"):
                resource["Properties"]["CodeUri"] = code_uri

    class NoManagedPolicies:  # the template names managed policies by ARN only
        def load(self) -> dict:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    return transform(template, {}, NoManagedPolicies())


def canonical(template: dict) -> str:
    """Sorted keys, one value per line: diffs of it read well."""
    return json.dumps(template, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=pathlib.Path, default=ROOT / "template.yaml")
    parser.add_argument("--foreach-only", action="store_true", help="step 1 only (before the SAM transform)")
    parser.add_argument("--write-fixture", action="store_true", help=f"write step 2's result to {FIXTURE}")
    args = parser.parse_args(argv)

    template = load_template(args.template)
    out = canonical(expand_foreach(template) if args.foreach_only else sam_transform(template))
    if args.write_fixture:
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(out)
        print(f"template-expanded: wrote {FIXTURE.relative_to(ROOT)}; review it with git diff", file=sys.stderr)
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
