"""`make deploy-first` (scripts/deploy-first.py) and the config-env reader it shares (scripts/samconfig.py).

The whole path, questions on stdin to SAM on loopback, is rehearsed by
scripts/rehearse-first.py (`make rehearse-deploy`); these hold the pieces an
owner meets: unattended answers, refused answers, what is saved, and the
region a saved config-env deploys in.
"""

import io
import os
import pathlib
import shutil
import sys
import tempfile
import tomllib
import unittest
import unittest.mock

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_deploy_review import ROOT, cfn, load_module as load  # noqa: E402


class DeployFirst(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.first = load("deploy_first", "deploy-first.py")
        cls.patterns = {k: v.get("AllowedPattern", "") for k, v in cfn("template.yaml")["Parameters"].items()}
        cls.saved = {"region": "eu-west-1", "stack_name": "resume-backend", "AllowedOrigins": "", "AlarmEmail": ""}

    def answer(self, environ, stdin=""):
        out = io.StringIO()
        with unittest.mock.patch("sys.stdin", io.StringIO(stdin)), unittest.mock.patch("sys.stdout", out):
            chosen, asked = self.first.answers(self.saved, self.patterns, environ)
        return chosen, asked, out.getvalue()

    def test_at_most_five_questions_and_none_when_every_variable_is_set(self):
        self.assertLessEqual(len(self.first.QUESTIONS) + 1, 5)  # + "Deploy now"
        environ = {"REGION": "eu-north-1", "STACK_NAME": "me", "ALLOWED_ORIGINS": "https://me.example/", "ALARM_EMAIL": ""}
        chosen, asked, out = self.answer(environ)
        self.assertEqual((asked, out), (0, ""))
        self.assertEqual(chosen, {"region": "eu-north-1", "stack_name": "me", "AllowedOrigins": "https://me.example", "AlarmEmail": ""})

    def test_the_deploy_page_names_every_question_and_its_variable(self):
        page = (ROOT / "docs" / "deploy.md").read_text()
        section = page[page.index("### 3. Your first deploy"):page.index("#### Or: the guided deploy")]
        for _, variable, prompt in self.first.QUESTIONS:
            self.assertIn(f"`{variable}`", section, f"docs/deploy.md step 3 lacks {variable}")
            self.assertIn(f"| {prompt.split(' (')[0].split(',')[0]} |", section, f"docs/deploy.md step 3 lacks {prompt!r}")
        self.assertIn(f"| {self.first.CONFIRM} |", section)

    def test_enter_takes_the_saved_answer_and_a_bad_one_is_asked_again(self):
        chosen, asked, out = self.answer({}, "\n\nhttps://a.example/*\nhttps://a.example, https://b.example:8443\n-\n")
        self.assertEqual(asked, 4)
        self.assertEqual(out.count("\tYour site's origin(s)"), 2)
        self.assertIn("AllowedOrigins must match the template's AllowedPattern", out)
        self.assertEqual(chosen["AllowedOrigins"], "https://a.example,https://b.example:8443")
        self.assertEqual((chosen["region"], chosen["stack_name"], chosen["AlarmEmail"]), ("eu-west-1", "resume-backend", ""))

    def test_a_bad_variable_stops_before_anything_is_deployed(self):
        for variable, value in [("ALARM_EMAIL", "not-an-address"), ("ALLOWED_ORIGINS", "me.example.com"),
                                ("REGION", "Europe"), ("STACK_NAME", "1stack"), ("ALLOWED_ORIGINS", 'https://a"b')]:
            environ = {"REGION": "eu-west-1", "STACK_NAME": "s", "ALLOWED_ORIGINS": "", "ALARM_EMAIL": "", variable: value}
            with self.assertRaises(SystemExit) as stop:
                self.answer(environ)
            self.assertIn(variable, str(stop.exception))

    def test_saved_answers_are_what_sam_reads_and_the_rest_is_kept(self):
        from samcli.cli.types import CfnParameterOverridesType

        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "samconfig.toml"
            shutil.copy(ROOT / "samconfig.toml", path)
            before = path.read_text()
            chosen = {"region": "eu-north-1", "stack_name": "mine", "AllowedOrigins": "https://a.example,https://b.example",
                      "AlarmEmail": "me@example.com"}
            self.first.save(path, chosen)
            after = path.read_text()
            with open(path, "rb") as f:
                config = tomllib.load(f)
        with open(ROOT / "samconfig.toml", "rb") as f:
            original = tomllib.load(f)
        deploy = config["default"]["deploy"]["parameters"]
        self.assertEqual((deploy["stack_name"], deploy["region"], deploy["s3_prefix"]), ("mine", "eu-north-1", "mine"))
        self.assertEqual((config["default"]["global"]["parameters"]["stack_name"]), "mine")
        params = CfnParameterOverridesType().convert(deploy["parameter_overrides"], None, None)
        old = CfnParameterOverridesType().convert(original["default"]["deploy"]["parameters"]["parameter_overrides"], None, None)
        self.assertEqual(params, dict(old, AllowedOrigins="https://a.example,https://b.example", AlarmEmail="me@example.com"))
        self.assertEqual(self.first.saved_answers(config), chosen)
        for env in ("staging", "prod"):
            self.assertEqual(config[env], original[env])
        for line in before.splitlines():  # every comment kept
            if line.startswith("#"):
                self.assertIn(line, after)

    def test_a_saved_region_is_where_the_stack_lives(self):
        samconfig = load("samconfig", "samconfig.py")
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "samconfig.toml"
            path.write_text('version = 0.1\n[mine.deploy.parameters]\nstack_name = "s"\nregion = "eu-north-1"\n'
                            '[other.global.parameters]\nstack_name = "o"\n')
            with unittest.mock.patch.dict(os.environ, {"AWS_REGION": "us-east-1", "HOME": tmp}):
                self.assertEqual(samconfig.stack_settings("mine", path), ("s", "eu-north-1"))
                self.assertEqual(samconfig.stack_settings("other", path), ("o", "us-east-1"))
                with self.assertRaises(SystemExit):
                    samconfig.stack_settings("absent", path)


if __name__ == "__main__":
    unittest.main()
