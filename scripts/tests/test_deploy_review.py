"""The pre-deploy review's findings (what would break a first deploy), as checks of the files that
CloudFormation, the SAM CLI and GitHub Actions will act on.

Run by `make rehearse-deploy` (`python -m unittest discover -s scripts/tests`).
REVIEW_ROOT=<a checkout> runs them against another tree (e.g. the commit
before the fixes, to see each fail).
"""

import importlib.util
import io
import json
import os
import pathlib
import re
import stat
import subprocess
import sys
import tempfile
import tomllib
import unittest
import unittest.mock
import zipfile
import zlib

import yaml
from cfnlint.decode import decode

SCRIPTS = pathlib.Path(__file__).resolve().parents[1]
ROOT = pathlib.Path(os.environ.get("REVIEW_ROOT", SCRIPTS.parent)).resolve()


def load_module(name, file):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cfn(path):
    template, matches = decode(str(ROOT / path))
    assert not matches, matches
    return json.loads(json.dumps(template))


def expanded(path):
    """A template with its Fn::ForEach loops expanded, as the SAM transform
    gets it (scripts/template-expanded.py): every resource by its logical id."""
    te = load_module("template_expanded", "template-expanded.py")
    return te.expand_foreach(te.load_template(ROOT / path))


def as_list(v):
    return v if isinstance(v, list) else [v]


def overrides(env):
    """samconfig.toml's parameter_overrides of a config-env, as SAM parses them."""
    with open(ROOT / "samconfig.toml", "rb") as f:
        raw = tomllib.load(f)[env]["deploy"]["parameters"]["parameter_overrides"]
    return {k: (a if a or not b else b) for k, a, b in re.findall(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))', raw)}


# ---------------------------------------------------------------- Rules
def evaluate(node, params, conditions=None):
    """CloudFormation's rule and condition functions, for what the template uses."""
    if isinstance(node, dict) and len(node) == 1:
        (fn, arg), = node.items()
        if fn == "Ref":
            return params[arg]
        if fn == "Condition":
            return evaluate(conditions[arg], params, conditions)
        if fn == "Fn::Equals":
            a, b = (evaluate(x, params, conditions) for x in arg)
            return a == b
        if fn == "Fn::Not":
            return not evaluate(arg[0], params, conditions)
        if fn == "Fn::And":
            return all(evaluate(x, params, conditions) for x in arg)
        if fn == "Fn::Or":
            return any(evaluate(x, params, conditions) for x in arg)
        if fn == "Fn::Contains":
            return evaluate(arg[1], params, conditions) in evaluate(arg[0], params, conditions)
        raise NotImplementedError(fn)
    if isinstance(node, (str, list)):
        return node
    raise NotImplementedError(node)


def rule_failures(template, values):
    """The AssertDescriptions CloudFormation would refuse the stack with."""
    params = {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}
    params.update(values)
    failures = []
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], params):
            continue
        for assertion in rule["Assertions"]:
            if not evaluate(assertion["Assert"], params):
                failures.append(assertion.get("AssertDescription", ""))
    return failures


DEPENDENCY_LIST = zlib.compress(
    b'{"packages": [{"name": "fn", "version": "0.1.0", "source": "local", "root": true},'
    b' {"name": "aws-sdk-dynamodb", "version": "1.0.0", "source": "crates.io"}]}'
)


def fake_elf(machine: int, dep: bytes | None = DEPENDENCY_LIST) -> bytes:
    """A 64-bit little-endian ELF executable header for `machine` with a
    section table: .shstrtab, and .dep-v0 holding `dep` unless it is None."""
    names = b"\0.shstrtab\0.dep-v0\0"
    data = names + (dep or b"")
    shoff = 64 + len(data) + (-len(data) % 8)
    sections = [(0, 0, 0, 0), (1, 3, 64, len(names))]
    if dep is not None:
        sections.append((11, 1, 64 + len(names), len(dep)))
    header = bytearray(64)
    header[:7] = b"\x7fELF\x02\x01\x01"
    header[16:18] = (3).to_bytes(2, "little")  # ET_DYN
    header[18:20] = machine.to_bytes(2, "little")
    header[0x28:0x30] = shoff.to_bytes(8, "little")
    header[0x3A:0x3C] = (64).to_bytes(2, "little")
    header[0x3C:0x3E] = len(sections).to_bytes(2, "little")
    header[0x3E:0x40] = (1).to_bytes(2, "little")
    table = b"".join(
        name.to_bytes(4, "little") + kind.to_bytes(4, "little") + bytes(16)
        + offset.to_bytes(8, "little") + size.to_bytes(8, "little") + bytes(24)
        for name, kind, offset, size in sections
    )
    return bytes(header) + data + bytes(shoff - 64 - len(data)) + table


class Findings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.template = expanded("template.yaml")
        cls.role = cfn("deploy/github-oidc-role.yaml")
        cls.workflow = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text())

    def resources(self, template, rtype):
        return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}

    # 1 -----------------------------------------------------------------
    def test_01_the_build_travels_as_a_tar_through_one_script(self):
        jobs = self.workflow["jobs"]
        runs = {name: [s.get("run", "") for s in job.get("steps", [])] for name, job in jobs.items()}
        uploads = [s for s in jobs["build"]["steps"] if "upload-artifact" in s.get("uses", "")]
        self.assertEqual(len(uploads), 1)
        self.assertEqual(uploads[0]["with"]["path"], "sam-build.tar")
        self.assertIn("scripts/build-artifact.sh pack", "\n".join(runs["build"]))
        for job in ["staging", "production"]:
            steps = runs[job]
            unpack = next(i for i, r in enumerate(steps) if "scripts/build-artifact.sh unpack" in r)
            deploy = next(i for i, r in enumerate(steps) if "make deploy" in r)
            self.assertLess(unpack, deploy, job)
        deploy_sh = (ROOT / "scripts/deploy.sh").read_text()
        self.assertLess(deploy_sh.index("check-build.py"), deploy_sh.index('"${cmd[@]}"\n'))
        self.assertIn("scripts/deploy.sh", (ROOT / "Makefile").read_text())

    def test_01_check_build_refuses_what_lambda_cannot_execute(self):
        cb = load_module("check_build", "check-build.py")
        x86, arm = fake_elf(62), fake_elf(183)
        template = (
            "Parameters:\n  Architecture:\n    Type: String\n    Default: x86_64\n"
            "Globals:\n  Function:\n    Architectures: [!Ref Architecture]\n"
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: Fn\n"
        )
        with tempfile.TemporaryDirectory() as tmp:
            build = pathlib.Path(tmp)
            (build / "template.yaml").write_text(template)
            (build / "Fn").mkdir()
            binary = build / "Fn" / "bootstrap"
            binary.write_bytes(x86)
            binary.chmod(0o755)
            self.assertEqual(cb.check_build(build), [])
            binary.chmod(0o644)
            (problem,) = cb.check_build(build)
            self.assertIn(str(binary), problem)
            self.assertIn("0644", problem)
            binary.chmod(0o755)
            binary.write_bytes(arm)
            (problem,) = cb.check_build(build)
            self.assertIn("arm64", problem)
            binary.write_bytes(b"#!/bin/sh\n")
            self.assertIn("not an ELF", cb.check_build(build)[0])
            # cargo auditable's dependency list: missing, unreadable, rootless.
            for dep, expected in [
                (None, "carries no dependency list"),
                (b"not zlib", "unreadable dependency list"),
                (zlib.compress(b'{"packages": [{"name": "aws-sdk-dynamodb"}]}'), "without its root package"),
            ]:
                binary.write_bytes(fake_elf(62, dep))
                (problem,) = cb.check_build(build)
                self.assertIn(expected, problem)
            binary.write_bytes(x86)
            self.assertEqual(cb.check_build(build), [])
            for mode, ok in [(0o100755, True), (0o100644, False)]:
                archive = build / "fn.zip"
                with zipfile.ZipFile(archive, "w") as z:
                    info = zipfile.ZipInfo("bootstrap")
                    info.create_system = 3
                    info.external_attr = mode << 16
                    z.writestr(info, x86)
                self.assertEqual(cb.check_zip(archive, "x86_64") == [], ok, oct(mode))

    # 2 -----------------------------------------------------------------
    def test_02_a_rolled_back_first_create_is_deleted_before_deploying(self):
        import boto3
        from botocore.stub import Stubber

        pf = load_module("stack_preflight", "stack-preflight.py")
        cfn_client = boto3.client(
            "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        role = "arn:aws:iam::123456789012:role/exec"

        def stack(status):
            return {"Stacks": [{"StackName": "app", "StackStatus": status, "CreationTime": "2026-01-01T00:00:00Z"}]}

        with Stubber(cfn_client) as stub:
            stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": "app"})
            stub.add_response("delete_stack", {}, {"StackName": "app", "RoleARN": role})
            stub.add_client_error(
                "describe_stacks", "ValidationError", "Stack with id app does not exist", 400
            )
            out = io.StringIO()
            self.assertEqual(pf.preflight(cfn_client, "app", role, out=out), "deleted")
            self.assertIn("ROLLBACK_COMPLETE", out.getvalue())
            stub.assert_no_pending_responses()
        for status in ["CREATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]:
            with Stubber(cfn_client) as stub:  # no delete_stack expected
                stub.add_response("describe_stacks", stack(status), {"StackName": "app"})
                self.assertEqual(pf.preflight(cfn_client, "app", role, out=io.StringIO()), "left")
        with Stubber(cfn_client) as stub:
            stub.add_client_error("describe_stacks", "ValidationError", "Stack with id app does not exist", 400)
            self.assertEqual(pf.preflight(cfn_client, "app", out=io.StringIO()), "absent")
        deploy_sh = (ROOT / "scripts/deploy.sh").read_text()
        self.assertLess(deploy_sh.index("stack-preflight.py"), deploy_sh.index('"${cmd[@]}"\n'))

    def test_02_the_origin_secret_is_made_once_when_the_stack_is_created(self):
        import contextlib

        import boto3
        from botocore.stub import Stubber

        pf = load_module("stack_preflight", "stack-preflight.py")
        cfn_client = boto3.client(
            "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        samconfig = 'Environment=staging AllowedOrigins="https://a.example" LogLevel=INFO'

        def stack(*keys):
            return {"Stacks": [{"StackName": "app", "StackStatus": "UPDATE_COMPLETE",
                                "CreationTime": "2026-01-01T00:00:00Z",
                                "Parameters": [{"ParameterKey": k, "ParameterValue": "****"} for k in keys]}]}

        def made(merged):
            self.assertIsNotNone(merged)
            self.assertTrue(merged.startswith(samconfig + " OriginVerifySecret="), merged)
            secret = merged.rsplit("=", 1)[1]
            self.assertRegex(secret, r"^[0-9a-f]{64}$")  # the template's AllowedPattern: 32 to 256 visible ASCII
            return secret

        # A new stack (absent, or just deleted by preflight): no call needed, a fresh secret each time.
        with Stubber(cfn_client) as stub:
            first = made(pf.secret_overrides(cfn_client, "app", "absent", samconfig))
            self.assertNotEqual(first, made(pf.secret_overrides(cfn_client, "app", "deleted", samconfig)))
            stub.assert_no_pending_responses()
        # An existing stack that has it keeps it (SAM sends UsePreviousValue): nothing passed.
        with Stubber(cfn_client) as stub:
            stub.add_response("describe_stacks", stack("Stage", "OriginVerifySecret"), {"StackName": "app"})
            self.assertIsNone(pf.secret_overrides(cfn_client, "app", "left", samconfig))
        # One deployed before the parameter existed gets it now.
        with Stubber(cfn_client) as stub:
            stub.add_response("describe_stacks", stack("Stage"), {"StackName": "app"})
            made(pf.secret_overrides(cfn_client, "app", "left", samconfig))
        # samconfig setting it itself wins; under GitHub Actions a new one is masked first.
        self.assertIsNone(pf.secret_overrides(cfn_client, "app", "absent", "Stage=x OriginVerifySecret=x"))
        out = io.StringIO()
        with unittest.mock.patch.dict(os.environ, {"GITHUB_ACTIONS": "true"}), contextlib.redirect_stdout(out):
            secret = made(pf.secret_overrides(cfn_client, "app", "absent", samconfig))
        self.assertEqual(out.getvalue(), f"::add-mask::{secret}\n")
        deploy_sh = (ROOT / "scripts/deploy.sh").read_text()
        self.assertIn("--overrides-out", deploy_sh)
        self.assertIn('cmd+=(--parameter-overrides "$(cat "$overrides")")', deploy_sh)

    def test_02_the_deploy_role_may_delete_only_its_app_stack(self):
        role = self.role["Resources"]["AwsRole"]["Properties"]
        grants = []
        for policy in role["Policies"]:
            for st in as_list(policy["PolicyDocument"]["Statement"]):
                if st["Effect"] == "Allow" and any(
                    re.fullmatch(a.replace("*", ".*"), "cloudformation:DeleteStack", re.I) for a in as_list(st["Action"])
                ):
                    grants.append(st)
        self.assertEqual(len(grants), 1, grants)
        self.assertEqual(
            as_list(grants[0]["Resource"]),
            [{"Fn::Sub": "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AppStackName}/*"}],
        )

    # 3 -----------------------------------------------------------------
    def test_03_nothing_is_retained_when_its_create_rolls_back(self):
        for name, template in [("template.yaml", self.template), ("github-oidc-role.yaml", self.role)]:
            for rid, resource in template["Resources"].items():
                self.assertNotEqual(resource.get("DeletionPolicy"), "Retain", f"{name}: {rid} (use RetainExceptOnCreate)")
        kept = [r for r, v in self.resources(self.template, "AWS::DynamoDB::Table").items()
                if v.get("DeletionPolicy") == "RetainExceptOnCreate"]
        self.assertEqual(len(kept), 4, kept)

    # 5 -----------------------------------------------------------------
    def test_05_base_path_is_one_segment(self):
        param = self.template["Parameters"]["BasePath"]
        pattern = re.compile(param["AllowedPattern"])
        for good in ["", "v1", "api-v2", "a.b_c~d"]:
            self.assertTrue(pattern.fullmatch(good), good)
        for bad in ["/", "api/v1", "/v1", "v1/", "items", "resume"]:
            self.assertFalse(pattern.fullmatch(bad), bad)
        self.assertIn("/", param.get("ConstraintDescription", ""))

    # 6 -----------------------------------------------------------------
    def test_06_artifacts_a_stack_references_never_expire(self):
        bucket = self.role["Resources"]["ArtifactBucket"]["Properties"]
        self.assertEqual(bucket["VersioningConfiguration"]["Status"], "Enabled")
        for rule in bucket.get("LifecycleConfiguration", {}).get("Rules", []):
            for key in ["ExpirationInDays", "ExpirationDate", "Transitions", "Transition"]:
                self.assertNotIn(key, rule, f"{rule.get('Id')}: {key} touches current artifacts")

    # 7 -----------------------------------------------------------------
    def test_07_the_account_logging_role_is_set_once_per_account(self):
        self.assertEqual(self.resources(self.template, "AWS::ApiGateway::Account"), {})
        for rid, r in self.resources(self.template, "AWS::IAM::Role").items():
            self.assertNotIn("apigateway.amazonaws.com", json.dumps(r), rid)
        (account,) = self.resources(self.role, "AWS::ApiGateway::Account").values()
        self.assertEqual(account.get("Condition"), "CreateLoggingRole")
        self.assertEqual(self.role["Parameters"]["CreateApiGatewayLoggingRole"]["Default"], "false")
        execution = json.dumps(self.role["Resources"]["CfnExecutionRole"])
        self.assertNotIn("::/account", execution)
        self.assertNotIn("AmazonAPIGatewayPushToCloudWatchLogs", execution)

    # 8 -----------------------------------------------------------------
    def test_08_make_deploy_passes_the_region_sam_would_not_read(self):
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        with tempfile.TemporaryDirectory() as home:
            base.update(HOME=home, DEPLOY_DRY_RUN="1", CONFIG_ENV="staging")
            for extra, want in [({"AWS_REGION": "eu-west-1"}, "eu-west-1"),
                                ({"AWS_DEFAULT_REGION": "eu-north-1"}, "eu-north-1")]:
                run = subprocess.run([str(ROOT / "scripts/deploy.sh")], env=dict(base, **extra),
                                     capture_output=True, text=True, timeout=120)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertIn(f"--region {want}", run.stdout)
            run = subprocess.run([str(ROOT / "scripts/deploy.sh")], env=base, capture_output=True, text=True, timeout=120)
            self.assertNotEqual(run.returncode, 0)
            self.assertIn("no region", run.stderr)
        # The SAM CLI itself (botocore) does not read AWS_REGION: what the docs must not claim.
        import botocore.session
        with unittest.mock.patch.dict(os.environ, {"AWS_REGION": "eu-west-1", "HOME": "/nonexistent"}, clear=False):
            os.environ.pop("AWS_DEFAULT_REGION", None)
            os.environ.pop("AWS_PROFILE", None)
            self.assertIsNone(botocore.session.Session().get_config_variable("region"))

    # 9 -----------------------------------------------------------------
    def test_09_the_deploy_page_answers_every_guided_prompt(self):
        deploy = (ROOT / "docs" / "deploy.md").read_text()
        deploy = deploy[deploy.index("\n## First deploy"):]
        deploy = deploy[: deploy.index("\n## ", 1)]
        # No "has no authentication. Is this okay?": every route states its
        # authorization (the API's default AWS_IAM, or Authorizer: NONE), so
        # SAM does not ask it (rehearse-guided.py fails on a prompt the page
        # does not answer).
        for prompt in [
            "Stack Name", "AWS Region", "Confirm changes before deploy", "Allow SAM CLI IAM role creation",
            "Disable rollback", "Save arguments to configuration file",
            "SAM configuration file", "SAM configuration environment",
        ]:
            self.assertTrue(prompt in deploy, f"docs/deploy.md's first deploy lacks the prompt {prompt!r}")
        for parameter in self.template["Parameters"]:
            self.assertTrue(f"Parameter {parameter}" in deploy, f"docs/deploy.md's first deploy lacks Parameter {parameter}")

    # 10 ----------------------------------------------------------------
    def test_10_each_canary_rolls_back_on_its_own_alarms_only(self):
        for fid, fn in self.resources(self.template, "AWS::Serverless::Function").items():
            alarms = fn["Properties"]["DeploymentPreference"]["Alarms"]
            self.assertTrue(alarms, fid)
            for alarm in alarms:
                dims = self.template["Resources"][alarm["Ref"]]["Properties"]["Dimensions"]
                names = {d["Name"]: d["Value"] for d in dims}
                self.assertEqual(names.get("FunctionName"), {"Ref": fid}, f"{fid}: {alarm['Ref']}")

    # 11 ----------------------------------------------------------------
    def test_11_a_prod_stack_whose_site_is_elsewhere_needs_allowed_origins(self):
        prod = overrides("prod")
        self.assertEqual(prod.get("Environment"), "prod")
        elsewhere = dict(prod, SiteHosting="false")
        failures = rule_failures(self.template, dict(elsewhere, AllowedOrigins=""))
        self.assertEqual(len(failures), 1, failures)
        self.assertIn("AllowedOrigins", failures[0])
        self.assertEqual(rule_failures(self.template, dict(elsewhere, AllowedOrigins="https://me.example.com")), [])
        # The stack's own site is on the API's origin: nothing to allow.
        self.assertEqual(self.template["Parameters"]["SiteHosting"]["Default"], "true")
        self.assertEqual(rule_failures(self.template, dict(prod, AllowedOrigins="")), [])
        for env in ["default", "staging"]:
            self.assertEqual(rule_failures(self.template, overrides(env)), [], env)
        self.assertEqual(rule_failures(self.template, {}), [], "the defaults")

    def test_11_gateway_errors_carry_cors_headers_for_the_site(self):
        hp = load_module("handler_permissions", "handler-permissions.py")
        transformed = hp.sam_transform(cfn("template.yaml"))
        (api,) = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
        responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
        self.assertGreaterEqual(set(responses), {"THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE"})
        for kind, response in responses.items():
            header = response["responseParameters"].get("gatewayresponse.header.Access-Control-Allow-Origin")
            self.assertIsNotNone(header, kind)
            cond, then, otherwise = header["Fn::If"]
            self.assertEqual(otherwise, {"Ref": "AWS::NoValue"}, kind)
            self.assertFalse(evaluate(transformed["Conditions"][cond], {"AllowedOrigins": ""}))
            self.assertTrue(evaluate(transformed["Conditions"][cond], {"AllowedOrigins": "https://a.example"}))
            fmt, values = then["Fn::Sub"]
            self.assertEqual(fmt, "'${Origin}'", kind)
            split = values["Origin"]["Fn::Select"]
            self.assertEqual(split[0], 0)
            self.assertEqual(split[1]["Fn::Split"], [",", {"Ref": "AllowedOrigins"}])

    # 12 ----------------------------------------------------------------
    def test_12_the_execution_role_trusts_cloudformation_without_unverified_conditions(self):
        trust = self.role["Resources"]["CfnExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]
        (statement,) = as_list(trust["Statement"])
        self.assertEqual(statement["Principal"], {"Service": "cloudformation.amazonaws.com"})
        self.assertNotIn("Condition", statement)


    # 13 ----------------------------------------------------------------
    def test_13_each_stage_publishes_the_resume_its_own_stack_serves(self):
        # The id GET /resume serves is a stack output, which publish reads.
        self.assertEqual(self.template["Outputs"]["ResumeId"]["Value"], {"Ref": "ResumeId"})
        for job, checks in [("staging", "make integration"), ("production", "make smoke")]:
            runs = [s.get("run", "") for s in self.workflow["jobs"][job]["steps"]]
            deploy = next(i for i, r in enumerate(runs) if r.startswith("make deploy "))
            publish = next(i for i, r in enumerate(runs) if r.startswith("make resume-publish"))
            check = next(i for i, r in enumerate(runs) if r.startswith(checks))
            self.assertLess(deploy, publish, job)
            self.assertLess(publish, check, job)
            env = re.search(r"CONFIG_ENV=(\S+)", runs[deploy]).group(1)
            self.assertIn(f"CONFIG_ENV={env}", runs[publish].split(), f"{job}: publish to the stack it deployed")

    # 14 ----------------------------------------------------------------
    def test_14_each_stage_publishes_its_site_and_staging_browses_it(self):
        for job in ["staging", "production"]:
            runs = [s.get("run", "") for s in self.workflow["jobs"][job]["steps"]]
            deploy = next(i for i, r in enumerate(runs) if r.startswith("make deploy "))
            site = next(i for i, r in enumerate(runs) if r.startswith("make site-publish"))
            self.assertLess(deploy, site, job)
            env = re.search(r"CONFIG_ENV=(\S+)", runs[deploy]).group(1)
            self.assertIn(f"CONFIG_ENV={env}", runs[site].split(), f"{job}: publish to the stack it deployed")
        runs = [s.get("run", "") for s in self.workflow["jobs"]["staging"]["steps"]]
        site = next(i for i, r in enumerate(runs) if r.startswith("make site-publish"))
        browser = next(i for i, r in enumerate(runs) if r.startswith("make browser-test"))
        self.assertLess(site, browser)
        # Against the published site (SiteUrl, through stack-outputs.sh), not a local stack.
        self.assertIn('SITE_URL="$SITE_URL"', runs[browser].split())


if __name__ == "__main__":
    unittest.main()
