#!/usr/bin/env python3
"""`make deploy-first`: the owner's first deploy, asking only what has no safe default.

  scripts/deploy-first.py        (after `make build`; AWS credentials that may create IAM roles)

It asks at most these (each one skipped when its variable is set, e.g.
`make deploy-first REGION=eu-west-1 ...`, so it also runs unattended):

  REGION           the AWS region          [the saved one, else AWS_REGION, AWS_DEFAULT_REGION, the profile's]
  STACK_NAME       the stack name          [the saved one: resume-backend]
  ALLOWED_ORIGINS  the site's origin(s)    [the saved ones; Enter: none yet]
  ALARM_EMAIL      an alarm e-mail         [optional; empty: none]

and, when it asked any of them, "Deploy now [y]". Every other parameter
keeps samconfig.toml's `default` config-env (Environment=dev) or the
template's default. Answers are checked against the template's own
AllowedPattern before anything is deployed.

The answers are saved into samconfig.toml's `default` config-env (stack_name,
s3_prefix, region, and AllowedOrigins/AlarmEmail in parameter_overrides;
comments kept): where `sam deploy --guided` saves the same answers, and what
every other reader of a config-env reads (sam itself, scripts/deploy.sh,
scripts/stack-outputs.sh for make resume-publish and make site, make
teardown). Then it runs scripts/deploy.sh with CONFIG_ENV=default, i.e.
exactly `make deploy CONFIG_ENV=default`: check the build, clear a
ROLLBACK_COMPLETE stack, then a non-guided sam deploy (resolve_s3, so SAM's
managed artifact bucket; CAPABILITY_IAM). Later deploys: `make deploy
CONFIG_ENV=default`, no questions.

`make rehearse-deploy` runs it against S3 and CloudFormation on loopback
(scripts/rehearse-first.py). Exit status: deploy.sh's; 1 if an answer is
invalid or missing, or the deploy is declined.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import samconfig  # noqa: E402  (scripts/samconfig.py)

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILT = ROOT / ".aws-sam/build/template.yaml"
CONFIG_ENV = "default"
MAX_TRIES = 3
# (key, variable, prompt); the prompts are what scripts/rehearse-first.py answers.
QUESTIONS = [
    ("region", "REGION", "AWS region"),
    ("stack_name", "STACK_NAME", "Stack name"),
    ("AllowedOrigins", "ALLOWED_ORIGINS", "Your site's origin(s), comma-separated (e.g. https://me.example.com; - for none)"),
    ("AlarmEmail", "ALARM_EMAIL", "E-mail for alarms (optional; - for none)"),
]
CONFIRM = "Deploy now"
# CloudFormation's stack names, and the shape of a region name.
STACK_NAME = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
# One Key=value or Key="quoted value" of parameter_overrides, as SAM reads them.
OVERRIDE = re.compile(r'(\w+)=("[^"]*"|\S*)')


def die(message: str) -> None:
    raise SystemExit(f"deploy-first: error: {message}")


def overrides(raw: str) -> dict[str, str]:
    """parameter_overrides -> {key: raw token value} (quotes kept), in order."""
    return {key: value for key, value in OVERRIDE.findall(raw)}


def unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def quote(value: str) -> str:
    return f'"{value}"'  # problem() refuses a value with a quote or backslash


def parameter_patterns() -> dict[str, str]:
    """AllowedPattern of each parameter of the built template (what CloudFormation enforces)."""
    if not BUILT.is_file():
        die(f"{BUILT.relative_to(ROOT)} is missing: run make build first")
    from cfnlint.decode import decode

    template, matches = decode(str(BUILT))
    if template is None:
        die(f"cannot parse {BUILT}: {matches}")
    return {k: v.get("AllowedPattern", "") for k, v in template.get("Parameters", {}).items()}


def normalise(key: str, answer: str) -> str:
    answer = answer.strip()
    if answer == "-":
        return ""
    if key == "AllowedOrigins":
        # "https://a.example/, https://b.example" -> "https://a.example,https://b.example"
        return ",".join(o.rstrip("/") for o in re.split(r"[,\s]+", answer) if o)
    return answer


def problem(key: str, value: str, patterns: dict[str, str]) -> str | None:
    """Why `value` cannot be the answer to `key`, or None."""
    if key == "region":
        return None if REGION.fullmatch(value) else "not a region name such as eu-west-1"
    if key == "stack_name":
        return None if STACK_NAME.fullmatch(value) else "a stack name is a letter, then letters, digits and -"
    if '"' in value or "\\" in value:
        return "a quote or backslash cannot be saved in samconfig.toml's parameter_overrides (SAM would cut it there)"
    pattern = patterns.get(key)
    if pattern is None:
        return f"the built template has no parameter {key}"
    return None if re.fullmatch(pattern, value) else f"{key} must match the template's AllowedPattern {pattern}"


def ask(prompt: str, default: str) -> str:
    """One question in the SAM CLI's own style; Enter takes the default."""
    sys.stdout.write(f"\t{prompt} [{default}]: ")
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        die(f"no answer to {prompt!r} (stdin closed): set its variable for an unattended run")
    return line.strip() or default


def saved_answers(config: dict) -> dict[str, str]:
    """What samconfig.toml's config-env holds for each question (the defaults offered)."""
    params = overrides(samconfig.setting(config, CONFIG_ENV, "parameter_overrides"))
    return {
        "region": samconfig.setting(config, CONFIG_ENV, "region") or samconfig.environment_region(),
        "stack_name": samconfig.setting(config, CONFIG_ENV, "stack_name"),
        "AllowedOrigins": unquote(params.get("AllowedOrigins", "")),
        "AlarmEmail": unquote(params.get("AlarmEmail", "")),
    }


def answers(saved: dict[str, str], patterns: dict[str, str], environ=os.environ) -> tuple[dict[str, str], int]:
    """(the answer to each question, how many were asked): a set variable answers without asking."""
    result, asked = {}, 0
    for key, variable, prompt in QUESTIONS:
        if variable in environ:
            value = normalise(key, environ[variable])
            why = problem(key, value, patterns)
            if why:
                die(f"{variable}={environ[variable]!r}: {why}")
            result[key] = value
            continue
        asked += 1
        for _ in range(MAX_TRIES):
            value = normalise(key, ask(prompt, saved[key]))
            why = problem(key, value, patterns)
            if not why:
                break
            print(f"\t  {why}")
        else:
            die(f"no valid answer to {prompt!r}")
        result[key] = value
    return result, asked


def save(path: pathlib.Path, chosen: dict[str, str]) -> None:
    """Writes the answers into the config-env, keeping every comment and other setting."""
    import tomlkit

    doc = tomlkit.parse(path.read_text())
    env = doc.setdefault(CONFIG_ENV, tomlkit.table())
    deploy = env.setdefault("deploy", tomlkit.table()).setdefault("parameters", tomlkit.table())
    deploy["stack_name"] = chosen["stack_name"]
    deploy["s3_prefix"] = chosen["stack_name"]
    deploy["region"] = chosen["region"]
    params = overrides(str(deploy.get("parameter_overrides", "")))
    for key in ("AllowedOrigins", "AlarmEmail"):
        params[key] = quote(chosen[key])
    deploy["parameter_overrides"] = " ".join(f"{k}={v}" for k, v in params.items())
    # sam delete, sam logs, sam list ... read [default.global.parameters].
    shared = env.get("global", {}).get("parameters")
    if shared is not None:
        shared["stack_name"] = chosen["stack_name"]
        shared["region"] = chosen["region"]
    path.write_text(tomlkit.dumps(doc))


def main() -> int:
    import tomllib

    patterns = parameter_patterns()
    with open(samconfig.SAMCONFIG, "rb") as f:
        config = tomllib.load(f)
    chosen, asked = answers(saved_answers(config), patterns)
    print(
        f"deploy-first: {chosen['stack_name']} in {chosen['region']}, AllowedOrigins "
        f"{chosen['AllowedOrigins'] or '(none)'}, AlarmEmail {chosen['AlarmEmail'] or '(none)'}; "
        f"every other setting from samconfig.toml [{CONFIG_ENV}] and the template's defaults"
    )
    if asked and ask(CONFIRM, "y").lower() not in ("y", "yes"):
        print("deploy-first: nothing deployed, nothing saved")
        return 1
    save(samconfig.SAMCONFIG, chosen)
    print(f"deploy-first: saved in samconfig.toml [{CONFIG_ENV}]; next time: make deploy CONFIG_ENV={CONFIG_ENV}")
    env = dict(os.environ, CONFIG_ENV=CONFIG_ENV)
    code = subprocess.run([str(ROOT / "scripts/deploy.sh")], env=env, cwd=ROOT).returncode
    if code == 0:
        print(
            "deploy-first: deployed. Next: your resume (docs/deploy.md, step 5); later deploys: "
            f"make deploy CONFIG_ENV={CONFIG_ENV}; tear down: make teardown CONFIG_ENV={CONFIG_ENV}"
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
