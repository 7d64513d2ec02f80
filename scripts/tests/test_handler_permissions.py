"""Tests of scripts/handler-permissions.py (run by `make rehearse-deploy`)."""

import copy
import importlib.util
import pathlib
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("handler_permissions", ROOT / "scripts" / "handler-permissions.py")
hp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hp)


def statements(role_template):
    for policy in role_template["Resources"]["CfnExecutionRole"]["Properties"]["Policies"]:
        yield from policy["PolicyDocument"]["Statement"]


class HandlerPermissions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.transformed = hp.sam_transform(hp.load_template(ROOT / "template.yaml"))
        cls.types = {r["Type"] for r in cls.transformed["Resources"].values()}
        cls.actions = hp.handler_actions(cls.types)
        cls.role = hp.load_template(ROOT / "deploy" / "github-oidc-role.yaml")
        cls.exclusions, cls.exclusion_problems = hp.load_exclusions(
            ROOT / "deploy" / "handler-permissions-exclusions.txt"
        )

    def problems(self, role):
        return hp.check(self.actions, hp.role_allowed_actions(role, "CfnExecutionRole"), self.exclusions)

    def test_the_repository_passes(self):
        self.assertEqual(self.exclusion_problems, [])
        self.assertEqual(self.problems(self.role), [])
        self.assertEqual(hp.main([]), 0)

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
        ]:
            self.assertIn(rtype, self.types)
        self.assertFalse(any(t.startswith("AWS::Serverless::") for t in self.types))

    def test_a_role_missing_an_action_fails(self):
        for action in ["iam:ListEntitiesForPolicy", "route53:ListHostedZones", "codedeploy:ListDeployments"]:
            role = copy.deepcopy(self.role)
            removed = 0
            for statement in statements(role):
                acts = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                kept = [a for a in acts if a != action]
                removed += len(acts) - len(kept)
                statement["Action"] = kept
            self.assertGreater(removed, 0, action)
            problems = self.problems(role)
            self.assertEqual(len(problems), 1, problems)
            self.assertIn(action, problems[0])
            self.assertIn("neither granted", problems[0])

    def test_wildcards_in_the_role_count(self):
        self.assertTrue(hp.granted("dynamodb:DescribeTable", ["dynamodb:Describe*"]))
        self.assertTrue(hp.granted("DynamoDB:describetable", ["dynamodb:Describe*"]))
        self.assertFalse(hp.granted("dynamodb:DeleteTable", ["dynamodb:Describe*"]))

    def test_stale_or_unexplained_exclusions_fail(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "x.txt"
            path.write_text("# comment\nkms:Decrypt\nnot-an-action reason\nkms:Encrypt a\nkms:Encrypt b\n")
            _, problems = hp.load_exclusions(path)
        self.assertEqual(len(problems), 3, problems)
        granted = dict(self.exclusions, **{"lambda:CreateFunction": "no reason to exclude"})
        problems = hp.check(self.actions, hp.role_allowed_actions(self.role, "CfnExecutionRole"), granted)
        self.assertEqual(len(problems), 1)
        self.assertIn("drop its exclusion", problems[0])
        gone = dict(self.exclusions, **{"ec2:RunInstances": "never"})
        problems = hp.check(self.actions, hp.role_allowed_actions(self.role, "CfnExecutionRole"), gone)
        self.assertEqual(len(problems), 1)
        self.assertIn("no handler", problems[0])


if __name__ == "__main__":
    unittest.main()
