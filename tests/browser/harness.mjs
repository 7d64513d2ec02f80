// What the browser tests share: the local stack they start and stop
// themselves (DynamoDB Local in memory and local-api, both on free loopback
// ports), Debian's Chromium under playwright-core, and a page that records
// Content-Security-Policy violations.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
// CHROMIUM_PATH: another Chromium already on the machine (never downloaded).
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const LOCAL_API = process.env.LOCAL_API_BIN || join(ROOT, "target/debug/local-api");
const DDB_LOCAL = process.env.DYNAMODB_LOCAL_BIN || join(ROOT, "target/debug/dynamodb-local");
// Headless Chromium says "HeadlessChrome" in its User-Agent, which the counter
// rightly takes for a bot: the "visitor" pages use an ordinary desktop one.
export const DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/** DynamoDB Local and local-api for one test file, its files in `work`. */
export class LocalStack {
  constructor(work) {
    this.work = work;
    this.pidFile = join(work, "ddb.pid");
    this.ddbStarted = false;
    this.api = null;
    this.endpoint = "";
    // Also on an unexpected exit, never leave processes behind.
    process.once("exit", () => this.stop());
    for (const signal of ["SIGINT", "SIGTERM"]) {
      process.once(signal, () => {
        this.stop();
        process.exit(130);
      });
    }
  }

  ddb(...args) {
    return spawnSync(DDB_LOCAL, args, { cwd: ROOT, encoding: "utf8" });
  }

  env(origins) {
    const { SITE_DIR: _site, ...inherited } = process.env;
    return {
      // A site only where a test asks for one (`make site`'s SITE_DIR is another thing).
      ...inherited,
      AWS_ENDPOINT_URL_DYNAMODB: this.endpoint,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_SESSION_TOKEN: "",
      AWS_REGION: "us-east-1",
      AWS_PROFILE: "",
      LOCAL_API_ADDR: "127.0.0.1:0",
      ALLOWED_ORIGINS: origins,
      RUST_LOG: "warn",
    };
  }

  /** Starts DynamoDB Local (in memory, a free port). */
  startDynamoDb() {
    assert.ok(existsSync(LOCAL_API), `${LOCAL_API} is missing: cargo build -p local-api`);
    // The launcher picks a free port (another one if it is taken before Java
    // binds it) and prints it.
    const r = this.ddb("start", "--free-port", "--pid-file", this.pidFile, "--in-memory",
      "--log", join(this.work, "ddb.log"));
    if (r.status !== 0) {
      throw new Error(`DynamoDB Local did not start:\n${r.stdout}${r.stderr}`);
    }
    this.ddbStarted = true;
    this.endpoint = `http://127.0.0.1:${r.stdout.trim()}`;
    return this.endpoint;
  }

  /**
   * Publishes `file` under `id`, creating the tables. `local-api publish`
   * stores only under the id a stack serves (RESUME_ID), so the id is given as that.
   */
  seed(file = "data/resume.json", id = "example") {
    const r = spawnSync(LOCAL_API, ["publish", file, "--create-tables"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...this.env(""), RESUME_ID: id },
    });
    assert.equal(r.status, 0, `local-api publish failed:\n${r.stdout}${r.stderr}`);
  }

  /**
   * Starts local-api on a free port with ALLOWED_ORIGINS `origins` and the
   * variables `more` (SITE_DIR: a site on its origin); resolves to its base URL.
   */
  startApi(origins, more = {}) {
    return new Promise((ok, fail) => {
      const child = spawn(LOCAL_API, ["serve"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...this.env(origins), ...more },
      });
      this.api = child;
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

  /** Stops local-api (resolves once it exited) and DynamoDB Local. */
  async close() {
    const api = this.api;
    const exited = api && api.exitCode === null && api.signalCode === null
      ? new Promise((ok) => api.once("exit", ok))
      : Promise.resolve();
    this.stop();
    await exited;
  }

  stop() {
    if (this.api && this.api.exitCode === null && this.api.signalCode === null) {
      this.api.kill("SIGTERM");
    }
    if (this.ddbStarted) {
      this.ddb("stop", "--pid-file", this.pidFile);
      this.ddbStarted = false;
    }
  }
}

/** Debian's headless Chromium (never a downloaded one), with `extraArgs`. */
export function launchChromium(extraArgs = []) {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run tests/browser/install-chromium.sh`);
  return chromium.launch({
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
      ...extraArgs,
    ],
  });
}

/**
 * Makes `context` record every Content-Security-Policy violation of its
 * pages into `violations`: the `securitypolicyviolation` events (from an
 * init script, which the page's CSP does not govern) and Chromium's console
 * messages about the policy.
 */
export async function recordCspViolations(context, violations) {
  await context.exposeBinding("__cspViolation", (_source, text) => { violations.push(text); });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  context.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) {
      violations.push(`console: ${message.text()}`);
    }
  });
}
