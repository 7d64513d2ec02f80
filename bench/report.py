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

# Issue 15's targets, at the 128 MB share with TLS.
TARGET_SHARE = "128"
TARGET_COLD_RATIO = 1 / 15  # init + first invoke, vs Python's and Node's
# Issue 31: the visitor counter's init + first invoke against Node.js.
COLD_RATIO_OF = {("visitor-counter", "node"): 1 / 20}
TARGET_P50_RATIO = 1 / 3  # warm p50, vs Python's and Node's
TARGET_RSS_MIB = 10.0
TARGET_SIZE_MIB = 7.0
BASELINES = ("python", "node")
NAMES = {"rust": "Rust", "rust-ab": "Rust (B)", "python": "Python", "node": "Node.js", "rust-ct": "Rust (current-thread)"}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def cold_figures(runs):
    """Medians over every cold start of every round."""
    inits = [x for r in runs for x in r["init_all_ms"]]
    firsts = [x for r in runs for x in r["first_all_ms"]]
    return median(inits), median(firsts), median([a + b for a, b in zip(inits, firsts)])


def summarize_share(results, share):
    out = {"functions": {}}
    rounds = [r[share] for r in results["rounds"] if share in r]
    for fn in results["functions"]:
        name = fn["name"]
        per = {"title": fn["title"]}
        for lang in results["langs"]:
            runs = [r[name][lang] for r in rounds]
            boosts = [r[name][f"{lang}_boost"] for r in rounds if f"{lang}_boost" in r[name]]
            init, first, cold = cold_figures(runs)
            m = {
                "init_ms": init, "first_ms": first, "init_first_ms": cold,
                "p50_ms": median([r["warm"]["p50"] for r in runs]),
                "p99_ms": median([r["warm"]["p99"] for r in runs]),
                "rss_mib": median([r["peak_rss_kb"] / 1024 for r in runs if r.get("peak_rss_kb")]),
                "invokes": runs[0]["warm"]["n"],
            }
            if boosts:
                m["boost_init_ms"], m["boost_first_ms"], m["boost_init_first_ms"] = cold_figures(boosts)
            m["failed"] = sum(n for r in runs + boosts for code, n in r.get("statuses", []) if code != 200)
            m["answers"] = sum(n for r in runs + boosts for code, n in r.get("statuses", []))
            size = results["sizes"][name]
            m["size_raw"] = size.get(f"{lang}_raw")
            m["size_zip"] = size.get(f"{lang}_zip")
            per[lang] = m
        out["functions"][name] = per
    floors = [r["floor"] for r in rounds if "floor" in r]
    out["floor"] = {
        lang: {
            "init_ms": median([f[lang]["init_ms"] for f in floors]),
            "first_ms": median([f[lang]["first_ms"] for f in floors]),
            "p50_ms": median([f[lang]["warm"]["p50"] for f in floors]),
            "p99_ms": median([f[lang]["warm"]["p99"] for f in floors]),
            "rss_mib": median([f[lang]["peak_rss_kb"] / 1024 for f in floors]),
        }
        for lang in [lang for lang in results["langs"] if lang != "rust-ab"] + ["rust-ct"]
        if floors and lang in floors[0]
    }
    return out


def summarize(results):
    """Per CPU share, function and runtime: the medians over rounds."""
    out = {"shares": {}, "wrk": {}, "load": None, "runs": results["runs"]}
    loads = []
    for share in results["shares"]:
        out["shares"][share["name"]] = summarize_share(results, share["name"])
        for r in results["rounds"]:
            for fn, entry in r.get(share["name"], {}).items():
                for rep in entry.values():
                    for key in ("loadavg_before", "loadavg_after"):
                        loads += [float(x) for x in rep.get(key, "").split()[:1]]
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


def share_label(share):
    if not share.get("mb"):
        return "the full machine (no CPU share)"
    return (f"{share['mb']:,} MB share: {share['quota_us'] / share['period_us']:.1%} of a CPU "
            f"({share['quota_us']:,} µs per {share['period_us']:,} µs period)")


def targets(per, name, share):
    """(function, label, value, target, met) rows for the performance targets (docs/PERFORMANCE.md)."""
    r = per["rust"]
    rows = []
    for base in BASELINES:
        b = per.get(base)
        if not b:
            continue
        cold_ratio = COLD_RATIO_OF.get((name, base), TARGET_COLD_RATIO)
        for key, how in (("init_first_ms", "init at the share"), ("boost_init_first_ms", "boosted init")):
            if r.get(key) is None or b.get(key) is None:
                continue
            rows.append((name, f"init + first invoke vs {NAMES[base]} ({how})", ratio(r[key], b[key]),
                         f"≤ 1/{1 / cold_ratio:.0f}", r[key] <= b[key] * cold_ratio))
        rows.append((name, f"warm p50 vs {NAMES[base]}", ratio(r["p50_ms"], b["p50_ms"]),
                     f"≤ 1/{1 / TARGET_P50_RATIO:.0f}", r["p50_ms"] <= b["p50_ms"] * TARGET_P50_RATIO))
    rows.append((name, "peak RSS", f"{fmt(r['rss_mib'])} MiB", f"≤ {TARGET_RSS_MIB:g} MiB", r["rss_mib"] <= TARGET_RSS_MIB))
    rows.append((name, "bootstrap (stripped)", mib(r["size_raw"]), f"≤ {TARGET_SIZE_MIB:g} MiB",
                 r["size_raw"] <= TARGET_SIZE_MIB * MIB))
    return rows


def console_table(summary):
    lines = []
    for share, sm in summary["shares"].items():
        lines.append(f"-- {share} MB share")
        lines.append(f"{'function':<18}{'lang':<9}{'init':>9}{'first':>9}{'init+1st':>10}{'boost i+1':>10}"
                     f"{'p50':>8}{'p99':>9}{'RSS MiB':>9}")
        for name, per in sm["functions"].items():
            for lang in ("rust", "rust-ab", "python", "node"):
                m = per.get(lang)
                if not m:
                    continue
                lines.append(
                    f"{name:<18}{lang:<9}{fmt(m['init_ms']):>9}{fmt(m['first_ms']):>9}{fmt(m['init_first_ms']):>10}"
                    f"{fmt(m.get('boost_init_first_ms')):>10}{fmt(m['p50_ms'], 3):>8}{fmt(m['p99_ms'], 3):>9}"
                    f"{fmt(m['rss_mib']):>9}"
                )
        for lang, f in (sm.get("floor") or {}).items():
            lines.append(f"{'floor':<18}{lang:<9}{fmt(f['init_ms']):>9}{fmt(f['first_ms']):>9}{'':>20}"
                         f"{fmt(f['p50_ms'], 3):>8}{fmt(f['p99_ms'], 3):>9}{fmt(f['rss_mib']):>9}")
    for name, w in summary["wrk"].items():
        lines.append(f"wrk {name:<22}{w['rps']:>10,.0f} req/s   p99 {fmt(w['p99_ms'])} ms")
    return "\n".join(lines)


# ---------------------------------------------------------------- chart

def chart(summary, langs):
    """Small multiples: a row per CPU share, a panel per metric, bars per
    function and runtime (log scale: the runtimes differ by orders of magnitude)."""
    import math

    metrics = [
        ("init_first_ms", "Init + first invoke, ms (init at the share)"),
        ("boost_init_first_ms", "Init + first invoke, ms (boosted init)"),
        ("p50_ms", "Warm p50, ms"),
        ("rss_mib", "Peak RSS, MiB"),
    ]
    shares = list(summary["shares"])
    names = list(summary["shares"][shares[0]]["functions"])
    colors = {"rust": "#b7410e", "python": "#3572a5", "node": "#3c873a"}
    labels = {"rust": "Rust", "python": "Python (awslambdaric + boto3)", "node": "Node.js (aws-lambda-ric + SDK v3)"}
    langs = [lang for lang in langs if lang in colors]
    panel_w, panel_h, gap, row_gap = 300, 220, 30, 40
    top, left = 56, 20
    width = left * 2 + len(metrics) * panel_w + (len(metrics) - 1) * gap
    height = top + len(shares) * (panel_h + 36 + row_gap)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="16" font-weight="bold">Rust vs Python vs Node.js under Lambda CPU shares, '
        f'DynamoDB over TLS (median of {summary.get("runs", "?")} runs; log scale; lower is better)</text>',
    ]
    lx = left
    for lang in langs:
        out.append(f'<rect x="{lx}" y="32" width="12" height="12" fill="{colors[lang]}"/>')
        out.append(f'<text x="{lx + 16}" y="43">{labels[lang]}</text>')
        lx += 40 + 7 * len(labels[lang])
    for row, share in enumerate(shares):
        fns = summary["shares"][share]["functions"]
        y0 = top + row * (panel_h + 36 + row_gap)
        for i, (key, label) in enumerate(metrics):
            x0 = left + i * (panel_w + gap)
            values = [fns[n][lang].get(key) for n in names for lang in langs]
            values = [v for v in values if v]
            if not values:
                continue
            lo = 10 ** math.floor(math.log10(min(values)))
            hi = 10 ** math.ceil(math.log10(max(values) * 1.0001))
            span = math.log10(hi) - math.log10(lo) or 1
            plot_h = panel_h - 48
            out.append(f'<text x="{x0 + panel_w / 2}" y="{y0 + 14}" text-anchor="middle" font-weight="bold">'
                       f'{html.escape(share)} MB: {html.escape(label)}</text>')
            base = y0 + 36 + plot_h
            out.append(f'<line x1="{x0}" y1="{base}" x2="{x0 + panel_w}" y2="{base}" stroke="#444"/>')
            group_w = panel_w / len(names)
            bar_w = min(30, (group_w - 12) / len(langs))
            for j, n in enumerate(names):
                gx = x0 + j * group_w + (group_w - bar_w * len(langs)) / 2
                for k, lang in enumerate(langs):
                    v = fns[n][lang].get(key)
                    if not v:
                        continue
                    h = max(1.0, plot_h * (math.log10(v) - math.log10(lo)) / span)
                    bx = gx + k * bar_w
                    out.append(f'<rect x="{bx:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                               f'fill="{colors[lang]}"/>')
                    out.append(f'<text x="{bx + bar_w / 2 - 1:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" '
                               f'font-size="9">{fmt(v, 2 if v < 10 else 1)}</text>')
                out.append(f'<text x="{x0 + j * group_w + group_w / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                           f'font-size="11">{html.escape(n)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- levers

def lever_rows():
    if not LEVERS.exists():
        return []
    return json.loads(LEVERS.read_text())


LEVER_KEYS = ("init_ms", "first_ms", "p50_ms", "p99_ms", "raw_p50_ms", "overhead_ms", "rss_mib", "size_raw", "size_zip")
SHARE_LEVER_KEYS = ("init_ms", "first_ms", "init_first_ms", "boost_init_ms", "boost_first_ms", "boost_init_first_ms",
                    "p50_ms", "p99_ms", "rss_mib", "size_raw", "size_zip")


def lever_figures(functions, lang):
    return {fn: {k: round(per[lang][k], 4) if isinstance(per[lang][k], float) else per[lang][k]
                 for k in SHARE_LEVER_KEYS if per[lang].get(k) is not None}
            for fn, per in functions.items()}


def record_lever(name, what, path=RESULTS):
    """A lever step, at the 128 MB share (else the first share measured).
    From an A/B run (`bench.py --ab DIR`), `before` is the current build
    and `after` the one in DIR, measured in the same rounds."""
    results = json.loads(Path(path).read_text())
    summary = summarize(results)
    share = TARGET_SHARE if TARGET_SHARE in summary["shares"] else next(iter(summary["shares"]))
    functions = summary["shares"][share]["functions"]
    ab = "rust-ab" in results["langs"]
    steps = [s for s in lever_rows() if s["name"] != name]
    steps.append({"name": name, "what": what, "date": results["finished"][:10], "runs": results["runs"],
                  "invokes": results["invokes"], "cold_starts": results["cold_starts"], "load": summary["load"],
                  "share": share, "tls": True,
                  "before": lever_figures(functions, "rust") if ab else None,
                  "figures": lever_figures(functions, "rust-ab" if ab else "rust")})
    LEVERS.write_text(json.dumps(steps, indent=1) + "\n")
    print(f"recorded lever step {name!r} in {LEVERS.relative_to(ROOT)}")


def share_lever_section(steps):
    lines = [
        "## Levers under the 128 MB share, over TLS",
        "",
        "A/B runs as below, but with every process in the 128 MB share's cgroup and DynamoDB behind the TLS",
        "proxy (`bench/bench.py --langs rust --skip-wrk --ab DIR [--ab-env NAME=VALUE]`). Cells read",
        "*without → with*; \"at share\" is init under the share's quota, \"boosted\" is init with a full CPU.",
        "",
    ]
    fns = list(steps[-1]["figures"])
    for fn in fns:
        lines += [f"**{fn}**", "",
                  "| step | init ms (at share) | first invoke ms | init + first (at share) | init (boosted) | "
                  "first (after boosted init) | init + first (boosted) | warm p50 ms | peak RSS MiB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in steps:
            f = s["figures"].get(fn)
            if not f:
                continue
            prev = (s.get("before") or {}).get(fn)

            def cell(key, digits=2, f=f, prev=prev):
                if f.get(key) is None:
                    return "–"
                if prev is None or prev.get(key) is None:
                    return fmt(f[key], digits)
                return f"{fmt(prev[key], digits)} → {fmt(f[key], digits)}"

            lines.append(f"| {s['name']} | {cell('init_ms')} | {cell('first_ms')} | {cell('init_first_ms')} | "
                         f"{cell('boost_init_ms')} | {cell('boost_first_ms')} | {cell('boost_init_first_ms')} | "
                         f"{cell('p50_ms', 3)} | {cell('rss_mib')} |")
        lines.append("")
    lines += ["Steps:", ""]
    for s in steps:
        load = s.get("load") or {}
        lines.append(f"- **{s['name']}** ({s['date']}, {s['runs']} runs × {s.get('cold_starts', 1)} cold starts per "
                     f"init mode × {s['invokes']} warm invokes, load {fmt(load.get('min'))}–{fmt(load.get('max'))}): "
                     f"{s['what']}")
    lines.append("")
    return lines


def lever_section():
    all_steps = lever_rows()
    lines = []
    share_steps = [s for s in all_steps if s.get("share")]
    if share_steps:
        lines += share_lever_section(share_steps)
    steps = [s for s in all_steps if not s.get("share")]
    if not steps:
        return lines
    lines += [
        "## Earlier levers (full machine, plain HTTP)",
        "",
        "Recorded before the CPU shares and the TLS proxy existed: every process on the full 2 cores, DynamoDB",
        "Local over plain HTTP, which is why these figures are far below the tables above.",
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

def package(lang, m):
    if lang.startswith("rust"):
        return mib(m["size_raw"]), mib(m["size_zip"])
    return kib(m["size_raw"]) + " + runtime's SDK", kib(m["size_zip"])


def share_section(results, share, sm, langs):
    md = [
        f"## {share['mb']:,} MB" if share.get("mb") else "## Full machine",
        "",
        f"Every function process runs in a cgroup with the CPU of the {share_label(share)}." if share.get("mb") else
        "No CPU share (cgroup v1 cpu was not writable).",
        "Two assumptions for init, both measured (each on its own fresh processes): **at share**, the process lives",
        "in the share's cgroup from spawn, so init gets the share's CPU too; **boosted**, the process starts in a",
        "cgroup with one full CPU and moves into the share's cgroup at its first `/next` poll, as reports say",
        "Lambda's init phase runs with more CPU than the memory size buys. *First invoke* is the invocation after",
        "that init; warm p50/p99, peak RSS are from the process with init at the share. Ratios are Rust ÷ baseline.",
        "",
        "| function | runtime | init ms (at share) | first invoke ms | **init + first** (at share) | init ms (boosted) | "
        "first invoke ms | **init + first** (boosted) | warm p50 ms | warm p99 ms | peak RSS MiB | bootstrap / package | zipped |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys = ("init_ms", "first_ms", "init_first_ms", "boost_init_ms", "boost_first_ms", "boost_init_first_ms",
            "p50_ms", "p99_ms", "rss_mib")
    for name, per in sm["functions"].items():
        for lang in langs:
            m = per[lang]
            cells = [fmt(m.get(k), 3 if k in ("p50_ms", "p99_ms") else 2) for k in keys]
            for i in (2, 5):
                cells[i] = f"**{cells[i]}**"
            md.append(f"| {per['title']} | {NAMES[lang]} | " + " | ".join(cells) + " | " + " | ".join(package(lang, m)) + " |")
        for base in BASELINES:
            if base in langs:
                r, b = per["rust"], per[base]
                cells = [ratio(r.get(k), b.get(k)) for k in keys]
                md.append(f"| | *Rust/{NAMES[base]}* | " + " | ".join(f"*{c}*" for c in cells) + " | | |")
    failed = [(per["title"], NAMES[lang], per[lang]["failed"], per[lang]["answers"])
              for per in sm["functions"].values() for lang in langs if per[lang].get("failed")]
    if failed:
        md += ["", "Answers other than 200 (a 503: DynamoDB did not answer within the function's timeouts, "
               "e.g. the 1 s connect timeout, which covers the TLS handshake): " + "; ".join(
                   f"{t} ({r}): {n} of {a}" for t, r, n, a in failed) + ". They are timed like the others."]
    if sm.get("floor"):
        md += [
            "",
            "Runtime floor (a function that answers a fixed 200 and does nothing else, same runtime stack; init at",
            "the share): what the runtime, its interface client and the Runtime API round trip cost alone.",
            "",
            "| runtime floor | init ms | first invoke ms | warm p50 ms | warm p99 ms | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for lang, f in sm["floor"].items():
            md.append(f"| {NAMES.get(lang, lang)} | {fmt(f['init_ms'])} | {fmt(f['first_ms'])} | {fmt(f['p50_ms'], 3)} | "
                      f"{fmt(f['p99_ms'], 3)} | {fmt(f['rss_mib'])} |")
    md.append("")
    return md


INTRO = """After reading this page you can run `make bench` and read what it measured: init, first invoke,
warm latency, memory and package size of the Lambdas, beside the same handlers in Python and Node.js.

`make bench` builds the release bootstraps of `resume`, `visitor-counter` and `dynamodbmanager` (the
owner's `resume-write` is not measured) and measures them as a deployed function sees them, beside
the same three handlers in Python (boto3 under `awslambdaric`) and Node.js (AWS SDK
for JavaScript v3 under `aws-lambda-ric`), all under one Lambda Runtime API emulator:

- each function process runs in a cgroup with the CPU quota of a 128 MB, then a 1,024 MB
  function. Init is measured twice: at that share, and "boosted" with a full CPU;
- DynamoDB Local sits behind a TLS proxy (stunnel, with a test CA that every runtime trusts the
  standard way), so a first invoke pays a TLS handshake;
- then, in **region mode**, every DynamoDB connection also crosses a delay proxy (a fixed delay
  each way, `--region-ms`), as a call from Lambda to DynamoDB in a region does: every runtime again,
  the Rust functions at each size of `--memory-shares` (the memory table), each kind of counted
  view with and without the delay, and the cost per million views at list prices.

It reports init, first invoke, warm p50/p99, peak RSS, package size, and local-api throughput
with wrk (for `/visitorcount`, counted views: wrk sends an allowed Origin and a browser
User-Agent). It regenerates this page: the tables per CPU share, the chart, the machine's load,
the targets, and what each lever bought ([bench/NOTES.md](../bench/NOTES.md)). It is not part of
`make test`: nothing there depends on timing. It needs root for the cgroups; without it, it
measures on the full machine and says so."""


def write(results, summary):
    langs = [lang for lang in results["langs"] if lang != "rust-ab"]
    mach = results["machine"]
    load = summary["load"] or {}
    md = [
        "# Performance",
        "",
        "<!-- Generated by `make bench` (bench/bench.py, bench/report.py). Do not edit by hand. -->",
        "",
        *INTRO.split("\n"),
        "",
        f"Measured {results['started'][:16].replace('T', ' ')} UTC on {mach['cpu']}, {mach['cores']} cores, "
        f"{mach['memory_gib']} GiB (Linux {mach['kernel']}). The release bootstraps of resume, visitor-counter and dynamodbmanager, beside the same "
        "three handlers in Python (boto3 under awslambdaric) and Node.js (AWS SDK for JavaScript v3 under "
        "aws-lambda-ric), under a Lambda Runtime API emulator, against DynamoDB Local **behind a TLS proxy** "
        "(stunnel; the endpoint is `https://`, so a first invoke pays a TLS handshake as in AWS), each function "
        "process **in a cgroup with the CPU quota of a Lambda memory size** (AWS: one full vCPU at 1,769 MB). "
        f"Every figure is the median of {results['runs']} runs; in each run each function is started "
        f"{results.get('cold_starts', 1)} times per init mode as a fresh process serving one event (init and first "
        f"invoke: the median over all of those starts), and one process then serves {results['invokes']} warm invokes.",
        "",
        f"**Machine load during the run**: the machine (2 cores) was shared with other engineers' builds; the "
        f"1-minute load average ranged {fmt(load.get('min'))}–{fmt(load.get('max'))} (median {fmt(load.get('median'))}) "
        "over the measurements (per phase: " + ", ".join(
            f"{x['phase']} {x['loadavg'][0]}" for x in results.get("loads", [])) + "). A CPU quota caps what a "
        "function may use; it does not reserve a core, so on a loaded machine the figures include waiting for one.",
        "",
        "![Rust vs Python vs Node.js: init + first invoke, warm p50, peak RSS per CPU share](performance.svg)",
        "",
    ]
    share_by_name = {s["name"]: s for s in results["shares"]}
    for name, sm in summary["shares"].items():
        md += share_section(results, share_by_name[name], sm, langs)
    deps = results.get("python_dependencies")
    if deps and "python" in langs:
        md += [
            "Package sizes are the handler source alone for Python and Node.js, which is all such a function ships",
            "when it relies on the runtime's SDK (boto3, AWS SDK for JavaScript v3). Vendoring boto3 and its",
            f"dependencies would add {mib(deps['raw'])} ({mib(deps['zip'])} zipped).",
            "",
        ]
    if TARGET_SHARE in summary["shares"]:
        md += [f"## Targets (Rust, {TARGET_SHARE} MB share, TLS)", "",
               "| function | metric | measured | target | met |", "|---|---|---:|---:|:---:|"]
        for name, per in summary["shares"][TARGET_SHARE]["functions"].items():
            for fn, label, value, target, met in targets(per, name, TARGET_SHARE):
                md.append(f"| {fn} | {label} | {value} | {target} | {'yes' if met else '**no**'} |")
        md.append("")
    if summary["wrk"]:
        ws = results["wrk_settings"]
        md += [
            "## Local API throughput (wrk)",
            "",
            f"`wrk -t{ws['threads']} -c{ws['connections']} -d{ws['seconds']}s --latency` against `local-api` "
            "(release build, all routes in one process, no CPU share, DynamoDB Local over plain HTTP, its SigV4",
            "gate off since wrk cannot sign: in AWS, API Gateway checks the signature before the function) and, for the",
            "ceiling, straight at DynamoDB Local with a minimal request of the same kind. Median of the runs.",
            "",
            "| target | requests/s | p50 ms | p99 ms | DynamoDB requests per call |",
            "|---|---:|---:|---:|---:|",
        ]
        first = next(iter(summary["shares"].values()))
        per_call = {"resume": "1 GetItem", "visitor-counter": "4 (a counted view of a repeat visitor: wrk sends an allowed Origin and a "
                                       "browser User-Agent; 2 UpdateItem, 1 BatchGetItem of the marker and the day, 1 PutItem)",
                    "dynamodbmanager": "1 GetItem", "ddb-getitem": "1 GetItem", "ddb-getitem-c1": "1 GetItem",
                    "ddb-getitem-small": "1 GetItem", "ddb-updateitem": "1 UpdateItem"}
        titles = {n: per["title"] for n, per in first["functions"].items()}
        titles.update({"ddb-getitem-c1": "DynamoDB Local alone: GetItem of the resume, 1 connection (latency floor)",
                       "ddb-getitem": "DynamoDB Local alone: GetItem of the resume (ceiling)",
                       "ddb-getitem-small": "DynamoDB Local alone: GetItem of the small manager item (ceiling)",
                       "ddb-updateitem": "DynamoDB Local alone: UpdateItem ADD (ceiling)"})
        for name, w in summary["wrk"].items():
            md.append(f"| {titles.get(name, name)} | {w['rps']:,.0f} | {fmt(w['p50_ms'])} | {fmt(w['p99_ms'])} | "
                      f"{per_call.get(name, '')} |")
        md.append("")
    import region_report  # noqa: E402 (it imports this module)

    md += region_report.section(results)
    tls = results.get("tls") or {}
    md += ["## How it is measured", "",
           "- `make bench` (bench/run.sh) builds `cargo build --release` of the three bootstrap binaries, `local-api` and",
           "  the harness with the workspace's `[profile.release]`, creates `target/bench/venv` from",
           "  `bench/python/requirements.txt`, runs `npm ci` in `bench/node` (aws-lambda-ric builds its native part),",
           "  installs stunnel4, wrk and aws-lambda-ric's build tools with apt if missing, and runs `bench/bench.py`.",
           "- DynamoDB Local runs in memory on a free port (`dynamodb-local`, crates/testkit); `local-api publish --create-tables`",
           "  creates every table and stores data/resume.json; the dynamodbmanager item is stored by replaying",
           "  events/dynamodbmanager-create.json through the Rust function. The JVM is warmed up before anything counts.",
           "- **TLS**: a test CA and a server certificate for 127.0.0.1 (ECDSA P-256) are made per run with `openssl`;",
           "  stunnel4 terminates TLS on a free port and forwards to DynamoDB Local. The functions trust the test CA",
           "  the standard way: `SSL_CERT_FILE` and `AWS_CA_BUNDLE` name the system CA bundle plus the test CA "
           f"({tls.get('certificates', '?')} certificates, as large as Amazon Linux's bundle), `NODE_EXTRA_CA_CERTS` the test CA.",
           "- **CPU shares**: cgroup v1 `cpu` groups under /sys/fs/cgroup/cpu, `cpu.cfs_quota_us` = MB / 1,769 of the",
           "  100 ms `cpu.cfs_period_us` (7,236 µs at 128 MB, 57,886 µs at 1,024 MB), one with a full CPU for boosted",
           "  inits. `lambda-bench invoke --cgroup DIR [--init-cgroup DIR]` writes the function's pid to `cgroup.procs`",
           "  right after spawning it (and, for a boosted init, again at its first `/next` poll); the harness, stunnel",
           "  and DynamoDB Local run outside the shares. The groups are removed at exit.",
           "- `lambda-bench invoke` (crates/bench) is a Lambda Runtime API emulator: `GET /runtime/invocation/next`,",
           "  `POST .../response`, `.../error`, `/runtime/init/error`. Init = process spawn → first `/next` poll;",
           "  an invoke lasts from the event leaving `/next` to its result arriving (Lambda's `Duration`). Each answer's",
           "  `statusCode` is checked: a run with an unexpected answer fails instead of being timed.",
           "- The function sees a Lambda-like environment only (memory size of the share, JSON log format at INFO via",
           "  `AWS_LAMBDA_LOG_LEVEL`/`AWS_LAMBDA_LOG_FORMAT`, region, static credentials, `AWS_ENDPOINT_URL_DYNAMODB`);",
           "  logs go to target/bench/logs/.",
           "- Python: the three handlers written the usual way (`boto3.resource` at module load), run by",
           "  `python -m awslambdaric`. Node.js: the same handlers with `DynamoDBDocumentClient` created at module load",
           "  (bench/node), run by `aws-lambda-ric` (AWS's Runtime Interface Client from npm, built here). Both under the",
           "  same emulator. Their visitor counters make the DynamoDB calls one after another, as a typical handler",
           "  does; the Rust one runs them in two rounds of two calls at once.",
           "- **Region mode**: `lambda-bench delay-proxy` (crates/bench/src/delay.rs) relays each connection to stunnel,",
           "  holding every chunk for the delay in each direction and a new connection for one round trip (TCP's",
           "  handshake). Round trips, calls and units per kind of view come from `tests/tests/it/view_cost.rs`, which",
           "  bench/run.sh runs with `VIEW_COST_OUT`. Init CPU and first-invoke CPU are the process's threads' time on",
           "  the CPU (`/proc/PID/task/*/schedstat`).",
           "- Peak RSS is `VmHWM` of the runtime process after the last invoke (MiB = 2^20 bytes).",
           "- Sizes: the stripped release binary and a deflate-9 zip of it as `bootstrap`; the Python and Node.js",
           "  packages are their handler source.",
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
