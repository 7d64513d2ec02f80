// POST /dynamodbmanager: the serverless-lab CRUD handler
// ({"operation", "tableName", "payload"}), behind an API Gateway proxy.
"use strict";

const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} = require("@aws-sdk/lib-dynamodb");
const { error, response } = require("./common");

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.MANAGER_TABLE;
const ALLOWED = new Set([
  TABLE,
  ...(process.env.MANAGER_ALLOWED_TABLES || "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean),
]);

const OPERATIONS = {
  create: (x) => doc.send(new PutCommand(x)),
  read: (x) => doc.send(new GetCommand(x)),
  update: (x) => doc.send(new UpdateCommand(x)),
  delete: (x) => doc.send(new DeleteCommand(x)),
  list: (x) => doc.send(new ScanCommand(x)),
  echo: async (x) => x,
  ping: async () => "pong",
};

exports.handler = async (event) => {
  let body = event.body || "";
  if (event.isBase64Encoded) body = Buffer.from(body, "base64").toString();
  let request;
  try {
    request = JSON.parse(body);
    if (typeof request.operation !== "string") throw new TypeError("no operation");
  } catch {
    return error(event, 400, "invalid_request", "expected {operation, tableName?, payload}");
  }
  const name = request.tableName || TABLE;
  if (!ALLOWED.has(name)) {
    return error(event, 403, "forbidden", `table '${name}' is not managed by this API`);
  }
  const operation = OPERATIONS[request.operation];
  if (!Object.hasOwn(OPERATIONS, request.operation)) {
    return error(event, 400, "unknown_operation", `unknown operation '${request.operation}'`);
  }
  let result;
  try {
    result = await operation({ ...(request.payload || {}), TableName: name });
  } catch (e) {
    if (e.$metadata) return error(event, 400, e.name, e.message);
    throw e;
  }
  if (result && typeof result === "object") delete result.$metadata;
  return response(event, 200, result);
};
