"""`make teardown` (scripts/teardown.py) against IAM and CloudFormation on loopback (moto).

The stack stands in for the app stack: every AWS::IAM::ManagedPolicy, DynamoDB
table, log group and S3 bucket of template.yaml, with the template's own
logical ids and DeletionPolicy (minimal properties, which moto can create).
Teardown must refuse while any user, role or group holds any of the policies,
naming each with a detach command that works (the test runs those commands),
and delete the stack once none does, saying which tables it keeps, after
emptying the site's bucket (every version: CloudFormation deletes only an
empty bucket).
"""

import contextlib
import io
import json
import logging
import os
import pathlib
import shlex
import sys
import tempfile
import unittest
import unittest.mock

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_deploy_review import ROOT, expanded, load_module  # noqa: E402

REGION = "eu-west-1"


def stand_in(template: dict) -> dict:
    """The app template's policies, tables, log groups and buckets, with minimal properties."""
    resources = {}
    for logical, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind == "AWS::IAM::ManagedPolicy":
            statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
            props = {"PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
        elif kind == "AWS::DynamoDB::Table":
            props = {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            }
        elif kind == "AWS::Logs::LogGroup":
            props = {"LogGroupName": f"/teardown-test/{logical}"}
        elif kind == "AWS::S3::Bucket":
            props = {}
        else:
            continue
        resources[logical] = {"Type": kind, "Properties": props}
        if "DeletionPolicy" in resource:
            resources[logical]["DeletionPolicy"] = resource["DeletionPolicy"]
    return {"Resources": resources}


def run_command(iam, command: str) -> None:
    """Runs one printed `aws iam VERB --flag value ...` through boto3 (no AWS CLI needed)."""
    words = shlex.split(command)
    assert words[:2] == ["aws", "iam"], command
    args = {flag[2:].title().replace("-", ""): value for flag, value in zip(words[3::2], words[4::2])}
    getattr(iam, words[2].replace("-", "_"))(**args)


class Teardown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.server.start()
        host, port = cls.server.get_host_and_port()
        cls.home = tempfile.TemporaryDirectory()
        cls.env = unittest.mock.patch.dict(os.environ, {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION, "HOME": cls.home.name,
        })
        cls.env.start()
        for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "CONFIRM", "CFN_EXECUTION_ROLE_ARN"):
            os.environ.pop(variable, None)
        import boto3

        cls.cfn = boto3.client("cloudformation", region_name=REGION)
        cls.iam = boto3.client("iam", region_name=REGION)
        cls.template = expanded("template.yaml")
        cls.teardown = load_module("teardown", "teardown.py")

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()
        cls.server.stop()
        cls.home.cleanup()

    def make_stack(self, name: str) -> list[str]:
        """Creates the stand-in stack; returns its policies' ARNs, in the template's order."""
        self.cfn.create_stack(StackName=name, TemplateBody=json.dumps(stand_in(self.template)))
        resources = self.cfn.describe_stack_resources(StackName=name)["StackResources"]
        arns = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::IAM::ManagedPolicy"}
        wanted = [k for k, v in self.template["Resources"].items() if v["Type"] == "AWS::IAM::ManagedPolicy"]
        self.assertGreaterEqual(len(wanted), 2, "the template has fewer than two managed policies")
        self.assertEqual(sorted(arns), sorted(wanted))
        return [arns[k] for k in wanted]

    def holders(self, suffix: str) -> list[tuple[str, str]]:
        """A user, a role and a group: (detach verb, name), one per kind."""
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        self.iam.create_user(UserName=f"owner-{suffix}")
        self.iam.create_role(RoleName=f"deployer-{suffix}", AssumeRolePolicyDocument=json.dumps(trust))
        self.iam.create_group(GroupName=f"writers-{suffix}")
        return [("user", f"owner-{suffix}"), ("role", f"deployer-{suffix}"), ("group", f"writers-{suffix}")]

    def attach(self, kind: str, name: str, arn: str) -> str:
        """Attaches; returns the exact command that detaches it again."""
        getattr(self.iam, f"attach_{kind}_policy")(**{f"{kind.title()}Name": name, "PolicyArn": arn})
        return f"aws iam detach-{kind}-policy --{kind}-name {name} --policy-arn {arn}"

    def run_teardown(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = self.teardown.main(["--region", REGION, *args])
        return code, out.getvalue(), err.getvalue()

    def assert_exists(self, name: str) -> None:
        status = self.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        self.assertEqual(status, "CREATE_COMPLETE")

    def fill_site_bucket(self, stack: str) -> tuple[str, int]:
        """Puts a published site's objects into the stack's SiteBucket, versioned to also leave an
        old version and a delete marker; returns (its name, how many versions and markers)."""
        import boto3

        resources = self.cfn.describe_stack_resources(StackName=stack, LogicalResourceId="SiteBucket")
        bucket = resources["StackResources"][0]["PhysicalResourceId"]
        s3 = boto3.client("s3", region_name=REGION)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for key in ("index.html", "config.js", "app.1234abcd.js", "index.html"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"<!doctype html>")
        s3.delete_object(Bucket=bucket, Key="config.js")
        return bucket, 5  # 4 versions (index.html twice) and config.js's delete marker

    def test_empty_bucket_deletes_every_version_and_marker(self):
        import boto3

        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="teardown-site", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket="teardown-site", VersioningConfiguration={"Status": "Enabled"})
        for i in range(105):  # more than one page
            s3.put_object(Bucket="teardown-site", Key=f"assets/{i}.js", Body=b"x")
        s3.put_object(Bucket="teardown-site", Key="assets/0.js", Body=b"y")
        s3.delete_object(Bucket="teardown-site", Key="assets/1.js")
        self.assertEqual(self.teardown.empty_bucket(s3, "teardown-site", page_size=50), 107)
        left = s3.list_object_versions(Bucket="teardown-site")
        self.assertEqual(left.get("Versions", []) + left.get("DeleteMarkers", []), [])
        s3.delete_bucket(Bucket="teardown-site")  # S3 deletes only an empty bucket

    def test_refuses_while_any_policy_is_attached_and_names_every_holder(self):
        arns = self.make_stack("held")
        holders = self.holders("held")
        # The first policy to a user, the second to a role, any further one to a group.
        commands = [self.attach(*holders[min(i, 2)], arn) for i, arn in enumerate(arns)]
        code, _, err = self.run_teardown("--stack-name", "held", "--confirm", "held")
        self.assertEqual(code, 1, err)
        self.assertIn("DeleteConflict", err)
        for command in commands:
            self.assertIn(command, err)
        self.assert_exists("held")
        # Let go of the first policy only: the others still hold the stack.
        run_command(self.iam, commands[0])
        code, _, err = self.run_teardown("--stack-name", "held", "--confirm", "held")
        self.assertEqual(code, 1, err)
        self.assertNotIn(commands[0], err)
        for command in commands[1:]:
            self.assertIn(command, err)
        self.assert_exists("held")

    def test_deletes_once_nobody_holds_a_policy_and_says_what_it_keeps(self):
        arns = self.make_stack("free")
        holders = self.holders("free")
        commands = [self.attach(*holders[min(i, 2)], arn) for i, arn in enumerate(arns)]
        _, _, err = self.run_teardown("--stack-name", "free", "--confirm", "free")
        for command in commands:  # the printed commands, run as printed
            self.assertIn(command, err)
            run_command(self.iam, command)
        code, out, err = self.run_teardown("--stack-name", "free", "--confirm", "not-this-stack")
        self.assertEqual(code, 1, err)
        self.assertIn("not confirmed", err)
        self.assert_exists("free")
        bucket, stored = self.fill_site_bucket("free")
        code, out, err = self.run_teardown("--stack-name", "free", "--confirm", "free")
        self.assertEqual(code, 0, out + err)
        with self.assertRaises(self.cfn.exceptions.ClientError):
            self.cfn.describe_stacks(StackName="free")
        self.assertIn(f"emptied first, then deleted with it: SiteBucket (s3://{bucket}", out)
        self.assertIn(f"teardown: emptied SiteBucket (s3://{bucket}): {stored} objects and versions deleted", out)
        tables = {k: v.get("DeletionPolicy", "Delete") for k, v in self.template["Resources"].items()
                  if v["Type"] == "AWS::DynamoDB::Table"}
        self.assertTrue(any(p in self.teardown.KEEPING for p in tables.values()), tables)
        plan = out[: out.index("deleted.")]
        for table, policy in tables.items():
            if policy in self.teardown.KEEPING:
                self.assertIn(f"kept: {table} (AWS::DynamoDB::Table)", plan)
                self.assertIn(f"kept {table}: aws dynamodb delete-table --region {REGION} --table-name ", out)
            else:
                self.assertNotIn(f" {table} ", out)
        self.assertIn("deleted with it, logs included: /teardown-test/", plan)

    def test_the_deploy_page_names_every_policy_teardown_checks(self):
        page = (ROOT / "docs" / "deploy.md").read_text()
        section = page[page.index("### 6. Tear down"):page.index("## Deploy rehearsal")]
        for logical, resource in self.template["Resources"].items():
            if resource["Type"] == "AWS::IAM::ManagedPolicy":
                self.assertIn(f"`{logical}`", section)

    def test_no_stack_is_nothing_to_do(self):
        code, out, _ = self.run_teardown("--stack-name", "never-made")
        self.assertEqual(code, 0)
        self.assertIn("nothing to delete", out)


if __name__ == "__main__":
    unittest.main()
