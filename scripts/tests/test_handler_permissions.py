"""Tests of scripts/handler-permissions.py (run by `make deploy-role-check`)."""

import copy
import importlib.util
import io
import json
import pathlib
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("handler_permissions", ROOT / "scripts" / "handler-permissions.py")
hp = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = hp
spec.loader.exec_module(hp)

STACK = hp.STAND_INS["stack"]
REGION = "us-east-1"
ARN = f"arn:aws:{{}}:{REGION}:{hp.STAND_INS['account']}"


def statements(role_template):
    for policy in role_template["Resources"]["CfnExecutionRole"]["Properties"]["Policies"]:
        yield from policy["PolicyDocument"]["Statement"]


def role(*statements):
    """A role template whose CfnExecutionRole has these statements."""
    return {
        "Parameters": {"AppStackName": {"Type": "String"}},
        "Resources": {
            "CfnExecutionRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}]},
            }
        },
    }


def allow(sid, actions, resources, condition=None):
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


# A table and a function (with its role): small enough to hold every call in mind.
SMALL = {
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "FnRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Role": {"Fn::GetAtt": ["FnRole", "Arn"]}, "Code": {"S3Bucket": "b", "S3Key": "k"}},
        },
    }
}
SMALL_ACTIONS = {
    "AWS::DynamoDB::Table": {"dynamodb:CreateTable", "kms:Decrypt"},
    "AWS::Lambda::Function": {"lambda:CreateFunction", "kms:Decrypt", "iam:PassRole"},
    "AWS::IAM::Role": {"iam:CreateRole"},
}
SMALL_GRANTS = [
    allow("Tables", "dynamodb:CreateTable", f"{ARN.format('dynamodb')}:table/{STACK}-*"),
    allow("Functions", "lambda:CreateFunction", f"{ARN.format('lambda')}:function:{STACK}-*"),
    allow("Roles", "iam:CreateRole", f"arn:aws:iam::{hp.STAND_INS['account']}:role/{STACK}-*"),
    allow(
        "Pass",
        "iam:PassRole",
        f"arn:aws:iam::{hp.STAND_INS['account']}:role/{STACK}-*",
        {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    ),
]


def exclusion(reason="r", unset=()):
    return hp.Exclusion(reason, "test", list(unset))


KMS_EXCLUDED = {
    ("AWS::DynamoDB::Table", "kms:Decrypt"): exclusion(unset=["SSESpecification"]),
    ("AWS::Lambda::Function", "kms:Decrypt"): exclusion(unset=["KmsKeyArn"]),
}


def run_check(template, grants, exclusions, actions=None):
    resolver = hp.Resolver(template, REGION)
    iam = hp.IamReference(REGION)
    found = hp.role_statements(role(*grants), "CfnExecutionRole", REGION)
    return hp.check(resolver, iam, actions or SMALL_ACTIONS, found, exclusions)


class SmallTemplate(unittest.TestCase):
    """What IAM would do, on a template small enough to know the answer."""

    def test_the_small_template_passes_with_its_grants(self):
        rows, problems = run_check(SMALL, SMALL_GRANTS, KMS_EXCLUDED)
        self.assertEqual(problems, [])
        how = {(t, a): h for t, a, h in rows}
        self.assertTrue(how[("AWS::DynamoDB::Table", "dynamodb:CreateTable")].startswith("granted on 1 resource"))
        self.assertIn("if iam:PassedToService=lambda.amazonaws.com", how[("AWS::Lambda::Function", "iam:PassRole")])

    def test_a_grant_restricted_to_other_resources_is_not_counted(self):
        for sid, other in [
            ("Tables", f"{ARN.format('dynamodb')}:table/another-stack-*"),
            ("Functions", f"{ARN.format('lambda')}:function:another-stack-*"),
        ]:
            grants = [dict(g, Resource=other) if g["Sid"] == sid else g for g in SMALL_GRANTS]
            rows, problems = run_check(SMALL, grants, KMS_EXCLUDED)
            self.assertEqual(len(problems), 1, problems)
            self.assertIn("not allowed", problems[0])
            self.assertIn(f"{sid}: Resource", problems[0])
            self.assertIn("NOT ALLOWED", [h for _, _, h in rows])

    def test_a_grant_whose_condition_does_not_hold_is_not_counted(self):
        codedeploy_only = {"StringEquals": {"iam:PassedToService": "codedeploy.amazonaws.com"}}
        grants = [dict(g, Condition=codedeploy_only) if g["Sid"] == "Pass" else g for g in SMALL_GRANTS]
        _, problems = run_check(SMALL, grants, KMS_EXCLUDED)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("AWS::Lambda::Function iam:PassRole: not allowed", problems[0])
        self.assertIn("iam:PassedToService=lambda.amazonaws.com", problems[0])

    def test_a_condition_on_a_key_the_check_cannot_derive_is_not_counted(self):
        grants = [
            dict(g, Condition={"StringEquals": {"aws:RequestedRegion": REGION}}) if g["Sid"] == "Tables" else g
            for g in SMALL_GRANTS
        ]
        _, problems = run_check(SMALL, grants, KMS_EXCLUDED)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("aws:RequestedRegion is not derived", problems[0])

    def test_a_deny_wins(self):
        grants = SMALL_GRANTS + [dict(allow("No", "dynamodb:*", "*"), Effect="Deny")]
        _, problems = run_check(SMALL, grants, KMS_EXCLUDED)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("No: denies it", problems[0])

    def test_an_exclusion_for_one_type_does_not_cover_another(self):
        only_table = {k: v for k, v in KMS_EXCLUDED.items() if k[0] == "AWS::DynamoDB::Table"}
        _, problems = run_check(SMALL, SMALL_GRANTS, only_table)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("AWS::Lambda::Function kms:Decrypt: not allowed", problems[0])

    def test_an_exclusion_whose_premise_is_false_fails(self):
        template = copy.deepcopy(SMALL)
        template["Resources"]["Table"]["Properties"]["SSESpecification"] = {"SSEEnabled": True}
        _, problems = run_check(template, SMALL_GRANTS, KMS_EXCLUDED)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("no AWS::DynamoDB::Table sets SSESpecification, but Table", problems[0])
        # A premise naming no property of the type would always hold: refused.
        typo = {**KMS_EXCLUDED, ("AWS::DynamoDB::Table", "kms:Decrypt"): exclusion(unset=["SSESpec"])}
        _, problems = run_check(SMALL, SMALL_GRANTS, typo)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("has no property SSESpec", problems[0])

    def test_stale_exclusions_fail(self):
        granted = {**KMS_EXCLUDED, ("AWS::DynamoDB::Table", "dynamodb:CreateTable"): exclusion()}
        _, problems = run_check(SMALL, SMALL_GRANTS, granted)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("allows every call, so drop its exclusion", problems[0])
        for key, expect in [
            (("AWS::DynamoDB::Table", "ec2:RunInstances"), "no handler of AWS::DynamoDB::Table calls it"),
            (("AWS::SQS::Queue", "sqs:CreateQueue"), "the template has no AWS::SQS::Queue"),
        ]:
            _, problems = run_check(SMALL, SMALL_GRANTS, {**KMS_EXCLUDED, key: exclusion()})
            self.assertEqual(len(problems), 1, problems)
            self.assertIn(expect, problems[0])

    def test_an_action_that_takes_no_resource_needs_resource_star(self):
        actions = dict(SMALL_ACTIONS, **{"AWS::DynamoDB::Table": {"dynamodb:CreateTable", "kms:ListAliases"}})
        function_kms = {k: v for k, v in KMS_EXCLUDED.items() if k[0] == "AWS::Lambda::Function"}
        scoped = SMALL_GRANTS + [allow("Aliases", "kms:ListAliases", f"{ARN.format('kms')}:alias/*")]
        _, problems = run_check(SMALL, scoped, function_kms, actions)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("kms:ListAliases: not allowed for Table on *", problems[0])
        anywhere = SMALL_GRANTS + [allow("Aliases", "kms:ListAliases", "*")]
        self.assertEqual(run_check(SMALL, anywhere, function_kms, actions)[1], [])

    def test_the_function_code_is_read_from_the_artifact_bucket_only(self):
        actions = dict(SMALL_ACTIONS, **{"AWS::Lambda::Function": {"lambda:CreateFunction", "s3:GetObject"}})
        table_kms = {k: v for k, v in KMS_EXCLUDED.items() if k[0] == "AWS::DynamoDB::Table"}
        grants = SMALL_GRANTS + [allow("Read", "s3:GetObject", "arn:aws:s3:::b/*")]
        self.assertEqual(run_check(SMALL, grants, table_kms, actions)[1], [])
        grants = SMALL_GRANTS + [allow("Read", "s3:GetObject", "arn:aws:s3:::other/*")]
        (problem,) = run_check(SMALL, grants, table_kms, actions)[1]
        self.assertIn("on arn:aws:s3:::b/k", problem)


class Matching(unittest.TestCase):
    def test_action_wildcards_ignore_case(self):
        self.assertTrue(hp.granted("dynamodb:DescribeTable", ["dynamodb:Describe*"]))
        self.assertTrue(hp.granted("DynamoDB:describetable", ["dynamodb:Describe*"]))
        self.assertFalse(hp.granted("dynamodb:DeleteTable", ["dynamodb:Describe*"]))

    def test_resource_wildcards_span_separators_and_keep_case(self):
        self.assertTrue(hp.wildcard("arn:aws:lambda:*:*:function:app-*", "arn:aws:lambda:r:1:function:app-Fn-X:live"))
        self.assertTrue(hp.wildcard("arn:aws:s3:::b?/*", "arn:aws:s3:::b1/k/deeper"))
        self.assertFalse(hp.wildcard("arn:aws:s3:::b/*", "arn:aws:s3:::B/k"))
        self.assertFalse(hp.wildcard("arn:aws:s3:::b[1]", "arn:aws:s3:::b1"))

    def test_conditions(self):
        self.assertIs(hp.condition_holds({"ArnEquals": {"iam:PolicyARN": ["a", "b*"]}}, {"iam:PolicyARN": "bc"}), True)
        self.assertIs(hp.condition_holds({"StringEquals": {"iam:PassedToService": "x"}}, {"iam:PassedToService": "y"}), False)
        self.assertIn("operator", hp.condition_holds({"NumericLessThan": {"k": "1"}}, {"k": "0"}))


class TheRepository(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.transformed = hp.sam_transform(hp.load_template(ROOT / "template.yaml"))
        cls.resolver = hp.Resolver(cls.transformed, REGION)
        cls.iam = hp.IamReference(REGION)
        cls.types = {r["Type"] for r in cls.transformed["Resources"].values()}
        cls.actions = hp.handler_actions(cls.types)
        cls.role = hp.load_template(ROOT / "deploy" / "github-oidc-role.yaml")
        cls.exclusions, cls.exclusion_problems = hp.load_exclusions(
            ROOT / "deploy" / "handler-permissions-exclusions.txt"
        )

    def problems(self, role_template=None, exclusions=None, resolver=None):
        found = hp.role_statements(role_template or self.role, "CfnExecutionRole", REGION)
        return hp.check(resolver or self.resolver, self.iam, self.actions, found, exclusions or self.exclusions)[1]

    def test_the_repository_passes(self):
        self.assertEqual(self.exclusion_problems, [])
        self.assertEqual(hp.check_shapes(self.resolver, self.iam), [])
        self.assertEqual(self.problems(), [])
        with redirect_stdout(io.StringIO()) as out:
            self.assertEqual(hp.main(["--list"]), 0)
        (attach,) = [line for line in out.getvalue().splitlines() if "AWS::IAM::Role" in line and "iam:AttachRolePolicy" in line]
        self.assertIn("if iam:PolicyARN=arn:aws:iam::aws:policy/", attach)
        self.assertIn("AWSLambdaBasicExecutionRole", attach)

    def test_every_optional_resource_is_in_the_transformed_template(self):
        # Conditions stay unevaluated, so the optional parts are checked too.
        for rtype in [
            "AWS::ApiGateway::DomainName",
            "AWS::ApiGateway::BasePathMapping",
            "AWS::Route53::RecordSet",
            "AWS::SNS::Subscription",
            "AWS::CodeDeploy::DeploymentGroup",
            "AWS::Lambda::Alias",
            "AWS::IAM::ManagedPolicy",
            "AWS::WAFv2::WebACLAssociation",
            "AWS::S3::Bucket",
            "AWS::S3::BucketPolicy",
            "AWS::CloudFront::Distribution",
            "AWS::CloudFront::Function",
        ]:
            self.assertIn(rtype, self.types)
        self.assertFalse(any(t.startswith("AWS::Serverless::") for t in self.types))

    def test_the_managed_policies_may_not_be_detached_from_roles(self):
        # The role may attach and detach three AWS managed policies only, so a
        # managed policy of the stack that named Roles would fail to deploy.
        for action in ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]:
            exclusions = dict(self.exclusions)
            del exclusions[("AWS::IAM::ManagedPolicy", action)]
            problems = self.problems(exclusions=exclusions)
            self.assertEqual(len(problems), 1, problems)
            self.assertIn(f"AWS::IAM::ManagedPolicy {action}: not allowed", problems[0])
            self.assertIn("iam:PolicyARN=arn:aws:iam::", problems[0])

    def test_a_role_missing_an_action_fails(self):
        for action in ["iam:ListEntitiesForPolicy", "route53:ListHostedZones", "codedeploy:ListDeployments"]:
            role_template = copy.deepcopy(self.role)
            removed = 0
            for statement in statements(role_template):
                acts = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                kept = [a for a in acts if a != action]
                removed += len(acts) - len(kept)
                statement["Action"] = kept
            self.assertGreater(removed, 0, action)
            problems = self.problems(role_template)
            self.assertEqual(len(problems), 1, problems)
            self.assertIn(f"{action}: not allowed", problems[0])

    def test_a_table_with_a_kms_key_contradicts_the_kms_exclusions(self):
        # SSEEnabled true is the AWS managed key aws/dynamodb: KMS calls.
        template = copy.deepcopy(self.transformed)
        template["Resources"]["ResumeTable"]["Properties"]["SSESpecification"] = {"SSEEnabled": True}
        problems = self.problems(resolver=hp.Resolver(template, REGION))
        kms = [a for (t, a) in self.exclusions if t == "AWS::DynamoDB::Table" and a.startswith("kms:")]
        self.assertGreater(len(kms), 0)
        self.assertEqual(len(problems), len(kms), problems)
        for problem in problems:
            self.assertIn("sets SSESpecification, but ResumeTable", problem)

    def test_exclusion_lines_are_read_strictly(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "x.txt"
            path.write_text(
                "# comment\n"
                "AWS::DynamoDB::Table kms:Decrypt\n"  # no reason
                "kms:Decrypt reason\n"  # no type
                "AWS::DynamoDB::Table not-an-action reason\n"
                "AWS::DynamoDB::Table kms:Encrypt unset=SSESpecification a\n"
                "AWS::DynamoDB::Table kms:Encrypt b\n"  # twice
                "AWS::Lambda::Function kms:Encrypt c\n"  # another type: fine
            )
            found, problems = hp.load_exclusions(path)
        self.assertEqual(len(problems), 4, problems)
        self.assertEqual(found[("AWS::DynamoDB::Table", "kms:Encrypt")].unset, ["SSESpecification"])
        self.assertEqual(found[("AWS::DynamoDB::Table", "kms:Encrypt")].reason, "a")
        self.assertIn(("AWS::Lambda::Function", "kms:Encrypt"), found)

    def test_a_role_granting_another_stacks_tables_fails(self):
        # The case: the action is granted, but not on these tables.
        role_template = copy.deepcopy(self.role)
        (tables,) = [st for st in statements(role_template) if st.get("Sid") == "Tables"]
        tables["Resource"] = {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/other-*"}
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "role.json"
            path.write_text(json.dumps(role_template))
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
                self.assertEqual(hp.main(["--role", str(path)]), 1)
        self.assertIn("AWS::DynamoDB::Table dynamodb:CreateTable: not allowed", err.getvalue())

    def test_main_reads_its_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "role.json"
            path.write_text(json.dumps(role(*SMALL_GRANTS)))
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
                self.assertEqual(hp.main(["--role", str(path)]), 1)
        self.assertIn("not allowed", err.getvalue())


if __name__ == "__main__":
    unittest.main()
