// Bits the three baseline handlers share, as a small Node.js project would.
"use strict";

const crypto = require("node:crypto");

const ALLOWED_ORIGINS = new Set(
  (process.env.ALLOWED_ORIGINS || "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean),
);

// JSON.stringify replacer: the document client returns numbers beyond 2^53
// as BigInt, which JSON.stringify refuses.
function toJson(_key, value) {
  return typeof value === "bigint" ? value.toString() : value;
}

function header(event, name) {
  for (const [key, value] of Object.entries(event.headers || {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function response(event, status, body, headers) {
  const requestId = (event.requestContext || {}).requestId || crypto.randomUUID();
  const out = { "Content-Type": "application/json", "x-request-id": requestId };
  const origin = header(event, "origin");
  if (origin && ALLOWED_ORIGINS.has(origin)) {
    out["Access-Control-Allow-Origin"] = origin;
    out.Vary = "origin";
  }
  Object.assign(out, headers || {});
  if (body !== undefined && body !== null && typeof body !== "string") {
    body = JSON.stringify(body, toJson);
  }
  return { statusCode: status, headers: out, body: body || "" };
}

function error(event, status, code, message) {
  const requestId = (event.requestContext || {}).requestId || "";
  return response(event, status, { error: code, message, requestId });
}

module.exports = { header, response, error };
