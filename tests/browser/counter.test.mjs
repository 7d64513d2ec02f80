// Browser test of the example resume page and its visitor counter across
// origins (a site hosted elsewhere, CORS; site.test.mjs tests the site and
// the API on one origin): Debian's headless Chromium, driven by
// playwright-core, loads examples/frontend from two origins against a local
// stack that this test starts and stops itself (harness.mjs):
//
//   - DynamoDB Local (in memory, free port, via target/debug/dynamodb-local,
//     the launcher of crates/testkit);
//   - the local API (target/debug/local-api, free port), seeded with
//     data/resume.json, whose ALLOWED_ORIGINS lists origin A (and C);
//   - two static servers of examples/frontend: origin A and origin B;
//   - a third, origin C (allow-listed), serving the site `make site` builds
//     (scripts/site.sh: config.js names the API and the resume id "sample",
//     the official sample resume of @jsonresume/schema, seeded as well),
//     also reached as http://owner.example:<port> (Chromium maps that name
//     to 127.0.0.1: a non-local host name without DNS), allow-listed too;
//   - a fourth, examples/frontend with a config.js that names no API, under
//     owner.example only;
//   - an "attacker" API on loopback that records every request it gets and
//     answers a hostile resume (markup in fields, javascript: links).
//
// Run by scripts/browser-test.sh (`make browser-test`, part of `make test`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStaticServer } from "../../scripts/serve-frontend.mjs";
import { DESKTOP_UA, LocalStack, ROOT, launchChromium } from "./harness.mjs";

const WORK = mkdtempSync(join(tmpdir(), "counter-browser-"));
// Saved for people to look at (CI keeps target/browser-test as an artifact).
const ARTIFACTS = join(ROOT, "target/browser-test");
const RESUME = JSON.parse(readFileSync(join(ROOT, "data/resume.json"), "utf8"));
// The official sample resume (npm @jsonresume/schema), stored as "sample".
const SAMPLE_FILE = join(ROOT, "node_modules/@jsonresume/schema/sample.resume.json");
const SAMPLE = JSON.parse(readFileSync(SAMPLE_FILE, "utf8"));
const SITE_DIR = join(WORK, "site");
const TINY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
// A non-local host name for the page: Chromium resolves it to 127.0.0.1
// (--host-resolver-rules below), as DNS would resolve the owner's domain.
const OWNER_HOST = "owner.example";
// What the attacker's API answers for any resume: markup in text fields, and
// script, data and mixed-case javascript: URLs next to one real https link.
const HOSTILE = {
  basics: {
    name: 'Mallory <img src="x" onerror="window.__pwned=1">',
    label: "<b>not bold</b>",
    email: "mallory@attacker.example",
    url: "javascript:window.__pwned=2",
    profiles: [
      { network: "Script", username: "m", url: "javascript:window.__pwned=3" },
      { network: "Data", url: "data:text/html,<script>window.__pwned=4</script>" },
      { network: "Phone", url: "tel:+15550100" },
      { network: "Web", url: "https://attacker.example/profile" },
    ],
    summary: "<script>window.__pwned=5</script>",
  },
  work: [{
    name: "Evil Corp",
    position: "<i>Boss</i>",
    url: " JaVaScRiPt:window.__pwned=6",
    highlights: ['<img src="x" onerror="window.__pwned=7">'],
  }],
  projects: [{ name: "Trap", url: "vbscript:msgbox(1)" }],
};

const stack = new LocalStack(WORK);
let apiUrl = "";
let browser = null;
const servers = [];
let allowed = ""; // origin A (allow-listed)
let foreign = ""; // origin B (not allow-listed)
let site = ""; // origin C (allow-listed): the built site, config.js for "sample"
let ownerSite = ""; // origin C's server under OWNER_HOST (allow-listed)
let ownerPlain = ""; // origin A's server (examples/frontend as it is) under OWNER_HOST
let ownerEmpty = ""; // a server whose config.js names no API, under OWNER_HOST
let attacker = null; // { url, requests }: the API a link's ?api= points at

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * The attacker's API on a free loopback port: records every request (method
 * and path) and answers any of them, readable from any origin: HOSTILE for
 * /resume..., a count for /visitorcount. Resolves to { server, url, requests }.
 */
function startAttackerApi() {
  const requests = [];
  const server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const body = req.url.startsWith("/resume") ? HOSTILE
      : req.url.startsWith("/visitorcount/stats") ? { days: [] }
        : { count: 31337, counted: false };
    res.writeHead(200, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" });
    res.end(JSON.stringify(body));
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      ok({ server, url: `http://127.0.0.1:${server.address().port}`, requests });
    });
  });
}

before(async () => {
  const dir = join(ROOT, "examples/frontend");
  for (let i = 0; i < 2; i += 1) {
    servers.push(await startStaticServer({ dir, host: "127.0.0.1", port: 0 }));
  }
  mkdirSync(SITE_DIR, { recursive: true });
  servers.push(await startStaticServer({ dir: SITE_DIR, host: "127.0.0.1", port: 0 }));
  const noApi = join(WORK, "no-api-config.js");
  writeFileSync(noApi, 'window.RESUME_CONFIG = { api: "", id: "" };\n');
  servers.push(await startStaticServer({ dir, host: "127.0.0.1", port: 0, config: noApi }));
  [allowed, foreign, site] = servers.map((s) => s.url);
  ownerSite = site.replace("127.0.0.1", OWNER_HOST);
  ownerPlain = allowed.replace("127.0.0.1", OWNER_HOST);
  ownerEmpty = servers[3].url.replace("127.0.0.1", OWNER_HOST);
  attacker = await startAttackerApi();
  servers.push(attacker);
  stack.startDynamoDb();
  stack.seed();
  stack.seed(SAMPLE_FILE, "sample");
  apiUrl = await stack.startApi(`${allowed},${site},${ownerSite}`);
  buildSite(apiUrl, "sample");
  browser = await launchChromium([`--host-resolver-rules=MAP ${OWNER_HOST} 127.0.0.1`]);
});

after(async () => {
  if (browser) await browser.close();
  for (const { server } of servers) {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
  await stack.close();
  rmSync(WORK, { recursive: true, force: true });
});

/** `make site`'s script: examples/frontend with a config.js for `api` and `id`. */
function buildSite(api, id) {
  const r = spawnSync("scripts/site.sh", [], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, API_URL: api, RESUME_ID: id, SITE_DIR, CONFIG_ENV: "" },
  });
  assert.equal(r.status, 0, `scripts/site.sh failed:\n${r.stdout}${r.stderr}`);
}

/** A page in a fresh context with this User-Agent. */
async function newPage(userAgent = DESKTOP_UA) {
  const context = await browser.newContext({ userAgent });
  // Tests reach loopback only: anything else (the resume's photo URL) gets a
  // 1x1 picture from here, and the test sees which URL was asked for.
  const offsite = [];
  await context.route((url) => !["127.0.0.1", "localhost", OWNER_HOST].includes(url.hostname), (route) => {
    offsite.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "image/svg+xml", body: TINY_SVG });
  });
  const page = await context.newPage();
  page.offsite = offsite;
  page.closeAll = () => context.close();
  return page;
}

/** Opens the page from `origin`; resolves when the counter settled on ready or error. */
async function openCounter(page, origin, api = apiUrl) {
  await page.goto(`${origin}/?api=${encodeURIComponent(api)}`);
  const box = page.locator("#visitor-counter");
  await page.waitForSelector('#visitor-counter:is([data-state="ready"], [data-state="error"])',
    { timeout: 30_000 });
  return box;
}

async function readyCount(page) {
  const box = page.locator("#visitor-counter");
  assert.equal(await box.getAttribute("data-state"), "ready");
  const text = (await page.locator("#visitor-count").textContent()).trim();
  assert.match(text, /^\d+$/, `the page shows ${JSON.stringify(text)}`);
  assert.ok(await page.locator("#visitor-count").isVisible());
  assert.ok(await page.locator("#visitor-error").isHidden());
  return Number(text);
}

/** The count as it is, asked in a way that is never counted (no Origin). */
async function currentCount() {
  const response = await fetch(`${apiUrl}/visitorcount`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.counted, false);
  return body.count;
}

test("the page renders the resume from GET /resume, accessibly and printably", async () => {
  const page = await newPage();
  try {
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await openCounter(page, allowed);
    await page.waitForSelector('#resume-status[data-state="ready"]', { state: "attached" });
    const name = RESUME.basics.name;
    assert.equal((await page.locator("h1").textContent()).trim(), name);
    assert.equal(await page.locator("h1").count(), 1);
    const work = page.locator("#resume-work");
    assert.ok(await work.isVisible());
    const job = RESUME.work[0];
    const firstJob = (await work.locator("article").first().textContent());
    assert.ok(firstJob.includes(job.position) && firstJob.includes(job.name), firstJob);
    assert.ok(firstJob.includes(job.highlights[0]), "the first highlight is shown");
    for (const id of ["resume-education", "resume-skills", "resume-projects"]) {
      assert.ok(await page.locator(`#${id}`).isVisible(), id);
    }
    // Landmarks, and a skip link to the main content.
    for (const selector of ["header", "main", "footer", "a.skip[href='#main']"]) {
      assert.equal(await page.locator(selector).count(), 1, selector);
    }
    assert.ok(await page.locator("#resume-error").isHidden());
    // On paper: the resume without the counter and chart.
    await page.emulateMedia({ media: "print" });
    assert.ok(await page.locator("footer").isHidden());
    assert.ok(await page.locator("#resume-work").isVisible());
    await page.emulateMedia({ media: "screen" });
    assert.deepEqual(errors, []);
  } finally {
    await page.closeAll();
  }
});

// The first item of each JSON Resume section, as the page must show it: the
// section's element, and texts of the item that must appear in it.
const SECTION_CHECKS = {
  work: (w) => [w.position, w.name, w.highlights?.[0]],
  volunteer: (v) => [v.position, v.organization, v.highlights?.[0]],
  education: (e) => [e.institution, e.area, e.courses?.[0]],
  awards: (a) => [a.title, a.awarder, a.summary],
  certificates: (c) => [c.name, c.issuer],
  publications: (p) => [p.name, p.publisher, p.summary],
  skills: (s) => [s.name, s.keywords?.[0]],
  languages: (l) => [l.language, l.fluency],
  interests: (i) => [i.name, i.keywords?.[0]],
  references: (r) => [r.name, r.reference],
  projects: (p) => [p.name, p.description, p.highlights?.[0], p.keywords?.[0]],
};

/** Checks that `page` shows `resume`: basics, and one item of every section it has. */
async function assertEverySection(page, resume) {
  await page.waitForSelector('#resume-status[data-state="ready"]', { state: "attached", timeout: 30_000 });
  const basics = resume.basics;
  assert.equal((await page.locator("h1").textContent()).trim(), basics.name);
  assert.equal((await page.locator("#resume-label").textContent()).trim(), basics.label);
  const contact = await page.locator("#resume-contact").textContent();
  for (const text of [basics.email, basics.phone, basics.location.city, basics.profiles[0].network]) {
    assert.ok(contact.includes(text), `contact shows ${text}: ${contact}`);
  }
  assert.equal((await page.locator("#resume-summary p").textContent()).trim(), basics.summary.trim());
  const present = Object.keys(SECTION_CHECKS).filter((key) => Array.isArray(resume[key]) && resume[key].length);
  for (const key of present) {
    const section = page.locator(`#resume-${key}`);
    assert.ok(await section.isVisible(), `section ${key} is shown`);
    const text = await section.textContent();
    for (const want of SECTION_CHECKS[key](resume[key][0]).filter(Boolean)) {
      assert.ok(text.includes(want.trim()), `section ${key} shows ${JSON.stringify(want)}`);
    }
  }
  return present;
}

test("every section of data/resume.json is shown, on screen and on paper", async () => {
  const page = await newPage();
  try {
    await openCounter(page, allowed);
    const shown = await assertEverySection(page, RESUME);
    assert.deepEqual(shown, Object.keys(SECTION_CHECKS), "data/resume.json has every section");
    assert.equal(await page.locator("#resume-image").getAttribute("src"), RESUME.basics.image);
    assert.ok(await page.locator("#resume-image").isVisible(), "the photo is shown");
    await page.emulateMedia({ media: "print" });
    for (const key of shown) {
      assert.ok(await page.locator(`#resume-${key}`).isVisible(), `${key} is printed`);
    }
    assert.ok(await page.locator("#visitor-chart").isHidden(), "the chart is not printed");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.pdf({ path: join(ARTIFACTS, "resume.pdf"), format: "A4" });
  } finally {
    await page.closeAll();
  }
});

test("the official sample resume (@jsonresume/schema): one item of every section, from the site make site builds", async () => {
  const page = await newPage();
  try {
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    // No ?api= or ?id=: the built site's config.js names both.
    await page.goto(`${site}/`);
    const shown = await assertEverySection(page, SAMPLE);
    assert.deepEqual(shown.sort(), Object.keys(SAMPLE).filter((k) => k in SECTION_CHECKS).sort(),
      "every section of the sample is checked");
    assert.ok(shown.length >= 10, `the sample has ${shown.length} list sections`);
    await page.waitForSelector('#visitor-counter[data-state="ready"]', { timeout: 30_000 });
    assert.deepEqual(errors, []);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "sample-resume.png"), fullPage: true });
  } finally {
    await page.closeAll();
  }
});

test("?id= and ?api= on the address choose the resume and the API", async () => {
  const page = await newPage();
  try {
    await page.goto(`${allowed}/?api=${encodeURIComponent(apiUrl)}&id=sample`);
    await page.waitForSelector('#resume-status[data-state="ready"]', { state: "attached", timeout: 30_000 });
    assert.equal((await page.locator("h1").textContent()).trim(), SAMPLE.basics.name);
    // ?id= wins over the built site's config.js, as ?api= does on a local host.
    await page.goto(`${site}/?id=example`);
    await page.waitForSelector('#resume-status[data-state="ready"]', { state: "attached", timeout: 30_000 });
    assert.equal((await page.locator("h1").textContent()).trim(), RESUME.basics.name);
  } finally {
    await page.closeAll();
  }
});

/** Resolves once the resume, the count and the chart have each settled (every fetch answered). */
async function settled(page) {
  for (const id of ["resume-status", "visitor-counter", "visitor-chart"]) {
    await page.waitForSelector(`#${id}:is([data-state="ready"], [data-state="error"])`,
      { state: "attached", timeout: 30_000 });
  }
}

/** A page that records the host of every http(s) request it makes. */
async function recordingPage() {
  const page = await newPage();
  page.hosts = [];
  page.requests = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith("http")) {
      page.hosts.push(url.host);
      page.requests.push(r.url());
    }
  });
  return page;
}

test("on a non-local host name, ?api= is ignored: config.js's API is used and the other API gets nothing", async () => {
  const page = await recordingPage();
  const before = attacker.requests.length;
  try {
    await page.goto(`${ownerSite}/?api=${encodeURIComponent(attacker.url)}`);
    await settled(page);
    assert.equal(await page.evaluate(() => window.location.hostname), OWNER_HOST);
    assert.equal(await page.locator("#resume-status").getAttribute("data-state"), "ready");
    assert.equal((await page.locator("h1").textContent()).trim(), SAMPLE.basics.name);
    assert.equal(await page.locator("#visitor-counter").getAttribute("data-state"), "ready");
    assert.equal((await page.locator("#visitor-api").textContent()).trim(), apiUrl);
    assert.deepEqual(attacker.requests.slice(before), [], "the attacker's API was asked nothing");
    assert.ok(!page.hosts.includes(new URL(attacker.url).host), page.hosts.join(" "));
  } finally {
    await page.closeAll();
  }
});

test("on a non-local host name, examples/frontend as it is asks its own origin's /api, and only that", async () => {
  // config.js's default "/api": the site's own origin, where the stack's
  // distribution serves the API (here a static server: no API there).
  const page = await recordingPage();
  const before = attacker.requests.length;
  try {
    await page.goto(`${ownerPlain}/?api=${encodeURIComponent(attacker.url)}`);
    await settled(page);
    assert.equal((await page.locator("#visitor-api").textContent()).trim(), `${ownerPlain}/api`);
    assert.equal(await page.locator("#resume-status").getAttribute("data-state"), "error");
    assert.deepEqual(attacker.requests.slice(before), []);
    const own = new URL(ownerPlain).host;
    assert.deepEqual(page.hosts.filter((h) => h !== own), [], "only the page's own host was asked");
  } finally {
    await page.closeAll();
  }
});

test("on a non-local host name with no API in config.js, the page asks no API at all", async () => {
  const page = await recordingPage();
  const before = attacker.requests.length;
  try {
    await page.goto(`${ownerEmpty}/?api=${encodeURIComponent(attacker.url)}`);
    await settled(page);
    assert.equal(await page.locator("#resume-status").getAttribute("data-state"), "error");
    assert.ok(await page.locator("#resume-error").isVisible());
    assert.equal(await page.locator("#visitor-counter").getAttribute("data-state"), "error");
    assert.equal((await page.locator("#visitor-api").textContent()).trim(), "(not configured)");
    assert.deepEqual(attacker.requests.slice(before), []);
    const own = new URL(ownerEmpty).host;
    const asked = page.requests.filter((u) => new URL(u).host === own).map((u) => new URL(u).pathname);
    // The page and its files only: no /api, /resume or /visitorcount.
    assert.ok(asked.every((p) => p === "/" || /^\/[\w-]+\.(js|css)$/.test(p)),
      `no API request: ${asked.join(" ")}`);
    assert.deepEqual(page.hosts.filter((h) => h !== own), [], "only the page's own host was asked");
  } finally {
    await page.closeAll();
  }
});

test("on localhost, ?api= is honoured, and what that API answers stays text with only http(s)/mailto links", async () => {
  for (const origin of [site, site.replace("127.0.0.1", "localhost")]) {
    const page = await newPage();
    const before = attacker.requests.length;
    try {
      await page.goto(`${origin}/?api=${encodeURIComponent(attacker.url)}`);
      await settled(page);
      const asked = attacker.requests.slice(before);
      assert.ok(asked.includes("GET /resume/sample") && asked.includes("GET /visitorcount"),
        `${origin}: the ?api= API was asked: ${asked.join(", ")}`);
      assert.equal((await page.locator("h1").textContent()).trim(), HOSTILE.basics.name, origin);
      assert.equal((await page.locator("#visitor-count").textContent()).trim(), "31337");
      // Markup in the resume is shown as text, never parsed.
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.equal(await page.locator('img[src="x"], main script, header script, #resume-label b, #resume-work i').count(), 0);
      assert.equal((await page.locator("#resume-label").textContent()).trim(), HOSTILE.basics.label);
      assert.equal((await page.locator("#resume-summary p").textContent()).trim(), HOSTILE.basics.summary);
      // Only http(s) and mailto URLs become links; the rest stay text.
      const hrefs = await page.locator("a[href]").evaluateAll((links) => links.map((a) => a.href));
      for (const href of hrefs) {
        assert.ok(["http:", "https:", "mailto:"].includes(new URL(href).protocol), `a link to ${href}`);
      }
      assert.ok(hrefs.includes("https://attacker.example/profile"), hrefs.join(" "));
      assert.ok(hrefs.includes(`mailto:${HOSTILE.basics.email}`), hrefs.join(" "));
      for (const text of ["Script: m", "Data", "Phone", "Evil Corp", "Trap"]) {
        assert.equal(await page.locator("a", { hasText: text }).count(), 0, `${text} is no link`);
        assert.ok((await page.locator("body").textContent()).includes(text), `${text} is shown`);
      }
    } finally {
      await page.closeAll();
    }
  }
});

test("the chart has one mark per day for the last 30 days, and a screenshot is saved", async () => {
  const page = await newPage();
  try {
    await openCounter(page, allowed);
    await page.waitForSelector('#visitor-chart:is([data-state="ready"], [data-state="error"])');
    assert.equal(await page.locator("#visitor-chart").getAttribute("data-state"), "ready");
    const svg = page.locator("#visitor-chart svg[role='img']");
    assert.equal(await svg.count(), 1);
    assert.equal(await svg.locator("rect.views").count(), 30);
    assert.equal(await svg.locator("circle.uniques").count(), 30);
    const dates = await svg.locator("rect.views").evaluateAll((bars) => bars.map((b) => b.dataset.date));
    assert.deepEqual(dates, [...dates].sort(), "oldest first");
    assert.equal(dates[29], new Date().toISOString().slice(0, 10), "ends today (UTC)");
    const today = Number(await svg.locator("rect.views").last().getAttribute("data-views"));
    assert.ok(today >= 1, `today's bar shows ${today} views`);
    assert.ok((await svg.locator("desc").textContent()).includes("views in all"));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "resume-page.png"), fullPage: true });
    assert.ok(existsSync(join(ARTIFACTS, "resume-page.png")));
  } finally {
    await page.closeAll();
  }
});

test("a reload on the allowed origin counts again", async () => {
  const page = await newPage();
  try {
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await openCounter(page, allowed);
    const first = await readyCount(page);
    assert.ok(first >= 1, `count ${first}`);
    assert.equal(await page.locator("#visitor-counter").getAttribute("data-counted"), "true");

    await page.reload();
    await page.waitForSelector('#visitor-counter:is([data-state="ready"], [data-state="error"])');
    const second = await readyCount(page);
    assert.ok(second > first, `after a reload the count is ${second}, before ${first}`);
    assert.equal(await currentCount(), second);
    assert.deepEqual(errors, []);
  } finally {
    await page.closeAll();
  }
});

test("a bot's visit shows the count but does not move it", async () => {
  const before = await currentCount();
  const page = await newPage(BOT_UA);
  try {
    await openCounter(page, allowed);
    assert.equal(await readyCount(page), before);
    assert.equal(await page.locator("#visitor-counter").getAttribute("data-counted"), "false");
    await page.reload();
    await page.waitForSelector('#visitor-counter:is([data-state="ready"], [data-state="error"])');
    assert.equal(await readyCount(page), before);
  } finally {
    await page.closeAll();
  }
  assert.equal(await currentCount(), before);
});

test("a prefetch of the counter does not move it", async () => {
  const page = await newPage();
  try {
    await openCounter(page, allowed);
    const before = await currentCount();
    // The browser's own prefetch: <link rel="prefetch"> on the site's page.
    const url = `${apiUrl}/visitorcount`;
    const prefetched = page.waitForRequest((r) => r.url() === url && r.method() === "GET",
      { timeout: 15_000 });
    await page.evaluate((href) => {
      const link = document.createElement("link");
      link.rel = "prefetch";
      link.href = href;
      document.head.appendChild(link);
    }, url);
    const request = await prefetched;
    const headers = await request.allHeaders();
    assert.ok(/prefetch/i.test(headers["sec-purpose"] || headers.purpose || ""),
      `the prefetch says so: ${JSON.stringify(headers)}`);
    const response = await request.response();
    if (response) await response.finished();
    assert.equal(await currentCount(), before);
  } finally {
    await page.closeAll();
  }
});

test("an API failure shows a readable message", async () => {
  const page = await newPage();
  try {
    const closed = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    await openCounter(page, allowed, closed);
    await page.waitForSelector('#resume-status[data-state="error"]', { state: "attached" });
    const message = page.locator("#resume-error");
    assert.ok(await message.isVisible());
    assert.match(await message.textContent(), /could not be loaded/);
    assert.equal(await page.locator("#visitor-counter").getAttribute("data-state"), "error");
    assert.ok(await page.locator("#visitor-error").isVisible());
  } finally {
    await page.closeAll();
  }
});

test("a copy on a non-allowed origin shows the error state", async () => {
  const page = await newPage();
  try {
    const box = await openCounter(page, foreign);
    assert.equal(await box.getAttribute("data-state"), "error");
    assert.ok(await page.locator("#visitor-error").isVisible());
    assert.ok(await page.locator("#visitor-ready").isHidden());
    assert.equal(await box.getAttribute("data-count"), null);
  } finally {
    await page.closeAll();
  }
});

test("the API refuses a foreign Origin itself, and allows the site's", async () => {
  // The same request outside a browser (no CORS enforcement): a foreign
  // Origin gets a 403 and counts nothing; the site's gets its CORS header.
  const before = await currentCount();
  const refused = await fetch(`${apiUrl}/visitorcount`,
    { headers: { Origin: foreign, "User-Agent": DESKTOP_UA } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
  assert.equal((await refused.json()).error, "forbidden");
  assert.equal(await currentCount(), before);
  const ok = await fetch(`${apiUrl}/visitorcount`,
    { headers: { Origin: allowed, "User-Agent": DESKTOP_UA } });
  assert.equal(ok.headers.get("access-control-allow-origin"), allowed);
  assert.equal((await ok.json()).counted, true);
});
