#!/usr/bin/env python3
"""Turns target/bench/results.json into docs/PERFORMANCE.md and
docs/performance.svg (standard library only).

    python3 bench/report.py                      # rewrite the docs from the last run
    python3 bench/report.py lever NAME "what"    # append the last run's Rust figures
                                                 # to bench/levers.json as a lever step
"""

import html
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "target" / "bench" / "results.json"
LEVERS = ROOT / "bench" / "levers.json"
DOC = ROOT / "docs" / "PERFORMANCE.md"
CHART = ROOT / "docs" / "performance.svg"
MIB = 1024 * 1024

# The targets, on this machine.
TARGET_INIT_MS = 8.0
TARGET_INIT_RATIO = 1 / 35
TARGET_P50_RATIO = 1 / 4
TARGET_OVERHEAD_MS = 0.2
TARGET_RSS_MIB = 10.0
TARGET_SIZE_MIB = 6.0


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(results):
    """Per function and language: the median over rounds of every figure."""
    out = {"functions": {}, "wrk": {}, "load": None}
    loads = []
    for fn in results["functions"]:
        name = fn["name"]
        rounds = [r[name] for r in results["rounds"]]
        per = {"title": fn["title"]}
        for lang in results["langs"]:
            runs = [r[lang] for r in rounds]
            raws = [r[f"{lang}_raw"] for r in rounds]
            for r in runs:
                loads += [float(x) for x in r.get("loadavg_before", "").split()[:1]]
                loads += [float(x) for x in r.get("loadavg_after", "").split()[:1]]
            m = {
                "init_ms": median([r["init_ms"] for r in runs]),
                "first_ms": median([r["first_ms"] for r in runs]),
                "p50_ms": median([r["warm"]["p50"] for r in runs]),
                "p99_ms": median([r["warm"]["p99"] for r in runs]),
                "rss_mib": median([r["peak_rss_kb"] / 1024 for r in runs if r.get("peak_rss_kb")]),
                "raw_p50_ms": median([r["warm"]["p50"] for r in raws]),
                "raw_p99_ms": median([r["warm"]["p99"] for r in raws]),
                "overhead_ms": median([a["warm"]["p50"] - b["warm"]["p50"] for a, b in zip(runs, raws)]),
                "invokes": runs[0]["warm"]["n"],
            }
            size = results["sizes"][name]
            m["size_raw"] = size[f"{lang}_raw"]
            m["size_zip"] = size[f"{lang}_zip"]
            per[lang] = m
        out["functions"][name] = per
    floors = [r["floor"] for r in results["rounds"] if "floor" in r]
    out["floor"] = {
        lang: {
            "init_ms": median([f[lang]["init_ms"] for f in floors]),
            "p50_ms": median([f[lang]["warm"]["p50"] for f in floors]),
            "p99_ms": median([f[lang]["warm"]["p99"] for f in floors]),
            "rss_mib": median([f[lang]["peak_rss_kb"] / 1024 for f in floors]),
        }
        for lang in [l for l in results["langs"] if l != "rust-ab"] + ["rust-ct"]
        if floors and lang in floors[0]
    }
    for name, runs in (results.get("wrk") or {}).items():
        out["wrk"][name] = {
            "rps": median([r["rps"] for r in runs]),
            "p50_ms": median([r["p50_ms"] for r in runs]),
            "p99_ms": median([r["p99_ms"] for r in runs]),
        }
        for r in runs:
            loads.append(float(r["loadavg"][0]))
    if loads:
        out["load"] = {"min": min(loads), "median": statistics.median(loads), "max": max(loads)}
    return out


def fmt(v, digits=2):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def ratio(a, b):
    if a is None or b in (None, 0):
        return "–"
    r = a / b
    if r < 0.1:
        return f"1/{1 / r:.0f}"
    return f"{r:,.0f}×" if r >= 10 else f"{r:.2f}×"


def mib(n):
    return f"{n / MIB:.2f} MiB"


def kib(n):
    return f"{n / 1024:.1f} KiB"


def targets(m, py):
    """(label, value, target, met) for the Rust figures `m` beside Python `py`."""
    rows = [
        ("init", f"{fmt(m['init_ms'])} ms", f"≤ {TARGET_INIT_MS:g} ms", m["init_ms"] <= TARGET_INIT_MS),
        ("peak RSS", f"{fmt(m['rss_mib'])} MiB", f"≤ {TARGET_RSS_MIB:g} MiB", m["rss_mib"] <= TARGET_RSS_MIB),
        ("bootstrap (stripped)", mib(m["size_raw"]), f"≤ {TARGET_SIZE_MIB:g} MiB", m["size_raw"] <= TARGET_SIZE_MIB * MIB),
        ("handler overhead", f"{fmt(m['overhead_ms'], 3)} ms", f"≤ {TARGET_OVERHEAD_MS:g} ms",
         m["overhead_ms"] <= TARGET_OVERHEAD_MS),
    ]
    if py:
        rows.insert(1, ("init vs Python", ratio(m["init_ms"], py["init_ms"]), "≤ 1/35",
                        m["init_ms"] <= py["init_ms"] * TARGET_INIT_RATIO))
        rows.insert(2, ("warm p50 vs Python", ratio(m["p50_ms"], py["p50_ms"]), "≤ 1/4",
                        m["p50_ms"] <= py["p50_ms"] * TARGET_P50_RATIO))
    return rows


def console_table(summary):
    lines = [f"{'function':<18}{'lang':<8}{'init':>9}{'first':>9}{'p50':>8}{'p99':>8}{'raw p50':>9}{'overhead':>10}{'RSS MiB':>9}{'size':>11}"]
    for name, per in summary["functions"].items():
        for lang in ("rust", "rust-ab", "python"):
            m = per.get(lang)
            if not m:
                continue
            lines.append(
                f"{name:<18}{lang:<8}{fmt(m['init_ms']):>9}{fmt(m['first_ms']):>9}{fmt(m['p50_ms'], 3):>8}"
                f"{fmt(m['p99_ms'], 3):>8}{fmt(m['raw_p50_ms'], 3):>9}{fmt(m['overhead_ms'], 3):>10}"
                f"{fmt(m['rss_mib']):>9}{m['size_raw'] / MIB:>10.2f}M"
            )
    for lang, f in (summary.get("floor") or {}).items():
        lines.append(f"{'floor':<18}{lang:<8}{fmt(f['init_ms']):>9}{'':>9}{fmt(f['p50_ms'], 3):>8}{fmt(f['p99_ms'], 3):>8}"
                     f"{'':>19}{fmt(f['rss_mib']):>9}")
    for name, w in summary["wrk"].items():
        lines.append(f"wrk {name:<22}{w['rps']:>10,.0f} req/s   p99 {fmt(w['p99_ms'])} ms")
    return "\n".join(lines)


# ---------------------------------------------------------------- chart

def chart(summary, langs):
    """Small multiples: per metric, Rust and Python bars per function."""
    metrics = [
        ("init_ms", "Init (ms)"),
        ("first_ms", "First invoke (ms)"),
        ("p50_ms", "Warm p50 (ms)"),
        ("rss_mib", "Peak RSS (MiB)"),
    ]
    names = list(summary["functions"])
    colors = {"rust": "#b7410e", "python": "#3572a5"}
    panel_w, panel_h, gap = 300, 220, 30
    top, left = 56, 20
    width = left * 2 + len(metrics) * panel_w + (len(metrics) - 1) * gap
    height = top + panel_h + 36
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="16" font-weight="bold">Rust bootstrap vs Python boto3 '
        f'(median of {summary.get("runs", "?")} runs; lower is better)</text>',
    ]
    lx = left
    for lang in langs:
        out.append(f'<rect x="{lx}" y="32" width="12" height="12" fill="{colors[lang]}"/>')
        out.append(f'<text x="{lx + 16}" y="43">{"Rust" if lang == "rust" else "Python (awslambdaric + boto3)"}</text>')
        lx += 60 if lang == "rust" else 220
    for i, (key, label) in enumerate(metrics):
        x0 = left + i * (panel_w + gap)
        y0 = top
        values = [summary["functions"][n][lang][key] for n in names for lang in langs]
        vmax = max(v for v in values if v is not None) or 1
        plot_h = panel_h - 48
        out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 + 14}" text-anchor="middle" font-weight="bold">{label}</text>')
        base = y0 + 36 + plot_h
        out.append(f'<line x1="{x0}" y1="{base}" x2="{x0 + panel_w}" y2="{base}" stroke="#444"/>')
        group_w = panel_w / len(names)
        bar_w = min(34, (group_w - 16) / len(langs))
        for j, n in enumerate(names):
            gx = x0 + j * group_w + (group_w - bar_w * len(langs)) / 2
            for k, lang in enumerate(langs):
                v = summary["functions"][n][lang][key]
                h = max(1.0, plot_h * v / vmax)
                bx = gx + k * bar_w
                out.append(f'<rect x="{bx:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{colors[lang]}"/>')
                out.append(f'<text x="{bx + bar_w / 2 - 1:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" font-size="10">{fmt(v, 2 if v < 10 else 1)}</text>')
            out.append(f'<text x="{x0 + j * group_w + group_w / 2:.1f}" y="{base + 16}" text-anchor="middle" font-size="11">{html.escape(n)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- levers

def lever_rows():
    if not LEVERS.exists():
        return []
    return json.loads(LEVERS.read_text())


LEVER_KEYS = ("init_ms", "first_ms", "p50_ms", "p99_ms", "raw_p50_ms", "overhead_ms", "rss_mib", "size_raw", "size_zip")


def lever_figures(summary, lang):
    return {fn: {k: round(per[lang][k], 4) if isinstance(per[lang][k], float) else per[lang][k] for k in LEVER_KEYS}
            for fn, per in summary["functions"].items()}


def record_lever(name, what, path=RESULTS):
    """A lever step. From an A/B run (`bench.py --ab DIR`), `before` is the
    current build and `after` the one in DIR, measured in the same rounds."""
    results = json.loads(Path(path).read_text())
    summary = summarize(results)
    ab = "rust-ab" in results["langs"]
    steps = [s for s in lever_rows() if s["name"] != name]
    steps.append({"name": name, "what": what, "date": results["finished"][:10], "runs": results["runs"],
                  "invokes": results["invokes"], "load": summary["load"],
                  "before": lever_figures(summary, "rust") if ab else None,
                  "figures": lever_figures(summary, "rust-ab" if ab else "rust")})
    LEVERS.write_text(json.dumps(steps, indent=1) + "\n")
    print(f"recorded lever step {name!r} in {LEVERS.relative_to(ROOT)}")


def lever_section():
    steps = lever_rows()
    if not steps:
        return []
    lines = [
        "## What each lever bought",
        "",
        "Each lever was measured as an A/B run: the build without it and the build with it, interleaved in",
        "the same rounds against the same DynamoDB Local (`bench/bench.py --ab DIR`), so machine load hits",
        "both alike; cells read *without → with* (Rust bootstraps, medians). Compare within a row: absolute",
        "figures move between runs with the machine's load (see the runtime floor above). The baseline row",
        "is a plain run of the workspace as it landed. Steps apply on top of each other, except the ones",
        "marked not kept or proposed. Recorded with",
        "`python3 bench/report.py lever NAME \"what\" [results.json]` into `bench/levers.json`.",
        "",
    ]
    fns = list(steps[-1]["figures"])
    for fn in fns:
        lines += [f"**{fn}**", "",
                  "| step | init ms | first invoke ms | warm p50 ms | overhead ms | peak RSS MiB | bootstrap MiB | zip MiB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for s in steps:
            f = s["figures"].get(fn)
            if not f:
                continue
            prev = (s.get("before") or {}).get(fn)

            def cell(key, scale=1.0, digits=2):
                v = f[key] / scale
                if prev is None or prev.get(key) is None:
                    return fmt(v, digits)
                return f"{fmt(prev[key] / scale, digits)} → {fmt(v, digits)}"

            lines.append(
                f"| {s['name']} | {cell('init_ms')} | {cell('first_ms')} | {cell('p50_ms', digits=3)} | "
                f"{cell('overhead_ms', digits=3)} | {cell('rss_mib')} | {cell('size_raw', MIB)} | {cell('size_zip', MIB)} |"
            )
        lines.append("")
    lines.append("Steps:")
    lines.append("")
    for s in steps:
        load = s.get("load") or {}
        lines.append(f"- **{s['name']}** ({s['date']}, {s['runs']} runs × {s['invokes']} invokes, "
                     f"load {fmt(load.get('min'))}–{fmt(load.get('max'))}): {s['what']}")
    lines.append("")
    return lines


# ---------------------------------------------------------------- document

def write(results, summary):
    summary["runs"] = results["runs"]
    langs = [lang for lang in results["langs"] if lang != "rust-ab"]
    mach = results["machine"]
    md = [
        "# Performance",
        "",
        "<!-- Generated by `make bench` (bench/bench.py, bench/report.py). Do not edit by hand. -->",
        "",
        f"Measured {results['started'][:16].replace('T', ' ')} UTC on {mach['cpu']}, {mach['cores']} cores, "
        f"{mach['memory_gib']} GiB (Linux {mach['kernel']}). Every figure is the median of "
        f"{results['runs']} runs. In each run, each function is started {results.get('cold_starts', 1)} times "
        f"as a fresh process serving one event (init and first invoke: the median of those), and the last "
        f"process then serves {results['invokes']} warm invokes. The machine was shared with other builds: the 1-minute load "
        f"average ranged {fmt(summary['load']['min'])}–{fmt(summary['load']['max'])} "
        f"(median {fmt(summary['load']['median'])}) on 2 cores during the measurements.",
        "",
        "![Rust vs Python: init, first invoke, warm p50, peak RSS](performance.svg)",
        "",
        "## Lambda functions under the Runtime API emulator",
        "",
        "| function | runtime | init ms | first invoke ms | warm p50 ms | warm p99 ms | peak RSS MiB | bootstrap / package | zipped |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, per in summary["functions"].items():
        for lang in langs:
            m = per[lang]
            size = mib(m["size_raw"]) if lang == "rust" else kib(m["size_raw"]) + " + runtime's boto3"
            zsize = mib(m["size_zip"]) if lang == "rust" else kib(m["size_zip"])
            md.append(
                f"| {per['title']} | {'Rust' if lang == 'rust' else 'Python'} | {fmt(m['init_ms'])} | {fmt(m['first_ms'])} | "
                f"{fmt(m['p50_ms'], 3)} | {fmt(m['p99_ms'], 3)} | {fmt(m['rss_mib'])} | {size} | {zsize} |"
            )
        if "python" in langs:
            r, p = per["rust"], per["python"]
            md.append(
                f"| | **Rust/Python** | **{ratio(r['init_ms'], p['init_ms'])}** | **{ratio(r['first_ms'], p['first_ms'])}** | "
                f"**{ratio(r['p50_ms'], p['p50_ms'])}** | **{ratio(r['p99_ms'], p['p99_ms'])}** | "
                f"**{ratio(r['rss_mib'], p['rss_mib'])}** | {ratio(r['size_raw'], p['size_raw'])} | {ratio(r['size_zip'], p['size_zip'])} |"
            )
    deps = results.get("python_dependencies")
    if deps and "python" in langs:
        zips = [per["rust"]["size_zip"] for per in summary["functions"].values()]
        md += [
            "",
            "Size ratios are against the Python handler source alone, which is all a Python function",
            f"ships when it relies on the runtime's boto3. Vendoring boto3 and its dependencies adds {mib(deps['raw'])}",
            f"({mib(deps['zip'])} zipped), against which a zipped Rust bootstrap is "
            f"{ratio(min(zips), deps['zip'])}–{ratio(max(zips), deps['zip'])}.",
        ]
    md += [
        "",
        "## Handler overhead: warm latency minus the raw SDK call",
        "",
        "The raw call is the same DynamoDB work of one request, issued straight through the SDK in a loop",
        "(Rust: `lambda-bench raw`, with `domain::dynamo::client()`, the Lambdas' own client; Python: boto3's",
        "resource API in `bench/python/raw_sdk.py`), in the same run against the same DynamoDB Local. The",
        "overhead is what the function adds on top: the Runtime API round trip, event parsing, routing,",
        "middleware, JSON, logging.",
        "",
        "| function | runtime | warm p50 ms | raw SDK p50 ms | overhead ms | Rust/Python |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, per in summary["functions"].items():
        for lang in langs:
            m = per[lang]
            rel = ratio(per["rust"]["overhead_ms"], per["python"]["overhead_ms"]) if lang == "rust" and "python" in langs else ""
            md.append(f"| {per['title']} | {'Rust' if lang == 'rust' else 'Python'} | {fmt(m['p50_ms'], 3)} | "
                      f"{fmt(m['raw_p50_ms'], 3)} | {fmt(m['overhead_ms'], 3)} | {rel} |")
    if summary.get("floor"):
        md += [
            "",
            "The runtime floor is a function that answers every event with a fixed 200 and does nothing else, on",
            "the same stack (Rust: tokio + lambda_http, the `lambda-bench floor-function` bootstrap; Python:",
            "awslambdaric, bench/python/floor.py). Its warm latency is the Runtime API round trip plus event",
            "parsing and response serialisation: the part of the handler overhead no handler code can remove.",
            "",
            "| runtime floor | init ms | warm p50 ms | warm p99 ms | peak RSS MiB |",
            "|---|---:|---:|---:|---:|",
        ]
        names = {"rust": "Rust (multi-threaded tokio, as the functions run)", "rust-ct": "Rust (current-thread tokio)",
                 "python": "Python"}
        for lang, f in summary["floor"].items():
            md.append(f"| {names.get(lang, lang)} | {fmt(f['init_ms'])} | {fmt(f['p50_ms'], 3)} | "
                      f"{fmt(f['p99_ms'], 3)} | {fmt(f['rss_mib'])} |")
    md += ["", "## Targets (Rust)", "",
           "| function | metric | measured | target | met |", "|---|---|---:|---:|:---:|"]
    for name, per in summary["functions"].items():
        for label, value, target, met in targets(per["rust"], per.get("python")):
            md.append(f"| {name} | {label} | {value} | {target} | {'yes' if met else '**no**'} |")
    if "python" in langs:
        floor_c1 = (summary["wrk"].get("ddb-getitem-c1") or {}).get("p50_ms")
        md += [
            "",
            "What the warm-p50 target asks for, beside what the DynamoDB work alone takes here: the Rust",
            "raw SDK call, and DynamoDB Local answering wrk's GetItem of the resume on one connection.",
            "",
            "| function | Python p50 / 4 (target) | Rust raw SDK p50 | DynamoDB Local GetItem p50, 1 connection | Rust p50 |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, per in summary["functions"].items():
            md.append(f"| {per['title']} | {fmt(per['python']['p50_ms'] / 4, 3)} | {fmt(per['rust']['raw_p50_ms'], 3)} | "
                      f"{fmt(floor_c1, 3) if floor_c1 is not None else '–'} | {fmt(per['rust']['p50_ms'], 3)} |")
    if summary["wrk"]:
        ws = results["wrk_settings"]
        md += [
            "",
            "## Local API throughput (wrk)",
            "",
            f"`wrk -t{ws['threads']} -c{ws['connections']} -d{ws['seconds']}s --latency` against `local-api` "
            "(release build, all routes in one process) and, for the ceiling, straight at DynamoDB Local with a",
            "minimal request of the same kind. Median of the runs. Everything shares the same 2 cores: wrk,",
            "local-api and the DynamoDB Local JVM.",
            "",
            "| target | requests/s | p50 ms | p99 ms | DynamoDB requests per call |",
            "|---|---:|---:|---:|---:|",
        ]
        per_call = {"resume": "1 GetItem", "visitor-counter": "3–4 (UpdateItem, PutItem, conditional PutItem, GetItem)",
                    "dynamodbmanager": "1 GetItem", "ddb-getitem": "1 GetItem", "ddb-getitem-c1": "1 GetItem",
                    "ddb-getitem-small": "1 GetItem", "ddb-updateitem": "1 UpdateItem"}
        titles = {n: per["title"] for n, per in summary["functions"].items()}
        titles.update({"ddb-getitem-c1": "DynamoDB Local alone: GetItem of the resume, 1 connection (latency floor)",
                       "ddb-getitem": "DynamoDB Local alone: GetItem of the resume (ceiling)",
                       "ddb-getitem-small": "DynamoDB Local alone: GetItem of the small manager item (ceiling)",
                       "ddb-updateitem": "DynamoDB Local alone: UpdateItem ADD (ceiling)"})
        for name, w in summary["wrk"].items():
            md.append(f"| {titles.get(name, name)} | {w['rps']:,.0f} | {fmt(w['p50_ms'])} | {fmt(w['p99_ms'])} | {per_call.get(name, '')} |")
    md += ["", "## How it is measured", "",
           "- `make bench` (bench/run.sh) builds `cargo build --release` of the three bootstrap binaries, `local-api` and",
           "  the harness with the workspace's `[profile.release]` (the profile `sam build`/cargo-lambda deploys; the",
           "  deployed build additionally targets the Lambda CPU), creates `target/bench/venv` from",
           "  `bench/python/requirements.txt`, installs `wrk` with apt if missing, and runs `bench/bench.py`.",
           "- DynamoDB Local runs in memory on a free port (`dynamodb-local`, crates/testkit); `local-api seed --create-table`",
           "  creates every table and stores data/resume.json; the dynamodbmanager item is stored by replaying",
           "  events/dynamodbmanager-create.json through the Rust function. The JVM is warmed up before anything counts.",
           "- `lambda-bench invoke` (crates/bench) is a Lambda Runtime API emulator: `GET /runtime/invocation/next`,",
           "  `POST .../response`, `.../error`, `/runtime/init/error`. Init = process spawn → first `/next` poll;",
           "  an invoke lasts from the event leaving `/next` to its result arriving (Lambda's `Duration`). Each answer's",
           "  `statusCode` is checked: a run with an unexpected answer fails instead of being timed.",
           "- The function sees a Lambda-like environment only (128 MB memory setting, JSON log format, region,",
           "  static credentials, `AWS_ENDPOINT_URL_DYNAMODB`); logs go to target/bench/logs/.",
           "- Python: the same three handlers written the usual way (`boto3.resource` at module load, the",
           "  serverless-lab operation table), run by `python -m awslambdaric` (AWS's runtime interface client) against",
           "  the same emulator. The visitor counter's Python handler makes its DynamoDB calls one after another, as",
           "  a typical boto3 handler does; the Rust one issues them concurrently.",
           "- Peak RSS is `VmHWM` of the runtime process after the last invoke (MiB = 2^20 bytes).",
           "- Sizes: the stripped release binary and a deflate-9 zip of it as `bootstrap`. The Python package is the",
           "  handler source zipped; the managed runtime brings boto3" + (
               f" (vendoring it would add {mib(deps['raw'])}, {mib(deps['zip'])} zipped)." if deps else "."),
           "",
           "Versions: " + ", ".join(f"{k} `{v}`" for k, v in mach.items() if k not in ("cpu", "cores", "memory_gib", "kernel")) + ".",
           ""]
    if results.get("missing"):
        md += [f"Not measured in this run (no binary or event yet): {', '.join(results['missing'])}.", ""]
    md += lever_section()
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        md += [notes.read_text().rstrip(), ""]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(md))
    CHART.write_text(chart(summary, langs))
    print(f"wrote {DOC.relative_to(ROOT)} and {CHART.relative_to(ROOT)}", file=sys.stderr)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "lever":
        if len(sys.argv) not in (4, 5):
            raise SystemExit('usage: report.py lever NAME "what changed" [results.json]')
        record_lever(*sys.argv[2:])
        return
    results = json.loads(RESULTS.read_text())
    summary = summarize(results)
    print(console_table(summary))
    write(results, summary)


if __name__ == "__main__":
    main()
