// Browser test of the visitor counter: Debian's headless Chromium, driven by
// playwright-core, loads examples/frontend from two origins against a local
// stack that this test starts and stops itself:
//
//   - DynamoDB Local (in memory, free port, via target/debug/dynamodb-local,
//     the launcher of crates/testkit);
//   - the local API (target/debug/local-api, free port), whose ALLOWED_ORIGINS
//     lists only origin A;
//   - two static servers of examples/frontend: origin A and origin B.
//
// Run by scripts/browser-test.sh (`make browser-test`, part of `make test`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startStaticServer } from "../../scripts/serve-frontend.mjs";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const CHROMIUM = "/usr/bin/chromium";
const LOCAL_API = process.env.LOCAL_API_BIN || join(ROOT, "target/debug/local-api");
const WORK = mkdtempSync(join(tmpdir(), "counter-browser-"));
const DDB_PID = join(WORK, "ddb.pid");

let ddbStarted = false;
let api = null; // the local-api child process
let apiUrl = "";
let browser = null;
const servers = [];
let allowed = ""; // origin A (allow-listed)
let foreign = ""; // origin B (not allow-listed)

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

const DDB_LOCAL = process.env.DYNAMODB_LOCAL_BIN || join(ROOT, "target/debug/dynamodb-local");

function ddb(...args) {
  return spawnSync(DDB_LOCAL, args, {
    cwd: ROOT,
    encoding: "utf8",
  });
}

async function startDynamoDbLocal() {
  // The launcher picks a free port (another one if it is taken before Java
  // binds it) and prints it.
  const r = ddb("start", "--free-port", "--pid-file", DDB_PID, "--in-memory",
    "--log", join(WORK, "ddb.log"));
  if (r.status !== 0) {
    throw new Error(`DynamoDB Local did not start:\n${r.stdout}${r.stderr}`);
  }
  ddbStarted = true;
  return `http://127.0.0.1:${r.stdout.trim()}`;
}

/** Starts the local API on a free port; resolves to its base URL. */
function startLocalApi(endpoint, origins) {
  return new Promise((ok, fail) => {
    const child = spawn(LOCAL_API, ["serve"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_SESSION_TOKEN: "",
        AWS_REGION: "us-east-1",
        AWS_PROFILE: "",
        LOCAL_API_ADDR: "127.0.0.1:0",
        ALLOWED_ORIGINS: origins,
        RUST_LOG: "warn",
      },
    });
    api = child;
    let out = "";
    const timer = setTimeout(() => fail(new Error(`local-api did not start:\n${out}`)), 60_000);
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/local API on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", (c) => { out += c; });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`local-api exited with ${code}:\n${out}`));
    });
  });
}

function stopEverything() {
  if (api && api.exitCode === null && api.signalCode === null) {
    api.kill("SIGTERM");
  }
  if (ddbStarted) {
    ddb("stop", "--pid-file", DDB_PID);
    ddbStarted = false;
  }
}

// Also on an unexpected exit, never leave processes behind.
process.once("exit", stopEverything);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stopEverything();
    process.exit(130);
  });
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run tests/browser/install-chromium.sh`);
  assert.ok(existsSync(LOCAL_API), `${LOCAL_API} is missing: cargo build -p local-api`);
  const dir = join(ROOT, "examples/frontend");
  for (let i = 0; i < 2; i += 1) {
    servers.push(await startStaticServer({ dir, host: "127.0.0.1", port: 0 }));
  }
  [allowed, foreign] = servers.map((s) => s.url);
  const endpoint = await startDynamoDbLocal();
  apiUrl = await startLocalApi(endpoint, allowed);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  if (browser) await browser.close();
  for (const { server } of servers) {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
  const exited = api && api.exitCode === null && api.signalCode === null
    ? new Promise((ok) => api.once("exit", ok))
    : Promise.resolve();
  stopEverything();
  await exited;
  rmSync(WORK, { recursive: true, force: true });
});

/** Opens the page from `origin`; resolves when it settled on ready or error. */
async function openCounter(page, origin) {
  await page.goto(`${origin}/?api=${encodeURIComponent(apiUrl)}`);
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

test("the allowed origin renders the count, and a reload shows it grown", async () => {
  const page = await browser.newPage();
  try {
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await openCounter(page, allowed);
    const first = await readyCount(page);
    assert.ok(first >= 1, `count ${first}`);

    await page.reload();
    await page.waitForSelector('#visitor-counter:is([data-state="ready"], [data-state="error"])');
    const second = await readyCount(page);
    assert.ok(second > first, `after a reload the count is ${second}, before ${first}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("a copy on a non-allowed origin shows the error state", async () => {
  const page = await browser.newPage();
  try {
    const box = await openCounter(page, foreign);
    assert.equal(await box.getAttribute("data-state"), "error");
    assert.ok(await page.locator("#visitor-error").isVisible());
    assert.ok(await page.locator("#visitor-ready").isHidden());
    assert.equal(await box.getAttribute("data-count"), null);
  } finally {
    await page.close();
  }
});

test("the API answered the refused origin: the browser, not the server, blocked it", async () => {
  // The same request outside a browser (no CORS enforcement) gets a count but
  // no Access-Control-Allow-Origin for origin B, and gets one for origin A.
  const refused = await fetch(`${apiUrl}/visitorcount`, { headers: { Origin: foreign } });
  assert.equal(refused.status, 200);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
  assert.ok(Number.isInteger((await refused.json()).count));
  const ok = await fetch(`${apiUrl}/visitorcount`, { headers: { Origin: allowed } });
  assert.equal(ok.headers.get("access-control-allow-origin"), allowed);
});
