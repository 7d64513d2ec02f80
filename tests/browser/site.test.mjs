// Browser test of the site and its API on one origin, as the stack's
// CloudFront distribution serves them (the site at /, the API at /api/...):
// Debian's headless Chromium, driven by playwright-core, opens the site's
// page and checks that
//   - the resume renders (the one GET /api/resume answers);
//   - the page's view is counted, from a same-origin fetch that carries no
//     Origin header (the counter goes by Sec-Fetch-Site);
//   - every response carries the security headers, and the page runs with
//     zero Content-Security-Policy violations (events and console), while an
//     inline script or style it is given is refused and reported.
//
// Against what:
//   - SITE_URL unset: local-api, started here with DynamoDB Local on free
//     loopback ports (harness.mjs), serving examples/frontend and the API on
//     one origin with template.yaml's headers (`make dev` runs the same), its
//     ALLOWED_ORIGINS naming another site, so only the same origin can count;
//   - SITE_URL=https://<site>: a deployed site (the pipeline's staging
//     check); nothing is started, and the page may load what the resume
//     links to (its photo).
// Run by scripts/browser-test.sh (`make browser-test`, part of `make test`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP_UA, LocalStack, ROOT, launchChromium, recordCspViolations } from "./harness.mjs";

const DEPLOYED = (process.env.SITE_URL || "").replace(/\/+$/, "");
const WORK = mkdtempSync(join(tmpdir(), "site-browser-"));
const stack = DEPLOYED ? null : new LocalStack(WORK);
let site = ""; // the origin, no trailing slash
let browser = null;

before(async () => {
  if (DEPLOYED) {
    assert.match(DEPLOYED, /^https?:\/\/[^/]+$/, `SITE_URL must be an origin, not ${DEPLOYED}`);
    site = DEPLOYED;
  } else {
    stack.startDynamoDb();
    stack.seed();
    // No origin of this test is allow-listed: only the same origin counts.
    site = await stack.startApi("https://elsewhere.example", { SITE_DIR: join(ROOT, "examples/frontend") });
  }
  // A site on loopback (ours, or SITE_URL=http://127.0.0.1:...) reaches
  // loopback only: every other host name (the resume's photo) fails to
  // resolve. (Not a context.route(): intercepted requests do not report the
  // headers Chromium adds, Sec-Fetch-Site.)
  const loopback = ["127.0.0.1", "localhost"].includes(new URL(site).hostname);
  browser = await launchChromium(loopback
    ? ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"] : []);
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.close();
  rmSync(WORK, { recursive: true, force: true });
});

/** A page in a fresh context, recording CSP violations into `page.violations`. */
async function newPage() {
  const context = await browser.newContext({ userAgent: DESKTOP_UA });
  const violations = [];
  await recordCspViolations(context, violations);
  const page = await context.newPage();
  page.violations = violations;
  page.closeAll = () => context.close();
  return page;
}

/** The count as it is, asked in a way that is never counted (no browser headers). */
async function currentCount() {
  const response = await fetch(`${site}/api/visitorcount`, { cache: "no-store" });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.counted, false, "a request from no page counts nothing");
  return body.count;
}

async function settled(page) {
  for (const id of ["resume-status", "visitor-counter", "visitor-chart"]) {
    await page.waitForSelector(`#${id}:is([data-state="ready"], [data-state="error"])`,
      { state: "attached", timeout: 30_000 });
  }
}

test("one origin: the resume renders, the view counts with no Origin header, zero CSP violations", async () => {
  const resume = await (await fetch(`${site}/api/resume`)).json();
  const before = await currentCount();
  const page = await newPage();
  try {
    const counted = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/visitorcount",
      { timeout: 30_000 });
    await page.goto(`${site}/`);
    await settled(page);
    assert.equal(await page.locator("#resume-status").getAttribute("data-state"), "ready");
    assert.equal((await page.locator("h1").textContent()).trim(), resume.basics.name);
    assert.ok(await page.locator("#resume-work").isVisible(), "the work section is shown");

    const response = await counted;
    const sent = await response.request().allHeaders();
    assert.equal(new URL(response.url()).origin, site, "the API is asked on the page's origin");
    assert.equal(sent.origin, undefined, `a same-origin GET sends no Origin: ${JSON.stringify(sent)}`);
    assert.equal(sent["sec-fetch-site"], "same-origin");
    const body = await response.json();
    assert.equal(body.counted, true, `the view was not counted: ${JSON.stringify(body)}`);
    assert.equal(await page.locator("#visitor-counter").getAttribute("data-counted"), "true");
    assert.equal((await page.locator("#visitor-count").textContent()).trim(), String(body.count));
    const now = await currentCount();
    // A deployed site may have other visitors meanwhile.
    if (DEPLOYED) assert.ok(now > before, `count ${before} -> ${now}`);
    else assert.equal(now, before + 1);
    assert.equal(await page.locator("#visitor-chart").getAttribute("data-state"), "ready");
    assert.deepEqual(page.violations, [], "CSP violations");
  } finally {
    await page.closeAll();
  }
});

/** `name` directive's sources in a CSP, or default-src's when it has none. */
function sources(csp, name) {
  const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0])
    .map(([n, ...v]) => [n.toLowerCase(), v]));
  return directives.get(name) ?? directives.get("default-src") ?? ["*"];
}

test("every answer on the origin has the security headers: the page, its scripts and style, /api", async () => {
  for (const [path, type] of [
    ["/", /^text\/html/],
    ["/config.js", /javascript/],
    ["/settings.js", /javascript/],
    ["/resume.js", /javascript/],
    ["/counter.js", /javascript/],
    ["/style.css", /^text\/css/],
    ["/api/resume", /^application\/json/],
    ["/api/visitorcount", /^application\/json/],
  ]) {
    const response = await fetch(`${site}${path}`);
    const h = (name) => response.headers.get(name) ?? "";
    assert.equal(response.status, 200, path);
    // nosniff: a script served as anything else would not run.
    assert.match(h("content-type"), type, path);
    assert.equal(h("x-content-type-options"), "nosniff", path);
    const csp = h("content-security-policy");
    for (const directive of ["script-src", "style-src", "connect-src", "object-src"]) {
      const allowed = sources(csp, directive);
      assert.ok(allowed.length && !allowed.some((s) => s === "*" || /unsafe/.test(s)),
        `${path}: ${directive} ${allowed.join(" ")} (CSP: ${csp})`);
    }
    assert.deepEqual(sources(csp, "connect-src"), ["'self'"], `${path}: ${csp}`);
    assert.ok(/frame-ancestors 'none'/.test(csp) || h("x-frame-options") === "DENY", `${path}: framing`);
    assert.ok(Number(/max-age=(\d+)/.exec(h("strict-transport-security"))?.[1]) >= 31536000,
      `${path}: HSTS ${h("strict-transport-security")}`);
    // Keeps the page's origin in a Referer, so older browsers' views count too.
    assert.ok(["strict-origin-when-cross-origin", "strict-origin", "same-origin", "origin", "origin-when-cross-origin"]
      .includes(h("referrer-policy")), `${path}: Referrer-Policy ${h("referrer-policy")}`);
  }
});

test("the CSP is enforced and its violations are seen: an inline script and style are refused", async () => {
  const page = await newPage();
  try {
    await page.goto(`${site}/`);
    await settled(page);
    assert.deepEqual(page.violations, []);
    await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__inline = 1;";
      document.body.appendChild(script);
      document.body.setAttribute("style", "background: red");
    });
    await page.waitForFunction(() => true);
    await expectViolations(page, ["script-src", "style-src"]);
    assert.equal(await page.evaluate(() => window.__inline), undefined, "the inline script ran");
  } finally {
    await page.closeAll();
  }
});

/** Waits until `page.violations` names each directive (a prefix: script-src-elem). */
async function expectViolations(page, directives) {
  const deadline = Date.now() + 10_000;
  const seen = () => directives.every((d) => page.violations.some((v) => v.startsWith(d) || v.includes(` ${d}`)));
  while (!seen() && Date.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.ok(seen(), `expected ${directives.join(", ")} violations, got ${JSON.stringify(page.violations)}`);
}
