#!/usr/bin/env python3
"""Refuses a build whose bootstrap Lambda could not run, or scanners could not audit.

  scripts/check-build.py [BUILD_DIR]              default .aws-sam/build
  scripts/check-build.py --zip FILE --arch ARCH   one packaged function zip

For every AWS::Serverless::Function of BUILD_DIR/template.yaml (the template
`sam build` wrote), its BUILD_DIR/<CodeUri>/bootstrap must be a regular file,
executable (mode 0755: Lambda runs it as another user than the one that
built it), and an ELF executable for the function's architecture (the
template's Architectures, through the Architecture parameter's default that
scripts/sam-build.sh pins), carrying cargo auditable's dependency list
(section .dep-v0, which `make build` embeds). With --zip it checks the zip entry `bootstrap`
the same way (mode from the zip's Unix attributes, which is what Lambda
restores when it unpacks the code).

`make deploy` (scripts/deploy.sh) runs it before `sam deploy`, and so does
`scripts/build-artifact.sh unpack`. A build that lost its modes on the way
(GitHub's download-artifact writes every file 0644) fails here, naming the
file, instead of deploying functions that answer every call with
Runtime.InvalidEntrypoint.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import stat
import sys
import zipfile
import zlib

ELF_MACHINES = {"x86_64": 62, "arm64": 183}


def elf_problem(head: bytes, arch: str) -> str | None:
    if head[:4] != b"\x7fELF":
        return "is not an ELF file"
    if head[4] != 2:
        return "is not a 64-bit ELF"
    e_type = int.from_bytes(head[16:18], "little")
    if e_type not in (2, 3):  # ET_EXEC, ET_DYN (PIE)
        return f"is not an ELF executable (e_type {e_type})"
    machine = int.from_bytes(head[18:20], "little")
    if machine != ELF_MACHINES[arch]:
        names = {v: k for k, v in ELF_MACHINES.items()}
        return f"is an ELF for {names.get(machine, f'machine {machine}')}, but the function is {arch}"
    return None


def mode_problem(mode: int) -> str | None:
    if stat.S_IMODE(mode) & 0o755 != 0o755:
        return f"has mode {stat.S_IMODE(mode):04o}, not 0755 (Lambda could not execute it: Runtime.InvalidEntrypoint)"
    return None


def elf_section(elf: bytes, wanted: str) -> bytes | None:
    """The contents of section `wanted` of a 64-bit little-endian ELF (both
    Lambda architectures), or None if it has no such section."""
    le = lambda at, size: int.from_bytes(elf[at : at + size], "little")  # noqa: E731
    shoff, shentsize, shnum, shstrndx = le(0x28, 8), le(0x3A, 2), le(0x3C, 2), le(0x3E, 2)
    if not shoff or shstrndx >= shnum or shoff + shnum * shentsize > len(elf):
        return None
    header = lambda i: shoff + i * shentsize  # noqa: E731
    names = le(header(shstrndx) + 0x18, 8)
    for i in range(shnum):
        name_at = names + le(header(i), 4)
        name_end = elf.find(b"\0", name_at)
        if name_end < 0:
            return None
        name = elf[name_at:name_end].decode("ascii", "replace")
        if name == wanted:
            offset, size = le(header(i) + 0x18, 8), le(header(i) + 0x20, 8)
            return elf[offset : offset + size]
    return None


def audit_problem(elf: bytes) -> str | None:
    """cargo auditable's dependency list: section .dep-v0, zlib-compressed
    JSON {"packages": [{"name", "version", "source", "root"?, ...}]}, which
    scanners (cargo audit bin, Trivy, Syft, Grype) read from the binary."""
    section = elf_section(elf, ".dep-v0")
    if section is None:
        return "carries no dependency list (section .dep-v0; make build runs cargo auditable)"
    try:
        packages = json.loads(zlib.decompress(section))["packages"]
    except (zlib.error, ValueError, KeyError, TypeError) as err:
        return f"has an unreadable dependency list (.dep-v0: {err})"
    names = {p.get("name") for p in packages}
    if not any(p.get("root") for p in packages) or "aws-sdk-dynamodb" not in names:
        return f"has a dependency list without its root package or aws-sdk-dynamodb ({len(packages)} packages)"
    return None


def load_yaml(path: pathlib.Path) -> dict:
    """The built template with its Fn::ForEach loops expanded (template-expanded.py)."""
    spec = importlib.util.spec_from_file_location(
        "template_expanded", pathlib.Path(__file__).with_name("template-expanded.py")
    )
    expanded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(expanded)
    return expanded.expand_foreach(expanded.load_template(path))


def resolve_arch(value, template: dict) -> str:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict) and set(value) == {"Ref"}:
        value = template.get("Parameters", {}).get(value["Ref"], {}).get("Default")
    if value not in ELF_MACHINES:
        raise SystemExit(f"cannot tell the architecture ({value!r}) of a function")
    return value


def function_archs(template: dict) -> dict[str, tuple[str, str]]:
    """logical id -> (CodeUri, architecture)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    out = {}
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        arch = props.get("Architectures", globals_.get("Architectures", ["x86_64"]))
        out[name] = (str(props.get("CodeUri", name)), resolve_arch(arch, template))
    return out


def check_build(build: pathlib.Path) -> list[str]:
    template_path = build / "template.yaml"
    if not template_path.is_file():
        return [f"{template_path} is missing: run make build first"]
    problems = []
    functions = function_archs(load_yaml(template_path))
    if not functions:
        problems.append(f"{template_path} has no functions")
    for name, (code_uri, arch) in sorted(functions.items()):
        binary = build / code_uri / "bootstrap"
        if binary.is_symlink() or not binary.is_file():
            problems.append(f"{binary}: missing or not a regular file ({name})")
            continue
        elf = binary.read_bytes()
        for problem in (mode_problem(binary.stat().st_mode), elf_problem(elf[:20], arch), audit_problem(elf)):
            if problem:
                problems.append(f"{binary} {problem} ({name})")
        if not problems:
            print(f"  {name:28} {arch:7} {len(elf) / 1e6:5.2f} MB  0755 ELF .dep-v0  {binary}")
    return problems


def check_zip(path: pathlib.Path, arch: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo("bootstrap")
        except KeyError:
            return [f"{path}: no bootstrap at the top of the zip"]
        mode = info.external_attr >> 16
        problems = []
        if info.create_system != 3 or not stat.S_ISREG(mode):
            problems.append(f"{path}: bootstrap carries no Unix regular-file mode (create_system {info.create_system})")
        elf = archive.read("bootstrap")
        for problem in (mode_problem(mode), elf_problem(elf[:20], arch), audit_problem(elf)):
            if problem:
                problems.append(f"{path}: bootstrap {problem}")
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", type=pathlib.Path, default=pathlib.Path(".aws-sam/build"))
    parser.add_argument("--zip", type=pathlib.Path)
    parser.add_argument("--arch", choices=sorted(ELF_MACHINES))
    args = parser.parse_args(argv)
    if args.zip:
        if not args.arch:
            parser.error("--zip needs --arch")
        problems = check_zip(args.zip, args.arch)
    else:
        problems = check_build(args.build)
    for problem in problems:
        print(f"check-build: {problem}", file=sys.stderr)
    if problems:
        print("check-build: refusing this build; rebuild it (make build) or unpack it with scripts/build-artifact.sh", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
