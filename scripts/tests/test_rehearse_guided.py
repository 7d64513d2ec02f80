"""scripts/rehearse-guided.py: the guided deploy's prompts answered from docs/deploy.md.

The whole run (sam deploy --guided against S3 and CloudFormation on loopback)
is `make rehearse-deploy`'s; this holds what a NoEcho parameter adds: its
prompt is hidden (click echoes the text, getpass reads the input), and it
must be answered from the table too, whether or not a terminal is attached.
"""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_deploy_review import ROOT, cfn, load_module as load  # noqa: E402

# A guided deploy's two kinds of parameter prompt, as the SAM CLI asks them
# (samcli/commands/deploy/guided_context.py, prompt_parameters).
PROMPTS = """
import click
shown = click.prompt("\\tParameter SiteHosting", default="true", type=click.STRING)
hidden = click.prompt("\\tParameter OriginVerifySecret", hide_input=True, type=click.STRING)
print("GOT", repr(shown), repr(hidden))
print("Looking for resources needed for deployment")
"""


class HiddenPrompts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.guided = load("rehearse_guided", "rehearse-guided.py")
        cls.answers = cls.guided.readme_answers(ROOT / "docs" / "deploy.md")

    def test_every_noecho_parameter_has_an_answer(self):
        for name, spec in cfn("template.yaml")["Parameters"].items():
            if spec.get("NoEcho"):
                self.assertTrue(self.answers.get(f"Parameter {name}"), name)

    def test_a_hidden_prompt_is_answered_from_the_table(self):
        code, output, asked = self.guided.drive([sys.executable, "-c", PROMPTS], ROOT, self.answers, timeout=30)
        self.assertEqual(code, 0, output)
        secret = self.answers["Parameter OriginVerifySecret"]
        self.assertEqual(asked, [("Parameter SiteHosting", ""), ("Parameter OriginVerifySecret", secret)])
        self.assertIn(f"GOT 'true' {secret!r}", output)
        self.assertNotIn("GetPassWarning", output)


if __name__ == "__main__":
    unittest.main()
