#!/usr/bin/env python3
"""One config-env of samconfig.toml: its stack name and the region to deploy it in.

  scripts/samconfig.py ENV [--file samconfig.toml]    prints "STACK_NAME<TAB>REGION"

A key is read from [ENV.deploy.parameters], else [ENV.global.parameters], as
the SAM CLI reads it. The region is the config-env's own (saved by
`make deploy-first` or `sam deploy --guided`: the stack lives there), else
AWS_REGION, else AWS_DEFAULT_REGION, else the AWS profile's (botocore), else
empty. The SAM CLI itself (botocore) does not read AWS_REGION, so the scripts
pass the region as --region.

Shared by scripts/stack-outputs.sh, scripts/deploy.sh, scripts/deploy-first.py
and scripts/teardown.py. Exits 1 with a message naming the file when the
config-env or its stack name is missing. Standard library only (Python 3.11+).
"""

from __future__ import annotations

import os
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMCONFIG = ROOT / "samconfig.toml"


def setting(config: dict, env: str, key: str) -> str:
    """`key` of [env.deploy.parameters], else of [env.global.parameters]; "" if neither has it."""
    section = config.get(env, {})
    for command in ("deploy", "global"):
        value = section.get(command, {}).get("parameters", {}).get(key)
        if value:
            return str(value)
    return ""


def environment_region() -> str:
    """AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region (if botocore is there), else ""."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        return region
    try:
        import botocore.session
    except ImportError:
        return ""
    try:
        return botocore.session.Session().get_config_variable("region") or ""
    except Exception:  # a broken profile is not a region; the caller says what is missing
        return ""


def load(path: pathlib.Path = SAMCONFIG) -> dict:
    """samconfig.toml as a dict; SystemExit naming the file if it cannot be read."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SystemExit(f"cannot read {path}: {e}") from e


def stack_settings(env: str, path: pathlib.Path = SAMCONFIG) -> tuple[str, str]:
    """(stack_name, region) of config-env `env`; SystemExit naming the file if it has no stack name."""
    config = load(path)
    if not isinstance(config.get(env), dict):
        raise SystemExit(f"{path} has no config-env '{env}'")
    name = setting(config, env, "stack_name")
    if not name:
        raise SystemExit(f"{path}: no stack_name in [{env}.deploy.parameters] or [{env}.global.parameters]")
    return name, setting(config, env, "region") or environment_region()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--file":
        path = pathlib.Path(argv[2])
    elif len(argv) == 1:
        path = SAMCONFIG
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    name, region = stack_settings(argv[0], path)
    print(f"{name}\t{region}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
