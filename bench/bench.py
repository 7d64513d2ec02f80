#!/usr/bin/env python3
"""`make bench`: measure the real bootstrap binaries beside a Python boto3
baseline, in one run, against one DynamoDB Local; write
target/bench/results.json, docs/PERFORMANCE.md and docs/performance.svg.

bench/run.sh builds everything first (release binaries, the Python venv, wrk)
and then runs this script with the same arguments. Standard library only.

Per function and per round (every figure is the median over --runs rounds):
  - Rust and Python each get --cold-starts fresh processes under the Runtime
    API emulator (`lambda-bench invoke`): init and first invoke of each, then
    --invokes warm invokes on the last one, and its VmHWM;
  - the raw SDK calls of the same request are timed the same way, in Rust
    (`lambda-bench raw`, the Lambdas' client) and in Python (boto3);
  - a do-nothing function shows the runtime floor.
Then wrk measures local-api per route, and DynamoDB Local's own ceiling.

Levers are tried as A/B runs: `--ab DIR` also measures the bootstraps built
in DIR, interleaved with the current ones (`--rust-only --skip-wrk` keeps it
quick); `python3 bench/report.py lever NAME "what" RESULTS` records the pair.
"""

import argparse
import io
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "bench"
RELEASE = ROOT / "target" / "release"
# The bootstraps measured; BENCH_BIN_DIR points at another build of them
# (a lever under trial) while the harness and local-api stay these.
BIN_DIR = Path(os.environ.get("BENCH_BIN_DIR") or RELEASE)
PYDIR = ROOT / "bench" / "python"
VENV_PY = OUT / "venv" / "bin" / "python"
HARNESS = RELEASE / "lambda-bench"

SALT = "bench-salt-0123456789abcdef"
ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"
TABLES = {
    "RESUME_TABLE": "resume-bench",
    "MANAGER_TABLE": "manager-bench",
    "COUNTER_TABLE": "counter-bench",
    "VISITS_TABLE": "visits-bench",
}
AB_DIR = None  # --ab DIR: a second build of the bootstraps, measured in the same rounds
AB_ENV = {}  # --ab-env: extra variables for the --ab bootstraps only
EXTRA_ENV = {}  # --env: extra variables for every function (experiments)
MANAGER_ITEM_ID = "event-item-1"  # the item events/dynamodbmanager-create.json stores

# name, binary, Python handler, warm event(s), raw op, local-api route.
FUNCTIONS = [
    {
        "name": "resume",
        "title": "GET /resume",
        "binary": "resume",
        "python": "resume_handler.handler",
        "events": ["resume-get.json"],
        "raw": "resume-get",
        "wrk": ("GET", "/resume", None),
    },
    {
        "name": "visitor-counter",
        "title": "GET /visitorcount",
        "binary": "visitor-counter",
        "python": "visitor_counter.handler",
        "events": ["visitorcount-get.json"],
        "raw": "visitorcount",
        "wrk": ("GET", "/visitorcount", None),
    },
    {
        "name": "dynamodbmanager",
        "title": "POST /dynamodbmanager (read)",
        "binary": "dynamodbmanager",
        "python": "dynamodbmanager.handler",
        "events": ["dynamodbmanager-read.json"],
        "setup": "dynamodbmanager-create.json",
        "raw": "manager-read",
        "wrk": (
            "POST",
            "/dynamodbmanager",
            json.dumps({"operation": "read", "payload": {"Key": {"id": MANAGER_ITEM_ID}}}),
        ),
    },
]


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench: nothing listens on port {port} after {seconds}s")


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


def event_path(name):
    """events/NAME, if the project has it."""
    path = ROOT / "events" / name
    return path if path.exists() else None


def lambda_env(fn, endpoint):
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": fn["name"],
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn['name']}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/01/[$LATEST]bench",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH": "true",
        "LOG_LEVEL": "info",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "TZ": ":UTC",
        "LANG": "C.UTF-8",
        "ALLOWED_ORIGINS": ORIGINS,
        "RESUME_ID": "example",
        "VISITOR_SALT": SALT,
        "VISIT_TTL_DAYS": "90",
        "MANAGER_ALLOWED_TABLES": TABLES["MANAGER_TABLE"],
        "MANAGER_ITEM_ID": MANAGER_ITEM_ID,
        **TABLES,
        **EXTRA_ENV,
    }
    return env


def run_json(cmd, env=None, cwd=None):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(
            f"bench: {' '.join(map(str, cmd[:4]))} ... failed:\n{proc.stderr.strip()}\n{proc.stdout.strip()}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


COLD_STARTS = 5  # --cold-starts


def invoke(fn, lang, endpoint, invokes, tag, events=None, cold_starts=None):
    env = lambda_env(fn, endpoint)
    if lang == "rust-ab":
        env.update(AB_ENV)
    events = events or [event_path(e) for e in fn["events"]]
    cmd = [str(HARNESS), "invoke", "--invokes", str(invokes), "--cold-starts", str(cold_starts or COLD_STARTS), "--log", str(OUT / "logs" / f"{fn['name']}-{lang}-{tag}.log")]
    for e in events:
        cmd += ["--event", str(e)]
    for k, v in env.items():
        cmd += ["--env", f"{k}={v}"]
    if fn["name"] == "floor" and lang.startswith("rust"):
        cmd += ["--", str(HARNESS), "floor-function"] + (["--current-thread"] if lang == "rust-ct" else [])
    elif lang == "rust":
        cmd += ["--", str(BIN_DIR / fn["binary"])]
    elif lang == "rust-ab":
        cmd += ["--", str(AB_DIR / fn["binary"])]
    else:
        env_py = {"LAMBDA_TASK_ROOT": str(PYDIR), "PYTHONDONTWRITEBYTECODE": "1"}
        for k, v in env_py.items():
            cmd += ["--env", f"{k}={v}"]
        cmd += ["--cwd", str(PYDIR), "--", str(VENV_PY), "-m", "awslambdaric", fn["python"]]
    return run_json(cmd)


def raw(fn, lang, endpoint, invokes):
    env = {**os.environ, **lambda_env(fn, endpoint), "PYTHONDONTWRITEBYTECODE": "1"}
    if lang.startswith("rust"):
        return run_json([str(HARNESS), "raw", "--op", fn["raw"], "--invokes", str(invokes)], env=env)
    return run_json([str(VENV_PY), str(PYDIR / "raw_sdk.py"), fn["raw"], str(invokes)], env=env, cwd=PYDIR)


def zipped_size(files):
    """Bytes of a deflate-9 zip holding `files` ({arcname: path})."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for arcname, path in files.items():
            z.write(path, arcname)
    return len(buf.getvalue())


def python_dependency_size():
    """boto3 and its dependencies as the venv has them (what a zip that
    vendors boto3 would carry; the managed runtime ships its own copy)."""
    site = next((OUT / "venv" / "lib").glob("python3*/site-packages"))
    names = ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"]
    files = {}
    for name in names:
        p = site / name
        if p.is_file():
            files[name] = p
        else:
            for f in p.rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts:
                    files[str(f.relative_to(site))] = f
    raw_bytes = sum(f.stat().st_size for f in files.values())
    return raw_bytes, zipped_size(files)


def sizes(functions):
    out = {}
    for fn in functions:
        binary = BIN_DIR / fn["binary"]
        module = fn["python"].split(".")[0]
        py_files = {f"{module}.py": PYDIR / f"{module}.py", "common.py": PYDIR / "common.py"}
        out[fn["name"]] = {
            "rust_raw": binary.stat().st_size,
            "rust_zip": zipped_size({"bootstrap": binary}),
            **({"rust-ab_raw": (AB_DIR / fn["binary"]).stat().st_size,
                "rust-ab_zip": zipped_size({"bootstrap": AB_DIR / fn["binary"]})} if AB_DIR else {}),
            "python_raw": sum(p.stat().st_size for p in py_files.values()),
            "python_zip": zipped_size(py_files),
        }
    return out


# ---------------------------------------------------------------- wrk


def wrk_script(method, body, headers):
    lines = [f'wrk.method = "{method}"']
    for k, v in headers.items():
        lines.append(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}")
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    return "\n".join(lines) + "\n"


def parse_wrk(text):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

    def to_ms(value, unit):
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    p = {}
    for pct, value, unit in re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        p[pct] = to_ms(value, unit)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket_errors = re.search(r"Socket errors:.*", text)
    return {
        "rps": rps,
        "p50_ms": p.get("50"),
        "p99_ms": p.get("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else None,
    }


def wrk(url, method, body, headers, seconds, connections, name):
    script = OUT / f"wrk-{name}.lua"
    script.write_text(wrk_script(method, body, headers))
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise SystemExit(f"bench: wrk failed: {proc.stderr}")
    result = parse_wrk(proc.stdout)
    if result["non_2xx"]:
        raise SystemExit(f"bench: wrk {name}: {result['non_2xx']} non-2xx answers\n{proc.stdout}")
    return result


def ddb_request(target, body):
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{target}",
        "X-Amz-Date": "20250101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00",
    }
    return "POST", json.dumps(body), headers


def throughput(functions, endpoint, ddb_port, env, args):
    api_port = free_port()
    api_env = {**os.environ, **env, "LOCAL_API_ADDR": f"127.0.0.1:{api_port}", "RUST_LOG": "warn"}
    api_log = open(OUT / "logs" / "local-api.log", "w")
    api = subprocess.Popen([str(RELEASE / "local-api"), "serve"], env=api_env, stdout=api_log, stderr=api_log)
    try:
        wait_port(api_port)
        targets = []
        for fn in functions:
            method, path, body = fn["wrk"]
            headers = {"Content-Type": "application/json"} if body else {}
            targets.append((fn["name"], f"http://127.0.0.1:{api_port}{path}", method, body, headers))
        ddb = f"http://127.0.0.1:{ddb_port}/"
        targets.append(
            ("ddb-getitem", ddb, *ddb_request("GetItem", {
                "TableName": TABLES["RESUME_TABLE"], "Key": {"id": {"S": "example"}}}))
        )
        targets.append(
            ("ddb-getitem-small", ddb, *ddb_request("GetItem", {
                "TableName": TABLES["MANAGER_TABLE"], "Key": {"id": {"S": MANAGER_ITEM_ID}}}))
        )
        targets.append(
            ("ddb-updateitem", ddb, *ddb_request("UpdateItem", {
                "TableName": TABLES["COUNTER_TABLE"], "Key": {"id": {"S": "wrk"}},
                "UpdateExpression": "ADD #c :one", "ExpressionAttributeNames": {"#c": "count"},
                "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValues": "UPDATED_NEW"}))
        )
        # One connection, one request at a time: DynamoDB Local's own latency,
        # the floor under every warm invoke.
        targets.append(("ddb-getitem-c1", ddb, *targets[-3][2:]))
        results = {name: [] for name, *_ in targets}
        for r in range(args.runs):
            for name, url, method, body, headers in targets:
                log(f"wrk round {r + 1}/{args.runs}: {name}")
                conns = 1 if name.endswith("-c1") else args.wrk_connections
                results[name].append(
                    wrk(url, method, body, headers, args.wrk_seconds, conns, name) | {"loadavg": loadavg()}
                )
        return results
    finally:
        api.terminate()
        api.wait(timeout=10)


# ---------------------------------------------------------------- machine


def machine_info():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "unknown"

    jar_dir = subprocess.run(
        [str(RELEASE / "dynamodb-local"), "jar-dir"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "rustc": version(["rustc", "--version"]),
        "python": version([str(VENV_PY), "--version"]),
        "boto3": version([str(VENV_PY), "-c", "import boto3, awslambdaric; print('boto3', boto3.__version__, '/ awslambdaric', awslambdaric.__version__)"]),
        "java": version(["bash", "-c", "java -version 2>&1"]),
        "dynamodb_local": Path(jar_dir).name if jar_dir else "unknown",
        "wrk": version(["bash", "-c", "wrk -v 2>&1"]),
    }


# ---------------------------------------------------------------- main


def main():
    global AB_DIR, COLD_STARTS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    ap.add_argument("--invokes", type=int, default=int(os.environ.get("BENCH_INVOKES", 500)))
    ap.add_argument("--cold-starts", type=int, default=int(os.environ.get("BENCH_COLD_STARTS", 5)),
                    help="cold starts per function and round; init and first invoke are their median")
    ap.add_argument("--wrk-seconds", type=int, default=int(os.environ.get("BENCH_WRK_SECONDS", 5)))
    ap.add_argument("--wrk-connections", type=int, default=16)
    ap.add_argument("--skip-wrk", action="store_true", help="leave out the local-api throughput part")
    ap.add_argument("--rust-only", action="store_true", help="leave out the Python baseline (for quick lever checks)")
    ap.add_argument("--ab", type=Path, metavar="DIR",
                    help="also measure the bootstraps in DIR (a lever under trial), interleaved with the others")
    ap.add_argument("--ab-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra environment variable for the --ab bootstraps only")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra environment variable for every function (for experiments)")
    ap.add_argument("--out", type=Path, default=OUT / "results.json")
    ap.add_argument("--no-report", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    args = ap.parse_args()
    if args.runs < 1 or args.invokes < 1:
        raise SystemExit("bench: --runs and --invokes must be at least 1")
    COLD_STARTS = max(1, args.cold_starts)
    for pair in args.env:
        name, _, value = pair.partition("=")
        EXTRA_ENV[name] = value
    for pair in args.ab_env:
        name, _, value = pair.partition("=")
        AB_ENV[name] = value

    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    functions, missing = [], []
    for fn in FUNCTIONS:
        ready = (BIN_DIR / fn["binary"]).exists() and all(event_path(e) for e in fn["events"])
        (functions if ready else missing).append(fn)
    for fn in missing:
        log(f"leaving out {fn['name']}: no binary target/release/{fn['binary']} or no events/{fn['events'][0]}")
    if not functions:
        raise SystemExit("bench: nothing to measure")
    langs = ["rust"] if args.rust_only else ["rust", "python"]
    if args.ab:
        AB_DIR = args.ab.resolve()
        langs.insert(1, "rust-ab")

    ddb_port = free_port()
    pid_file = OUT / "dynamodb-local.pid"
    ddb = RELEASE / "dynamodb-local"  # crates/testkit's launcher
    subprocess.run([str(ddb), "start", "--port", str(ddb_port), "--pid-file", str(pid_file),
                    "--in-memory", "--log", str(OUT / "logs" / "dynamodb-local.log")], check=True,
                   stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{ddb_port}"
    started = datetime.now(timezone.utc)
    try:
        env = lambda_env(FUNCTIONS[0], endpoint)
        del env["AWS_LAMBDA_FUNCTION_NAME"]  # local-api is not in Lambda: readable logs
        seed = subprocess.run(
            [str(RELEASE / "local-api"), "seed", "--file", str(ROOT / "data" / "resume.json"), "--create-table"],
            env={**os.environ, **env, "RUST_LOG": "warn"}, capture_output=True, text=True)
        if seed.returncode != 0:
            raise SystemExit(f"bench: seeding failed: {seed.stderr}")
        for fn in functions:
            if fn.get("setup"):
                invoke(fn, "rust", endpoint, 0, "setup", events=[event_path(fn["setup"])], cold_starts=1)

        # DynamoDB Local is a JVM: let its JIT settle before anything counts.
        log("warming up DynamoDB Local")
        for fn in functions:
            raw(fn, "rust", endpoint, 1500)
            if "python" in langs:
                raw(fn, "python", endpoint, 300)

        rounds = []
        for r in range(args.runs):
            order = functions if r % 2 == 0 else list(reversed(functions))
            result = {}
            for fn in order:
                entry = {}
                for lang in (langs if r % 2 == 0 else list(reversed(langs))):
                    log(f"round {r + 1}/{args.runs}: {fn['name']} ({lang})")
                    entry[f"{lang}_raw"] = raw(fn, lang, endpoint, args.invokes)
                    entry[lang] = invoke(fn, lang, endpoint, args.invokes, f"r{r + 1}")
                result[fn["name"]] = entry
            floor = {"name": "floor", "events": fn["events"], "python": "floor.handler"}
            result["floor"] = {}
            for lang in [l for l in langs if l != "rust-ab"] + ["rust-ct"]:
                log(f"round {r + 1}/{args.runs}: runtime floor ({lang})")
                result["floor"][lang] = invoke(floor, lang, endpoint, args.invokes, f"r{r + 1}")
            rounds.append(result)

        wrk_results = None
        if not args.skip_wrk:
            if shutil.which("wrk") is None:
                log("wrk is not installed: leaving out throughput (bench/run.sh installs it)")
            else:
                wrk_results = throughput(functions, endpoint, ddb_port, env, args)
    finally:
        subprocess.run([str(ddb), "stop", "--pid-file", str(pid_file)], stdout=subprocess.DEVNULL)

    results = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs": args.runs,
        "invokes": args.invokes,
        "cold_starts": COLD_STARTS,
        "langs": langs,
        "machine": machine_info(),
        "bin_dir": str(BIN_DIR),
        "extra_env": EXTRA_ENV,
        "ab_dir": str(AB_DIR) if AB_DIR else None,
        "ab_env": AB_ENV,
        "functions": [{k: fn[k] for k in ("name", "title", "events", "raw")} for fn in functions],
        "missing": [fn["name"] for fn in missing],
        "sizes": sizes(functions),
        "python_dependencies": dict(zip(("raw", "zip"), python_dependency_size())) if "python" in langs else None,
        "rounds": rounds,
        "wrk": wrk_results,
        "wrk_settings": {"seconds": args.wrk_seconds, "connections": args.wrk_connections, "threads": 2},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    log(f"wrote {args.out}")
    sys.path.insert(0, str(ROOT / "bench"))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import report  # noqa: E402

    summary = report.summarize(results)
    print(report.console_table(summary))
    if not args.no_report:
        report.write(results, summary)


if __name__ == "__main__":
    main()
