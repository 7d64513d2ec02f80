// GET /resume and GET /resume/{id}: a JSON Resume document from DynamoDB,
// with a strong ETag (304 on If-None-Match) and Cache-Control.
"use strict";

const crypto = require("node:crypto");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, GetCommand } = require("@aws-sdk/lib-dynamodb");
const { error, header, response } = require("./common");

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.RESUME_TABLE;
const DEFAULT_ID = process.env.RESUME_ID;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

exports.handler = async (event) => {
  const resumeId = (event.pathParameters || {}).id || DEFAULT_ID;
  if (!ID_RE.test(resumeId)) return error(event, 400, "invalid_id", "invalid resume id");
  const { Item: item } = await doc.send(new GetCommand({ TableName: TABLE, Key: { id: resumeId } }));
  if (!item || !("resume" in item)) {
    return error(event, 404, "not_found", `no resume with id '${resumeId}'`);
  }
  const body = JSON.stringify(item.resume);
  const etag = `"${crypto.createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
  const headers = { ETag: etag, "Cache-Control": "public, max-age=60" };
  const tags = (header(event, "if-none-match") || "").split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (tags.includes(etag) || tags.includes("*")) return response(event, 304, "", headers);
  return response(event, 200, body, headers);
};
