"""docs/PERFORMANCE.md's region-latency part: what the functions do when every
DynamoDB call costs a region's round trip, each kind of counted view, the
memory sizes, and the cost per million views (bench/report.py calls it).

Inputs: results.json's `region` (bench/bench.py's region mode) and
`view_cost` (what the integration test tests/tests/it/view_cost.rs measured
under `VIEW_COST_OUT` in bench/run.sh, and when; its figures before issue 31
are in bench/view-cost-before.json), bench/prices.json, and the functions'
MemorySize in template.yaml.
"""

import json
import math
import re
from pathlib import Path

import report as base

ROOT = Path(__file__).resolve().parent.parent
PRICES = ROOT / "bench" / "prices.json"
VIEW_COST_BEFORE = ROOT / "bench" / "view-cost-before.json"
TEMPLATE = ROOT / "template.yaml"
# The mix of views the cost table prices (issue 31).
MIX = {"new visitor": 0.3, "repeat visitor": 0.7}


def load_json(path):
    return json.loads(path.read_text()) if path.exists() else None


def memory_size():
    """The functions' MemorySize (template.yaml's Globals), MB."""
    found = re.search(r"^\s+MemorySize:\s*(\d+)\s*$", TEMPLATE.read_text(), re.M)
    return int(found.group(1)) if found else None


def summarize_runs(runs, boosts):
    init, first, cold = base.cold_figures(runs)
    out = {"init_first_ms": cold, "init_ms": init, "first_ms": first,
           "p50_ms": base.median([r["warm"]["p50"] for r in runs]),
           "p99_ms": base.median([r["warm"]["p99"] for r in runs]),
           "init_cpu_ms": base.median([r.get("init_cpu_ms") for r in runs]),
           "first_cpu_ms": base.median([r.get("first_cpu_ms") for r in runs])}
    if boosts:
        out["boost_init_first_ms"] = base.cold_figures(boosts)[2]
    return out


def summarize(region):
    """{share: {function: {lang: figures}}}, medians over the region rounds."""
    out = {}
    for share in region["shares"]:
        name = share["name"]
        rounds = [r[name] for r in region["rounds"] if name in r]
        per = {}
        for fn in rounds[0] if rounds else {}:
            langs = [k for k in rounds[0][fn] if not k.endswith("_boost")]
            per[fn] = {lang: summarize_runs([r[fn][lang] for r in rounds],
                                            [r[fn][f"{lang}_boost"] for r in rounds if f"{lang}_boost" in r[fn]])
                       for lang in langs}
        out[name] = per
    return out


def round_trip_ms(region):
    """What the delay adds to one call: a GetItem's warm p50 through it
    minus without it."""
    g = region["getitem"]
    return g["delayed"]["warm"]["p50"] - g["direct"]["warm"]["p50"]


def price(prices, key, amount):
    p = prices["prices"][key]
    return amount * p["usd"] / p["per"]


def lambda_cost(prices, mb, duration_ms):
    """USD of one invocation: the request and its duration, billed by the
    millisecond rounded up."""
    return (price(prices, "lambda_requests", 1)
            + price(prices, "lambda_arm64_gb_second", math.ceil(duration_ms) / 1000 * mb / 1024))


def usd(v, digits=4):
    return "–" if v is None else f"${v:,.{digits}f}"


def kinds_section(region, cost):
    kinds = region.get("view_kinds")
    if not kinds:
        return []
    rt = round_trip_ms(region)
    by_kind = {c["kind"]: c for c in (cost or {}).get("kinds", [])}
    md = [
        "### Each kind of counted view",
        "",
        f"The Rust counter alone at the {int(kinds['share']):,} MB share, {region['invokes']} warm invokes of each kind "
        "(`bench/bench.py`'s `VIEW_KINDS`; a new visitor gets a new source address every invoke). Round trips, "
        f"calls and units are what `tests/tests/it/view_cost.rs` measured against DynamoDB Local "
        f"({(cost or {}).get('written', 'not in this run')}, by bench/run.sh) "
        "(round trips: the longest chain of calls each started after the one before it ended; units: "
        "`ReturnConsumedCapacity`, billed as DynamoDB bills them). The last column checks them against the "
        "clock: the warm p50 the delay adds, in round trips of the delay.",
        "",
        "| view | round trips | calls | write units | read units | warm p50 ms, loopback | warm p50 ms, "
        "region | added ÷ round trip |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, direct in kinds["direct"].items():
        delayed = kinds["delayed"][name]
        c = by_kind.get(name, {})
        added = (delayed["warm"]["p50"] - direct["warm"]["p50"]) / rt if rt > 0 else None
        md.append(f"| {name} | {c.get('round_trips', '–')} | {c.get('calls', '–')} | {c.get('write_units', '–')} | "
                  f"{c.get('read_units', '–')} | {base.fmt(direct['warm']['p50'])} | "
                  f"{base.fmt(delayed['warm']['p50'])} | {base.fmt(added, 1)} |")
    return md + [""]


def runtimes_section(summary, shares):
    md = []
    for share in shares:
        per = summary.get(share["name"], {})
        if not per or not any(len(langs) > 1 for langs in per.values()):
            continue
        md += [f"### {share['mb']:,} MB share, every runtime" if share.get("mb") else "### Every runtime", "",
               "| function | runtime | init + first ms (at share) | init + first ms (boosted) | warm p50 ms | "
               "warm p99 ms |", "|---|---|---:|---:|---:|---:|"]
        for fn, langs in per.items():
            rust = langs.get("rust")
            for lang, m in langs.items():
                md.append(f"| {fn} | {base.NAMES.get(lang, lang)} | **{base.fmt(m['init_first_ms'])}** | "
                          f"**{base.fmt(m.get('boost_init_first_ms'))}** | {base.fmt(m['p50_ms'], 3)} | "
                          f"{base.fmt(m['p99_ms'])} |")
            for lang in base.BASELINES:
                b = langs.get(lang)
                if rust and b:
                    md.append(f"| | *Rust/{base.NAMES[lang]}* | *{base.ratio(rust['init_first_ms'], b['init_first_ms'])}* | "
                              f"*{base.ratio(rust.get('boost_init_first_ms'), b.get('boost_init_first_ms'))}* | "
                              f"*{base.ratio(rust['p50_ms'], b['p50_ms'])}* | *{base.ratio(rust['p99_ms'], b['p99_ms'])}* |")
        md.append("")
    return md


def targets_section(summary):
    """The init + first invoke targets (report.py's) with the region's latency."""
    per = summary.get(base.TARGET_SHARE)
    if not per:
        return []
    md = [f"### Cold-start targets with the region's latency ({base.TARGET_SHARE} MB share)", "",
          "The same targets as on loopback. Here every runtime's cold start also waits for its round trips, "
          "and a Rust one is mostly that: TCP's and TLS's handshakes and the init's call, then the first "
          "invoke's calls (one round for the resume and the manager, two for the counter's view): four or "
          "five round trips.", "",
          "| function | metric | measured | target | met |", "|---|---|---:|---:|:---:|"]
    for fn, langs in per.items():
        rust = langs.get("rust")
        for lang in base.BASELINES:
            b = langs.get(lang)
            if not (rust and b):
                continue
            target = base.COLD_RATIO_OF.get((fn, lang), base.TARGET_COLD_RATIO)
            for key, how in (("init_first_ms", "init at the share"), ("boost_init_first_ms", "boosted init")):
                if rust.get(key) is None or b.get(key) is None:
                    continue
                met = rust[key] <= b[key] * target
                md.append(f"| {fn} | init + first invoke vs {base.NAMES[lang]} ({how}) | "
                          f"{base.ratio(rust[key], b[key])} | ≤ 1/{1 / target:.0f} | {'yes' if met else '**no**'} |")
    return md + [""]


def memory_section(summary, region, prices):
    mb_now = memory_size()
    md = [
        "### Memory size",
        "",
        "The Rust functions at each memory size's CPU share, with the region's latency. Cost per million "
        "invocations: the request plus its duration (billed by the millisecond, rounded up) at that size, "
        f"arm64 list price ({prices['region']}, [bench/prices.json](../bench/prices.json)): for a warm one its "
        "warm p50, for a cold one its init + first invoke (init at the share), which Lambda bills for a custom "
        "runtime. Init CPU and first-invoke CPU are the process's own time on the CPU, whatever the share. "
        f"The template's `MemorySize` is {mb_now} MB "
        "([template.yaml](../template.yaml) says why).",
        "",
        "| function | MB | init + first ms (at share) | init + first ms (boosted) | init CPU ms | first invoke CPU ms "
        "| warm p50 ms | warm p99 ms | $ per million warm invocations | $ per million cold invocations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    functions = list(next(iter(summary.values()), {}))
    for fn in functions:
        for share in region["shares"]:
            m = summary.get(share["name"], {}).get(fn, {}).get("rust")
            if not m or not share.get("mb"):
                continue
            warm = lambda_cost(prices, share["mb"], m["p50_ms"]) * 1e6
            cold = lambda_cost(prices, share["mb"], m["init_first_ms"]) * 1e6
            mark = " (template)" if share["mb"] == mb_now else ""
            md.append(f"| {fn} | {share['mb']:,}{mark} | {base.fmt(m['init_first_ms'])} | "
                      f"{base.fmt(m.get('boost_init_first_ms'))} | {base.fmt(m['init_cpu_ms'])} | "
                      f"{base.fmt(m['first_cpu_ms'])} | {base.fmt(m['p50_ms'], 3)} | {base.fmt(m['p99_ms'])} | "
                      f"{usd(warm, 3)} | {usd(cold, 2)} |")
    return md + [""]


def view_cost_rows(prices, units, p50, mb):
    """USD per view for each part, for the MIX of views: units and p50 per kind."""
    def mixed(f):
        return sum(share * f(kind) for kind, share in MIX.items())
    return [
        ("API Gateway REST API call", 1, price(prices, "api_gateway_rest", 1)),
        ("CloudFront HTTPS request (`/api/*`)", 1, price(prices, "cloudfront_https_requests", 1)),
        ("CloudFront Function (SiteApiPathFunction)", 1, price(prices, "cloudfront_functions", 1)),
        ("Lambda request", 1, price(prices, "lambda_requests", 1)),
        (f"Lambda duration (arm64, {mb} MB, billed ms: warm p50 with the region's latency, rounded up)",
         mixed(lambda k: math.ceil(p50[k])),
         mixed(lambda k: price(prices, "lambda_arm64_gb_second", math.ceil(p50[k]) / 1000 * mb / 1024))),
        ("DynamoDB write request units", mixed(lambda k: units[k]["write_units"]),
         price(prices, "dynamodb_write_request_unit", mixed(lambda k: units[k]["write_units"]))),
        ("DynamoDB read request units", mixed(lambda k: units[k]["read_units"]),
         price(prices, "dynamodb_read_request_unit", mixed(lambda k: units[k]["read_units"]))),
    ]


def cost_section(region, cost, before, prices):
    kinds = region.get("view_kinds")
    mb = memory_size()
    if not (kinds and cost and before and mb):
        return ["### Cost per million views", "",
                "Not computed in this run: it needs the region mode's view kinds, `view_cost`'s figures and "
                "bench/view-cost-before.json.", ""]
    rt = round_trip_ms(region)
    after_units = {c["kind"]: c for c in cost["kinds"]}
    before_units = {c["kind"]: c for c in before["kinds"]}
    share = kinds["share"]
    p50_after = {k: kinds["delayed"][k]["warm"]["p50"] for k in MIX}
    # Before: the same code path but for its extra round trips.
    p50_before = {k: p50_after[k] + (before_units[k]["round_trips"] - after_units[k]["round_trips"]) * rt for k in MIX}
    rows_before = view_cost_rows(prices, before_units, p50_before, mb)
    rows_after = view_cost_rows(prices, after_units, p50_after, mb)
    mix = ", ".join(f"{share:.0%} {kind}s" for kind, share in MIX.items())
    md = [
        "### Cost per million views",
        "",
        f"A counted view of the site's counter through the distribution, {mix}, at list prices "
        f"({prices['region']}, collected {prices['checked']}; each price's source, and its date where the source "
        "gives one: [bench/prices.json](../bench/prices.json); most are third parties' copies of AWS's pages). Units per view: `view_cost` in this run (after) and "
        f"[bench/view-cost-before.json](../bench/view-cost-before.json) (before issue 31). Lambda's duration is "
        f"this run's warm p50 with the region's latency (at the {int(share):,} MB share; a view waits on "
        f"DynamoDB, not the CPU); before, the same plus "
        f"{base.fmt(rt)} ms for each round trip more. Left out: free tiers, data transfer, and what the "
        "stack's logs and traces cost (CloudWatch Logs ingestion of the function's and the API's logs, X-Ray "
        "traces, WAF requests when `EdgeProtection` is on).",
        "",
        "| part | per view, before | per view, after | $ per million views, before | after |",
        "|---|---:|---:|---:|---:|",
    ]
    for (name, q_before, c_before), (_, q_after, c_after) in zip(rows_before, rows_after):
        md.append(f"| {name} | {base.fmt(q_before)} | {base.fmt(q_after)} | {usd(c_before * 1e6)} | "
                  f"{usd(c_after * 1e6)} |")
    total_before = sum(c for *_, c in rows_before) * 1e6
    total_after = sum(c for *_, c in rows_after) * 1e6
    md.append(f"| **total** | | | **{usd(total_before)}** | **{usd(total_after)}** |")
    return md + [""]


def section(results):
    """The region-latency part of the page, or nothing without a region run."""
    region = results.get("region")
    if not region:
        return []
    prices = load_json(PRICES)
    cost = results.get("view_cost")
    before = load_json(VIEW_COST_BEFORE)
    summary = summarize(region)
    g = region["getitem"]
    md = [
        "## With a region's latency",
        "",
        f"In a region a DynamoDB call from Lambda costs a few milliseconds; on loopback a fraction of one. So this "
        f"part runs every function with each DynamoDB connection through `lambda-bench delay-proxy`, which holds "
        f"every byte at least {base.fmt(region['one_way_ms'])} ms each way (tokio's timer rounds each wait up "
        f"to its next millisecond), and a new connection one round trip, for TCP's handshake, in front of the "
        f"TLS proxy, so TLS handshakes pay it too. DynamoDB answers in single-digit milliseconds as AWS "
        f"describes it; the delay is issue 31's example (`--region-ms` sets it), and every figure below scales "
        f"with it. A `GetItem` of the resume, warm p50: {base.fmt(g['direct']['warm']['p50'], 3)} ms on "
        f"loopback, {base.fmt(g['delayed']['warm']['p50'], 3)} ms through the delay: "
        f"**{base.fmt(round_trip_ms(region), 3)} ms a round trip**. Unlike the tables above, "
        f"{region['runs']} run{'s' if region['runs'] != 1 else ''}: each function started {results.get('cold_starts', 1)} times per init mode, "
        f"one process then serving {region['invokes']} warm invokes.",
        "",
    ]
    md += kinds_section(region, cost)
    md += runtimes_section(summary, results["shares"])
    md += targets_section(summary)
    if prices:
        md += memory_section(summary, region, prices)
        md += cost_section(region, cost, before, prices)
    return md
