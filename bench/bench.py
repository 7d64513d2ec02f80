#!/usr/bin/env python3
"""`make bench`: measure the real bootstrap binaries beside Python (boto3) and
Node.js (AWS SDK for JavaScript v3) baselines, in one run, against one
DynamoDB Local behind a TLS proxy; write target/bench/results.json,
docs/PERFORMANCE.md and docs/performance.svg.

bench/run.sh builds and installs everything first (release binaries, the
Python venv, the Node baseline's node_modules, stunnel4, wrk) and then runs
this script with the same arguments. Standard library only.

As a deployed function sees it:
  - TLS: stunnel (Debian's stunnel4) terminates TLS in front of DynamoDB
    Local with a certificate of a test CA made for the run; every runtime
    trusts it the standard way (SSL_CERT_FILE / AWS_CA_BUNDLE: the system
    bundle plus the test CA; NODE_EXTRA_CA_CERTS: the test CA), so the
    endpoint is https:// and the first DynamoDB call pays a handshake;
  - CPU: every function process runs in a cgroup v1 `cpu` group with the
    quota of a Lambda memory size (MB / 1,769 of a CPU, --shares), either
    from spawn ("init at the share") or only after its first /next poll,
    having initialised with one full CPU ("boosted init").

Per CPU share, function and round (every figure is the median over --runs
rounds): each runtime gets --cold-starts fresh processes under the Runtime
API emulator (`lambda-bench invoke`) with init at the share, then --invokes
warm invokes on the last one, and its VmHWM; then --cold-starts more with
boosted init. A do-nothing function shows the runtime floor. Then wrk
measures local-api per route over plain HTTP, and DynamoDB Local's ceiling.

Levers are tried as A/B runs: `--ab DIR` also measures the bootstraps built
in DIR, interleaved with the current ones (`--langs rust --skip-wrk` keeps it
quick); `--ab-env NAME=VALUE` gives only them an extra variable (DIR may be
target/release itself); `python3 bench/report.py lever NAME "what" RESULTS`
records the pair.
"""

import argparse
import atexit
import base64
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
import urllib.request
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
NODEDIR = ROOT / "bench" / "node"
VENV_PY = OUT / "venv" / "bin" / "python"
NODE_RIC = NODEDIR / "node_modules" / "aws-lambda-ric" / "bin" / "index.mjs"
TLS_DIR = OUT / "tls"
# What the functions trust: the system bundle plus the run's test CA.
CA_BUNDLE = TLS_DIR / "bundle.pem"
# The same bundle behind one certificate that does not parse (see --help of
# report.py's levers: it makes platform::tls fall back to the SDK default).
CA_BUNDLE_UNPARSABLE_FIRST = TLS_DIR / "bundle-unparsable-first.pem"
CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
CPU_PERIOD_US = 100_000  # the kernel's default CFS period
FULL_VCPU_MB = 1769  # AWS: one full vCPU at 1,769 MB
HARNESS = RELEASE / "lambda-bench"

SALT = "bench-salt-0123456789abcdef"
ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"
TABLES = {
    "RESUME_TABLE": "resume-bench",
    "MANAGER_TABLE": "manager-bench",
    "COUNTER_TABLE": "counter-bench",
    "VISITS_TABLE": "visits-bench",
    "SALTS_TABLE": "salts-bench",
}
AB_DIR = None  # --ab DIR: a second build of the bootstraps, measured in the same rounds
AB_ENV = {}  # --ab-env: extra variables for the --ab bootstraps only
EXTRA_ENV = {}  # --env: extra variables for every function (experiments)
MANAGER_ITEM_ID = "event-item-1"  # the item events/dynamodbmanager-create.json stores

# A desktop Chrome's User-Agent: not a bot, so the counter counts the view.
BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")

# name, binary, Python handler, warm event(s), raw op, local-api route
# (with the headers wrk sends, and what one answer must say before it runs).
FUNCTIONS = [
    {
        "name": "resume",
        "title": "GET /resume",
        "binary": "resume",
        "python": "resume_handler.handler",
        "node": "resume.handler",
        "events": ["resume-get.json"],
        "raw": "resume-get",
        "wrk": ("GET", "/resume", None),
    },
    {
        "name": "visitor-counter",
        "title": "GET /visitorcount",
        "binary": "visitor-counter",
        "python": "visitor_counter.handler",
        "node": "visitor_counter.handler",
        "events": ["visitorcount-get.json"],
        "raw": "visitorcount",
        "wrk": ("GET", "/visitorcount", None),
        # What a browser on the site sends, so that wrk measures counted views
        # (without an allowed Origin it would measure an uncounted read).
        "wrk_headers": {"Origin": "http://localhost:8080", "User-Agent": BROWSER_UA},
        "wrk_expect": {"counted": True},
    },
    {
        "name": "dynamodbmanager",
        "title": "POST /dynamodbmanager (read)",
        "binary": "dynamodbmanager",
        "python": "dynamodbmanager.handler",
        "node": "dynamodbmanager.handler",
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


def lambda_env(fn, endpoint, memory_mb=128):
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": fn["name"],
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn['name']}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/01/[$LATEST]bench",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH": "true",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "SSL_CERT_FILE": str(CA_BUNDLE),
        "AWS_CA_BUNDLE": str(CA_BUNDLE),
        "NODE_EXTRA_CA_CERTS": str(TLS_DIR / "ca.pem"),
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


def invoke(fn, lang, endpoint, invokes, tag, events=None, cold_starts=None, share=None, boost=False,
           vary_source_ip=False):
    """`lambda-bench invoke` of one runtime. `share`: the cgroup the process
    runs in (from spawn, or with `boost` from its first /next poll on, after
    an init with one full CPU)."""
    env = lambda_env(fn, endpoint, share["mb"] if share else 128)
    if lang == "rust-ab":
        env.update(AB_ENV)
    events = events or [event_path(e) for e in fn["events"]]
    log_name = f"{fn['name']}-{lang}-{share['name'] if share else 'setup'}{'-boost' if boost else ''}-{tag}.log"
    cmd = [str(HARNESS), "invoke", "--invokes", str(invokes), "--cold-starts", str(cold_starts or COLD_STARTS),
           "--log", str(OUT / "logs" / log_name)]
    if share:
        # A 503 is the Rust functions' answer when DynamoDB does not answer in
        # time (a 1 s connect timeout, which a TLS handshake on a small CPU
        # share can exceed): counted and reported, not fatal.
        cmd += ["--expect-status", "200", "--expect-status", "503"]
    if share and share["cgroup"]:
        cmd += ["--cgroup", share["cgroup"]]
        if boost:
            cmd += ["--init-cgroup", share["boost_cgroup"]]
    for e in events:
        cmd += ["--event", str(e)]
    if vary_source_ip:
        cmd.append("--vary-source-ip")
    for k, v in env.items():
        cmd += ["--env", f"{k}={v}"]
    if fn["name"] == "floor" and lang.startswith("rust"):
        cmd += ["--", str(HARNESS), "floor-function"] + (["--current-thread"] if lang == "rust-ct" else [])
    elif lang == "rust":
        cmd += ["--", str(BIN_DIR / fn["binary"])]
    elif lang == "rust-ab":
        cmd += ["--", str(AB_DIR / fn["binary"])]
    elif lang == "node":
        cmd += ["--env", f"LAMBDA_TASK_ROOT={NODEDIR}", "--cwd", str(NODEDIR),
                "--", shutil.which("node") or "node", str(NODE_RIC), fn["node"]]
    else:
        env_py = {"LAMBDA_TASK_ROOT": str(PYDIR), "PYTHONDONTWRITEBYTECODE": "1"}
        for k, v in env_py.items():
            cmd += ["--env", f"{k}={v}"]
        cmd += ["--cwd", str(PYDIR), "--", str(VENV_PY), "-m", "awslambdaric", fn["python"]]
    return run_json(cmd)


def both_inits(fn, lang, endpoint, invokes, tag, share):
    """{lang: init at the share plus the warm invokes, lang_boost: a boosted
    init}, the second only where there are cgroups."""
    out = {lang: invoke(fn, lang, endpoint, invokes, tag, share=share)}
    if share["cgroup"]:
        out[f"{lang}_boost"] = invoke(fn, lang, endpoint, 1, tag, share=share, boost=True)
    return out


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
        node_module = fn["node"].split(".")[0]
        node_files = {f"{node_module}.js": NODEDIR / f"{node_module}.js", "common.js": NODEDIR / "common.js"}
        out[fn["name"]] = {
            "rust_raw": binary.stat().st_size,
            "rust_zip": zipped_size({"bootstrap": binary}),
            **({"rust-ab_raw": (AB_DIR / fn["binary"]).stat().st_size,
                "rust-ab_zip": zipped_size({"bootstrap": AB_DIR / fn["binary"]})} if AB_DIR else {}),
            "python_raw": sum(p.stat().st_size for p in py_files.values()),
            "python_zip": zipped_size(py_files),
            "node_raw": sum(p.stat().st_size for p in node_files.values()),
            "node_zip": zipped_size(node_files),
        }
    return out


# ---------------------------------------------------------------- TLS and CPU


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_test_ca():
    """A test CA and a certificate it signs for 127.0.0.1 and localhost, and
    the bundles the functions trust (system bundle + test CA)."""
    TLS_DIR.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (TLS_DIR / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=lambda-bench test CA", "-keyout", str(ca_key), "-out", str(ca))
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr))
    ext = TLS_DIR / "server.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n"
                   "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\n")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
            "-days", "2", "-extfile", str(ext), "-out", str(cert))
    system = next((Path(p) for p in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
                   if Path(p).exists()), None)
    bundle = (system.read_text() if system else "") + ca.read_text()
    CA_BUNDLE.write_text(bundle)
    # A certificate whose DER does not parse, first: platform::tls refuses
    # the bundle at once (and the SDK default, which skips such entries,
    # takes over), the cheapest way to A/B the two on one build.
    der = bytearray(base64.b64decode("".join(ca.read_text().splitlines()[1:-1])))
    der[1:4] = b"\x82\xff\xff"  # a DER length past the end
    broken = base64.b64encode(bytes(der)).decode()
    wrapped = "\n".join(broken[i:i + 64] for i in range(0, len(broken), 64))
    CA_BUNDLE_UNPARSABLE_FIRST.write_text(f"-----BEGIN CERTIFICATE-----\n{wrapped}\n-----END CERTIFICATE-----\n{bundle}")
    return {"system_bundle": str(system) if system else None,
            "certificates": bundle.count("BEGIN CERTIFICATE")}


def start_tls_proxy(ddb_port):
    """stunnel in front of DynamoDB Local; returns (process, port)."""
    stunnel = shutil.which("stunnel4") or shutil.which("stunnel")
    if not stunnel:
        raise SystemExit("bench: stunnel4 is missing (bench/run.sh installs it: apt-get install stunnel4)")
    port = free_port()
    conf = TLS_DIR / "stunnel.conf"
    conf.write_text("\n".join([
        "foreground = yes", "syslog = no", "debug = 3", f"output = {OUT / 'logs' / 'stunnel.log'}",
        "[dynamodb]", f"accept = 127.0.0.1:{port}", f"connect = 127.0.0.1:{ddb_port}",
        f"cert = {TLS_DIR / 'server.pem'}", f"key = {TLS_DIR / 'server.key'}", "",
    ]))
    proc = subprocess.Popen([stunnel, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


CGROUPS = []  # created by us, removed at exit (children first)


def remove_cgroups():
    for path in reversed(CGROUPS):
        for _ in range(50):  # bounded: processes leave a cgroup as they exit
            try:
                path.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)
    CGROUPS.clear()


def make_cgroup(path, quota_us):
    path.mkdir(exist_ok=True)
    CGROUPS.append(path)
    (path / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
    (path / "cpu.cfs_quota_us").write_text(str(quota_us))
    return str(path)


def make_shares(sizes):
    """One cgroup per memory size with its CPU quota, and one with a full
    CPU for boosted inits. None if cgroup v1 cpu is not writable here."""
    if not (CGROUP_CPU / "cpu.cfs_quota_us").exists() or not os.access(CGROUP_CPU, os.W_OK):
        return None
    base = CGROUP_CPU / f"lambda-bench-{os.getpid()}"
    base.mkdir(exist_ok=True)
    CGROUPS.append(base)
    atexit.register(remove_cgroups)
    boost = make_cgroup(base / "init-1vcpu", CPU_PERIOD_US)
    shares = []
    for mb in sizes:
        quota = round(CPU_PERIOD_US * mb / FULL_VCPU_MB)
        shares.append({"name": f"{mb}", "mb": mb, "quota_us": quota, "period_us": CPU_PERIOD_US,
                       "cgroup": make_cgroup(base / f"mb{mb}", quota), "boost_cgroup": boost})
    return shares


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


def check_answer(url, method, body, headers, expect, name):
    """One request as wrk will send it: its answer must be a 2xx whose JSON
    has `expect`'s fields (e.g. the counter's `counted: true`)."""
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=30) as answer:
        got = json.loads(answer.read() or b"null")
    if expect and (not isinstance(got, dict) or any(got.get(k) != v for k, v in expect.items())):
        raise SystemExit(f"bench: wrk {name}: the answer is {got}, not {expect}: wrk would measure something else")


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
    # wrk cannot sign requests: local-api's SigV4 gate (in AWS, API Gateway's
    # IAM check) stays off here, so the manager's figure is its handler alone.
    api_env = {**os.environ, **env, "LOCAL_API_ADDR": f"127.0.0.1:{api_port}", "RUST_LOG": "warn",
               "LOCAL_IAM_DISABLED": "true"}
    api_log = open(OUT / "logs" / "local-api.log", "w")
    api = subprocess.Popen([str(RELEASE / "local-api"), "serve"], env=api_env, stdout=api_log, stderr=api_log)
    try:
        wait_port(api_port)
        targets = []
        for fn in functions:
            method, path, body = fn["wrk"]
            headers = {"Content-Type": "application/json"} if body else {}
            headers.update(fn.get("wrk_headers", {}))
            url = f"http://127.0.0.1:{api_port}{path}"
            check_answer(url, method, body, headers, fn.get("wrk_expect", {}), fn["name"])
            targets.append((fn["name"], url, method, body, headers))
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


# ---------------------------------------------------------------- region latency


def start_delay_proxy(upstream_port, one_way_ms):
    """`lambda-bench delay-proxy` in front of the TLS proxy; returns
    (process, port)."""
    proc = subprocess.Popen(
        [str(HARNESS), "delay-proxy", "--upstream", f"127.0.0.1:{upstream_port}", "--one-way-ms", str(one_way_ms)],
        stdout=subprocess.PIPE, stderr=open(OUT / "logs" / "delay-proxy.log", "w"), text=True)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"bench: the delay proxy did not start (see {OUT / 'logs' / 'delay-proxy.log'})")
    return proc, json.loads(line)["port"]


# The kinds of counted view (docs/visitor-counter.md#design-in-short), as
# events: a browser on the site (events/visitorcount-get.json) with a new
# address each time, the same one again, with Sec-GPC, and a crawler.
VIEW_KINDS = [
    {"name": "new visitor", "headers": {}, "vary_source_ip": True},
    {"name": "repeat visitor", "headers": {}, "vary_source_ip": False},
    {"name": "private (GPC/DNT)", "headers": {"Sec-GPC": "1"}, "vary_source_ip": False},
    {"name": "not counted",
     "headers": {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
     "vary_source_ip": False},
]


def view_kind_event(kind):
    """The counter's event for one kind of view, written under target/bench."""
    event = json.loads(event_path("visitorcount-get.json").read_text())
    for name, value in kind["headers"].items():
        event["headers"][name] = value
        event.setdefault("multiValueHeaders", {})[name] = [value]
    path = OUT / "events" / f"visitorcount-{re.sub(r'[^a-z]+', '-', kind['name']).strip('-')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(event))
    return path


def view_kinds(counter, endpoint, share, invokes, tag):
    """Warm latency of each kind of view, the Rust counter alone."""
    out = {}
    for kind in VIEW_KINDS:
        log(f"{tag}, {share['name']} MB share: visitor counter, {kind['name']}")
        out[kind["name"]] = invoke(counter, "rust", endpoint, invokes, tag, events=[view_kind_event(kind)],
                                   cold_starts=1, share=share, vary_source_ip=kind["vary_source_ip"])
    return out


def view_cost():
    """What bench/run.sh's view_cost step wrote (target/bench/view-cost.json),
    with when, or None."""
    path = OUT / "view-cost.json"
    if not path.exists():
        return None
    at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    return {**json.loads(path.read_text()), "written": at}


def region_rounds(functions, langs, endpoint, shares, baseline_shares, args):
    """Every function through the delay proxy: the Rust ones at every share
    (the memory table), the baselines at `baseline_shares`."""
    rounds = []
    for r in range(args.region_runs):
        result = {}
        for share in shares:
            per_share = {}
            for fn in functions:
                entry = {}
                for lang in langs:
                    if not lang.startswith("rust") and share["name"] not in baseline_shares:
                        continue
                    tag = f"region-r{r + 1}"
                    log(f"region round {r + 1}/{args.region_runs}, {share['name']} MB share: {fn['name']} ({lang})")
                    entry.update(both_inits(fn, lang, endpoint, args.region_invokes, tag, share))
                per_share[fn["name"]] = entry
            result[share["name"]] = per_share
        rounds.append(result)
    return rounds


def region_mode(functions, langs, shares, tls_port, endpoint, args):
    """The region-latency part of the run: the round trip the delay adds,
    measured; each kind of view with and without it; the rounds."""
    counter = next((fn for fn in functions if fn["name"] == "visitor-counter"), None)
    proxy, port = start_delay_proxy(tls_port, args.region_ms)
    try:
        delayed = f"https://127.0.0.1:{port}"
        resume = next(fn for fn in FUNCTIONS if fn["name"] == "resume")  # its GetItem, measured or not
        log(f"region mode: {args.region_ms} ms each way; a GetItem with and without it")
        getitem = {"direct": raw(resume, "rust", endpoint, 200), "delayed": raw(resume, "rust", delayed, 200)}
        kinds_share = next((s for s in shares if s["name"] == "1024"), shares[-1])
        kinds = None
        if counter:
            kinds = {"share": kinds_share["name"],
                     "direct": view_kinds(counter, endpoint, kinds_share, args.region_invokes, "kinds-direct"),
                     "delayed": view_kinds(counter, delayed, kinds_share, args.region_invokes, "kinds-delayed")}
        memory = make_shares(int(mb) for mb in args.memory_shares.split(",")) if shares[0]["cgroup"] else shares
        baseline = {s["name"] for s in shares}
        rounds = region_rounds(functions, langs, delayed, memory, baseline, args)
        return {"one_way_ms": args.region_ms, "getitem": getitem, "view_kinds": kinds, "rounds": rounds,
                "runs": args.region_runs, "invokes": args.region_invokes,
                "shares": [{k: v for k, v in s.items() if "cgroup" not in k} for s in memory]}
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


# ---------------------------------------------------------------- machine


def machine_info():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))

    def version(cmd, cwd=None):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd).stdout.strip().splitlines()[0]
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
        "node": version(["node", "--version"]),
        "node_packages": version(["node", "-e", "const v = (p) => require(p + '/package.json').version; "
                                  "console.log(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', 'aws-lambda-ric']"
                                  ".map((p) => p + ' ' + v(p)).join(' / '))"], cwd=NODEDIR),
        "stunnel": version(["bash", "-c", "stunnel4 -version 2>&1 | grep -m1 ^stunnel"]),
        "java": version(["bash", "-c", "java -version 2>&1"]),
        "dynamodb_local": Path(jar_dir).name if jar_dir else "unknown",
        "wrk": version(["bash", "-c", "wrk -v 2>&1"]),
    }


# ---------------------------------------------------------------- main


def main():
    global AB_DIR, COLD_STARTS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    ap.add_argument("--invokes", type=int, default=int(os.environ.get("BENCH_INVOKES", 300)))
    ap.add_argument("--cold-starts", type=int, default=int(os.environ.get("BENCH_COLD_STARTS", 3)),
                    help="cold starts per function, round and init mode; init and first invoke are their median")
    ap.add_argument("--shares", default=os.environ.get("BENCH_SHARES", "128,1024"),
                    help="memory sizes (MB) whose CPU share (MB / 1,769 of a CPU) the functions run under")
    ap.add_argument("--langs", default="rust,python,node", help="runtimes to measure (rust, python, node)")
    ap.add_argument("--wrk-seconds", type=int, default=int(os.environ.get("BENCH_WRK_SECONDS", 5)))
    ap.add_argument("--wrk-connections", type=int, default=16)
    ap.add_argument("--skip-wrk", action="store_true", help="leave out the local-api throughput part")
    ap.add_argument("--rust-only", action="store_true", help="same as --langs rust (quick lever checks)")
    ap.add_argument("--ab", type=Path, metavar="DIR",
                    help="also measure the bootstraps in DIR (a lever under trial), interleaved with the others")
    ap.add_argument("--ab-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra environment variable for the --ab bootstraps only")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra environment variable for every function (for experiments)")
    ap.add_argument("--region-ms", type=float, default=float(os.environ.get("BENCH_REGION_MS", 4)),
                    help="region mode: the delay each way of every DynamoDB call, ms (0: no region mode)")
    ap.add_argument("--region-runs", type=int, default=int(os.environ.get("BENCH_REGION_RUNS", 1)))
    ap.add_argument("--region-invokes", type=int, default=int(os.environ.get("BENCH_REGION_INVOKES", 100)))
    ap.add_argument("--memory-shares", default=os.environ.get("BENCH_MEMORY_SHARES", "128,256,512,1024"),
                    help="region mode: the memory sizes the Rust functions run under (the memory table)")
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
    langs = ["rust"] if args.rust_only else [lang.strip() for lang in args.langs.split(",") if lang.strip()]
    if "node" in langs and not NODE_RIC.exists():
        raise SystemExit(f"bench: {NODE_RIC} is missing (bench/run.sh runs `npm ci` in bench/node)")
    if args.ab:
        AB_DIR = args.ab.resolve()
        langs.insert(1, "rust-ab")
    shares = make_shares(int(mb) for mb in args.shares.split(","))
    if shares is None:
        log("cgroup v1 cpu is not writable here (needs root and /sys/fs/cgroup/cpu): measuring on the full machine")
        shares = [{"name": "full", "mb": None, "quota_us": None, "period_us": None, "cgroup": None, "boost_cgroup": None}]
    tls = make_test_ca()

    ddb_port = free_port()
    pid_file = OUT / "dynamodb-local.pid"
    ddb = RELEASE / "dynamodb-local"  # crates/testkit's launcher
    subprocess.run([str(ddb), "start", "--port", str(ddb_port), "--pid-file", str(pid_file),
                    "--in-memory", "--log", str(OUT / "logs" / "dynamodb-local.log")], check=True,
                   stdout=subprocess.DEVNULL)
    plain_endpoint = f"http://127.0.0.1:{ddb_port}"
    proxy = None
    started = datetime.now(timezone.utc)
    loads = [{"at": started.isoformat(timespec="seconds"), "phase": "start", "loadavg": loadavg()}]
    try:
        proxy, tls_port = start_tls_proxy(ddb_port)
        endpoint = f"https://127.0.0.1:{tls_port}"
        env = lambda_env(FUNCTIONS[0], plain_endpoint)
        del env["AWS_LAMBDA_FUNCTION_NAME"]  # local-api is not in Lambda: readable logs
        seed = subprocess.run(
            [str(RELEASE / "local-api"), "publish", str(ROOT / "data" / "resume.json"), "--create-tables"],
            env={**os.environ, **env, "RUST_LOG": "warn"}, capture_output=True, text=True)
        if seed.returncode != 0:
            raise SystemExit(f"bench: publishing data/resume.json failed: {seed.stderr}")
        for fn in functions:
            if fn.get("setup"):
                invoke(fn, "rust", endpoint, 0, "setup", events=[event_path(fn["setup"])], cold_starts=1)

        # DynamoDB Local is a JVM: let its JIT settle before anything counts.
        log("warming up DynamoDB Local (through the TLS proxy)")
        for fn in functions:
            raw(fn, "rust", endpoint, 1500)
            if "python" in langs:
                raw(fn, "python", endpoint, 300)

        rounds = []
        for r in range(args.runs):
            result = {}
            for share in shares:
                order = functions if r % 2 == 0 else list(reversed(functions))
                per_share = {}
                for fn in order:
                    entry = {}
                    for lang in (langs if r % 2 == 0 else list(reversed(langs))):
                        log(f"round {r + 1}/{args.runs}, {share['name']} MB share: {fn['name']} ({lang})")
                        entry.update(both_inits(fn, lang, endpoint, args.invokes, f"r{r + 1}", share))
                    per_share[fn["name"]] = entry
                floor = {"name": "floor", "events": fn["events"], "python": "floor.handler", "node": "floor.handler"}
                per_share["floor"] = {}
                for lang in [lang for lang in langs if lang != "rust-ab"] + ["rust-ct"]:
                    log(f"round {r + 1}/{args.runs}, {share['name']} MB share: runtime floor ({lang})")
                    per_share["floor"][lang] = invoke(floor, lang, endpoint, args.invokes, f"r{r + 1}", share=share)
                result[share["name"]] = per_share
                loads.append({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "phase": f"round {r + 1}, {share['name']} MB", "loadavg": loadavg()})
            rounds.append(result)

        region = None
        if args.region_ms > 0:
            region = region_mode(functions, langs, shares, tls_port, endpoint, args)

        wrk_results, wrk_error = None, None
        if not args.skip_wrk:
            if shutil.which("wrk") is None:
                log("wrk is not installed: leaving out throughput (bench/run.sh installs it)")
            else:
                # A throughput failure must not lose the rounds measured so
                # far: they are written below, and the run fails after that.
                try:
                    wrk_results = throughput(functions, plain_endpoint, ddb_port, env, args)
                except (Exception, SystemExit) as e:
                    wrk_error = str(e)
                    log(f"throughput failed: {wrk_error}")
    finally:
        if proxy:
            proxy.terminate()
            proxy.wait(timeout=10)
        subprocess.run([str(ddb), "stop", "--pid-file", str(pid_file)], stdout=subprocess.DEVNULL)
        remove_cgroups()

    results = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs": args.runs,
        "invokes": args.invokes,
        "cold_starts": COLD_STARTS,
        "langs": langs,
        "shares": [{k: v for k, v in s.items() if "cgroup" not in k} for s in shares],
        "tls": tls,
        "loads": loads,
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
        "region": region,
        "view_cost": view_cost(),
        "wrk": wrk_results,
        "wrk_settings": {"seconds": args.wrk_seconds, "connections": args.wrk_connections, "threads": 2},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if wrk_error:
        results["wrk_error"] = wrk_error
    args.out.write_text(json.dumps(results, indent=1))
    log(f"wrote {args.out}")
    if wrk_error:
        raise SystemExit(f"bench: throughput failed, so docs/PERFORMANCE.md is left as it was; "
                         f"the rounds are in {args.out}: {wrk_error}")
    sys.path.insert(0, str(ROOT / "bench"))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import report  # noqa: E402

    summary = report.summarize(results)
    print(report.console_table(summary))
    if not args.no_report:
        report.write(results, summary)


if __name__ == "__main__":
    main()
