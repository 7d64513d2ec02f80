// GET /visitorcount: count the visit (atomic ADD), log it, and count unique
// visitors of the day (a conditional put of a seen-today marker).
"use strict";

const crypto = require("node:crypto");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} = require("@aws-sdk/lib-dynamodb");
const { error, header, response } = require("./common");

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const COUNTER = process.env.COUNTER_TABLE;
const VISITS = process.env.VISITS_TABLE;
const SALT = process.env.VISITOR_SALT;
const TTL_DAYS = Number(process.env.VISIT_TTL_DAYS || 90);
const DAY_S = 86400;

async function increment(key) {
  const out = await doc.send(
    new UpdateCommand({
      TableName: COUNTER,
      Key: { id: key },
      UpdateExpression: "ADD #count :one",
      ExpressionAttributeNames: { "#count": "count" },
      ExpressionAttributeValues: { ":one": 1 },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return Number(out.Attributes.count);
}

exports.handler = async (event) => {
  const now = new Date();
  const nowS = Math.floor(now.getTime() / 1000);
  const ip = ((event.requestContext || {}).identity || {}).sourceIp || "unknown";
  const ipHash = crypto.createHmac("sha256", SALT).update(ip).digest("hex");
  let total;
  try {
    total = await increment("total");
  } catch {
    return error(event, 503, "service_unavailable", "the database is unavailable, retry later");
  }

  const visit = {
    id: crypto.randomUUID(),
    at: now.toISOString(),
    ipHash,
    path: event.path || "/visitorcount",
    expiresAt: nowS + TTL_DAYS * DAY_S,
  };
  const agent = (header(event, "user-agent") || "").slice(0, 256);
  if (agent) visit.userAgent = agent;
  try {
    await doc.send(new PutCommand({ TableName: VISITS, Item: visit }));
  } catch (e) {
    console.log(`visit log write failed: ${e}`);
  }

  const day = now.toISOString().slice(0, 10);
  const midnightS = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000);
  let unique;
  try {
    await doc.send(
      new PutCommand({
        TableName: COUNTER,
        Item: { id: `seen#${day}#${ipHash}`, expiresAt: midnightS + 2 * DAY_S },
        ConditionExpression: "attribute_not_exists(id)",
      }),
    );
    unique = await increment(`day#${day}`);
  } catch (e) {
    if (e.name === "ConditionalCheckFailedException") {
      const { Item: item } = await doc.send(
        new GetCommand({ TableName: COUNTER, Key: { id: `day#${day}` }, ConsistentRead: true }),
      );
      unique = Number((item || {}).count || 0);
    } else {
      console.log(`cannot record today's visitor: ${e}`);
    }
  }

  const body = { count: total };
  if (unique !== undefined) body.unique_today = unique;
  return response(event, 200, body, { "Cache-Control": "no-store" });
};
