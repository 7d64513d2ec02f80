#!/usr/bin/env node
// A small static file server for examples/frontend (no dependencies).
//
//   node scripts/serve-frontend.mjs [--host 127.0.0.1] [--port 8080] [--or-free-port]
//                                   [--dir examples/frontend] [--config FILE]
//
// --or-free-port: listen on a free port when --port is taken.
// --config FILE: serve FILE as /config.js (read on each request; missing: the
// page's own config.js, if any), so a test can hand the page another API URL.
//
// Prints "serving <dir> on http://<host>:<port>/" once listening. The browser
// test imports `startStaticServer` to serve the page on two origins.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/**
 * Serves `dir` on host:port (port 0: any free port; `orFreePort`: a free one
 * when `port` is taken). `config`: a file served as /config.js. Resolves to
 * { server, url }.
 */
export async function startStaticServer({ dir, host = "127.0.0.1", port = 0, orFreePort = false, config }) {
  try {
    return await listen(handler(dir, config), host, port);
  } catch (e) {
    if (!orFreePort || e.code !== "EADDRINUSE") throw e;
    return listen(handler(dir, config), host, 0);
  }
}

function handler(dir, config) {
  const root = resolve(dir);
  return async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { Allow: "GET, HEAD" }).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      let file = normalize(join(root, path));
      if (config && path === "/config.js" && (await stat(config).catch(() => null))?.isFile()) {
        file = resolve(config);
      } else if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) {
        file = join(file, "index.html");
      }
      const body = await readFile(file);
      res.writeHead(200, {
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Cache-Control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  };
}

function listen(requestHandler, host, port) {
  const server = createServer(requestHandler);
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolvePromise({ server, url: `http://${host}:${actual}` });
    });
  });
}

function parseArgs(argv) {
  const options = { host: "127.0.0.1", port: 8080, dir: "examples/frontend", orFreePort: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--or-free-port") {
      options.orFreePort = true;
      i -= 1;
      continue;
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--host") options.host = value;
    else if (flag === "--port") options.port = Number(value);
    else if (flag === "--dir") options.dir = value;
    else if (flag === "--config") options.config = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArgs(process.argv.slice(2));
  const { server, url } = await startStaticServer(options);
  console.log(`serving ${options.dir} on ${url}/`);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  }
}
