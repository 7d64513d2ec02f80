#!/usr/bin/env python3
"""Answers `sam deploy --guided` with docs/deploy.md's answers, prompt by prompt.

  scripts/rehearse-guided.py --cwd DIR [--readme docs/deploy.md] -- sam deploy --guided

docs/deploy.md's "First deploy, step by step" section has a table of every prompt the guided deploy
asks and its answer (first column: the prompt in `code`; second: `the answer`
in code, or Enter for the default). This runs the command in DIR (a checkout
with .aws-sam/build and samconfig.toml), reads its output, and answers each
prompt as it appears from that table. It fails on a prompt the table does not
answer, and unless the SAM CLI gets past every prompt to "Looking for
resources needed for deployment". `make rehearse-deploy` runs it with
AWS_ENDPOINT_URL pointing at S3/CloudFormation on loopback (moto), so nothing
leaves the machine; what SAM does after the prompts is not judged here.

A route whose authorization the template did not state would add "<Function>
has no authentication. Is this okay?", whose default (N) aborts the deploy
with "Security Constraints Not Satisfied!"; that fails here too.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import select
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PROMPT = re.compile(r"\t([^\t\n]+?)(?: \[[^\]\n]*\])?: $")
DONE = "Looking for resources needed for deployment"
# What getpass prints between a hidden prompt's text (click echoes it) and
# its input when it reads stdin.
GETPASS_FALLBACK = "Warning: Password input may be echoed.\n"


def readme_answers(readme: pathlib.Path) -> dict[str, str]:
    """prompt (without its [default]) -> answer ("" for Enter), from the first deploy's table."""
    text = readme.read_text()
    start = text.index("\n## First deploy")
    section = text[start : text.find("\n## ", start + 1)]
    answers = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        prompt = re.match(r"`([^`]+)`", cells[0])
        if not prompt or not re.search(r"[?:A-Za-z]", prompt.group(1)):
            continue
        key = re.sub(r" \[[^\]]*\]$", "", prompt.group(1)).strip()
        answer = cells[1]
        if answer.startswith("Enter"):
            answers[key] = ""
        else:
            code = re.match(r"`([^`]*)`", answer)
            if code:
                answers[key] = code.group(1)
    return answers


def drive(cmd: list[str], cwd: pathlib.Path, answers: dict[str, str], timeout: float = 300) -> tuple[int, str, list]:
    # A session of its own, without a controlling terminal: a NoEcho
    # parameter's hidden prompt (getpass) would otherwise read the terminal,
    # not these answers. Without one it reads stdin, after a warning (the
    # Python one silenced here, its own line dropped below).
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0,
        start_new_session=True, env={**os.environ, "PYTHONWARNINGS": "ignore::getpass.GetPassWarning"},
    )
    output = ""
    asked: list[tuple[str, str]] = []
    deadline = time.monotonic() + timeout
    pending = ""
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                text = ANSI.sub("", chunk.decode(errors="replace"))
                output += text
                pending = (pending + text).replace(GETPASS_FALLBACK, "")
                match = PROMPT.search(pending)
                if match:
                    prompt = match.group(1).strip()
                    pending = ""
                    if prompt not in answers:
                        proc.kill()
                        return 1, output, asked + [(prompt, None)]
                    asked.append((prompt, answers[prompt]))
                    proc.stdin.write((answers[prompt] + "\n").encode())
                    proc.stdin.flush()
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            return 1, output + "\n(timed out)", asked
        proc.wait(timeout=30)
        return proc.returncode, output, asked
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cwd", type=pathlib.Path, required=True)
    parser.add_argument("--readme", type=pathlib.Path, default=ROOT / "docs" / "deploy.md")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    answers = readme_answers(args.readme)
    code, output, asked = drive(cmd, args.cwd, answers)
    for prompt, answer in asked:
        shown = "(no answer in docs/deploy.md)" if answer is None else (repr(answer) if answer else "Enter")
        print(f"rehearse-guided:   {prompt} -> {shown}")
    if asked and asked[-1][1] is None:
        print(output[-3000:], file=sys.stderr)
        print(f"rehearse-guided: docs/deploy.md's first-deploy table does not answer the prompt {asked[-1][0]!r}", file=sys.stderr)
        return 1
    if "Security Constraints Not Satisfied" in output or DONE not in output:
        print(output[-3000:], file=sys.stderr)
        print(f"rehearse-guided: the guided deploy did not get past its prompts (exit {code})", file=sys.stderr)
        return 1
    print(f"rehearse-guided: all {len(asked)} prompts answered from docs/deploy.md; sam went on to: {DONE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
